// SPDX-License-Identifier: MIT
// The package in real Chromium (Debian's, driven by playwright-core): the <script> tag build and
// the ES module build, each on a cross-origin isolated page (threaded build, 2 threads) and on
// a plain one (single-threaded build, automatically, with one console warning). Each page
// classifies the project's held-out digits and must get the same accuracy as Node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.ONNXWASM_CHROMIUM || '/usr/bin/chromium';
let browser, servers;

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // /models/ serves the test models scripts/test.sh generated (mobilenet_v2 for a long run).
  const mounts = process.env.ONNXWASM_TEST_MODELS ? { '/models/': process.env.ONNXWASM_TEST_MODELS } : {};
  // The plain server sends .wasm as application/octet-stream, as some static hosts do: the
  // wrapper then compiles it from the whole response instead of streaming it.
  servers = {
    isolated: await serve(root, { isolated: true, mounts }),
    plain: await serve(root, { isolated: false, mounts, wasmType: 'application/octet-stream' }),
  };
});

after(async () => {
  if (browser) await browser.close();
  if (servers) await Promise.all(Object.values(servers).map((s) => s.close()));
});

// The accuracy the Node demo gets on the same samples (same model, same engine).
async function nodeAccuracy() {
  const { InferenceSession, Tensor } = await import('onnx-wasm');
  const data = JSON.parse(fs.readFileSync(path.join(root, 'examples/models/digits-test.json'), 'utf8'));
  const s = await InferenceSession.create(path.join(root, 'examples/models/digits.onnx'));
  let correct = 0;
  for (const x of data.samples) {
    const out = await s.run({ image: new Tensor('float32', Float32Array.from(x.pixels, (v) => v / data.scale), [1, 1, 8, 8]) });
    const p = Array.from(out.probabilities.data);
    if (p.indexOf(Math.max(...p)) === x.label) correct++;
  }
  await s.release();
  return correct;
}

async function openPage(server, page, context = null) {
  const own = !context;
  context ??= await browser.newContext();
  const tab = await context.newPage();
  const warnings = [];
  const errors = [];
  tab.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.goto(`${servers[server].url}/tests/browser/pages/${page}`);
  const result = await tab.evaluate(() => window.result);
  if (own) await context.close();
  else await tab.close();
  return { result, warnings, errors };
}

let expected;
for (const page of ['script-tag.html', 'esm.html']) {
  for (const server of ['isolated', 'plain']) {
    test(`${page} on a ${server} page`, async () => {
      expected ??= await nodeAccuracy();
      const { result, warnings, errors } = await openPage(server, page);
      assert.deepEqual(errors, []);
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.crossOriginIsolated, server === 'isolated');
      assert.equal(result.build, server === 'isolated' ? 'threaded' : 'simd');
      assert.equal(result.correct, expected, `${result.correct} of ${result.total} correct; Node gets ${expected}`);
      assert.ok(result.progressCalls >= 1 && result.lastProgress[0] === result.lastProgress[1], 'progress ends at the total');
      assert.ok(result.progressMonotone, 'progress only grows, against one total');
      if (page === 'script-tag.html') {  // the plain server sends the .wasm as application/octet-stream
        const [streamed, whole] = server === 'isolated' ? [1, 0] : [0, 1];
        assert.deepEqual([result.streamed, result.compiled], [streamed, whole], 'compileStreaming / compile calls');
      }
      const threadWarnings = warnings.filter((w) => /cross-origin isolated/.test(w));
      assert.equal(threadWarnings.length, server === 'isolated' ? 0 : 1, warnings.join('\n'));
    });
  }
}

test('Tensor.fromImage takes canvas, ImageData, <img> and ImageBitmap alike; toImageData gives ImageData', async () => {
  const { result, errors } = await openPage('plain', 'images.html');
  assert.deepEqual(errors, []);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.same, { raw: true, canvas: true, imageData: true, img: true, bitmap: true });
  assert.deepEqual(result.dims, [1, 3, 2, 4]);
  assert.deepEqual(result.resizedDims, [1, 4, 8, 3]);
  assert.equal(result.roundTrip, true);
});

test('cache: true keeps the model in the Cache API; the next load sends only a HEAD; an aborted load is ABORTED', async () => {
  const context = await browser.newContext();
  const log = servers.plain.requests;
  const model = (from) => log.slice(from).filter(([, p]) => p === '/examples/models/digits.onnx').map(([m]) => m);
  const first = log.length;
  const a = await openPage('plain', 'loading.html', context);
  assert.equal(a.result.error, undefined, a.result.error);
  assert.deepEqual(a.result.cached, ['/examples/models/digits.onnx']);
  assert.equal(a.result.progressDone, true);
  assert.equal(a.result.aborted, 'ABORTED');
  assert.deepEqual(model(first), ['GET']);  // the aborted load never reached the server
  const second = log.length;
  const b = await openPage('plain', 'loading.html', context);  // same origin, same cache
  assert.equal(b.result.error, undefined, b.result.error);
  assert.deepEqual(model(second), ['HEAD']);
  await context.close();
});

for (const server of ['isolated', 'plain']) {
  test(`env.proxy runs the engine in a module worker (${server} page)`, async () => {
    expected ??= await nodeAccuracy();
    const { result, errors } = await openPage(server, 'proxy.html');
    assert.deepEqual(errors, []);
    assert.equal(result.correct, expected, JSON.stringify(result));
    assert.equal(result.build, server === 'isolated' ? 'threaded' : 'simd');
    assert.equal(result.workerLoaded, true);
    assert.equal(result.glueOnPage, false, 'the engine never loaded on the page itself');
    assert.equal(result.error, 'INVALID_MODEL', 'errors come back with their codes');
    assert.ok(result.ticks > 0);
  });
}

