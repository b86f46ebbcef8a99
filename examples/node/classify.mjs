#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Classifies an image file of a handwritten digit with the project's model and prints the
// top classes. Dark-on-light images are inverted (the model was trained on light ink on dark).
//   node examples/node/classify.mjs digit.png [--write-sample N out.png]
import fs from 'node:fs';
import { InferenceSession, Tensor } from 'onnx-wasm';
import { decodePng, encodePng } from './png.mjs';

const models = new URL('../models/', import.meta.url);
const args = process.argv.slice(2);
if (args[0] === '--write-sample') {
  // A held-out sample as a 64 x 64 PNG, to have an image to try.
  const data = JSON.parse(fs.readFileSync(new URL('digits-test.json', models), 'utf8'));
  const s = data.samples[Number(args[1])];
  const w = 64, px = new Uint8Array(w * w * 4);
  for (let i = 0; i < w * w; i++) {
    const v = Math.round((s.pixels[Math.floor(i / w / 8) * 8 + Math.floor((i % w) / 8)] / data.scale) * 255);
    px.set([v, v, v, 255], i * 4);
  }
  fs.writeFileSync(args[2], encodePng({ data: px, width: w, height: w }));
  console.log(`wrote ${args[2]} (a ${s.label})`);
  process.exit(0);
}
if (!args[0]) {
  console.error('usage: node examples/node/classify.mjs image.png   (or --write-sample N out.png to make one)');
  process.exit(2);
}
const image = decodePng(fs.readFileSync(args[0]));
const t = await Tensor.fromImage(image, { width: 8, height: 8 });
const grey = Float32Array.from({ length: 64 }, (_, i) => (t.data[i] + t.data[64 + i] + t.data[128 + i]) / 3);
const mean = grey.reduce((a, b) => a + b, 0) / 64;
const ink = mean > 0.5 ? grey.map((v) => 1 - v) : grey;
const session = await InferenceSession.create(new URL('digits.onnx', models));
const probs = Array.from((await session.run({ image: new Tensor('float32', ink, [1, 1, 8, 8]) })).probabilities.data);
await session.release();
const ranked = probs.map((p, k) => [k, p]).sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(`${args[0]}: ${image.width} x ${image.height}`);
for (const [k, p] of ranked) console.log(`  ${k}  ${'#'.repeat(Math.round(p * 40)).padEnd(40)} ${(p * 100).toFixed(1)}%`);
