// SPDX-License-Identifier: MIT
// One session-creation measurement: a fresh process, one engine, one thread count, one model.
// Cold: the first session in the process (the engine's wasm start included); warm: a second
// session of the same model while the first is alive, after the first has run (at least 5 runs
// and 1 s, as bench/run-one.mjs's warm-up: the engine's code is then optimized, as in an
// application that has been running; onnx-wasm's second session shares the first's compiled
// model, so its warm create is the check of the bytes). bench/bench.mjs runs these in alternating pairs (ours,
// ort, then ort, ours), as creation times swing between processes.
// Usage: node bench/run-create.mjs ours|ort threads model.onnx inputSpecsJson
// Prints one JSON line.
import fs from 'node:fs';
import { benchEngine, timedCreate, warmUp } from './engine.mjs';
import { makeFeeds } from './input.mjs';

const [engine, threads, model, specs] = [process.argv[2], Number(process.argv[3]), process.argv[4], JSON.parse(process.argv[5])];
const { api, options } = benchEngine(engine, threads);
const bytes = new Uint8Array(fs.readFileSync(model));
const first = await timedCreate(api, bytes, options);
await warmUp(first.session, makeFeeds(specs, api.Tensor));
const second = await timedCreate(api, bytes, options);
await second.session.release();
await first.session.release();
console.log(JSON.stringify({ engine, threads, create: first.ms, createWarm: second.ms }));
process.exit(0);
