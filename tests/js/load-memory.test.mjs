// SPDX-License-Identifier: MIT
// Peak heap while loading a model (issue 6): the engine reads the model from the caller's
// array piece by piece as it parses (each byte copied into the heap once, never the whole
// model at once), and frees each weight as soon as XNNPACK has packed it. Its own file, so its
// own process: the heap starts nearly empty and its growth is the load's high-water mark
// (the wasm heap never shrinks).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { InferenceSession, Tensor, env, memoryInfo } from 'onnx-wasm';
import { model, seededInput } from './helpers/paths.mjs';

// "XNNPACK memory: packed weights N bytes, activations M bytes" (debugInfo).
function xnnMemory(info) {
  const m = /XNNPACK memory: packed weights (\d+) bytes, activations (\d+) bytes/.exec(info);
  assert.ok(m, `debugInfo reports XNNPACK memory:\n${info}`);
  return { packed: Number(m[1]), activations: Number(m[2]) };
}

for (const build of ['threaded', 'simd']) {
  test(`${build} build: loading mobilenet_v2 peaks under 1.5 x its size plus activations`, async (t) => {
    env.wasmBuild = build;
    const bytes = fs.readFileSync(model('mobilenet_v2.onnx'));
    const copy = Buffer.from(bytes);
    const anchor = await InferenceSession.create(model('tiny_add.onnx'));  // the module, started
    const before = await memoryInfo();
    const s = await InferenceSession.create(bytes);
    const after = await memoryInfo();
    const { packed, activations } = xnnMemory(s.debugInfo);
    const S = bytes.length;
    const grown = after.heapBytes - before.heapBytes, held = after.usedBytes - before.usedBytes;
    // Free room in the heap before the load could hide growth: count it as used by the load.
    const peak = grown + (before.heapBytes - before.usedBytes);
    t.diagnostic(`mobilenet_v2 (${S} B): heap grew ${grown} B (${(grown / S).toFixed(2)} x model); ` +
      `at most ${(peak / S).toFixed(2)} x with the free room before; XNNPACK activations ${activations} B ` +
      `(${(activations / S).toFixed(2)} x): peak without them ${((peak - activations) / S).toFixed(2)} x; ` +
      `the session holds ${held} B (${(held / S).toFixed(2)} x: packed weights ${(packed / S).toFixed(2)} x)`);
    assert.ok(peak - activations < 1.5 * S, `peak ${peak} B minus activations ${activations} B is under 1.5 x ${S} B`);
    // What it keeps: the packed weights (the model's own copies are all freed) and activations.
    assert.ok(held < packed + activations + 0.1 * S, `the session holds ${held} B`);
    assert.ok(bytes.equals(copy), "the caller's bytes are not changed");
    const out = await s.run({ input: new Tensor('float32', seededInput(3 * 224 * 224), [1, 3, 224, 224]) });
    assert.equal(out[s.outputNames[0]].dims.join(), '1,1000');
    await s.release();
    await anchor.release();
  });
}
