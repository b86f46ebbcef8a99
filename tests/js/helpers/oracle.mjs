// SPDX-License-Identifier: MIT
// The model tests' comparison: a session's output for one float input against
// onnxruntime-node's (the oracle), within rtol 1e-3 / atol 1e-4.
import assert from 'node:assert/strict';
import { Tensor } from 'onnx-wasm';
import { maxViolation } from './paths.mjs';

export async function assertMatchesOracle(session, x, dims, expected, what = '') {
  const y = (await session.run({ input: new Tensor('float32', x, dims) })).output;
  assert.deepEqual(y.dims, expected.dims);
  const bad = maxViolation(y.data, expected.data, 1e-3, 1e-4);
  assert.equal(bad.index, -1, `${what}element ${bad.index}: ${bad.a} vs ${bad.e}`);
}
