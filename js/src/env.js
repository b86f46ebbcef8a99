// SPDX-License-Identifier: MIT
// Global settings, as in onnxruntime-web's `env`. numThreads defaults to min(4, cores) where
// threads are possible, else 1; in Node the core count comes from node:os (Node 20 has no
// navigator), read once at start-up (`envReady` resolves when it is known).
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
let cores = (globalThis.navigator && globalThis.navigator.hardwareConcurrency) || 0;
let userThreads;

function threadsPossible() {
  return isNode || (typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true);
}

export const envReady = isNode && !cores
  ? import('node:os').then((os) => { cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length; })
      .catch(() => {})
  : Promise.resolve();

export const env = {
  /** Threads per session (default: min(4, cores) where threads are possible, else 1). */
  get numThreads() {
    return userThreads ?? (threadsPossible() ? Math.max(1, Math.min(4, cores || 4)) : 1);
  },
  set numThreads(n) {
    userThreads = n;
  },
  /** Folder (URL or, in Node, path) holding the .wasm and glue files; overrides the default. */
  wasmPaths: undefined,
  /** 'auto' (threaded where SharedArrayBuffer works), 'threaded' or 'simd' (single-threaded). */
  wasmBuild: 'auto',
  logLevel: 'warning',
  /**
   * Browsers: run the engine in a module Web Worker (dist/onnx-wasm-proxy.mjs) with the same
   * API, so the page stays responsive while a model loads and runs. Ignored in Node.
   */
  proxy: false,
};
