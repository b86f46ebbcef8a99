// SPDX-License-Identifier: MIT
// Global settings, as in onnxruntime-web's `env`.
function defaultThreads() {
  const g = globalThis;
  const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
  const threadsPossible = isNode || (typeof SharedArrayBuffer !== 'undefined' && g.crossOriginIsolated === true);
  if (!threadsPossible) return 1;
  const cores = (g.navigator && g.navigator.hardwareConcurrency) || 4;
  return Math.max(1, Math.min(4, cores));
}

export const env = {
  /** Threads per session (default: min(4, cores) where threads are possible, else 1). */
  numThreads: defaultThreads(),
  /** Folder (URL or, in Node, path) holding the .wasm and glue files; overrides the default. */
  wasmPaths: undefined,
  /** 'auto' (threaded where SharedArrayBuffer works), 'threaded' or 'simd' (single-threaded). */
  wasmBuild: 'auto',
  logLevel: 'warning',
};
