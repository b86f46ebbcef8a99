// SPDX-License-Identifier: MIT
// Where the time goes: `node bench/profile.mjs model.onnx [threads=1] [runs=10]` prints, from
// onnx-wasm's session.endProfiling() over `runs` runs (with the bench's inputs, after 2
// warm-up runs), the slowest XNNPACK regions and reference kernels, the slowest XNNPACK
// operators (each named after the node it was lowered from), and XNNPACK's time by operator
// kind. TOP=n shows n rows per list (default 10).
import fs from 'node:fs';
import { InferenceSession, Tensor } from 'onnx-wasm';
import { makeFeeds } from './input.mjs';
import { inputSpecs } from './models.mjs';

const [model, threads = '1', runs = '10'] = process.argv.slice(2);
const top = Number(process.env.TOP || 10);
const specs = await inputSpecs(model, InferenceSession);
const s = await InferenceSession.create(new Uint8Array(fs.readFileSync(model)), { numThreads: Number(threads) });
const feeds = makeFeeds(specs, Tensor);
for (let i = 0; i < 2; i++) await s.run(feeds);
await s.startProfiling();
for (let i = 0; i < Number(runs); i++) await s.run(feeds);
const rows = await s.endProfiling();
const steps = rows.filter((r) => r.kind !== 'xnnpack-op'), ops = rows.filter((r) => r.kind === 'xnnpack-op');
const total = steps.reduce((a, r) => a + r.ms, 0);
const line = (ms, label) => `${(ms / Number(runs)).toFixed(3).padStart(9)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${label}`;
console.log(`${model.split('/').pop()}, ${threads} thread(s): ${(total / Number(runs)).toFixed(2)} ms per run in ${steps.length} steps`);
console.log(s.debugInfo.split('\n').slice(0, 2).join('; '));
console.log('steps (XNNPACK regions and reference kernels):');
for (const r of steps.slice(0, top)) console.log(line(r.ms, `${r.kind.padEnd(9)} ${r.name}`));
if (ops.length) {
  console.log('XNNPACK operators:');
  for (const r of ops.slice(0, top)) console.log(line(r.ms, r.name));
  const kinds = new Map();
  for (const r of ops) {
    const kind = r.name.slice(r.name.lastIndexOf(': ') + 2);
    const k = kinds.get(kind) || { ms: 0, n: 0 };
    kinds.set(kind, { ms: k.ms + r.ms, n: k.n + 1 });
  }
  console.log('XNNPACK by operator kind:');
  for (const [kind, k] of [...kinds].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(line(k.ms, `${kind} (${k.n})`));
}
await s.release();
process.exit(0);
