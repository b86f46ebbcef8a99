// SPDX-License-Identifier: MIT
// The script-tag example: onnx-wasm from the global `onnxwasm`, no build step, no modules.
(function () {
  const { InferenceSession, Tensor, env } = onnxwasm;
  const pad = document.getElementById('pad');
  const ctx = pad.getContext('2d');
  let session = null, data = null, next = 0;

  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  }

  // The pad, downscaled to the model's 8 x 8 (the canvas averages), red channel = ink in [0, 1].
  async function classify() {
    const img = await Tensor.fromImage(pad, { width: 8, height: 8 });
    const ink = new Tensor('float32', img.data.slice(0, 64), [1, 1, 8, 8]);
    const out = await session.run({ image: ink });
    return Array.from(out.probabilities.data);
  }

  function show(p) {
    const order = p.map((v, k) => k).sort((a, b) => p[b] - p[a]);
    document.getElementById('top').textContent = `${order[0]}  (${(p[order[0]] * 100).toFixed(1)}%)`;
    document.getElementById('bars').innerHTML = p.map((v, k) =>
      `<div class="bar"><b>${k}</b><span style="width:${Math.round(v * 200)}px"></span>${(v * 100).toFixed(1)}%</div>`).join('');
  }

  async function update() { if (session) show(await classify()); }

  // Paints a held-out 8 x 8 sample (values 0..16) onto the pad.
  function paintSample(s) {
    const cell = pad.width / 8;
    for (let i = 0; i < 64; i++) {
      const v = Math.round((s.pixels[i] / data.scale) * 255);
      ctx.fillStyle = `rgb(${v},${v},${v})`;
      ctx.fillRect((i % 8) * cell, Math.floor(i / 8) * cell, cell, cell);
    }
  }

  let drawing = false;
  pad.addEventListener('pointerdown', (e) => { drawing = true; pad.setPointerCapture(e.pointerId); draw(e); });
  pad.addEventListener('pointermove', (e) => drawing && draw(e));
  pad.addEventListener('pointerup', () => { drawing = false; update(); });
  function draw(e) {
    const r = pad.getBoundingClientRect();
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(e.clientX - r.left, e.clientY - r.top, 14, 0, 2 * Math.PI);
    ctx.fill();
  }
  document.getElementById('clear').onclick = () => { clear(); update(); };
  document.getElementById('sample').onclick = () => { paintSample(data.samples[next++ % data.samples.length]); update(); };
  document.getElementById('file').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    ctx.drawImage(bitmap, 0, 0, pad.width, pad.height);
    update();
  };

  // ?selftest: classify every held-out sample through the pad (what the browser tests check).
  async function selftest() {
    let correct = 0;
    const predicted = [];
    for (const s of data.samples) {
      paintSample(s);
      const p = await classify();
      predicted.push(p.indexOf(Math.max(...p)));
      if (predicted[predicted.length - 1] === s.label) correct++;
    }
    return { correct, predicted, total: data.samples.length, build: session.debugInfo.split('\n')[0].replace('build: ', ''),
      numThreads: env.numThreads, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  }

  clear();
  const t0 = performance.now();
  window.ready = Promise.all([
    InferenceSession.create('../models/digits.onnx'),
    fetch('../models/digits-test.json').then((r) => r.json()),
  ]).then(async ([s, d]) => {
    session = s;
    data = d;
    document.getElementById('info').textContent =
      `model ready in ${(performance.now() - t0).toFixed(0)} ms; ${session.debugInfo.split('\n')[0]}, ${env.numThreads} thread(s)`;
    paintSample(data.samples[next++]);
    await update();
    if (location.search.includes('selftest')) window.selftest = await selftest();
    return true;
  }).catch((e) => { document.getElementById('info').textContent = `error: ${e.code}: ${e.message}`; throw e; });
})();
