// SPDX-License-Identifier: MIT
// Torch-exported CNNs with random weights (scripts/gen_models.py) against onnxruntime-node,
// the test oracle, within rtol 1e-3 / atol 1e-4, on both builds at 1 and 2 threads.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { InferenceSession, env } from 'onnx-wasm';
import { assertMatchesOracle } from './helpers/oracle.mjs';
import { model, seededInput } from './helpers/paths.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const CASES = [['resnet_mini.onnx', [1, 3, 64, 64]], ['mobilenet_v2.onnx', [1, 3, 224, 224]]];

for (const [file, dims] of CASES) {
  test(`${file} matches onnxruntime-node`, async (t) => {
    const x = seededInput(dims.reduce((a, b) => a * b), 42);
    const oracle = await ort.InferenceSession.create(model(file));
    const expected = (await oracle.run({ input: new ort.Tensor('float32', x, dims) })).output;
    for (const build of ['threaded', 'simd']) {
      for (const threads of [1, 2]) {
        await t.test(`${build}, ${threads} thread(s)`, async () => {
          env.wasmBuild = build;
          env.numThreads = threads;
          const s = await InferenceSession.create(model(file), { xnnStrict: true });
          try {
            await assertMatchesOracle(s, x, dims, expected);
          } finally {
            await s.release();
          }
        });
      }
    }
  });
}

test('a symbolic batch dim: each batch size runs (on XNNPACK) and matches onnxruntime-node', async () => {
  const file = model('resnet_mini_dynamic.onnx');
  const oracle = await ort.InferenceSession.create(file);
  env.wasmBuild = 'threaded';
  env.numThreads = 2;
  const s = await InferenceSession.create(file, { xnnStrict: true });
  try {
    assert.deepEqual(s.inputMetadata[0].shape, ['batch', 3, 64, 64]);
    for (const batch of [1, 3, 2, 3]) {
      const dims = [batch, 3, 64, 64];
      const x = seededInput(dims.reduce((a, b) => a * b), batch);
      const expected = (await oracle.run({ input: new ort.Tensor('float32', x, dims) })).output;
      await assertMatchesOracle(s, x, dims, expected, `batch ${batch}, `);
      assert.match(s.debugInfo, /on XNNPACK: [1-9]/);
    }
  } finally {
    await s.release();
  }
});
