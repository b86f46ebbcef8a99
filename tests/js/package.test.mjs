// SPDX-License-Identifier: MIT
// Packaging (issue 4): `npm pack` holds only dist/, the types, README, LICENSE and package.json;
// the tarball installed into a temporary project works from Node as ESM and as CommonJS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

test('npm pack contents, then the tarball installed and used from ESM and CommonJS', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-pack-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const name = npm(['pack', '--pack-destination', tmp], root).trim().split('\n').pop();
  const tarball = path.join(tmp, name);
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  const unexpected = files.filter((f) => !/^(dist\/[^/]+|js\/types\/index\.d\.ts|README\.md|LICENSE|package\.json)$/.test(f));
  assert.deepEqual(unexpected, []);
  for (const f of ['LICENSE', 'README.md', 'js/types/index.d.ts', 'dist/onnx-wasm.mjs', 'dist/onnx-wasm.cjs', 'dist/onnx-wasm.min.js',
    'dist/onnx-wasm-threaded.wasm', 'dist/onnx-wasm-simd.wasm', 'dist/onnx-wasm-threaded.worker.js', 'dist/onnx-wasm-proxy.mjs']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  t.diagnostic(`${name}: ${fs.statSync(tarball).size} bytes, ${files.length} files`);

  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  npm(['install', '--ignore-scripts', '--no-package-lock', tarball], app);
  const model = path.join(root, 'examples/models/digits.onnx');
  const data = JSON.parse(fs.readFileSync(path.join(root, 'examples/models/digits-test.json'), 'utf8'));
  const sample = data.samples[0];
  const body = (api) => `
const { InferenceSession, Tensor } = ${api};
(async () => {
  const s = await InferenceSession.create(${JSON.stringify(model)});
  const px = Float32Array.from(${JSON.stringify(sample.pixels)}, (v) => v / ${data.scale});
  const out = await s.run({ image: new Tensor('float32', px, [1, 1, 8, 8]) });
  const p = Array.from(out.probabilities.data);
  console.log(p.indexOf(Math.max(...p)));
  await s.release();
})();`;
  fs.writeFileSync(path.join(app, 'esm.mjs'), `import * as api from 'onnx-wasm';${body('api')}`);
  fs.writeFileSync(path.join(app, 'cjs.cjs'), body("require('onnx-wasm')"));
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    const got = execFileSync(process.execPath, [script], { cwd: app, encoding: 'utf8' }).trim();
    assert.equal(Number(got), sample.label, `${script} classified the sample`);
  }
});
