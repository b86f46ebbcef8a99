// SPDX-License-Identifier: MIT
// The public API: sources, metadata, dtype mapping, fetches, queued runs, release, Tensor.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { InferenceSession, Tensor, env, OnnxWasmError } from 'onnx-wasm';
import { model } from './helpers/paths.mjs';

const a = new Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
const b = new Tensor('float32', Float32Array.from([10, 20, 30, 40, 50, 60]), [2, 3]);

test('sources: file path, file URL, Uint8Array, ArrayBuffer', async () => {
  const bytes = fs.readFileSync(model('tiny_add.onnx'));
  const copy = new Uint8Array(bytes);
  for (const source of [model('tiny_add.onnx'), pathToFileURL(model('tiny_add.onnx')), copy, copy.buffer.slice(0)]) {
    const s = await InferenceSession.create(source);
    const out = await s.run({ a, b });
    assert.deepEqual(Array.from(out.y.data), [11, 22, 33, 44, 55, 66]);
    await s.release();
  }
});

test('a URL is loaded with fetch, with progress', async () => {
  const http = await import('node:http');
  const body = fs.readFileSync(model('tiny_add.onnx'));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const progress = [];
    const s = await InferenceSession.create(`http://127.0.0.1:${server.address().port}/m.onnx`, {
      onProgress: (loaded, total) => progress.push([loaded, total]),
    });
    assert.deepEqual(progress.at(-1), [body.length, body.length]);
    assert.deepEqual(s.inputNames, ['a', 'b']);
    await s.release();
  } finally {
    server.close();
  }
});

test('metadata and dtype mapping (int64 -> BigInt64Array)', async () => {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  assert.deepEqual(s.inputNames, ['a', 'b']);
  assert.deepEqual(s.outputNames, ['y', 'shape']);
  assert.deepEqual(s.inputMetadata[0], { name: 'a', isTensor: true, type: 'float32', shape: [2, 3] });
  assert.deepEqual(s.outputMetadata[1], { name: 'shape', isTensor: true, type: 'int64', shape: [2] });
  const out = await s.run({ a, b });
  assert.ok(out.y.data instanceof Float32Array);
  assert.ok(out.shape.data instanceof BigInt64Array);
  assert.deepEqual(Array.from(out.shape.data), [2n, 3n]);
  assert.deepEqual(out.y.dims, [2, 3]);
  // Outputs are fresh arrays, not views of the wasm heap.
  assert.ok(!(out.y.data.buffer instanceof SharedArrayBuffer));
  const only = await s.run({ a, b }, ['shape']);
  assert.deepEqual(Object.keys(only), ['shape']);
  await s.release();
});

test('concurrent runs on one session are queued and all correct', async () => {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  const runs = [];
  for (let k = 0; k < 8; k++) {
    const x = new Tensor('float32', new Float32Array(6).fill(k), [2, 3]);
    runs.push(s.run({ a: x, b }).then((o) => Array.from(o.y.data)));
  }
  const results = await Promise.all(runs);
  results.forEach((r, k) => assert.deepEqual(r, [10, 20, 30, 40, 50, 60].map((v) => v + k)));
  await s.release();
});

test('after release, run rejects with INVALID_STATE', async () => {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  await s.release();
  await assert.rejects(s.run({ a, b }), (e) => e instanceof OnnxWasmError && e.code === 'INVALID_STATE');
  await s.release();  // twice is harmless
});

test('Tensor validates type, data and dims', () => {
  const t = new Tensor(Float32Array.from([1, 2]), [1, 2]);
  assert.equal(t.type, 'float32');
  assert.equal(new Tensor('int64', [1, 2, 3]).data.constructor, BigInt64Array);
  assert.throws(() => new Tensor('float32', new Float32Array(3), [2, 2]), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => new Tensor('complex', new Float32Array(1)), /unknown tensor type/);
  assert.throws(() => new Tensor('float32', new Int32Array(2)), /needs a Float32Array/);
});

