// SPDX-License-Identifier: MIT
// The proxy worker (dist/onnx-wasm-proxy.mjs): runs BackendSessions for the page's
// ProxyBackend. Messages: { id, op: 'create' | 'run' | 'profiling' | 'release', args }; answers
// { id, ok, value } or { id, ok: false, error: { code, message } }.
import { BackendSession } from './backend.js';
import { env } from './env.js';
import { externalDataFromEntries } from './external-data.js';

const sessions = new Map();
let nextSid = 1;

const handlers = {
  async create({ bytes, options, settings, external }) {
    Object.assign(env, { wasmBuild: settings.wasmBuild, logLevel: settings.logLevel });
    if (settings.wasmPaths !== undefined) env.wasmPaths = settings.wasmPaths;
    const externalData = externalDataFromEntries(external || []);
    const b = await BackendSession.create(bytes, { ...options, externalData });
    const sid = nextSid++;
    sessions.set(sid, b);
    return { value: { sid, inputs: b.inputs, outputs: b.outputs, debugInfo: b.debugInfo() } };
  },
  async run({ sid, feeds }) {
    const b = sessions.get(sid);
    const outputs = b.run(feeds);
    // Numeric tensor buffers (also inside sequences) move to the page without a copy.
    const buffers = (v) => (v.kind === 'sequence' ? v.items.flatMap(buffers)
      : v.kind === 'tensor' && !Array.isArray(v.data) ? [v.data.buffer] : []);
    return { value: { outputs, debugInfo: b.debugInfo() }, transfer: outputs.flatMap(buffers) };
  },
  async profiling({ sid, on }) {
    const b = sessions.get(sid);
    return { value: on ? await b.startProfiling() : await b.endProfiling() };
  },
  async release({ sid }) {
    const b = sessions.get(sid);
    sessions.delete(sid);
    if (b) b.release();
    return { value: null };
  },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    const { value, transfer = [] } = await handlers[op](args);
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: { code: err.code || 'INTERNAL', message: String(err.message || err) } });
  }
};
