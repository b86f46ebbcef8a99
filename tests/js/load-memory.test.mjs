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
import { matmulChainModel } from './helpers/model-proto.mjs';
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

// Before a large model is parsed the wasm memory is grown once to about what loading it takes,
// not in malloc's 20% steps (each a call into V8 that may start a garbage collection): a 32 MB
// model of 32 weights took 5 grows before, resnet50 13.
for (const build of ['threaded', 'simd']) {
  test(`${build} build: a 32 MB model of 32 weights grows the wasm memory at most twice as it loads`, async (t) => {
    env.wasmBuild = build;
    const width = 512, layers = 32;
    const weight = (l, j) => (((j * 7919 + l * 31) % 1000) / 1000 - 0.5) / 16;
    const bytes = matmulChainModel(width, layers, weight);
    const anchor = await InferenceSession.create(model('tiny_add.onnx'));  // the module, started
    const grow = WebAssembly.Memory.prototype.grow;
    const grows = [];
    WebAssembly.Memory.prototype.grow = function counted(pages) {
      grows.push(pages * 65536);
      return grow.call(this, pages);
    };
    let s;
    try {
      s = await InferenceSession.create(bytes);
    } finally {
      WebAssembly.Memory.prototype.grow = grow;
    }
    t.diagnostic(`${bytes.length} B model: the wasm memory grew ${grows.length} time(s), by ${grows.join(', ')} B`);
    assert.ok(grows.length >= 1 && grows.length <= 2, `grown once or twice, not ${grows.length} times`);
    // And the model runs: x . W0 . W1 ... in float64 here.
    const x = Float32Array.from({ length: width }, (_, i) => (i % 13) / 13);
    const y = (await s.run({ x: new Tensor('float32', x, [1, width]) })).y.data;
    let h = Float64Array.from(x);
    for (let l = 0; l < layers; l++) {
      const next = new Float64Array(width);
      for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) next[j] += h[i] * weight(l, i * width + j);
      h = next;
    }
    const scale = Math.max(...h.map(Math.abs));
    for (let j = 0; j < width; j++) assert.ok(Math.abs(y[j] - h[j]) <= 1e-4 * scale, `y[${j}] = ${y[j]}, expected ${h[j]}`);
    await s.release();
    await anchor.release();
  });
}
