// SPDX-License-Identifier: MIT
// The nine ONNX "light" models through the public API, on both wasm builds at 1 and 2
// threads, against the expected outputs shipped with the ONNX test data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InferenceSession, Tensor, env } from 'onnx-wasm';
import { ONNX_DATA, maxViolation, rampInput } from './helpers/paths.mjs';
import { parseTensorProto } from './helpers/tensor-proto.mjs';

const MODELS = ['light_bvlc_alexnet', 'light_densenet121', 'light_inception_v1', 'light_inception_v2',
  'light_resnet50', 'light_shufflenet', 'light_squeezenet', 'light_vgg19', 'light_zfnet512'];

for (const build of ['threaded', 'simd']) {
  for (const threads of [1, 2]) {
    test(`light models, ${build} build, ${threads} thread(s)`, async (t) => {
      env.wasmBuild = build;
      env.numThreads = threads;
      const dir = path.join(ONNX_DATA(), 'light');
      for (const name of MODELS) {
        await t.test(name, async () => {
          const session = await InferenceSession.create(path.join(dir, `${name}.onnx`), { xnnStrict: true });
          try {
            assert.match(session.debugInfo, /on XNNPACK: [1-9]/);
            const meta = session.inputMetadata[0];
            const x = new Tensor('float32', rampInput(meta.shape), meta.shape);
            const out = await session.run({ [meta.name]: x });
            const y = out[session.outputNames[0]];
            const expected = parseTensorProto(fs.readFileSync(path.join(dir, `${name}_output_0.pb`)));
            assert.deepEqual(y.dims, expected.dims);
            assert.equal(y.type, 'float32');
            const bad = maxViolation(y.data, expected.data, 1e-3, 1e-7);
            assert.equal(bad.index, -1, `element ${bad.index}: ${bad.a} vs ${bad.e}`);
          } finally {
            await session.release();
          }
        });
      }
    });
  }
}
