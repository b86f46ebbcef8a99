// SPDX-License-Identifier: MIT
// The two engines as the Node bench processes use them: the same API (InferenceSession,
// Tensor), set to a thread count; a timed session creation; and the warm-up every timed
// measurement starts from.
import { createRequire } from 'node:module';
import * as onnxWasm from 'onnx-wasm';

const require = createRequire(import.meta.url);

// { api, options }: 'ours' (onnx-wasm) or 'ort' (onnxruntime-web, its logging quiet).
export function benchEngine(engine, threads) {
  if (engine === 'ort') {
    const api = require('onnxruntime-web');
    api.env.wasm.numThreads = threads;
    api.env.logLevel = 'error';
    return { api, options: { logSeverityLevel: 3 } };
  }
  onnxWasm.env.numThreads = threads;
  return { api: onnxWasm, options: {} };
}

// At least 5 runs and at least 1 s of them: V8 compiles wasm with its baseline compiler first
// and recompiles hot functions optimized in the background, which lands inside the first runs.
export async function warmUp(session, feeds) {
  const start = performance.now();
  for (let i = 0; i < 5 || performance.now() - start < 1000; i++) await session.run(feeds);
}

// { session, ms }: one InferenceSession.create of `bytes`, timed.
export async function timedCreate(api, bytes, options) {
  const start = performance.now();
  const session = await api.InferenceSession.create(bytes, options);
  return { session, ms: performance.now() - start };
}
