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
  return infos.map((v) => ({ name: v.name, isTensor: true, type: v.type, shape: v.shape ? v.shape.map((d) => d ?? -1) : undefined }));
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

  run(feeds, fetches) {
    const job = this._queue.then(() => this._run(feeds, fetches));
    this._queue = job.catch(() => {});
    return job;
  }

  async _run(feeds, fetches) {
    if (!this._backend) throw new OnnxWasmError('INVALID_STATE', 'the session was released');
    if (feeds === null || typeof feeds !== 'object') {
      throw new OnnxWasmError('INVALID_INPUT', 'run() expects an object mapping input names to Tensors');
    }
    const list = [];
    for (const [name, t] of Object.entries(feeds)) {
      if (!t || typeof t.type !== 'string' || !t.data || !Array.isArray(t.dims)) {
        throw new OnnxWasmError('INVALID_INPUT', `input '${name}' is not a Tensor`);
      }
      const dt = DTYPES[t.type];
      if (!dt) throw new OnnxWasmError('INVALID_INPUT', `input '${name}' has unsupported type '${t.type}'`);
      if (!(t.data instanceof dt.array)) {
        throw new OnnxWasmError('INVALID_INPUT', `input '${name}': type '${t.type}' needs a ${dt.array.name} as data`);
      }
      const size = t.dims.reduce((p, d) => p * d, 1);
      if (size !== t.data.length) {
        throw new OnnxWasmError('INVALID_INPUT', `input '${name}': dims [${t.dims.join(',')}] need ${size} elements, data has ${t.data.length}`);
      }
      list.push({ name, type: t.type, data: t.data, dims: t.dims });
    }
    let wanted = this.outputNames;
    if (Array.isArray(fetches)) wanted = fetches;
    else if (fetches && typeof fetches === 'object') wanted = Object.keys(fetches);
    for (const name of wanted) {
      if (!this.outputNames.includes(name)) {
        throw new OnnxWasmError('INVALID_ARGUMENT', `unknown output '${name}'; the model's outputs are ${this.outputNames.join(', ')}`);
      }
    }
    const outs = await this._backend.run(list);
    const result = {};
    this.outputNames.forEach((name, i) => {
      if (wanted.includes(name)) result[name] = new Tensor(outs[i].type, outs[i].data, outs[i].dims);
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
