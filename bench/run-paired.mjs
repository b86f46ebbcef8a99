// SPDX-License-Identifier: MIT
// One paired measurement (bench/bench.mjs's "paired ratio"): both engines' sessions in this
// process, their runs interleaved in rounds, each round one engine's runs then the other's
// (the order alternating, with a pause at each switch so the other engine's idle workers
// have gone to sleep), so both see the same swings of the machine's speed; a machine whose speed
// drifts by 2x over minutes moves the separate processes' ratio, not this one. After warm-up
// runs (at least 5 and 1 s per engine). Prints one JSON line: the median over rounds of
// ours / ort (each round's runs taken at their median), and each engine's median run.
// Usage: node bench/run-paired.mjs threads rounds model.onnx inputSpecsJson
import { createRequire } from 'node:module';
import fs from 'node:fs';
import * as onnxWasm from 'onnx-wasm';
import { makeFeeds } from './input.mjs';

const require = createRequire(import.meta.url);
const [threads, rounds, model, specs] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4],
  JSON.parse(process.argv[5])];
const ort = require('onnxruntime-web');
ort.env.wasm.numThreads = threads;
ort.env.logLevel = 'error';
onnxWasm.env.numThreads = threads;

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const bytes = new Uint8Array(fs.readFileSync(model));
const engines = [];
for (const [api, options] of [[onnxWasm, {}], [ort, { logSeverityLevel: 3 }]]) {
  const session = await api.InferenceSession.create(bytes, options);
  engines.push({ session, feeds: makeFeeds(specs, api.Tensor), times: [] });
}
for (const e of engines) {
  const start = performance.now();
  for (let i = 0; i < 5 || performance.now() - start < 1000; i++) await e.session.run(e.feeds);
}
// Runs per turn: enough for about 50 ms, at least one.
let t = performance.now();
await engines[0].session.run(engines[0].feeds);
const perTurn = Math.max(1, Math.min(20, Math.round(50 / (performance.now() - t))));
// The other engine's idle workers keep spinning for a while after its runs (onnxruntime-web's
// for over 100 ms): at 2 threads a 20 ms pause left lstm's paired ratio at 1.75, 300 ms at 1.11.
const switchPause = threads > 1 ? 300 : 20;
const ratios = [];
for (let r = 0; r < rounds; r++) {
  const turn = [];
  for (const k of r % 2 ? [1, 0] : [0, 1]) {
    const e = engines[k];
    await pause(switchPause);
    const times = [];
    for (let i = 0; i < perTurn; i++) {
      t = performance.now();
      await e.session.run(e.feeds);
      times.push(performance.now() - t);
    }
    e.times.push(...times);
    turn[k] = median(times);
  }
  ratios.push(turn[0] / turn[1]);
}
for (const e of engines) await e.session.release();
console.log(JSON.stringify({ ratio: median(ratios), ours: median(engines[0].times), ort: median(engines[1].times), perTurn }));
process.exit(0);
