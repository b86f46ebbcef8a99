// SPDX-License-Identifier: MIT
// Hostile and broken models (tests/robustness/gen_hostile.py) through the public API on both
// builds: each must end, within a time bound, in an OnnxWasmError with the expected code and
// a message naming the problem (or load and run, where the model is valid), and afterwards
// the same module must still load and run a valid model.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InferenceSession, Tensor, env, OnnxWasmError } from 'onnx-wasm';
import { model } from './helpers/paths.mjs';

const dir = process.env.ONNXWASM_HOSTILE;
if (!dir || !fs.existsSync(path.join(dir, 'manifest.json'))) {
  throw new Error('ONNXWASM_HOSTILE is not set to the output of tests/robustness/gen_hostile.py; run scripts/test.sh');
}
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const TIME_BOUND_MS = 20000;

function withTimeout(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${TIME_BOUND_MS} ms`)), TIME_BOUND_MS);
  })]).finally(() => clearTimeout(timer));
}

async function stillWorks() {
  const s = await InferenceSession.create(model('tiny_add.onnx'));
  const t = new Tensor('float32', new Float32Array(6).fill(2), [2, 3]);
  const out = await s.run({ a: t, b: t });
  assert.deepEqual(Array.from(out.y.data), [4, 4, 4, 4, 4, 4]);
  await s.release();
}

for (const build of ['threaded', 'simd']) {
  test(`hostile models, ${build} build`, async (t) => {
    env.wasmBuild = build;
    env.numThreads = build === 'threaded' ? 2 : 1;
    for (const [name, want] of Object.entries(manifest)) {
      await t.test(name, async () => {
        const file = path.join(dir, `${name}.onnx`);
        const started = performance.now();
        if (want.code === 'OK') {
          const s = await withTimeout(InferenceSession.create(file), name);
          // Every input filled with ones of its declared type (bool: true).
          const feeds = {};
          for (const meta of s.inputMetadata) {
            const n = meta.shape.reduce((a, b) => a * b, 1);
            feeds[meta.name] = meta.type === 'bool' ? new Tensor('bool', new Uint8Array(n).fill(1), meta.shape)
              : new Tensor('float32', new Float32Array(n).fill(1), meta.shape);
          }
          const out = await s.run(feeds);
          assert.ok(out[s.outputNames[0]].data.length > 0);
          await s.release();
        } else {
          await assert.rejects(withTimeout(InferenceSession.create(file), name), (e) => {
            assert.ok(e instanceof OnnxWasmError, `${name}: not an OnnxWasmError: ${e && e.stack}`);
            assert.equal(e.code, want.code, `${name}: ${e.message}`);
            if (want.match) assert.match(e.message, new RegExp(want.match), name);
            return true;
          });
        }
        t.diagnostic(`${name}: ${(performance.now() - started).toFixed(0)} ms`);
        await stillWorks();
      });
    }
  });
}
