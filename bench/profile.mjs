// SPDX-License-Identifier: MIT
// Where the time goes: `node bench/profile.mjs model.onnx [threads=1] [runs=10]` prints the
// slowest XNNPACK regions and reference kernels of onnx-wasm (session.endProfiling()), with
// the bench's inputs, after 2 warm-up runs.
import fs from 'node:fs';
import { InferenceSession, Tensor } from 'onnx-wasm';
import { makeFeeds } from './input.mjs';
import { inputSpecs } from './models.mjs';

const [model, threads = '1', runs = '10'] = process.argv.slice(2);
const specs = await inputSpecs(model, InferenceSession);
const s = await InferenceSession.create(new Uint8Array(fs.readFileSync(model)), { numThreads: Number(threads) });
const feeds = makeFeeds(specs, Tensor);
for (let i = 0; i < 2; i++) await s.run(feeds);
await s.startProfiling();
for (let i = 0; i < Number(runs); i++) await s.run(feeds);
const rows = await s.endProfiling();
const total = rows.reduce((a, r) => a + r.ms, 0);
console.log(`${model.split('/').pop()}, ${threads} thread(s): ${(total / Number(runs)).toFixed(2)} ms per run in ${rows.length} steps`);
console.log(s.debugInfo.split('\n').slice(0, 2).join('; '));
for (const r of rows.slice(0, 15)) {
  console.log(`${(r.ms / Number(runs)).toFixed(3).padStart(9)} ms ${(100 * r.ms / total).toFixed(1).padStart(5)}%  ${r.kind.padEnd(9)} ${r.name}`);
}
await s.release();
process.exit(0);
