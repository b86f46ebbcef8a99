// SPDX-License-Identifier: MIT
// The error contract: every bad input is an OnnxWasmError with a stable code and a message
// naming what and where; afterwards the module and the session keep working.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { InferenceSession, Tensor, OnnxWasmError, ERROR_CODES, env, errorCodeNames } from 'onnx-wasm';
import { model } from './helpers/paths.mjs';

const good = () => ({ a: new Tensor('float32', new Float32Array(6), [2, 3]), b: new Tensor('float32', new Float32Array(6), [2, 3]) });

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof OnnxWasmError, `not an OnnxWasmError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('bytes that are not ONNX', async () => {
  await rejectsWith(InferenceSession.create(new TextEncoder().encode('definitely not a model')), 'INVALID_MODEL', /not a valid ONNX model/);
  await rejectsWith(InferenceSession.create(new Uint8Array(0)), 'INVALID_MODEL', /empty/);
});

test('a truncated model names where it broke', async () => {
  const bytes = fs.readFileSync(model('resnet_mini.onnx'));
  for (const cut of [10, 1000, bytes.length >> 1, bytes.length - 3]) {
    await rejectsWith(InferenceSession.create(bytes.subarray(0, cut)), 'INVALID_MODEL', /byte offset|nested message/);
  }
});

test('unsupported ops are all named at once, with domain and opset', async () => {
  await rejectsWith(InferenceSession.create(model('unsupported.onnx')), 'UNSUPPORTED_OP',
    /3 operators are not supported.*ai\.onnx\.AlsoMissing \(opset 17\).*ai\.onnx\.NotARealOp \(opset 17\).*com\.example\.FancyOp \(opset 2\)/);
});

test('wrong input name, dtype, rank, dims and data length, then the session still runs', async () => {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  const { a, b } = good();
  await rejectsWith(s.run({ a, c: b }), 'INVALID_INPUT', /unknown input 'c'; the model's inputs are 'a', 'b'/);
  await rejectsWith(s.run({ a }), 'INVALID_INPUT', /missing input 'b'/);
  await rejectsWith(s.run({ a, b: new Tensor('int32', new Int32Array(6), [2, 3]) }), 'INVALID_INPUT',
    /input 'b': expected dtype float32, got int32/);
  await rejectsWith(s.run({ a, b: new Tensor('float32', new Float32Array(6), [6]) }), 'INVALID_INPUT',
    /input 'b': expected shape \[2,3\], got \[6\]/);
  await rejectsWith(s.run({ a, b: new Tensor('float32', new Float32Array(6), [3, 2]) }), 'INVALID_INPUT',
    /expected shape \[2,3\], got \[3,2\]/);
  const fake = { type: 'float32', data: new Float32Array(5), dims: [2, 3] };
  await rejectsWith(s.run({ a, b: fake }), 'INVALID_INPUT', /need 6 elements, data has 5/);
  await rejectsWith(s.run({ a, b: 42 }), 'INVALID_INPUT', /not a Tensor/);
  const out = await s.run({ a: new Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]), b });
  assert.deepEqual(Array.from(out.y.data), [1, 2, 3, 4, 5, 6]);
  await s.release();
});

test('the module keeps working after failed creations', async () => {
  await rejectsWith(InferenceSession.create(new Uint8Array([8, 1, 18])), 'INVALID_MODEL');
  await rejectsWith(InferenceSession.create('/no/such/model.onnx'), 'INVALID_ARGUMENT', /could not read model file/);
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  const out = await s.run(good());
  assert.equal(out.y.data.length, 6);
  await s.release();
});

test('the JS error codes equal the C++ ones', async () => {
  assert.deepEqual(await errorCodeNames(), [...ERROR_CODES]);
});

test('a missing or corrupt .wasm is a clear error, and the engine starts once the files are found', async () => {
  const dist = path.dirname(createRequire(import.meta.url).resolve('onnx-wasm'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-paths-'));
  const saved = { wasmPaths: env.wasmPaths, wasmBuild: env.wasmBuild };
  try {
    env.wasmBuild = 'simd';
    env.wasmPaths = dir;
    fs.copyFileSync(path.join(dist, 'onnx-wasm-simd.js'), path.join(dir, 'onnx-wasm-simd.js'));
    await rejectsWith(InferenceSession.create(model('tiny_add.onnx')), 'INTERNAL', /could not start the WebAssembly module.*onnx-wasm-simd\.wasm/);
    const wasm = fs.readFileSync(path.join(dist, 'onnx-wasm-simd.wasm'));
    fs.writeFileSync(path.join(dir, 'onnx-wasm-simd.wasm'), wasm.subarray(0, wasm.length >> 1));  // cut in half
    await rejectsWith(InferenceSession.create(model('tiny_add.onnx')), 'INTERNAL', /could not start the WebAssembly module/);
    fs.writeFileSync(path.join(dir, 'onnx-wasm-simd.wasm'), wasm);
    const s = await InferenceSession.create(model('tiny_add.onnx'));
    const out = await s.run(good());
    assert.equal(out.y.data.length, 6);
    await s.release();
  } finally {
    Object.assign(env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
