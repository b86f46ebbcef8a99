// SPDX-License-Identifier: MIT
// ESM and CommonJS entries resolve through package.json "exports", and a Node process exits
// by itself after release() (no pthread worker keeps it alive).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as esm from 'onnx-wasm';
import { model } from './helpers/paths.mjs';

test('ESM and CJS entries export the same API', () => {
  const cjs = createRequire(import.meta.url)('onnx-wasm');
  for (const name of ['InferenceSession', 'Tensor', 'env', 'OnnxWasmError']) {
    assert.equal(typeof esm[name], typeof cjs[name], name);
    assert.ok(esm[name], name);
  }
});

for (const [kind, code] of [
  ['ESM', `import { InferenceSession, Tensor, env } from 'onnx-wasm';
     env.numThreads = 2;
     const s = await InferenceSession.create(process.argv[1]);
     const t = new Tensor('float32', new Float32Array(6).fill(1), [2, 3]);
     const o = await s.run({ a: t, b: t });
     await s.release();
     console.log('sum', o.y.data.reduce((p, v) => p + v, 0));`],
  ['CJS', `const { InferenceSession, Tensor, env } = require('onnx-wasm');
     env.numThreads = 2;
     (async () => {
       const s = await InferenceSession.create(process.argv[1]);
       const t = new Tensor('float32', new Float32Array(6).fill(1), [2, 3]);
       const o = await s.run({ a: t, b: t });
       await s.release();
       console.log('sum', o.y.data.reduce((p, v) => p + v, 0));
     })();`],
]) {
  test(`a ${kind} script on the threaded build exits by itself after release()`, () => {
    const args = kind === 'ESM' ? ['--input-type=module', '-e', code, model('tiny_add.onnx')]
      : ['-e', code, model('tiny_add.onnx')];
    const r = spawnSync(process.execPath, args, { cwd: process.cwd(), timeout: 30000, encoding: 'utf8' });
    assert.equal(r.signal, null, `killed after 30 s: the process did not exit (${r.stderr})`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sum 12/);
  });
}
