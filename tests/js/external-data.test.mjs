// SPDX-License-Identifier: MIT
// External data (issue 6): weights in files beside the model, read from the model's folder in
// Node or from options.externalData (onnxruntime-web's option), never from outside the folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { InferenceSession, Tensor, env } from 'onnx-wasm';
import { model, seededInput } from './helpers/paths.mjs';

env.wasmBuild = 'threaded';
const img = new Tensor('float32', seededInput(3 * 64 * 64, 3), [1, 3, 64, 64]);
const ext = model('external/resnet_mini.onnx');
const weights = model('external/weights/resnet_mini.bin');

async function outputOf(source, options) {
  const s = await InferenceSession.create(source, options);
  try {
    return Array.from((await s.run({ input: img })).output.data);
  } finally {
    await s.release();
  }
}

test('a model with external data gives the same results as the same model with embedded weights', async () => {
  assert.ok(fs.statSync(ext).size < fs.statSync(weights).size / 10, 'the weights really are external');
  const expected = await outputOf(model('resnet_mini.onnx'));
  assert.deepEqual(await outputOf(ext), expected, 'file path: read from the model folder');
  assert.deepEqual(await outputOf(pathToFileURL(ext)), expected, 'file: URL');
  const bytes = fs.readFileSync(ext);
  const data = new Uint8Array(fs.readFileSync(weights));
  assert.deepEqual(await outputOf(bytes, { externalData: [{ path: 'weights/resnet_mini.bin', data }] }), expected,
    'bytes + externalData with bytes');
  assert.deepEqual(await outputOf(bytes, { externalData: [{ path: './weights/resnet_mini.bin', data: weights }] }), expected,
    'bytes + externalData with a file path');
});

test('without its external data, the error names the file and how to give it', async () => {
  const bytes = fs.readFileSync(ext);
  await assert.rejects(InferenceSession.create(bytes),
    (e) => e.code === 'INVALID_MODEL' && /'weights\/resnet_mini\.bin'/.test(e.message) && /externalData/.test(e.message));
  await assert.rejects(InferenceSession.create(bytes, { externalData: [{ path: 'weights/resnet_mini.bin', data: new Uint8Array(10) }] }),
    (e) => e.code === 'INVALID_MODEL' && /has 10 bytes/.test(e.message));
  await assert.rejects(InferenceSession.create(bytes, { externalData: [{ path: 'x' }] }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(InferenceSession.create(bytes, { externalData: 'weights' }), (e) => e.code === 'INVALID_ARGUMENT');
  // The module keeps working.
  assert.equal((await outputOf(ext)).length, 10);
});

test('a link inside the model folder that leads outside it is refused', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-ext-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-outside-'));
  t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); fs.rmSync(outside, { recursive: true, force: true }); });
  fs.copyFileSync(ext, path.join(dir, 'resnet_mini.onnx'));
  fs.copyFileSync(weights, path.join(outside, 'resnet_mini.bin'));
  fs.symlinkSync(outside, path.join(dir, 'weights'));
  await assert.rejects(InferenceSession.create(path.join(dir, 'resnet_mini.onnx')),
    (e) => e.code === 'INVALID_MODEL' && /outside the model's folder/.test(e.message));
  // A real folder in its place works.
  fs.unlinkSync(path.join(dir, 'weights'));
  fs.mkdirSync(path.join(dir, 'weights'));
  fs.copyFileSync(weights, path.join(dir, 'weights', 'resnet_mini.bin'));
  assert.equal((await outputOf(path.join(dir, 'resnet_mini.onnx'))).length, 10);
});
