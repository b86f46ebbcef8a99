// SPDX-License-Identifier: MIT
// The paired thread speed-up (bench/bench.mjs's "paired speed-up"): two onnx-wasm sessions of
// one model in this process, one on 1 thread and one on `threads`, their runs interleaved in
// rounds as in bench/run-paired.mjs, so both see the same swings of the machine's speed (the
// two thread counts' separate processes run minutes apart, and this machine's speed drifts by
// 2x over minutes). Prints one JSON line: the median over rounds of t(1 thread) / t(threads),
// and each session's median run.
// Usage: node bench/run-scaling.mjs threads rounds model.onnx inputSpecsJson
import fs from 'node:fs';
import * as onnxWasm from 'onnx-wasm';
import { makeFeeds } from './input.mjs';
import { warmUpAndPair } from './paired-rounds.mjs';

const [threads, rounds, model, specs] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4],
  JSON.parse(process.argv[5])];
const bytes = new Uint8Array(fs.readFileSync(model));
const sessions = [];
for (const numThreads of [1, threads]) {
  const session = await onnxWasm.InferenceSession.create(bytes, { numThreads });
  sessions.push({ session, feeds: makeFeeds(specs, onnxWasm.Tensor) });
}
// Runs per turn timed on the `threads`-thread session.
const { ratio, ours, ort, perTurn } = await warmUpAndPair(sessions, { threads, rounds, timed: 1 });
for (const s of sessions) await s.session.release();
console.log(JSON.stringify({ speedup: ratio, oneThread: ours, threads, manyThreads: ort, perTurn }));
process.exit(0);
