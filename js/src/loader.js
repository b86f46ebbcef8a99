// SPDX-License-Identifier: MIT
// Bytes and modules. Model sources (URL string, URL, ArrayBuffer, Uint8Array, Node file path)
// become one Uint8Array; the Emscripten glue is instantiated with quirks handled here:
// - Emscripten 3.1.6 glue calls fetch() for the .wasm whenever fetch exists, which fails in
//   Node 18+ on a file path, so the wrapper compiles the .wasm itself (a file read in Node, a
//   fetch in browsers) and hands the glue the module through its instantiateWasm hook.
// - pthread workers re-load the glue by its own path (__filename in Node; the script URL,
//   via mainScriptUrlOrBlob, in browsers), so glue, .wasm and worker stay separate files.
// - PTHREAD_POOL_SIZE is read from Module.onnxwasmPoolSize: workers start with the module.
import { env } from './env.js';
import { OnnxWasmError } from './errors.js';

export const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);

const GLUE = { threaded: 'onnx-wasm-threaded.js', simd: 'onnx-wasm-simd.js' };

function baseUrl() {
  if (env.wasmPaths) {
    const p = String(env.wasmPaths);
    return p.endsWith('/') ? p : p + '/';
  }
  return new URL('./', import.meta.url).href;
}

// Each asset as a literal `new URL('./file', import.meta.url)`: the form bundlers (Vite,
// webpack 5) recognise, copy and rewrite, so an app needs no bundler configuration.
function bundledUrl(name) {
  switch (name) {
    case 'onnx-wasm-threaded.js': return new URL('./onnx-wasm-threaded.js', import.meta.url).href;
    case 'onnx-wasm-threaded.wasm': return new URL('./onnx-wasm-threaded.wasm', import.meta.url).href;
    case 'onnx-wasm-threaded.worker.js': return new URL('./onnx-wasm-threaded.worker.js', import.meta.url).href;
    case 'onnx-wasm-simd.js': return new URL('./onnx-wasm-simd.js', import.meta.url).href;
    case 'onnx-wasm-simd.wasm': return new URL('./onnx-wasm-simd.wasm', import.meta.url).href;
    default: return new URL(name, baseUrl()).href;
  }
}

function assetLocation(name) {
  if (!env.wasmPaths && !isNode) return { url: bundledUrl(name) };
  const base = baseUrl();
  if (isNode && !/^[a-z]+:/i.test(base)) return { path: base + name };
  const url = new URL(name, base);
  if (isNode && url.protocol === 'file:') return { path: decodeURIComponent(url.pathname) };
  return { url: url.href };
}

export function threadsUsable() {
  if (isNode) return true;
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

let warnedNoThreads = false;

// The build for a session of `threads` threads: the threaded one only where more than one
// thread is wanted and possible (one thread needs no worker, and starting one costs tens of ms).
export function chooseBuild(threads) {
  if (env.wasmBuild === 'threaded' || env.wasmBuild === 'simd') return env.wasmBuild;
  if (threadsUsable()) return threads > 1 ? 'threaded' : 'simd';
  if (!warnedNoThreads && env.logLevel !== 'error' && env.logLevel !== 'fatal') {
    warnedNoThreads = true;
    console.warn('onnx-wasm: this page is not cross-origin isolated, so it runs single-threaded. To use threads, ' +
      "serve the page with the headers 'Cross-Origin-Opener-Policy: same-origin' and " +
      "'Cross-Origin-Embedder-Policy: require-corp'.");
  }
  return 'simd';
}

async function loadGlueNode(path) {
  const { createRequire } = await import('node:module');
  const req = createRequire(path);
  return req(path);
}

// Both builds' glue defines the global createOnnxWasmModule: each factory is taken right after
// its script ran and kept per URL, so a page can use both builds.
const glueFactories = new Map();

function loadGlueBrowser(url) {
  if (glueFactories.has(url)) return glueFactories.get(url);
  let job;
  if (typeof document === 'undefined') {
    // A worker: classic workers have importScripts; module workers (the proxy) throw on it,
    // so the glue's text is fetched and evaluated at global scope instead.
    job = (async () => {
      try {
        importScripts(url);
      } catch {
        const resp = await fetch(url);
        if (!resp.ok) throw new OnnxWasmError('INVALID_ARGUMENT', `could not load ${url}: HTTP ${resp.status}`);
        (0, eval)(`${await resp.text()}\n//# sourceURL=${url}`);
      }
      return globalThis.createOnnxWasmModule;
    })();
  } else {
    job = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = () => resolve(globalThis.createOnnxWasmModule);
      s.onerror = () => reject(new OnnxWasmError('INVALID_ARGUMENT', `could not load ${url}`));
      document.head.appendChild(s);
    });
  }
  glueFactories.set(url, job);
  job.catch(() => glueFactories.delete(url));
  return job;
}

