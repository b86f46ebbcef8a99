// SPDX-License-Identifier: MIT
// Conformance on the ONNX backend test data (issue 3): every test through each engine's public
// JS API, in child processes with a per-test time limit (a crash or hang is a result, not the
// end of the run). Writes build/conformance/<engine>.json and build/conformance/summary.md.
//
//   node tests/conformance/run.mjs [--engine onnx-wasm|onnxruntime-web|both] [--filter REGEX]
//                                  [--jobs N] [--timeout S] [--check | --update]
//
// --check compares onnx-wasm with the manifest (tests/conformance/expected.txt): a test listed
// there that does not pass is a regression, a pass not listed is unexpected (add it with
// --update, so the manifest only tightens); either fails the run.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUITES, listTests } from './suite.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const manifestPath = path.join(here, 'expected.txt');

function parseArgs(argv) {
  const a = { engine: 'onnx-wasm', filter: null, jobs: Math.max(1, Math.min(os.cpus().length, 4)), timeout: 60, check: false, update: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--engine') a.engine = argv[++i];
    else if (k === '--filter') a.filter = new RegExp(argv[++i]);
    else if (k === '--jobs') a.jobs = parseInt(argv[++i], 10);
    else if (k === '--timeout') a.timeout = Number(argv[++i]);
    else if (k === '--check') a.check = true;
    else if (k === '--update') a.update = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

// Runs `tests` on `engine` with `jobs` worker processes.
async function runEngine(engine, tests, jobs, timeoutS) {
  const results = {};
  const queue = tests.slice();
  const worker = path.join(here, 'worker.mjs');
  let done = 0;
  const lane = async () => {
    let child = null, ready = null;
    const start = () => {
      child = fork(worker, [engine], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
      child.stderr.on('data', () => {});  // engines' own logging
      ready = new Promise((resolve) => child.once('message', resolve));
    };
    while (queue.length) {
      const test = queue.shift();
      if (!child) start();
      await ready;
      const t0 = Date.now();
      const r = await new Promise((resolve) => {
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ status: 'timeout', detail: `no result in ${timeoutS} s` }); }, timeoutS * 1000);
        const onExit = (code, signal) => { clearTimeout(timer); resolve({ status: 'crash', detail: `the process ended (${signal || 'exit ' + code})` }); };
        child.once('exit', onExit);
        child.once('message', (m) => { clearTimeout(timer); child.off('exit', onExit); resolve(m); });
        child.send({ id: test.id, test });
      });
      results[test.id] = { status: r.status, ...(r.detail ? { detail: r.detail } : {}), ms: Date.now() - t0 };
      if (r.status === 'timeout' || r.status === 'crash') child = null;
      if (++done % 100 === 0) process.stderr.write(`  ${engine}: ${done}/${tests.length}\n`);
    }
    if (child) child.kill();
  };
  await Promise.all(Array.from({ length: jobs }, lane));
  return results;
}

function summary(tests, byEngine) {
  const engines = Object.keys(byEngine);
  const lines = [`| suite | tests | ${engines.map((e) => `${e} passes`).join(' | ')} |`, `|---|---:|${engines.map(() => '---:').join('|')}|`];
  const count = (suite, e) => tests.filter((t) => (!suite || t.suite === suite) && byEngine[e][t.id] && byEngine[e][t.id].status === 'pass').length;
  for (const s of SUITES) lines.push(`| ${s} | ${tests.filter((t) => t.suite === s).length} | ${engines.map((e) => count(s, e)).join(' | ')} |`);
  lines.push(`| **all** | ${tests.length} | ${engines.map((e) => `**${count(null, e)}**`).join(' | ')} |`);
  const statuses = ['pass', 'fail', 'error', 'unsupported-io', 'timeout', 'crash'];
  lines.push('', `| outcome | ${engines.join(' | ')} |`, `|---|${engines.map(() => '---:').join('|')}|`);
  for (const st of statuses) lines.push(`| ${st} | ${engines.map((e) => Object.values(byEngine[e]).filter((r) => r.status === st).length).join(' | ')} |`);
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // The onnx source that scripts/setup.sh unpacked (scripts/test.sh sets the variable).
  const cache = process.env.ONNXWASM_CACHE || path.join(os.homedir(), '.cache', 'onnx-wasm');
  const data = process.env.ONNXWASM_ONNX_DATA || path.join(cache, 'src/onnx/onnx/backend/test/data');
  if (!fs.existsSync(data)) throw new Error(`no ONNX test data at ${data}: run scripts/setup.sh (or set ONNXWASM_ONNX_DATA)`);
  let tests = listTests(data);
  if (args.filter) tests = tests.filter((t) => args.filter.test(t.id));
  const engines = args.engine === 'both' ? ['onnx-wasm', 'onnxruntime-web'] : [args.engine];
  const out = path.join(root, 'build', 'conformance');
  fs.mkdirSync(out, { recursive: true });
  const byEngine = {};
  for (const e of engines) {
    const t0 = Date.now();
    byEngine[e] = await runEngine(e, tests, args.jobs, args.timeout);
    fs.writeFileSync(path.join(out, `${e}.json`), JSON.stringify(byEngine[e], null, 1));
    process.stderr.write(`  ${e}: ${tests.length} tests in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const md = summary(tests, byEngine);
  fs.writeFileSync(path.join(out, 'summary.md'), md + '\n');
  console.log(md);

  if (!byEngine['onnx-wasm'] || (!args.check && !args.update)) return 0;
  const ours = byEngine['onnx-wasm'];
  const passing = tests.filter((t) => ours[t.id].status === 'pass').map((t) => t.id);
  const expected = fs.existsSync(manifestPath)
    ? fs.readFileSync(manifestPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : [];
  const inRun = new Set(tests.map((t) => t.id));
  if (args.update) {
    const keep = expected.filter((id) => !inRun.has(id));  // a filtered run leaves other entries alone
    const all = [...new Set([...keep, ...passing])].sort();
    fs.writeFileSync(manifestPath, '# ONNX backend tests onnx-wasm passes (threaded build); written by\n' +
      '# `node tests/conformance/run.mjs --update`, checked by scripts/test.sh.\n' + all.join('\n') + '\n');
    console.log(`\nmanifest: ${all.length} expected passes written to ${path.relative(root, manifestPath)}`);
    return 0;
  }
  const want = new Set(expected.filter((id) => inRun.has(id)));
  const regressions = [...want].filter((id) => ours[id].status !== 'pass');
  const unexpected = passing.filter((id) => !want.has(id));
  for (const id of regressions) console.log(`REGRESSION ${id}: ${ours[id].status} ${ours[id].detail || ''}`);
  for (const id of unexpected) console.log(`UNEXPECTED PASS ${id} (add it: node tests/conformance/run.mjs --update)`);
  console.log(`\nconformance: ${passing.length} of ${tests.length} pass; manifest expects ${want.size}; ` +
    `${regressions.length} regressions, ${unexpected.length} unexpected passes`);
  return regressions.length || unexpected.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
