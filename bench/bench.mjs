// SPDX-License-Identifier: MIT
// `npm run bench`: onnx-wasm vs onnxruntime-web 1.30 in Node, same models, inputs and thread
// count, in the same run. Each measurement is a fresh process running one engine
// (bench/run-one.mjs), the engines alternating: ours, ort, then ort, ours; each process makes
// warm-up runs (at least 5, and at least 1 s of them) then runs/2 timed runs, so the median is
// over `runs` runs per engine. Then a paired measurement (bench/run-paired.mjs): both engines
// in one process, their runs interleaved over `runs` rounds, the median of the per-round
// ratios: on a machine whose speed drifts by 2x over minutes, the only ratio that drift does
// not move; at more than 1 thread, onnx-wasm's speed-up over 1 thread paired the same way
// (bench/run-scaling.mjs). Session creation is measured apart (bench/run-create.mjs): a cold and
// a warm create (after runs) per fresh process, `creates` pairs of processes (ours, ort, then ort, ours),
// medians and the median of each pair's ratio. Outputs are compared before the timings are
// reported. At 1 and 2 threads (more where the machine has more cores). Writes
// bench/results/latest.{json,md} and prints the table.
// Usage: node bench/bench.mjs [runs=10] [model.onnx ...]; CREATES=n sets the creation pairs (8).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { InferenceSession } from 'onnx-wasm';
import { hostProbeThreads } from './host-probe.mjs';
import { benchModels, inputSpecs } from './models.mjs';
import { median } from './paired-rounds.mjs';
import { checkTargets, targetsMarkdown } from './targets.mjs';

const runs = Number(process.argv[2] || 10);
const creates = Number(process.env.CREATES || 8);
const models = process.argv.length > 3 ? process.argv.slice(3) : benchModels();
const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
const counts = [1, 2, 4, 8, 16].filter((t) => t === 1 || t <= cores);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-bench-'));

// Host probe readings (before / after), as the console line and the table print them.
const probes = (readings) => readings.map((g) => g.toFixed(0)).join(' / ');

// A bench script in a fresh Node process; its result is the one JSON line it prints.
function runJson(args) {
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.split('\n').find((l) => l.startsWith('{')));
}

function runOne(engine, threads, model, specs, outFile) {
  return runJson(['bench/run-one.mjs', engine, String(threads), String(Math.ceil(runs / 2)), model, outFile, JSON.stringify(specs)]);
}