function sameOriginUrl(url) {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (!m) return url;
  const text = m[2] ? atob(m[3]) : decodeURIComponent(m[3]);
  return URL.createObjectURL(new Blob([text], { type: m[1] || 'text/javascript' }));
}

// The build's .wasm, compiling: started before the glue loads, so that V8 compiles it on its
// background threads while this thread loads and runs the glue's script.
async function compileWasm(wasm) {
  if (isNode) {
    const fs = await import('node:fs');
    const compiling = WebAssembly.compile(fs.readFileSync(wasm.path));
    // Node loads its Web Crypto on first use (~1.5-2.5 ms), and the first session draws its
    // digest's key from it (src/runtime/content_hash.cc): here that overlaps the compile,
    // which has just started.
    if (globalThis.crypto && typeof globalThis.crypto.getRandomValues === 'function') {
      globalThis.crypto.getRandomValues(new Uint8Array(1));
    }
    return compiling;
  }
  return fetch(wasm.url, { credentials: 'same-origin' }).then((resp) => {
    if (!resp.ok) throw new Error(`could not fetch ${wasm.url}: HTTP ${resp.status}`);
    // Streaming compiles as the bytes arrive, but only a response served as application/wasm.
    const streams = typeof WebAssembly.compileStreaming === 'function' &&
      /^application\/wasm\b/i.test(resp.headers.get('content-type') || '');
    return streams ? WebAssembly.compileStreaming(resp) : resp.arrayBuffer().then((b) => WebAssembly.compile(b));
  });
}

// Instantiates one build; `poolSize` pthread workers are started with it.
export async function instantiate(build, poolSize) {
  const glue = assetLocation(GLUE[build]);
  const wasm = assetLocation(GLUE[build].replace(/\.js$/, '.wasm'));
  const moduleArg = { onnxwasmPoolSize: build === 'threaded' ? poolSize : 0 };
  const compiled = compileWasm(wasm);
  compiled.catch(() => {});  // reported below, once the glue asks for it
  let factory;
  if (isNode) {
    factory = await loadGlueNode(glue.path);
  } else {
    // A bundler may inline the small pthread worker script as a data: URL; a worker from a
    // data: URL has an opaque origin and cannot load the glue (under COEP), so it becomes a
    // same-origin blob: URL.
    const worker = sameOriginUrl(assetLocation(GLUE[build].replace(/\.js$/, '.worker.js')).url);
    moduleArg.locateFile = (name) => (name.endsWith('.worker.js') ? worker : assetLocation(name).url);
    moduleArg.mainScriptUrlOrBlob = glue.url;
    factory = await loadGlueBrowser(glue.url);
  }
  // The glue instantiates the compiled module through this hook (pthread workers are sent the
  // same module); a failure rejects `failed`, as the glue would then never resolve.
  let fail;
  const failed = new Promise((resolve, reject) => { fail = reject; });
  moduleArg.instantiateWasm = (imports, receive) => {
    compiled.then((module) => WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module)))
      .catch(fail);
    return {};
  };
  const mod = await Promise.race([factory(moduleArg), failed]);
  if (isNode) mod.unrefWorkers();  // idle workers must not keep the process alive
  return mod;
}

