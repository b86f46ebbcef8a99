// SPDX-License-Identifier: MIT
// A bundled app: onnx-wasm from npm, no bundler configuration. Classifies the project's
// held-out digits and shows the accuracy; window.result is what the browser test reads.
import { InferenceSession, Tensor, env } from 'onnx-wasm';
import modelUrl from '../models/digits.onnx?url';
import data from '../models/digits-test.json';

async function main() {
  const t0 = performance.now();
  const session = await InferenceSession.create(modelUrl);
  const ready = performance.now() - t0;
  const predicted = [];
  for (const s of data.samples) {
    const px = Float32Array.from(s.pixels, (v) => v / data.scale);
    const p = Array.from((await session.run({ image: new Tensor('float32', px, [1, 1, 8, 8]) })).probabilities.data);
    predicted.push(p.indexOf(Math.max(...p)));
  }
  const correct = predicted.filter((k, i) => k === data.samples[i].label).length;
  const build = session.debugInfo.split('\n')[0];
  await session.release();
  document.getElementById('out').textContent =
    `${correct} of ${data.samples.length} held-out digits correct; model ready in ${ready.toFixed(0)} ms; ${build}, ${env.numThreads} thread(s)`;
  return { predicted, correct, build: build.replace('build: ', '') };
}

window.result = main().catch((e) => {
  document.getElementById('out').textContent = `error: ${e.code}: ${e.message}`;
  return { error: `${e.code}: ${e.message}` };
});
