// SPDX-License-Identifier: MIT
// `npm run bench:chromium`: inference latency in Debian's Chromium on a cross-origin isolated
// page, onnx-wasm next to onnxruntime-web 1.30, the model set of `npm run bench`, at 1 and 2
// threads. Each measurement is a fresh browser context running one engine
// (bench/pages/latency.html), the engines alternating (ours, ort, then ort, ours), warm-up runs
// (at least 5 and 1 s of them) then runs/2 timed runs each: the median is over `runs` runs per engine. Writes
// bench/results/browser-latency.md.
// Usage: node bench/browser-latency.mjs [runs=10] [model.onnx ...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { InferenceSession } from 'onnx-wasm';
import { serve } from '../tests/browser/server.mjs';
import { benchModels, inputSpecs } from './models.mjs';
import { median } from './paired-rounds.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] || 10);
const models = process.argv.length > 3 ? process.argv.slice(3).map((m) => path.resolve(m)) : benchModels();
// Every model's folder is served under its own prefix.
const mounts = {};
const urlOf = (m) => {
  const dir = path.dirname(m);
  let prefix = Object.keys(mounts).find((p) => mounts[p] === dir);
  if (!prefix) { prefix = `/models${Object.keys(mounts).length}/`; mounts[prefix] = dir; }
  return prefix + path.basename(m);
};
const urls = models.map(urlOf);
const server = await serve(root, { isolated: true, mounts });
const browser = await chromium.launch({ executablePath: process.env.ONNXWASM_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

async function measure(engine, url, threads, specs) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const q = new URLSearchParams({ engine, model: url, threads: String(threads), runs: String(Math.ceil(runs / 2)),
    specs: JSON.stringify(specs) });
  await tab.goto(`${server.url}/bench/pages/latency.html?${q}`);
  const r = await tab.evaluate(() => window.result);
  await context.close();
  if (r.error) throw new Error(`${engine} ${url}: ${r.error}`);
  if (!r.isolated) throw new Error('the page is not cross-origin isolated');
  return r;
}

const rows = [];
for (const threads of [1, 2]) {
  for (let k = 0; k < models.length; k++) {
    const specs = await inputSpecs(models[k], InferenceSession);
    const res = { ours: [], ort: [] };
    for (const order of [['ours', 'ort'], ['ort', 'ours']])
      for (const engine of order) res[engine].push(await measure(engine, urls[k], threads, specs));
    const a = res.ours[0].first, b = res.ort[0].first;
    let diff = 0, scale = 0;
    for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
    const row = { model: path.basename(models[k], '.onnx'), threads,
      ours: median(res.ours.flatMap((r) => r.times)), ort: median(res.ort.flatMap((r) => r.times)),
      createOurs: median(res.ours.map((r) => r.create)), createOrt: median(res.ort.map((r) => r.create)),
      diff: a.length === b.length ? diff / (scale || 1) : Infinity };
    rows.push(row);
    console.error(`${row.model} @${threads}: ${row.ours.toFixed(2)} vs ${row.ort.toFixed(2)} ms`);
  }
}
await browser.close();
await server.close();
const f = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
let md = `onnx-wasm vs onnxruntime-web 1.30 in Chromium (${os.cpus()[0].model}, ${os.cpus().length} cores), cross-origin isolated ` +
  `page; median of ${runs} runs per engine (a fresh browser context per engine and round, alternating, warm-up runs each: at least 5 and 1 s); ` +
  'create = session creation in a fresh page (wasm start included); output diff = max |ours - ort| / max |ort| over the first 64 values.\n\n' +
  '| model | threads | onnx-wasm ms | ort-web ms | ratio | create ms (ours / ort) | output diff |\n|---|---:|---:|---:|---:|---:|---:|\n';
for (const r of rows) {
  md += `| ${r.model} | ${r.threads} | ${f(r.ours)} | ${f(r.ort)} | ${(r.ours / r.ort).toFixed(2)} | ${f(r.createOurs)} / ${f(r.createOrt)} | ${r.diff.toExponential(1)} |\n`;
}
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/browser-latency.md'), md);
console.log(md);
process.exit(0);
