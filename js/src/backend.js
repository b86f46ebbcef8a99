// SPDX-License-Identifier: MIT
// The only file that touches the Emscripten Module: instantiation and lifetime, copying
// bytes in and out of the heap (one copy each way), and turning {code, message} statuses
// into OnnxWasmError. A wasm trap marks the module dead; the next create() starts a new one.
import { DTYPES, dtypeName } from './dtypes.js';
import { OnnxWasmError } from './errors.js';
import { chooseBuild, instantiate, isNode } from './loader.js';

// The running module of each build: { build, poolSize, promise, module, sessions, dead, pools
// (thread counts with a pool) }. A one-thread session takes the single-threaded build, which
// starts no worker; sessions with more threads share the threaded one.
const running = new Map();
// Session creations run one at a time: each makes sure idle workers exist for its threads,
// then starts them synchronously; two interleaved creations would count the same workers.
let creating = Promise.resolve();

function check(status) {
  if (status.code !== 'OK') throw new OnnxWasmError(status.code, status.message);
}

function trap(state, e) {
  if (e instanceof OnnxWasmError) return e;
  state.dead = true;
  if (running.get(state.build) === state) running.delete(state.build);
  return new OnnxWasmError('INTERNAL', `the WebAssembly module failed: ${e && e.message}`, { cause: e });
}

// The running module of the chosen build, or a new one (started with threads-1 workers;
// more are added per session by ensureWorkers).
async function acquire(threads) {
  const build = chooseBuild(threads);
  // pthreadpool's caller thread is one of its threads, so threads-1 workers suffice.
  const poolSize = Math.max(0, threads - 1);
  const current = running.get(build);
  if (current && !current.dead) {
    current.sessions++;
    try {
      await current.promise;
    } catch (e) {
      if (running.get(build) === current) running.delete(build);
      throw e;
    }
    return current;
  }
  const state = { build, poolSize, sessions: 1, dead: false, module: null, pools: new Set() };
  state.promise = instantiate(build, poolSize).then((m) => { state.module = m; return m; });
  running.set(build, state);
  try {
    await state.promise;
  } catch (e) {
    if (running.get(build) === state) running.delete(build);
    throw e instanceof OnnxWasmError ? e : new OnnxWasmError('INTERNAL', `could not start the WebAssembly module: ${e.message}`, { cause: e });
  }
  return state;
}

function releaseModule(state) {
  state.sessions--;
  if (state.sessions > 0 || state.dead) return;
  if (running.get(state.build) === state) running.delete(state.build);
  // The last session is gone: end the workers and let the heap be collected.
  if (isNode || state.build === 'threaded') state.module.terminateWorkers();
}

export class BackendSession {
  static create(bytes, options) {
    const job = creating.then(() => BackendSession.createNow(bytes, options));
    creating = job.catch(() => {});
    return job;
  }

  static async createNow(bytes, { numThreads, useXnnpack = true, strict = false, freeDimensionOverrides = {}, externalData }) {
    const state = await acquire(numThreads);
    const mod = state.module;
    let handle = null;
    try {
      handle = new mod.WasmSession();
      // The engine keeps one thread pool per thread count for the module's lifetime
      // (ThreadPool::shared): only the first session at a count needs idle workers for it.
      // They load while the model is parsed, which needs no threads.
      const workers = state.build === 'threaded' && numThreads > 1 && !state.pools.has(numThreads)
        ? mod.ensureWorkers(numThreads - 1) : null;
      externalData.heapU8 = () => mod.heapU8();
      // The engine reads the model from this array piece by piece as it parses (each byte is
      // copied into the heap once): the whole model never sits in the heap beside its parsed
      // tensors. Called from inside wasm, so it answers with a value, never an exception.
      const reader = {
        read(offset, length, ptr) {
          try {
            mod.heapU8().set(bytes.subarray(offset, offset + length), ptr);
            return '';
          } catch (e) {
            return `could not read the model bytes: ${e && e.message}`;
          }
        },
      };
      check(handle.parse(reader, bytes.length, externalData, numThreads, useXnnpack, strict, freeDimensionOverrides));
      if (workers) {
        await workers;
        state.pools.add(numThreads);
      }
      check(handle.create());
      const s = new BackendSession(state, handle);
      handle = null;
      return s;
    } catch (e) {
      const err = trap(state, e);
      if (handle && !state.dead) handle.delete();
      releaseModule(state);
      throw err;
    }
  }

