// SPDX-License-Identifier: MIT
// A torch-exported LSTM (2 layers) then GRU (scripts/gen_models.py: recurrent.onnx) against
// onnxruntime-node within rtol 1e-3 / atol 1e-4, on both builds at 1 and 2 threads: the
// recurrent kernels' wasm SIMD paths (input projection four steps at a time and its
// remainder, the recurrent products, the vector gates), which the ONNX backend tests' small
// sizes do not reach.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { InferenceSession, env } from 'onnx-wasm';
import { assertMatchesOracle } from './helpers/oracle.mjs';
import { model, seededInput } from './helpers/paths.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

test('recurrent.onnx (LSTM, GRU) matches onnxruntime-node', async (t) => {
  const dims = [10, 2, 36];
  // Inputs in [-2, 2): the gates reach their saturated ranges too.
  const x = seededInput(dims.reduce((a, b) => a * b), 5).map((v) => 4 * v - 2);
  const oracle = await ort.InferenceSession.create(model('recurrent.onnx'));
  const expected = (await oracle.run({ input: new ort.Tensor('float32', x, dims) })).output;
  assert.deepEqual(expected.dims, [10, 2, 24]);
  for (const build of ['threaded', 'simd']) {
    for (const threads of [1, 2]) {
      await t.test(`${build}, ${threads} thread(s)`, async () => {
        env.wasmBuild = build;
        env.numThreads = threads;
        const s = await InferenceSession.create(model('recurrent.onnx'));
        try {
          await assertMatchesOracle(s, x, dims, expected);
        } finally {
          await s.release();
        }
      });
    }
  }
});
