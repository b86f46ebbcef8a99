// SPDX-License-Identifier: MIT
// `npm run bench:browser`: what a page pays before its first result, onnx-wasm next to
// onnxruntime-web 1.30, in Debian's Chromium on a cross-origin isolated page (threads), the
// same digits model and input: time from navigation to the first output (median of N cold
// loads, each in a fresh browser context, engines alternating), and the bytes the page
// downloaded for the engine (JS + wasm), raw and gzip-compressed.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../tests/browser/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const loads = Number(process.argv[2] || 7);
const browser = await chromium.launch({ executablePath: process.env.ONNXWASM_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });
const server = await serve(root, { isolated: true });
const engines = { 'onnx-wasm': 'first-result-ours.html', 'onnxruntime-web': 'first-result-ort.html' };
const times = { 'onnx-wasm': [], 'onnxruntime-web': [] };
const bytes = {};
let outputs = {};
for (let i = 0; i < loads; i++) {
  for (const [engine, page] of Object.entries(engines)) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${server.url}/bench/pages/${page}`);
    const r = await tab.evaluate(() => window.result);
    if (r.error) throw new Error(`${engine}: ${r.error}`);
    times[engine].push(r.ms);
    outputs[engine] = r.first;
    if (!bytes[engine]) {
      // The engine's own files (not the page, the model or the test data).
      const files = await tab.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      const own = [...new Set(files)].filter((f) => /\/(dist|node_modules\/onnxruntime-web\/dist)\//.test(f));
      const sizes = own.map((f) => { const b = fs.readFileSync(path.join(root, f)); return [f, b.length, zlib.gzipSync(b, { level: 9 }).length]; });
      bytes[engine] = { files: sizes, raw: sizes.reduce((a, s) => a + s[1], 0), gzip: sizes.reduce((a, s) => a + s[2], 0) };
    }
    await context.close();
  }
}
await browser.close();
await server.close();
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const maxDiff = Math.max(...outputs['onnx-wasm'].map((v, k) => Math.abs(v - outputs['onnxruntime-web'][k])));
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const lines = ['| engine | first result (median ms) | engine bytes raw | gzip |', '|---|---:|---:|---:|'];
for (const e of Object.keys(engines)) lines.push(`| ${e} | ${median(times[e]).toFixed(0)} | ${mb(bytes[e].raw)} | ${mb(bytes[e].gzip)} |`);
const ratio = median(times['onnx-wasm']) / median(times['onnxruntime-web']);
lines.push('', `ratio onnx-wasm / onnxruntime-web: first result ${ratio.toFixed(2)}, bytes raw ${(bytes['onnx-wasm'].raw / bytes['onnxruntime-web'].raw).toFixed(3)}, gzip ${(bytes['onnx-wasm'].gzip / bytes['onnxruntime-web'].gzip).toFixed(3)}; ${loads} cold loads each, outputs agree within ${maxDiff.toExponential(1)}`);
for (const e of Object.keys(engines)) lines.push(`${e} files: ${bytes[e].files.map(([f, r]) => `${path.basename(f)} ${r}`).join(', ')}`);
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/browser-first-result.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
