// SPDX-License-Identifier: MIT
// InferenceSession: create / run / release / metadata, a drop-in for onnxruntime-web's common
// API. Runs on one session are queued (one at a time), never refused.
import { BackendSession } from './backend.js';
import { env, envReady } from './env.js';
import { OnnxWasmError } from './errors.js';
import { prepareExternalData } from './external-data.js';
import { isNode, loadModelBytes } from './loader.js';
import { ProxyBackend } from './proxy.js';
import { Tensor } from './tensor.js';
import { DTYPES } from './dtypes.js';

const LEVELS = ['disabled', 'basic', 'extended', 'all'];

function checkOptions(o) {
  const threads = o.numThreads ?? env.numThreads;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new OnnxWasmError('INVALID_ARGUMENT', `numThreads must be an integer from 1 to 64, got ${threads}`);
  }
  if (o.graphOptimizationLevel !== undefined && !LEVELS.includes(o.graphOptimizationLevel)) {
    throw new OnnxWasmError('INVALID_ARGUMENT', `graphOptimizationLevel must be one of ${LEVELS.join(', ')}`);
  }
  const free = o.freeDimensionOverrides || {};
  for (const [k, v] of Object.entries(free)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new OnnxWasmError('INVALID_ARGUMENT', `freeDimensionOverrides.${k} must be a non-negative integer, got ${v}`);
    }
  }
  if (o.executionMode !== undefined && !['xnnpack', 'reference'].includes(o.executionMode)) {
    throw new OnnxWasmError('INVALID_ARGUMENT', "executionMode must be 'xnnpack' or 'reference'");
  }
  return { threads, free };
}

function metadata(infos) {
  return infos.map((v) => ({
    name: v.name, isTensor: v.kind === 'tensor' && !v.optional, type: v.type,
    shape: v.shape ? v.shape.map((d) => d ?? -1) : undefined,
    ...(v.kind === 'sequence' ? { isSequence: true } : {}), ...(v.optional ? { isOptional: true } : {}),
  }));
}

function checkTensor(where, t) {
  if (!t || typeof t.type !== 'string' || !t.data || !Array.isArray(t.dims)) {
    throw new OnnxWasmError('INVALID_INPUT', `${where} is not a Tensor`);
  }
  const dt = DTYPES[t.type];
  if (!dt) throw new OnnxWasmError('INVALID_INPUT', `${where} has unsupported type '${t.type}'`);
  if (!(t.data instanceof dt.array)) {
    throw new OnnxWasmError('INVALID_INPUT', `${where}: type '${t.type}' needs a${dt.array === Array ? 'n' : ''} ${dt.array.name} as data`);
  }
  if (t.type === 'string' && !t.data.every((s) => typeof s === 'string')) {
    throw new OnnxWasmError('INVALID_INPUT', `${where}: a string tensor holds only strings`);
  }
  const size = t.dims.reduce((p, d) => p * d, 1);
  if (size !== t.data.length) {
    throw new OnnxWasmError('INVALID_INPUT', `${where}: dims [${t.dims.join(',')}] need ${size} elements, data has ${t.data.length}`);
  }
  return { kind: 'tensor', type: t.type, data: t.data, dims: t.dims };
}

// A feed: a Tensor, an Array of Tensors (a Sequence input) or null (an empty Optional).
function feedValue(name, v) {
  if (v === null) return { kind: 'none' };
  if (Array.isArray(v)) {
    const items = v.map((t, i) => checkTensor(`input '${name}' item ${i}`, t));
    const types = new Set(items.map((t) => t.type));
    if (types.size > 1) throw new OnnxWasmError('INVALID_INPUT', `input '${name}': a sequence's tensors must share one type, got ${[...types].join(', ')}`);
    return { kind: 'sequence', type: items.length ? items[0].type : undefined, items };
  }
  return checkTensor(`input '${name}'`, v);
}

function outputValue(o) {
  if (o.kind === 'none') return null;
  if (o.kind === 'sequence') return o.items.map(outputValue);
  return new Tensor(o.type, o.data, o.dims);
}

export class InferenceSession {
  static async create(source, options = {}) {
    await envReady;
    const { threads, free } = checkOptions(options);
    const bytes = await loadModelBytes(source, options);
    const externalData = await prepareExternalData(source, options);
    const backendOptions = {
      numThreads: threads,
      useXnnpack: options.executionMode !== 'reference',
      strict: options.xnnStrict === true,
      freeDimensionOverrides: free,
    };
    try {
      const backend = env.proxy && !isNode
        ? await ProxyBackend.create(bytes, backendOptions, Array.from(externalData.given))
        : await BackendSession.create(bytes, { ...backendOptions, externalData });
      return new InferenceSession(backend);
    } finally {
      externalData.close();
    }
  }

  constructor(backend) {
    this._backend = backend;
    this._queue = Promise.resolve();
    this.inputNames = backend.inputs.map((v) => v.name);
    this.outputNames = backend.outputs.map((v) => v.name);
    this.inputMetadata = metadata(backend.inputs);
    this.outputMetadata = metadata(backend.outputs);
  }

  /** Where each node runs (XNNPACK regions vs reference kernels). */
  get debugInfo() {
    return this._backend ? this._backend.debugInfo() : '';
  }

  /**
   * Starts timing every XNNPACK region and reference kernel of the runs that follow
   * (onnxruntime-web's name; it takes effect after runs already queued).
   */
  startProfiling() {
    return this._enqueue(() => this._live().startProfiling());
  }

  /** Stops timing; resolves to [{kind, name, calls, ms}] per region or kernel, slowest first. */
  endProfiling() {
    return this._enqueue(() => this._live().endProfiling());
  }

  _live() {
    if (!this._backend) throw new OnnxWasmError('INVALID_STATE', 'the session was released');
    return this._backend;
  }

  run(feeds, fetches) {
    return this._enqueue(() => this._run(feeds, fetches));
  }

  // Calls on one session run one at a time, in order; a failure does not stop the next.
  _enqueue(fn) {
    const job = this._queue.then(fn);
    this._queue = job.catch(() => {});
    return job;
  }

  async _run(feeds, fetches) {
    const backend = this._live();
    if (feeds === null || typeof feeds !== 'object') {
      throw new OnnxWasmError('INVALID_INPUT', 'run() expects an object mapping input names to Tensors');
    }
    const list = [];
    for (const [name, v] of Object.entries(feeds)) list.push({ name, value: feedValue(name, v) });
    let wanted = this.outputNames;
    if (Array.isArray(fetches)) wanted = fetches;
    else if (fetches && typeof fetches === 'object') wanted = Object.keys(fetches);
    for (const name of wanted) {
      if (!this.outputNames.includes(name)) {
        throw new OnnxWasmError('INVALID_ARGUMENT', `unknown output '${name}'; the model's outputs are ${this.outputNames.join(', ')}`);
      }
    }
    const outs = await backend.run(list);
    const result = {};
    this.outputNames.forEach((name, i) => {
      if (wanted.includes(name)) result[name] = outputValue(outs[i]);
    });
    return result;
  }

  async release() {
    await this._queue;
    if (!this._backend) return;
    const b = this._backend;
    this._backend = null;
    await b.release();
  }
}