  constructor(state, handle) {
    this.state = state;
    this.handle = handle;
    this.inputs = handle.inputInfo();
    this.outputs = handle.outputInfo();
  }

  debugInfo() {
    return `build: ${this.state.build}\n${this.handle.debugInfo()}`;
  }

  async startProfiling() {
    this.handle.setProfiling(true);
  }

  // [{kind: 'xnnpack' | 'reference', name, calls, ms}], slowest first; stops and clears.
  async endProfiling() {
    this.handle.setProfiling(false);
    return this.handle.takeProfile().split('\n').filter(Boolean).map((line) => {
      const [kind, name, calls, ms] = line.split('\t');
      return { kind, name, calls: Number(calls), ms: Number(ms) };
    });
  }

  // feeds: [{name, value}], values already validated (see session.js): {kind: 'tensor', type,
  // data, dims}, {kind: 'sequence', type, items}, {kind: 'none'}. Returns values of that form.
  run(feeds) {
    const state = this.state;
    if (state.dead) throw new OnnxWasmError('INVALID_STATE', 'the WebAssembly module failed earlier; create a new session');
    const mod = state.module;
    const ptrs = [];
    // A value as the engine takes it: numeric data copied into the heap.
    const toWasm = (name, v) => {
      if (v.kind === 'none') return { kind: 'none' };
      if (v.kind === 'sequence') {
        return { kind: 'sequence', dtype: v.type ? DTYPES[v.type].id : 0, items: v.items.map((t) => toWasm(name, t)) };
      }
      if (v.type === 'string') return { kind: 'tensor', dtype: DTYPES.string.id, dims: v.dims, strings: v.data };
      const bytes = v.data.byteLength;
      const ptr = mod._malloc(bytes + 16);  // XNNPACK may read 16 bytes past an input
      if (!ptr) throw new OnnxWasmError('OUT_OF_MEMORY', `could not allocate ${bytes} bytes for input '${name}'`);
      ptrs.push(ptr);
      mod.heapU8().set(new Uint8Array(v.data.buffer, v.data.byteOffset, bytes), ptr);
      return { kind: 'tensor', dtype: DTYPES[v.type].id, dims: v.dims, ptr, byteLength: bytes };
    };
    // An output read back: tensor data copied out of the heap into a fresh, non-shared buffer.
    const fromWasm = (o, i) => {
      if (o.kind === 'none') return { kind: 'none' };
      if (o.kind === 'sequence') return { kind: 'sequence', items: o.items.map((t) => fromWasm(t, i)) };
      const type = dtypeName(o.dtype);
      if (!type) throw new OnnxWasmError('UNSUPPORTED_OP', `output ${i} has a type this build cannot return to JavaScript`);
      if (type === 'string') return { kind: 'tensor', type, data: o.strings, dims: o.dims };
      const copy = mod.heapU8().slice(o.ptr, o.ptr + o.byteLength);
      return { kind: 'tensor', type, data: new DTYPES[type].array(copy.buffer), dims: o.dims };
    };
    try {
      const args = feeds.map((f) => ({ name: f.name, value: toWasm(f.name, f.value) }));
      check(this.handle.run(args));
      const out = [];
      const n = this.handle.outputCount();
      for (let i = 0; i < n; i++) out.push(fromWasm(this.handle.outputValue(i), i));
      this.handle.clearOutputs();
      return out;
    } catch (e) {
      throw trap(state, e);
    } finally {
      if (!state.dead) for (const p of ptrs) mod._free(p);
    }
  }

  release() {
    if (!this.state.dead) {
      this.handle.release();
      this.handle.delete();
    }
    releaseModule(this.state);
  }
}

// Runs fn(module) on the running module (starting one if none) for the diagnostics below.
async function withModule(fn) {
  const state = await acquire(1);
  try {
    return fn(state.module);
  } finally {
    releaseModule(state);
  }
}

export const errorCodeNames = () => withModule((m) => m.errorCodeNames());

// Diagnostics: malloc'd bytes and heap size of the running module.
export const memoryInfo = () => withModule((m) => m.heapStats());
