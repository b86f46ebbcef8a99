// SPDX-License-Identifier: MIT
// One benchmark process: one engine, one thread count, one model. bench/bench.mjs starts
// these alternately for the two engines, so neither engine's idle workers (onnxruntime-web
// spins its threads after a run) ever share the process, or the cores, with the other's run.
// Creates the session (cold: the first create in the process includes starting the wasm),
// runs the seeded input, writes the first output to `outFile` for bench.mjs to compare,
// then warm-up runs (at least 5 and at least 1 s of them, as in the Chromium bench: V8 compiles
// wasm with its baseline compiler first and recompiles hot functions optimized in the
// background, which lands inside the first runs), `runs` timed runs, then a second session
// (part of the process's peak RSS; creation is timed by bench/run-create.mjs).
// Usage: node bench/run-one.mjs ours|ort threads runs model.onnx outFile inputSpecsJson
// Prints one JSON line.
import fs from 'node:fs';
import { benchEngine, warmUp } from './engine.mjs';
import { makeFeeds } from './input.mjs';
import { trackWasmMemory } from './wasm-memory.mjs';

const wasmMemory = trackWasmMemory();
const [engine, threads, runs, model, outFile, specs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]),
  process.argv[5], process.argv[6], JSON.parse(process.argv[7])];
const { api, options } = benchEngine(engine, threads);

const bytes = new Uint8Array(fs.readFileSync(model));
const session = await api.InferenceSession.create(bytes, options);
const feeds = makeFeeds(specs, api.Tensor);
const first = (await session.run(feeds))[session.outputNames[0]];
fs.writeFileSync(outFile, Buffer.from(new Float32Array(Array.from(first.data, Number)).buffer));
await warmUp(session, feeds);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t0);
}
// The wasm heap's high-water with one session created and run.
const wasmMemoryMB = wasmMemory() / 1048576;
const second = await api.InferenceSession.create(bytes, options);
await second.release();
await session.release();
// Peak resident memory of this process (engine, model, wasm heap and Node itself).
const peakRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ engine, threads, times, peakRssMB, wasmMemoryMB }));
process.exit(0);
