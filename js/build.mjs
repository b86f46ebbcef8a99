// SPDX-License-Identifier: MIT
// One esbuild run per format from js/src/index.js: dist/onnx-wasm.mjs (ESM), .cjs (CommonJS),
// .min.js (IIFE, global `onnxwasm`). The Emscripten glue, .wasm and worker files are copied
// beside them by scripts/build.sh, never bundled (pthread workers load the glue by URL).
import { build } from 'esbuild';

const entry = new URL('./src/index.js', import.meta.url).pathname;
const out = (name) => new URL(`../dist/${name}`, import.meta.url).pathname;
const common = { entryPoints: [entry], bundle: true, target: 'es2020', external: ['node:*'], logLevel: 'warning' };

await build({ ...common, format: 'esm', platform: 'neutral', outfile: out('onnx-wasm.mjs') });
// env.proxy's module worker: the engine's own loader and backend, bundled on their own.
await build({ ...common, entryPoints: [new URL('./src/proxy-worker.js', import.meta.url).pathname], format: 'esm',
  platform: 'browser', outfile: out('onnx-wasm-proxy.mjs') });
// CommonJS and IIFE have no import.meta.url: the script's own location stands in for it.
await build({
  ...common, format: 'cjs', platform: 'node', outfile: out('onnx-wasm.cjs'),
  define: { 'import.meta.url': '__onnxwasm_url' },
  banner: { js: 'const __onnxwasm_url = require("node:url").pathToFileURL(__filename).href;' },
});
await build({
  ...common, format: 'iife', globalName: 'onnxwasm', platform: 'browser', minify: true, outfile: out('onnx-wasm.min.js'),
  define: { 'import.meta.url': '__onnxwasm_url' },
  banner: { js: 'var __onnxwasm_url = (typeof document !== "undefined" && document.currentScript && document.currentScript.src) || (typeof location !== "undefined" ? location.href : "");' },
});
