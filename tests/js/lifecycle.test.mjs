// SPDX-License-Identifier: MIT
// Lifecycle and memory (issue 6): create -> run -> release cycles with a flat heap, many live
// sessions, release during a run, calls after release, run-time allocation limits, IEEE
// specials, and the heap growth while loading a model.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { InferenceSession, Tensor, env, memoryInfo } from 'onnx-wasm';
import { model, seededInput } from './helpers/paths.mjs';

env.wasmBuild = 'threaded';
env.numThreads = 2;
const img = new Tensor('float32', seededInput(3 * 64 * 64, 3), [1, 3, 64, 64]);

for (const build of ['threaded', 'simd']) {
  test(`${build} build: 1,000 create/run/release cycles leave malloc usage and the heap flat`, async (t) => {
    env.wasmBuild = build;
    env.numThreads = build === 'threaded' ? 2 : 1;
    const anchor = await InferenceSession.create(model('tiny_add.onnx'));  // keeps the module alive
    const cycle = async (file, feeds) => {
      const s = await InferenceSession.create(file);
      await s.run(feeds);
      await s.release();
    };
    const ab = new Tensor('float32', new Float32Array(6).fill(1), [2, 3]);
    for (let i = 0; i < 10; i++) await cycle(model('tiny_add.onnx'), { a: ab, b: ab });
    for (let i = 0; i < 10; i++) await cycle(model('resnet_mini.onnx'), { input: img });
    const before = await memoryInfo();
    for (let i = 0; i < 1000; i++) await cycle(model('tiny_add.onnx'), { a: ab, b: ab });
    for (let i = 0; i < 100; i++) await cycle(model('resnet_mini.onnx'), { input: img });
    const after = await memoryInfo();
    t.diagnostic(`after 20 cycles: used ${before.usedBytes} B, heap ${before.heapBytes} B; ` +
      `after 1,100 more: used ${after.usedBytes} B, heap ${after.heapBytes} B`);
    assert.equal(after.heapBytes, before.heapBytes, 'the heap grew');
    assert.ok(Math.abs(after.usedBytes - before.usedBytes) <= 4096, `malloc usage moved by ${after.usedBytes - before.usedBytes} B`);
    await anchor.release();
    env.wasmBuild = 'threaded';
    env.numThreads = 2;
  });
}

// XNNPACK's activation memory (its workspace) is one per module, shared by every session:
// a second live session of a model takes none, and a larger model that grows (moves) it
// leaves the sessions already planned on it computing the same results. (A second session of
// the same bytes and options shares the first's compiled model outright: the one compared
// here has an extra free-dimension override, which makes it a session of its own.)
for (const build of ['threaded', 'simd']) {
  test(`${build} build: sessions share XNNPACK's activation memory and stay exact when it grows`, async () => {
    env.wasmBuild = build;
    env.numThreads = build === 'threaded' ? 2 : 1;
    const activations = (s) => Number(/activations (\d+) bytes/.exec(s.debugInfo)[1]);
    const big = { input: new Tensor('float32', seededInput(3 * 224 * 224, 5), [1, 3, 224, 224]) };
    const small = await InferenceSession.create(model('resnet_mini.onnx'));
    const smallOut = Array.from((await small.run({ input: img })).output.data);
    const first = await InferenceSession.create(model('mobilenet_v2.onnx'));  // grows the workspace
    const bigOut = Array.from((await first.run(big))[first.outputNames[0]].data);
    assert.deepEqual(Array.from((await small.run({ input: img })).output.data), smallOut);
    const second = await InferenceSession.create(model('mobilenet_v2.onnx'), { freeDimensionOverrides: { not_in_this_model: 1 } });
    assert.doesNotMatch(second.debugInfo, /shares its compiled model/);
    assert.ok(activations(second) < activations(first) / 2,
      `the second session added ${activations(second)} B of activation memory, the first ${activations(first)} B`);
    assert.deepEqual(Array.from((await second.run(big))[second.outputNames[0]].data), bigOut);
    assert.deepEqual(Array.from((await first.run(big))[first.outputNames[0]].data), bigOut);
    assert.deepEqual(Array.from((await small.run({ input: img })).output.data), smallOut);
    for (const s of [small, first, second]) await s.release();
    env.wasmBuild = 'threaded';
    env.numThreads = 2;
  });
}

test('8 sessions alive at once give the same results as one', async () => {
  const one = await InferenceSession.create(model('resnet_mini.onnx'));
  const expected = Array.from((await one.run({ input: img })).output.data);
  await one.release();
  const sessions = await Promise.all(Array.from({ length: 8 }, () => InferenceSession.create(model('resnet_mini.onnx'))));
  const outs = await Promise.all(sessions.map((s) => s.run({ input: img })));
  for (const o of outs) assert.deepEqual(Array.from(o.output.data), expected);
  await Promise.all(sessions.map((s) => s.release()));
});

test('release() during a run waits for it; later calls reject with INVALID_STATE', async () => {
  const s = await InferenceSession.create(model('resnet_mini.onnx'));
  const running = s.run({ input: img });
  const released = s.release();
  const out = await running;
  assert.equal(out.output.data.length, 10);
  await released;
  await assert.rejects(s.run({ input: img }), (e) => e.code === 'INVALID_STATE');
});

test('run-time tensors over the limit are OUT_OF_MEMORY, and the session keeps working', async () => {
  const s = await InferenceSession.create(model('alloc.onnx'));
  const shape = (a, b) => ({ shape: new Tensor('int64', BigInt64Array.from([BigInt(a), BigInt(b)]), [2]) });
  await assert.rejects(s.run(shape(1 << 20, 1 << 20)), (e) => e.code === 'OUT_OF_MEMORY' && /over the limit|does not fit/.test(e.message));
  await assert.rejects(s.run(shape(-1, 4)), (e) => e.code === 'INVALID_INPUT' && /negative dim/.test(e.message));
  const out = await s.run(shape(2, 3));
  assert.deepEqual(out.y.dims, [2, 3]);
  assert.deepEqual(Array.from(out.y.data), [1, 1, 1, 1, 1, 1]);
  await s.release();
});

test('NaN and Inf inputs are allowed and follow IEEE', async () => {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  const a = new Tensor('float32', Float32Array.from([NaN, Infinity, -Infinity, Infinity, 1, -0]), [2, 3]);
  const b = new Tensor('float32', Float32Array.from([1, 1, 1, -Infinity, NaN, 0]), [2, 3]);
  const y = Array.from((await s.run({ a, b })).y.data);
  assert.ok(Number.isNaN(y[0]) && y[1] === Infinity && y[2] === -Infinity && Number.isNaN(y[3]) && Number.isNaN(y[4]));
  await s.release();
});
