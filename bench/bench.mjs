// SPDX-License-Identifier: MIT
// `npm run bench`: onnx-wasm vs onnxruntime-web 1.30 in Node, same models, inputs and thread
// count, alternating in blocks of runs, median after warm-up, at 1 and 2 threads (more where the machine
// has more cores). Writes bench/results/latest.{json,md} and prints the table.
// Usage: node bench/bench.mjs [runs=10] [model.onnx ...]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const cache = process.env.ONNXWASM_CACHE || path.join(os.homedir(), '.cache', 'onnx-wasm');
const light = path.join(cache, 'src/onnx/onnx/backend/test/data/light');
const modelsDir = fs.readdirSync(path.join(cache, 'models')).map((d) => path.join(cache, 'models', d))
  .filter((d) => fs.existsSync(path.join(d, '.done')))[0];
const runs = Number(process.argv[2] || 10);
let models = process.argv.slice(3);
if (!models.length) {
  models = ['light_squeezenet', 'light_resnet50', 'light_inception_v1', 'light_densenet121', 'light_shufflenet']
    .map((m) => path.join(light, `${m}.onnx`));
  if (modelsDir) models.push(path.join(modelsDir, 'mobilenet_v2.onnx'), path.join(modelsDir, 'resnet_mini.onnx'));
  models.push(path.resolve('examples/models/digits.onnx'));
}
const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
const counts = [1, 2, 4, 8, 16].filter((t) => t === 1 || t <= cores);
const rows = [];
for (const threads of counts) {
  const out = execFileSync(process.execPath, ['bench/run-one.mjs', String(threads), String(runs), ...models],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.split('\n')) if (line.startsWith('{')) rows.push(JSON.parse(line));
}
const f = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
let md = `onnx-wasm vs onnxruntime-web 1.30 in Node ${process.version}, ${os.cpus()[0].model}, ${cores} cores; ` +
  `median of ${runs} runs per engine, alternating engines in blocks of ${Math.ceil(runs / 2)} runs after 2 warm-up runs.\n\n` +
  '| model | threads | onnx-wasm ms | ort-web ms | ratio | create cold ms (ours / ort) | create warm ms (ours / ort) | max rel diff |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|\n';
for (const r of rows) {
  md += `| ${r.model} | ${r.threads} | ${f(r.ours.median)} | ${f(r.ort.median)} | ${(r.ours.median / r.ort.median).toFixed(2)} | ` +
    `${f(r.ours.create)} / ${f(r.ort.create)} | ${f(r.ours.createWarm)} / ${f(r.ort.createWarm)} | ${r.maxRelDiff.toExponential(1)} |\n`;
}
// Sizes, raw and gzip (level 9), next to onnxruntime-web's threaded wasm.
const size = (file) => { const b = fs.readFileSync(file); return `${b.length} B raw, ${zlib.gzipSync(b, { level: 9 }).length} B gzip`; };
const wasm = ['onnx-wasm-threaded.wasm', 'onnx-wasm-simd.wasm'].map((w) => `${w} ${size(path.join('dist', w))}`);
wasm.push(`onnxruntime-web ort-wasm-simd-threaded.wasm ${size('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm')}`);
md += `\nwasm sizes: ${wasm.join('; ')}\n`;
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/latest.json', JSON.stringify(rows, null, 1));
fs.writeFileSync('bench/results/latest.md', md);
console.log(md);
