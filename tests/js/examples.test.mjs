// SPDX-License-Identifier: MIT
// examples/node: the image-file CLI (PNG in, top classes out), on held-out samples written as
// PNGs by the CLI itself, light-on-dark and inverted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodePng, encodePng } from '../../examples/node/png.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'examples/node/classify.mjs');
const data = JSON.parse(fs.readFileSync(path.join(root, 'examples/models/digits-test.json'), 'utf8'));
const top = (out) => Number(out.split('\n')[1].trim().split(/\s+/)[0]);

test('examples/node/classify.mjs names the digit in a PNG, dark-on-light too', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const i of [0, 1, 2, 3, 4]) {
    const file = path.join(dir, `s${i}.png`);
    execFileSync(process.execPath, [cli, '--write-sample', String(i), file]);
    assert.equal(top(execFileSync(process.execPath, [cli, file], { encoding: 'utf8' })), data.samples[i].label);
    // The same digit as dark ink on white paper.
    const img = decodePng(fs.readFileSync(file));
    for (let k = 0; k < img.data.length; k += 4) for (let c = 0; c < 3; c++) img.data[k + c] = 255 - img.data[k + c];
    const inv = path.join(dir, `inv${i}.png`);
    fs.writeFileSync(inv, encodePng(img));
    assert.equal(top(execFileSync(process.execPath, [cli, inv], { encoding: 'utf8' })), data.samples[i].label);
  }
});