// Node's predictions for the pad's pixels: each sample painted as 0..255 grey, read back / 255.
async function nodePadPredictions() {
  const { InferenceSession, Tensor } = await import('onnx-wasm');
  const data = JSON.parse(fs.readFileSync(path.join(root, 'examples/models/digits-test.json'), 'utf8'));
  const s = await InferenceSession.create(path.join(root, 'examples/models/digits.onnx'));
  const out = [];
  for (const x of data.samples) {
    const px = Float32Array.from(x.pixels, (v) => Math.round((v / data.scale) * 255) / 255);
    const p = Array.from((await s.run({ image: new Tensor('float32', px, [1, 1, 8, 8]) })).probabilities.data);
    out.push(p.indexOf(Math.max(...p)));
  }
  await s.release();
  return out;
}

for (const server of ['isolated', 'plain']) {
  test(`examples/script-tag on a ${server} server: same predictions as Node (screenshot in build/test-output)`, async () => {
    const expectedPad = await nodePadPredictions();
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    const tab = await context.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${servers[server].url}/examples/script-tag/?selftest`);
    await tab.waitForFunction(() => window.selftest !== undefined, null, { timeout: 60000 });
    const r = await tab.evaluate(() => window.selftest);
    fs.mkdirSync(path.join(root, 'build/test-output'), { recursive: true });
    await tab.screenshot({ path: path.join(root, `build/test-output/script-tag-${server}.png`) });
    await context.close();
    assert.deepEqual(errors, []);
    assert.equal(r.crossOriginIsolated, server === 'isolated');
    assert.equal(r.build, server === 'isolated' ? 'threaded' : 'simd');
    if (server === 'isolated') assert.ok(r.numThreads > 1, `numThreads ${r.numThreads}`);
    assert.deepEqual(r.predicted, expectedPad);
  });
}

test('with env.proxy, requestAnimationFrame keeps firing during a long run (it stops on the page thread)', async (t) => {
  if (!process.env.ONNXWASM_TEST_MODELS) return t.skip('needs ONNXWASM_TEST_MODELS (scripts/test.sh sets it)');
  const { result, errors } = await openPage('isolated', 'proxy-long.html');
  assert.deepEqual(errors, []);
  assert.equal(result.error, undefined, result.error);
  t.diagnostic(`one mobilenet_v2 run: on the page ${result.page.ms.toFixed(0)} ms, ${result.page.frames} frames; ` +
    `through the proxy ${result.proxy.ms.toFixed(0)} ms, ${result.proxy.frames} frames`);
  assert.ok(result.page.same && result.proxy.same);
  assert.equal(result.page.top, result.proxy.top);
  // One frame per ~17 ms while the worker computes; the blocked page thread draws none mid-run.
  assert.ok(result.proxy.frames >= Math.floor(result.proxy.ms / 17 / 3) && result.proxy.frames >= 2,
    `${result.proxy.frames} frames in ${result.proxy.ms} ms`);
  assert.ok(result.page.frames <= 1, `${result.page.frames} frames while the page thread was busy`);
});

test('examples/npm-app: the packed package, built by Vite with no configuration, runs (threaded) like Node', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-wasm-vite-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const app = path.join(tmp, 'npm-app');
  fs.cpSync(path.join(root, 'examples/npm-app'), app, { recursive: true, filter: (f) => !/node_modules|dist|\.tgz$/.test(f) });
  fs.cpSync(path.join(root, 'examples/models'), path.join(tmp, 'models'), { recursive: true });
  const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
  npm(['pack', '--pack-destination', app], root);
  // Only the package itself is installed (Vite comes from this repository), so no registry.
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'npm-app-test', private: true, type: 'module' }));
  // The package from its tarball; Vite itself from this repository's devDependencies.
  npm(['install', '--ignore-scripts', '--no-package-lock', '--no-save', './onnx-wasm-0.1.0.tgz'], app);
  execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', '--base', './', '--logLevel', 'error'], { cwd: app });
  const assets = fs.readdirSync(path.join(app, 'dist/assets'));
  t.diagnostic(`vite emitted: ${assets.join(', ')}`);
  assert.ok(assets.some((f) => /^onnx-wasm-threaded-.*\.wasm$/.test(f)) && assets.some((f) => /^onnx-wasm-simd-.*\.wasm$/.test(f)));
  const server = await serve(path.join(app, 'dist'), { isolated: true });
  try {
    const context = await browser.newContext();
    const tab = await context.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/`);
    const r = await tab.evaluate(() => window.result);
    fs.mkdirSync(path.join(root, 'build/test-output'), { recursive: true });
    await tab.screenshot({ path: path.join(root, 'build/test-output/npm-app.png') });
    await context.close();
    assert.deepEqual(errors, []);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.build, 'threaded');
    const data = JSON.parse(fs.readFileSync(path.join(root, 'examples/models/digits-test.json'), 'utf8'));
    expected ??= await nodeAccuracy();
    assert.equal(r.correct, expected);
    assert.equal(r.predicted.length, data.samples.length);
  } finally {
    await server.close();
  }
});
