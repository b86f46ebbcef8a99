// SPDX-License-Identifier: MIT
// One benchmark process at one thread count (onnxruntime-web fixes its thread count at its
// first session, so bench/bench.mjs starts one of these per count). For each model: create
// both engines' sessions (cold time: first create in the process includes instantiating the
// wasm), check outputs agree, then alternate runs: warm-up, then `runs` timed runs of each.
// Prints one JSON line per model.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { InferenceSession, Tensor, env } from 'onnx-wasm';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-web');
const [threads, runs, ...models] = [Number(process.argv[2]), Number(process.argv[3]), ...process.argv.slice(4)];
env.numThreads = threads;
ort.env.wasm.numThreads = threads;
ort.env.logLevel = 'error';

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

for (const path of models) {
  const bytes = new Uint8Array(fs.readFileSync(path));
  let t = performance.now();
  const ours = await InferenceSession.create(bytes);
  const oursCreate = performance.now() - t;
  t = performance.now();
  const theirs = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const theirsCreate = performance.now() - t;
  const meta = ours.inputMetadata[0];
  const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  let s = 7;
  const x = new Float32Array(n).map(() => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const feedOurs = { [meta.name]: new Tensor('float32', x, dims) };
  const feedTheirs = { [meta.name]: new ort.Tensor('float32', x, dims) };
  const out = ours.outputNames[0];
  const a = (await ours.run(feedOurs))[out].data, b = (await theirs.run(feedTheirs))[out].data;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]) / (1e-4 + Math.abs(b[i])));
  // Alternate in blocks (2 warm-up runs, then `runs`/2 timed runs of one engine, then the
  // other, twice): per-run alternation would let one engine's spinning workers take a core
  // from the other's next run, which on a 2-core machine is most of the measurement.
  const tOurs = [], tTheirs = [];
  const block = async (session, feeds, into) => {
    for (let i = 0; i < 2; i++) await session.run(feeds);
    for (let i = 0; i < Math.ceil(runs / 2); i++) {
      const t0 = performance.now(); await session.run(feeds); into.push(performance.now() - t0);
    }
  };
  for (let round = 0; round < 2; round++) {
    await block(ours, feedOurs, tOurs);
    await block(theirs, feedTheirs, tTheirs);
  }
  // Warm create: a second session of the same model in the same process.
  t = performance.now(); const ours2 = await InferenceSession.create(bytes); const oursWarm = performance.now() - t;
  t = performance.now(); const theirs2 = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 }); const theirsWarm = performance.now() - t;
  await ours2.release(); await theirs2.release();
  console.log(JSON.stringify({
    model: path.split('/').pop().replace(/\.onnx$/, ''), threads, runs,
    ours: { median: median(tOurs), create: oursCreate, createWarm: oursWarm, xnn: ours.debugInfo.split('\n')[0] },
    ort: { median: median(tTheirs), create: theirsCreate, createWarm: theirsWarm },
    maxRelDiff: maxDiff,
  }));
  await ours.release();
  await theirs.release();
}
process.exit(0);
