// SPDX-License-Identifier: MIT
// Tensor.fromImage / toImageData on raw RGBA pixels (the Node path; Chromium covers canvas,
// ImageData, <img> and ImageBitmap in tests/browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from 'onnx-wasm';

// 2 x 2 RGBA: red, green / blue, white.
const px = { data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]), width: 2, height: 2 };

test('fromImage: NCHW and NHWC, mean and std', async () => {
  const t = await Tensor.fromImage(px);
  assert.deepEqual(t.dims, [1, 3, 2, 2]);
  assert.deepEqual(Array.from(t.data), [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
  const n = await Tensor.fromImage(px, { layout: 'NHWC', mean: 0.5, std: [0.5, 0.25, 1] });
  assert.deepEqual(n.dims, [1, 2, 2, 3]);
  assert.deepEqual(Array.from(n.data).slice(0, 6), [1, -2, -0.5, -1, 2, -0.5]);
});

test('fromImage resizes raw pixels bilinearly; toImageData inverts', async () => {
  const big = await Tensor.fromImage(px, { width: 4, height: 4 });
  assert.deepEqual(big.dims, [1, 3, 4, 4]);
  assert.equal(big.data[0], 1);                   // corner keeps its colour
  const img = (await Tensor.fromImage(px)).toImageData();
  assert.equal(img.width, 2);
  assert.deepEqual(Array.from(img.data), Array.from(px.data));
  const nhwc = await Tensor.fromImage(px, { layout: 'NHWC', mean: 0.5, std: 0.5 });
  assert.deepEqual(Array.from(nhwc.toImageData({ mean: 0.5, std: 0.5 }).data), Array.from(px.data));
});

test('bad images and options are INVALID_ARGUMENT', async () => {
  await assert.rejects(Tensor.fromImage({ data: new Uint8Array(3), width: 2, height: 2 }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(Tensor.fromImage(px, { layout: 'CHW' }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(Tensor.fromImage(px, { std: 0 }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(Tensor.fromImage(px, { width: 0 }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(Tensor.fromImage({}), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => new Tensor('float32', new Float32Array(4), [1, 1, 2, 2]).toImageData(), (e) => e.code === 'INVALID_ARGUMENT');
});
