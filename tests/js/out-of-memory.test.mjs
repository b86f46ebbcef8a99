// SPDX-License-Identifier: MIT
// A real allocation failure at the wasm heap's maximum (issue 6): not the per-tensor limit
// (lifecycle.test.mjs covers that) but malloc returning null once the heap cannot grow. Its
// own file, so its own process: the heap it leaves behind (GBs) would skew the heap figures
// of the other lifecycle tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InferenceSession, Tensor, env, memoryInfo } from 'onnx-wasm';
import { model } from './helpers/paths.mjs';

// alloc.onnx is y = ConstantOfShape(shape) + 1: two tensors of the requested size. At
// 23170 x 23170 float32 each is just under the 2 GiB per-tensor limit, and the two together
// are more than the 4 GiB the wasm heap can ever grow to, so the second malloc fails.
const shape = (a, b) => ({ shape: new Tensor('int64', BigInt64Array.from([BigInt(a), BigInt(b)]), [2]) });

for (const build of ['threaded', 'simd']) {
  test(`${build} build: malloc failing at the heap maximum is OUT_OF_MEMORY, and the module keeps working`, async (t) => {
    env.wasmBuild = build;
    const s = await InferenceSession.create(model('alloc.onnx'));
    await assert.rejects(s.run(shape(23170, 23170)),
      (e) => e.code === 'OUT_OF_MEMORY' && /could not allocate 2147395600 bytes/.test(e.message));
    const info = await memoryInfo();
    t.diagnostic(`heap after the failure: ${info.heapBytes} B, in use ${info.usedBytes} B`);
    assert.ok(info.usedBytes < 64 << 20, 'the failed run freed what it had allocated');
    const out = await s.run(shape(2, 3));
    assert.deepEqual(Array.from(out.y.data), [1, 1, 1, 1, 1, 1]);
    const other = await InferenceSession.create(model('tiny_add.onnx'));
    await other.release();
    await s.release();
  });
}
