// SPDX-License-Identifier: MIT
// One paired measurement (bench/bench.mjs's "paired ratio"): both engines' sessions in this
// process, their runs interleaved in rounds, each round one engine's runs then the other's
// (bench/paired-rounds.mjs), so both see the same swings of the machine's speed; a machine whose speed
// drifts by 2x over minutes moves the separate processes' ratio, not this one. After warm-up
// runs (at least 5 and 1 s per engine). Prints one JSON line: the median over rounds of
// ours / ort (each round's runs taken at their median), and each engine's median run.
// Usage: node bench/run-paired.mjs threads rounds model.onnx inputSpecsJson
import { createRequire } from 'node:module';
import fs from 'node:fs';
import * as onnxWasm from 'onnx-wasm';
import { makeFeeds } from './input.mjs';
import { warmUpAndPair } from './paired-rounds.mjs';

const require = createRequire(import.meta.url);
const [threads, rounds, model, specs] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4],
  JSON.parse(process.argv[5])];
const ort = require('onnxruntime-web');
ort.env.wasm.numThreads = threads;
ort.env.logLevel = 'error';
onnxWasm.env.numThreads = threads;

const bytes = new Uint8Array(fs.readFileSync(model));
const engines = [];
for (const [api, options] of [[onnxWasm, {}], [ort, { logSeverityLevel: 3 }]]) {
  const session = await api.InferenceSession.create(bytes, options);
  engines.push({ session, feeds: makeFeeds(specs, api.Tensor) });
}
const result = await warmUpAndPair(engines, { threads, rounds });
for (const e of engines) await e.session.release();
console.log(JSON.stringify(result));
process.exit(0);
