// SPDX-License-Identifier: MIT
// Shared by the test pages: classify the held-out digits with the project's model through the
// public API (`api` is the onnx-wasm namespace, however the page loaded it) and report.
export async function classifyDigits(api, { threads = 1 } = {}) {
  const { InferenceSession, Tensor, env } = api;
  env.numThreads = threads;
  const data = await (await fetch('/examples/models/digits-test.json')).json();
  const progress = [];
  const session = await InferenceSession.create('/examples/models/digits.onnx', {
    onProgress: (loaded, total) => progress.push([loaded, total]),
  });
  let correct = 0;
  for (const s of data.samples) {
    const pixels = Float32Array.from(s.pixels, (v) => v / data.scale);
    const out = await session.run({ image: new Tensor('float32', pixels, [1, 1, data.height, data.width]) });
    const p = out.probabilities.data;
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    if (best === s.label) correct++;
  }
  const build = session.debugInfo.split('\n')[0].replace('build: ', '');
  await session.release();
  return { crossOriginIsolated: globalThis.crossOriginIsolated === true, build, correct, total: data.samples.length,
    progressCalls: progress.length, lastProgress: progress[progress.length - 1],
    progressMonotone: progress.every((p, i) => i === 0 || (p[0] >= progress[i - 1][0] && p[1] === progress[0][1])) };
}
