// SPDX-License-Identifier: MIT
// An engine's runs back to back against runs a pause apart, in one process: what an app that
// calls run() now and then sees. A thread pool whose workers go to sleep between runs wakes
// them at the next one, and where the OS places a woken thread can cost milliseconds (README,
// Threads). After warm-up runs (at least 5 and 1 s), `runs` runs back to back, then `runs`
// runs each after a setTimeout of `pauseMs`. Prints one JSON line: the two medians.
// Usage: node bench/run-paused.mjs ours|ort threads pauseMs runs model.onnx [inputSpecsJson]
// (the input specs default to the model's own, symbolic dims at 1 or its .bench.json sidecar's).
import fs from 'node:fs';
import * as onnxWasm from 'onnx-wasm';
import { benchEngine, warmUp } from './engine.mjs';
import { makeFeeds } from './input.mjs';
import { inputSpecs } from './models.mjs';
import { median } from './paired-rounds.mjs';

const [engine, threads, pauseMs, runs, model] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]),
  Number(process.argv[5]), process.argv[6]];
if (!['ours', 'ort'].includes(engine) || !(threads >= 1) || !(pauseMs >= 0) || !(runs >= 1) || !model) {
  console.error('usage: node bench/run-paused.mjs ours|ort threads pauseMs runs model.onnx [inputSpecsJson]');
  process.exit(2);
}
const { api, options } = benchEngine(engine, threads);
const specs = process.argv[7] ? JSON.parse(process.argv[7]) : await inputSpecs(model, onnxWasm.InferenceSession);
const session = await api.InferenceSession.create(new Uint8Array(fs.readFileSync(model)), options);
const feeds = makeFeeds(specs, api.Tensor);
await warmUp(session, feeds);
const timed = async () => {
  const start = performance.now();
  await session.run(feeds);
  return performance.now() - start;
};
const backToBack = [];
for (let i = 0; i < runs; i++) backToBack.push(await timed());
const paused = [];
for (let i = 0; i < runs; i++) {
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  paused.push(await timed());
}
await session.release();
console.log(JSON.stringify({ engine, threads, pauseMs, backToBack: median(backToBack), paused: median(paused) }));
process.exit(0);
