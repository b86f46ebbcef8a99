// SPDX-License-Identifier: MIT
// A second session of the same model bytes, with the same options, shares the first's compiled
// model (packed weights, plans): it costs a pass over the bytes and no new weights. Any other
// bytes — one weight changed, the same length — or other options get a session of their own,
// with their own outputs; and each session still releases, profiles and fails on its own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { InferenceSession, Tensor, env, memoryInfo } from 'onnx-wasm';
import { matmulChainModel } from './helpers/model-proto.mjs';
import { model, seededInput } from './helpers/paths.mjs';

const width = 256;
const weights = (seed) => (l, j) => Math.fround(Math.sin(seed + l * 7919 + j) / 16);
const x = new Tensor('float32', seededInput(width, 1), [1, width]);
const y = async (s) => Array.from((await s.run({ x })).y.data);

for (const build of ['threaded', 'simd']) {
  test(`${build} build: a second session of the same bytes shares the first's compiled model`, async () => {
    env.wasmBuild = build;
    env.numThreads = build === 'threaded' ? 2 : 1;
    const bytes = matmulChainModel(width, 8, weights(1));  // 2 MB of weights
    const first = await InferenceSession.create(bytes);
    const expected = await y(first);
    assert.doesNotMatch(first.debugInfo, /shares its compiled model/);
    const before = await memoryInfo();
    const second = await InferenceSession.create(bytes.slice());  // another copy of the same bytes
    const after = await memoryInfo();
    assert.match(second.debugInfo, /shares its compiled model with 1 other session \(same model bytes and options\)/);
    assert.match(first.debugInfo, /shares its compiled model with 1 other session/);
    assert.ok(after.usedBytes - before.usedBytes < 64 * 1024,
      `the second session took ${after.usedBytes - before.usedBytes} B (the weights are 2 MB)`);
    assert.deepEqual(await y(second), expected);
    // Each holder releases on its own: the other keeps running.
    await first.release();
    assert.deepEqual(await y(second), expected);
    await assert.rejects(first.run({ x }), (e) => e.code === 'INVALID_STATE');
    assert.doesNotMatch(second.debugInfo, /shares its compiled model/);
    await second.release();
    env.wasmBuild = 'threaded';
    env.numThreads = 2;
  });
}

test('one weight changed (same length) or other options: a session of its own, with its own outputs', async () => {
  const bytes = matmulChainModel(width, 8, weights(2));
  const changed = matmulChainModel(width, 8, (l, j) => (l === 7 && j === width * 100 + 3 ? 4 : weights(2)(l, j)));
  assert.equal(changed.length, bytes.length);
  const a = await InferenceSession.create(bytes);
  const b = await InferenceSession.create(changed);
  assert.doesNotMatch(b.debugInfo, /shares its compiled model/);
  const ya = await y(a), yb = await y(b);
  assert.notEqual(ya[3], yb[3]);
  for (let i = 0; i < width; i++) if (i !== 3) assert.equal(ya[i], yb[i]);
  // The same bytes under other options: not shared either.
  const one = await InferenceSession.create(bytes, { executionProviders: ['wasm'], freeDimensionOverrides: { n: 1 } });
  assert.doesNotMatch(one.debugInfo, /shares its compiled model/);
  assert.deepEqual(await y(one), ya);
  for (const s of [a, b, one]) await s.release();
});

test('holders of a shared model profile apart, and a bad run of one leaves the other working', async () => {
  const bytes = fs.readFileSync(model('resnet_mini.onnx'));
  const img = new Tensor('float32', seededInput(3 * 64 * 64, 3), [1, 3, 64, 64]);
  const a = await InferenceSession.create(bytes);
  const b = await InferenceSession.create(bytes);
  assert.match(b.debugInfo, /shares its compiled model/);
  const expected = Array.from((await a.run({ input: img })).output.data);
  const calls = (rows) => rows.map((r) => `${r.name}: ${r.calls}`).sort();
  await a.startProfiling();
  await a.run({ input: img });
  const alone = await a.endProfiling();
  assert.ok(alone.length > 0);
  await a.startProfiling();
  await a.run({ input: img });
  await b.run({ input: img });
  await b.run({ input: img });
  assert.deepEqual(calls(await a.endProfiling()), calls(alone));
  await assert.rejects(b.run({ input: new Tensor('float32', new Float32Array(3), [3]) }), (e) => e.code === 'INVALID_INPUT');
  assert.deepEqual(Array.from((await a.run({ input: img })).output.data), expected);
  assert.deepEqual(Array.from((await b.run({ input: img })).output.data), expected);
  await a.release();
  await b.release();
});