// max |a - b| over max |b|: one number for float and int8 models alike.
function relDiff(fileA, fileB) {
  const read = (f) => { const b = fs.readFileSync(f); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
  const a = read(fileA), b = read(fileB);
  if (a.length !== b.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / (scale || 1);
}

const rows = [];
for (const threads of counts) {
  for (const model of models) {
    const name = path.basename(model).replace(/\.onnx$/, '');
    const specs = await inputSpecs(model, InferenceSession);
    const files = { ours: path.join(tmp, `${name}-ours.bin`), ort: path.join(tmp, `${name}-ort.bin`) };
    const res = { ours: [], ort: [] };
    for (const order of [['ours', 'ort'], ['ort', 'ours']])
      for (const engine of order) res[engine].push(runOne(engine, threads, model, specs, files[engine]));
    // Creation: fresh processes in alternating pairs, each a cold and a warm create.
    const made = { ours: [], ort: [] };
    const createRatio = { cold: [], warm: [] };
    for (let i = 0; i < creates; i++) {
      const pair = {};
      for (const engine of i % 2 ? ['ort', 'ours'] : ['ours', 'ort']) {
        pair[engine] = runJson(['bench/run-create.mjs', engine, String(threads), model, JSON.stringify(specs)]);
        made[engine].push(pair[engine]);
      }
      createRatio.cold.push(pair.ours.create / pair.ort.create);
      createRatio.warm.push(pair.ours.createWarm / pair.ort.createWarm);
    }
    const sum = (engine) => ({
      median: median(res[engine].flatMap((r) => r.times)),
      create: median(made[engine].map((r) => r.create)),
      createWarm: median(made[engine].map((r) => r.createWarm)),
      peakRssMB: Math.max(...res[engine].map((r) => r.peakRssMB)),
      wasmMemoryMB: Math.max(...res[engine].map((r) => r.wasmMemoryMB)),
    });
    const script = (file) => runJson([file, String(threads), String(runs), model, JSON.stringify(specs)]);
    // The host's SIMD throughput on as many threads, just before and after the paired measurement
    // (bench/host-probe.mjs).
    const probe = [await hostProbeThreads(threads)];
    const paired = script('bench/run-paired.mjs');
    probe.push(await hostProbeThreads(threads));
    // onnx-wasm's speed-up over 1 thread, paired (its two sessions in one process).
    const scaling = threads > 1 ? script('bench/run-scaling.mjs') : null;
    const row = { model: name, threads, runs, ours: sum('ours'), ort: sum('ort'), paired, probe, scaling, outputDiff: relDiff(files.ours, files.ort),
      creates, createRatio: { cold: median(createRatio.cold), warm: median(createRatio.warm) } };
    rows.push(row);
    console.error(`${name} @${threads}: ${row.ours.median.toFixed(2)} vs ${row.ort.median.toFixed(2)} ms, paired ratio ${paired.ratio.toFixed(3)} (host probe ${probes(probe)})` +
      (scaling ? `, paired speed-up over 1 thread ${scaling.speedup.toFixed(3)}x` : '') +
      `, create ratio cold ${row.createRatio.cold.toFixed(3)} / warm ${row.createRatio.warm.toFixed(3)}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const f = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
let md = `onnx-wasm vs onnxruntime-web 1.30 in Node ${process.version}, ${os.cpus()[0].model}, ${cores} cores; ` +
  `median of ${runs} runs per engine (each engine in its own processes, alternating, warm-up runs each: at least 5 and 1 s); ` +
  `create = cold (first session in a fresh process, wasm start included) / warm (a second session of the same bytes while the first is alive, after it ran: at least 5 runs and 1 s; onnx-wasm's shares the first's compiled model), medians of ${creates} processes per engine ` +
  `(bench/run-create.mjs, in alternating pairs); create ratio = the median of the pairs' ratios, cold / warm; ` +
  'wasm memory = the engine\'s WebAssembly.Memory after one session was created and run (the wasm heap\'s high-water, or for onnx-wasm ' +
  'what it grew it to before parsing a model of more than 8 MB; ' +
  'onnx-wasm\'s starts at 16 MB); peak RSS of the process; output diff = max |ours - ort| / max |ort|; ' +
  `paired ratio = both engines in one process, runs interleaved, median of ${runs} rounds' ratios (bench/run-paired.mjs); ` +
  'host probe = a fixed wasm SIMD loop\'s G multiply-adds/s on as many threads at once (the least of them), just before / after the paired measurement (bench/host-probe.mjs: ~41 on a quiet Zen 4 host, half that with a busy SMT sibling); ' +
  `speed-up = onnx-wasm's over 1 thread, its 1-thread and n-thread sessions paired the same way (bench/run-scaling.mjs).\n\n` +
  '| model | threads | onnx-wasm ms | ort-web ms | ratio | paired ratio | host probe | speed-up (paired) | create cold ms (ours / ort) | create warm ms (ours / ort) | create ratio (cold / warm) | wasm memory MB (ours / ort) | peak RSS MB (ours / ort) | output diff |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
for (const r of rows) {
  md += `| ${r.model} | ${r.threads} | ${f(r.ours.median)} | ${f(r.ort.median)} | ${(r.ours.median / r.ort.median).toFixed(2)} | ${r.paired.ratio.toFixed(2)} | ${probes(r.probe)} | ` +
    `${r.scaling ? r.scaling.speedup.toFixed(2) + 'x' : '—'} | ` +
    `${f(r.ours.create)} / ${f(r.ort.create)} | ${f(r.ours.createWarm)} / ${f(r.ort.createWarm)} | ` +
    `${r.createRatio.cold.toFixed(2)} / ${r.createRatio.warm.toFixed(2)} | ` +
    `${r.ours.wasmMemoryMB.toFixed(0)} / ${r.ort.wasmMemoryMB.toFixed(0)} | ` +
    `${r.ours.peakRssMB.toFixed(0)} / ${r.ort.peakRssMB.toFixed(0)} | ${r.outputDiff.toExponential(1)} |\n`;
}
// Sizes, raw and gzip (level 9), next to onnxruntime-web's threaded wasm.
const size = (b) => `${b.length} B raw, ${zlib.gzipSync(b, { level: 9 }).length} B gzip`;
const ourWasm = ['onnx-wasm-threaded.wasm', 'onnx-wasm-simd.wasm'].map((w) => [w, fs.readFileSync(path.join('dist', w))]);
const wasm = ourWasm.map(([w, b]) => `${w} ${size(b)}`);
wasm.push(`onnxruntime-web ort-wasm-simd-threaded.wasm ${size(fs.readFileSync('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'))}`);
md += `\nwasm sizes: ${wasm.join('; ')}\n`;
// Issue 5's targets on this run (bench/targets.mjs).
const targets = checkTargets(rows, Object.fromEntries(ourWasm.map(([w, b]) => [w, b.length])));
md += `\nTargets (issue 5; ratios onnx-wasm / onnxruntime-web, paired):\n\n${targetsMarkdown(targets)}`;
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/latest.json', JSON.stringify({ rows, targets }, null, 1));
fs.writeFileSync('bench/results/latest.md', md);
console.log(md);