async function readResponse(resp, what, onProgress, signal) {
  if (!resp.ok) throw new OnnxWasmError('INVALID_ARGUMENT', `could not fetch ${what}: HTTP ${resp.status} ${resp.statusText}`);
  const total = Number(resp.headers.get('content-length')) || 0;
  if (!resp.body || !resp.body.getReader) {
    const buf = new Uint8Array(await resp.arrayBuffer());
    if (onProgress) onProgress(buf.length, buf.length);
    return buf;
  }
  const reader = resp.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    if (signal && signal.aborted) throw abortError(signal);
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (onProgress) onProgress(loaded, total || loaded);
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  if (onProgress && total !== loaded) onProgress(loaded, loaded);
  return out;
}

function abortError(signal) {
  return new OnnxWasmError('ABORTED', 'model loading was aborted', { cause: signal.reason });
}

// fetch(), its failures as OnnxWasmError (ABORTED when the signal fired).
async function fetchOrThrow(href, signal) {
  try {
    return await fetch(href, { signal });
  } catch (e) {
    if (signal && signal.aborted) throw abortError(signal);
    throw new OnnxWasmError('INVALID_ARGUMENT', `could not fetch ${href}: ${e.message}`, { cause: e });
  }
}

// The opt-in model cache (`cache: true`, browsers): the Cache API keyed by URL; a cached copy
// is used when a HEAD request still reports the same ETag and size (or when it fails: offline).
const CACHE_NAME = 'onnx-wasm-models-v1';

async function loadCached(href, onProgress, signal) {
  const store = await caches.open(CACHE_NAME);
  const hit = await store.match(href);
  if (hit) {
    let fresh = true;
    try {
      const head = await fetch(href, { method: 'HEAD', signal });
      const tag = head.headers.get('etag'), len = head.headers.get('content-length');
      fresh = head.ok && (tag || '') === (hit.headers.get('etag') || '') && (len || '') === (hit.headers.get('content-length') || '');
    } catch (e) {
      if (signal && signal.aborted) throw abortError(signal);
    }
    if (fresh) return readResponse(hit, href, onProgress, signal);
  }
  const resp = await fetchOrThrow(href, signal);
  const bytes = await readResponse(resp, href, onProgress, signal);
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) };
  if (resp.headers.get('etag')) headers.etag = resp.headers.get('etag');
  await store.put(href, new Response(bytes, { headers })).catch(() => {});  // a full disk only costs the cache
  return bytes;
}

// source -> Uint8Array of model bytes.
export async function loadModelBytes(source, { onProgress, signal, cache } = {}) {
  if (signal && signal.aborted) throw abortError(signal);
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  const isUrl = source instanceof URL || (typeof source === 'string' && /^(https?|data|blob|file):/i.test(source));
  if (typeof source === 'string' && !isUrl && isNode) {
    const fs = await import('node:fs');
    try {
      const buf = await fs.promises.readFile(source);
      if (onProgress) onProgress(buf.length, buf.length);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      throw new OnnxWasmError('INVALID_ARGUMENT', `could not read model file '${source}': ${e.message}`, { cause: e });
    }
  }
  if (typeof source === 'string' || source instanceof URL) {
    const href = String(source);
    if (isNode && href.startsWith('file:')) return loadModelBytes(decodeURIComponent(new URL(href).pathname), { onProgress, signal });
    if (cache && typeof caches !== 'undefined' && /^https?:/i.test(new URL(href, globalThis.location?.href).protocol)) {
      return loadCached(new URL(href, globalThis.location?.href).href, onProgress, signal);
    }
    const resp = await fetchOrThrow(href, signal);
    try {
      return await readResponse(resp, href, onProgress, signal);
    } catch (e) {
      if (signal && signal.aborted) throw abortError(signal);
      throw e;
    }
  }
  throw new OnnxWasmError('INVALID_ARGUMENT',
    'InferenceSession.create expects a URL, a file path (Node), an ArrayBuffer or a Uint8Array');
}
