// SPDX-License-Identifier: MIT
// env.proxy: the engine in a module Web Worker. ProxyBackend has BackendSession's interface
// (inputs, outputs, debugInfo(), run(feeds), release()) but forwards every call as a message
// to dist/onnx-wasm-proxy.mjs; tensors are copied (transferred where possible). The model is
// downloaded on the page (progress, abort and cache keep working) and its bytes transferred.
// The worker ends when the last proxied session is released, and its memory with it.
import { env } from './env.js';
import { OnnxWasmError } from './errors.js';

let worker = null;
let live = 0;
let nextId = 1;
const pending = new Map();

function fail(message) {
  for (const p of pending.values()) p.reject(new OnnxWasmError('INTERNAL', message));
  pending.clear();
  if (worker) worker.terminate();
  worker = null;
  live = 0;
}

function getWorker() {
  if (worker) return worker;
  // The literal new URL(..., import.meta.url) lets bundlers find the worker script.
  const url = env.wasmPaths ? new URL('onnx-wasm-proxy.mjs', new URL(String(env.wasmPaths).replace(/\/?$/, '/'), globalThis.location?.href))
    : new URL('./onnx-wasm-proxy.mjs', import.meta.url);
  worker = new Worker(url, { type: 'module', name: 'onnx-wasm' });
  worker.onmessage = (e) => {
    const { id, ok, value, error } = e.data;
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(new OnnxWasmError(error.code || 'INTERNAL', error.message));
  };
  worker.onerror = (e) => fail(`the onnx-wasm worker failed: ${e.message || 'could not start it'}`);
  return worker;
}

function call(op, args, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    getWorker().postMessage({ id, op, args }, transfer);
  });
}

export class ProxyBackend {
  static async create(bytes, options, externalEntries) {
    // The worker gets its own copy of the bytes (the caller's buffer is left alone).
    const copy = bytes.slice();
    const settings = { numThreads: options.numThreads, wasmBuild: env.wasmBuild, logLevel: env.logLevel,
      wasmPaths: env.wasmPaths === undefined ? undefined : String(env.wasmPaths) };
    live++;
    try {
      const info = await call('create', { bytes: copy, options: { ...options, externalData: undefined }, settings,
        external: externalEntries }, [copy.buffer]);
      return new ProxyBackend(info);
    } catch (e) {
      if (--live === 0) fail('released');
      throw e;
    }
  }

  constructor(info) {
    this.sid = info.sid;
    this.inputs = info.inputs;
    this.outputs = info.outputs;
    this.info = info.debugInfo;
  }

  debugInfo() {
    return this.info;
  }

  async startProfiling() {
    await call('profiling', { sid: this.sid, on: true });
  }

  async endProfiling() {
    return call('profiling', { sid: this.sid, on: false });
  }

  async run(feeds) {
    const r = await call('run', { sid: this.sid, feeds });
    this.info = r.debugInfo;
    return r.outputs;
  }

  async release() {
    try {
      await call('release', { sid: this.sid });
    } finally {
      if (--live === 0 && worker) {
        worker.terminate();  // the last session: the worker and its memory go
        worker = null;
      }
    }
  }
}
