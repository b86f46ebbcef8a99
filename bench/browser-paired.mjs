// SPDX-License-Identifier: MIT
// `npm run bench:chromium-paired`: onnx-wasm / onnxruntime-web in Debian's Chromium with both
// engines in one cross-origin isolated page (bench/pages/paired.html), their runs interleaved,
// so both see the same swings of the machine's speed (separate pages a minute apart, as in
// `npm run bench:chromium`, do not). One fresh browser context per model; prints one line per
// model and writes bench/results/browser-paired.md.
// Usage: node bench/browser-paired.mjs [threads=1] [model.onnx ...]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { InferenceSession } from 'onnx-wasm';
import { serve } from '../tests/browser/server.mjs';
import { benchModels, inputSpecs } from './models.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const threads = process.argv[2] || '1';
const models = process.argv.length > 3 ? process.argv.slice(3).map((m) => path.resolve(m)) : benchModels();
const mounts = {};
models.forEach((m, i) => { mounts[`/models${i}/`] = path.dirname(m); });
const server = await serve(root, { isolated: true, mounts });
const browser = await chromium.launch({ executablePath: process.env.ONNXWASM_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
let md = `onnx-wasm / onnxruntime-web 1.30, both in one Chromium page, ${threads} thread(s): median of 12 interleaved rounds' ratios.\n\n` +
  '| model | paired ratio | onnx-wasm ms | ort-web ms |\n|---|---:|---:|---:|\n';
for (const [i, m] of models.entries()) {
  const specs = await inputSpecs(m, InferenceSession);
  const context = await browser.newContext();
  const tab = await context.newPage();
  const q = new URLSearchParams({ model: `/models${i}/${path.basename(m)}`, threads, specs: JSON.stringify(specs) });
  await tab.goto(`${server.url}/bench/pages/paired.html?${q}`);
  const r = await tab.evaluate(() => window.result);
  await context.close();
  if (r.error) throw new Error(`${m}: ${r.error}`);
  const name = path.basename(m, '.onnx');
  console.log(`${name} @${threads}: paired ${r.ratio.toFixed(2)} (onnx-wasm ${r.ours.toFixed(2)} ms, ort-web ${r.ort.toFixed(2)} ms)`);
  md += `| ${name} | ${r.ratio.toFixed(2)} | ${r.ours.toFixed(2)} | ${r.ort.toFixed(2)} |\n`;
}
await browser.close();
await server.close();
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/browser-paired.md'), md);
process.exit(0);