test('options are checked', async () => {
  await assert.rejects(InferenceSession.create(model('tiny_add.onnx'), { numThreads: 0 }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(InferenceSession.create(model('tiny_add.onnx'), { graphOptimizationLevel: 'max' }),
    (e) => e.code === 'INVALID_ARGUMENT');
  assert.ok(env.numThreads >= 1);
});

// Regression (issue 2): a second live threaded session used to deadlock, its pthreadpool
// waiting on a Worker that could not start while the main thread was blocked.
test('issue_2_several_threaded_sessions_alive_at_once', async () => {
  const prev = env.numThreads;
  env.numThreads = 2;
  try {
    const sessions = [];
    for (let k = 0; k < 4; k++) sessions.push(await InferenceSession.create(model('resnet_mini.onnx')));
    const x = new Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
    const outs = await Promise.all(sessions.map((s) => s.run({ input: x })));
    for (const o of outs) assert.deepEqual(Array.from(o.output.data), Array.from(outs[0].output.data));
    for (const s of sessions) await s.release();
  } finally {
    env.numThreads = prev;
  }
});

// With threads possible (always in Node), a one-thread session takes the single-threaded build
// (no worker to start) and a two-thread one the threaded build; both run side by side, each on
// its own module, and give the same outputs.
test('one-thread sessions use the single-threaded build, others the threaded one', async () => {
  assert.equal(env.wasmBuild, 'auto');
  const one = await InferenceSession.create(model('resnet_mini.onnx'), { numThreads: 1 });
  const two = await InferenceSession.create(model('resnet_mini.onnx'), { numThreads: 2 });
  const oneMore = await InferenceSession.create(model('resnet_mini.onnx'), { numThreads: 1 });
  assert.match(one.debugInfo, /^build: simd\n/);
  assert.match(two.debugInfo, /^build: threaded\n/);
  assert.match(oneMore.debugInfo, /^build: simd\n/);
  const x = new Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
  const [a1, a2, a3] = await Promise.all([one, two, oneMore].map((s) => s.run({ input: x })));
  assert.deepEqual(Array.from(a2.output.data), Array.from(a1.output.data));
  assert.deepEqual(Array.from(a3.output.data), Array.from(a1.output.data));
  for (const s of [one, two, oneMore]) await s.release();
});

test('profiling times each XNNPACK region, XNNPACK operator and reference kernel of the runs in between', async () => {
  const s = await InferenceSession.create(model('resnet_mini.onnx'));
  const x = new Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
  await s.run({ [s.inputNames[0]]: x });  // not profiled
  await s.startProfiling();
  for (let i = 0; i < 3; i++) await s.run({ [s.inputNames[0]]: x });
  const profile = await s.endProfiling();
  assert.ok(profile.length >= 2, JSON.stringify(profile));
  assert.ok(profile.some((e) => e.kind === 'xnnpack' && /^region of \d+ nodes from node/.test(e.name)));
  // Each XNNPACK operator, named after the node it was lowered from; together within their regions' time.
  const ops = profile.filter((e) => e.kind === 'xnnpack-op');
  assert.ok(ops.some((e) => /^node '.+' \(Conv\): Convolution \(NHWC, F32\)/.test(e.name)), JSON.stringify(ops));
  const regionsMs = profile.filter((e) => e.kind === 'xnnpack').reduce((a, e) => a + e.ms, 0);
  const opsMs = ops.reduce((a, e) => a + e.ms, 0);
  assert.ok(opsMs > 0 && opsMs <= regionsMs * 1.01 + 0.01, `operators ${opsMs} ms, regions ${regionsMs} ms`);
  for (const e of profile) {
    assert.equal(e.calls, 3, e.name);
    assert.ok(e.ms >= 0 && Number.isFinite(e.ms));
  }
  for (let i = 1; i < profile.length; i++) assert.ok(profile[i - 1].ms >= profile[i].ms, 'slowest first');
  await s.run({ [s.inputNames[0]]: x });
  assert.deepEqual(await s.endProfiling(), [], 'off after endProfiling');
  await s.release();
  await assert.rejects(s.startProfiling(), (e) => e instanceof OnnxWasmError && e.code === 'INVALID_STATE');
});
