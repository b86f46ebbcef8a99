#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Demo: classify the held-out handwritten digits with the project's own model
// (examples/models/digits.onnx, trained by scripts/train_digits.py) and print a few of them
// with their top classes, then the accuracy over all of them.
//   node examples/node/digits.mjs [count-to-show]
import fs from 'node:fs';
import { InferenceSession, Tensor, env } from 'onnx-wasm';

const here = new URL('../models/', import.meta.url);
const modelPath = new URL('digits.onnx', here);
const data = JSON.parse(fs.readFileSync(new URL('digits-test.json', here), 'utf8'));
const show = Number(process.argv[2] ?? 3);

const t0 = performance.now();
const session = await InferenceSession.create(modelPath);
const createMs = performance.now() - t0;
console.log(`onnx-wasm demo: 8x8 handwritten digits, ${fs.statSync(modelPath).size} byte model, ` +
  `session ready in ${createMs.toFixed(0)} ms (${env.numThreads} thread(s); ${session.debugInfo.split('\n').slice(0, 2).join('; ')})\n`);

const shade = ' .:-=+*#%@';
let correct = 0, ms = 0;
for (const [i, sample] of data.samples.entries()) {
  const pixels = Float32Array.from(sample.pixels, (v) => v / data.scale);
  const start = performance.now();
  const out = await session.run({ image: new Tensor('float32', pixels, [1, 1, data.height, data.width]) });
  ms += performance.now() - start;
  const probs = out.probabilities.data;
  const ranked = [...probs.keys()].sort((a, b) => probs[b] - probs[a]);
  if (ranked[0] === sample.label) correct++;
  if (i < show) {
    console.log(`sample ${i}: true label ${sample.label}, predicted ${ranked[0]}`);
    for (let row = 0; row < data.height; row++) {
      const art = sample.pixels.slice(row * data.width, (row + 1) * data.width)
        .map((v) => shade[Math.round((v / data.scale) * (shade.length - 1))].repeat(2)).join('');
      const k = ranked[row];
      const bar = row < 3 ? `   ${k}  ${'#'.repeat(Math.round(probs[k] * 30)).padEnd(30)} ${(probs[k] * 100).toFixed(1)}%` : '';
      console.log(`  |${art}|${bar}`);
    }
    console.log();
  }
}
await session.release();
const n = data.samples.length;
console.log(`held-out accuracy: ${correct}/${n} = ${((100 * correct) / n).toFixed(2)}% ` +
  `(${(ms / n).toFixed(3)} ms per image, including the copies in and out)`);
