// SPDX-License-Identifier: MIT
// One engine in a child process (forked by run.mjs): receives tests over IPC, runs each
// through the engine's public JS API, answers { id, status, detail }. status: 'pass', 'fail'
// (wrong values, dtype or shape), 'error' (the engine refused: load or run failed),
// 'unsupported-io' (graph values the engine's JS API cannot carry: sequences and optionals
// for onnxruntime-web; maps for both).
// A crash or hang of this process is recorded by the parent.
import fs from 'node:fs';
import { graphValueKinds } from './suite.mjs';
import { parseTensorProto, parseValueProto } from '../js/helpers/tensor-proto.mjs';

const engine = process.argv[2];
let api;
if (engine === 'onnx-wasm') {
  api = await import('onnx-wasm');
  api.env.wasmBuild = process.env.ONNXWASM_CONFORMANCE_BUILD || 'threaded';
  api.env.numThreads = Number(process.env.ONNXWASM_CONFORMANCE_THREADS || 1);
} else if (engine === 'onnxruntime-web') {
  api = await import('onnxruntime-web');
  api.env.wasm.numThreads = 1;
  api.env.logLevel = 'fatal';
} else {
  throw new Error(`unknown engine ${engine}`);
}

const FLOATS = new Set(['float32', 'float64', 'float16', 'bfloat16', 'complex64', 'complex128',
  'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz']);

// float8 bits -> number (ONNX's four formats: exponent bits, bias, inf, unsigned zero).
const F8 = { float8e4m3fn: [4, 7, false, false], float8e4m3fnuz: [4, 8, false, true],
  float8e5m2: [5, 15, true, false], float8e5m2fnuz: [5, 16, false, true] };
function float8(type, bits) {
  const [eb, bias, inf, uz] = F8[type], mb = 7 - eb;
  if (uz && bits === 0x80) return NaN;
  const s = bits & 0x80 ? -1 : 1, e = (bits >> mb) & ((1 << eb) - 1), m = bits & ((1 << mb) - 1);
  if (!uz && inf && e === (1 << eb) - 1) return m ? NaN : s * Infinity;
  if (!uz && !inf && (bits & 0x7f) === 0x7f) return NaN;
  return s * (e ? (1 + m / (1 << mb)) * 2 ** (e - bias) : m * 2 ** (1 - bias - mb));
}

function half(bits) {
  const s = bits & 0x8000 ? -1 : 1, e = (bits >> 10) & 31, f = bits & 1023;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function toNumbers(type, data) {
  if (type === 'float16' && !(data instanceof Uint16Array)) return Array.from(data, Number);  // Float16Array
  if (type === 'float16') return Array.from(data, half);
  if (type === 'bfloat16') return Array.from(data, (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]);
  if (F8[type]) return Array.from(data, (b) => float8(type, b));
  return data;
}

// First mismatch between an output and its expected TensorProto, or null.
function mismatch(got, want, rtol, atol) {
  // bfloat16 has no numpy type: the test data stores it as uint16 bits (ONNX's runner compares
  // those bits), so a bfloat16 output is compared as bfloat16 against them.
  if (got.type === 'bfloat16' && want.type === 'uint16') want = { ...want, type: 'bfloat16' };
  if (got.type !== want.type) return `dtype ${got.type}, expected ${want.type}`;
  if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(want.dims)) return `dims [${got.dims}], expected [${want.dims}]`;
  const a = toNumbers(got.type, got.data), e = toNumbers(want.type, want.data);
  if (a.length !== e.length) return `${a.length} elements, expected ${e.length}`;
  for (let i = 0; i < e.length; i++) {
    const x = a[i], y = e[i];
    if (FLOATS.has(want.type)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      if (x === y) continue;
      if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return `element ${i}: ${x}, expected ${y}`;
    } else if (x !== y && !(typeof x === 'boolean' || typeof y === 'boolean' ? Boolean(x) === Boolean(y) : false)) {
      return `element ${i}: ${x}, expected ${y}`;
    }
  }
  return null;
}

function makeTensor(t) {
  let data = t.data;
  if (t.type === 'bool') data = Uint8Array.from(data, (v) => (v ? 1 : 0));
  return new api.Tensor(t.type, data, t.dims);
}

// A feed from a parsed value: a tensor, an array of tensors (sequence) or null.
function makeValue(v) {
  if (v === null) return null;
  return Array.isArray(v) ? v.map(makeTensor) : makeTensor(v);
}

// First mismatch between an output value and the expected one (tensor, array or null), or null.
function mismatchValue(got, want, rtol, atol) {
  if (want === null) return got === null ? null : 'a value, expected an empty optional';
  if (got === null || got === undefined) return 'nothing, expected a value';
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return 'a tensor, expected a sequence';
    if (got.length !== want.length) return `${got.length} items, expected ${want.length}`;
    for (let i = 0; i < want.length; i++) {
      const bad = mismatch(got[i], want[i], rtol, atol);
      if (bad) return `item ${i}: ${bad}`;
    }
    return null;
  }
  if (Array.isArray(got)) return 'a sequence, expected a tensor';
  return mismatch(got, want, rtol, atol);
}

async function runTest(test) {
  const bytes = fs.readFileSync(test.model);
  const kinds = graphValueKinds(bytes);
  const carried = engine === 'onnx-wasm' ? ['tensor', 'sequence', 'optional'] : ['tensor'];
  if ([...kinds.inputs, ...kinds.outputs].some((k) => !carried.includes(k))) {
    return { status: 'unsupported-io', detail: `graph values: ${[...new Set([...kinds.inputs, ...kinds.outputs])].join(', ')}` };
  }
  let session;
  try {
    session = await api.InferenceSession.create(test.model);
  } catch (e) {
    return { status: 'error', detail: `create: ${e.code ? e.code + ': ' : ''}${e.message}`.slice(0, 400) };
  }
  try {
    for (const set of test.sets) {
      const feeds = {};
      if (set.inputs === null) {
        // light/: one float input fed arange(n)/n.
        const meta = session.inputMetadata ? session.inputMetadata[0] : null;
        const name = session.inputNames[0];
        const want = parseTensorProto(fs.readFileSync(set.outputs[0]));
        const dims = meta && meta.shape ? meta.shape : null;
        if (!dims || dims.some((d) => typeof d !== 'number' || d < 0)) return { status: 'error', detail: 'light model input shape unknown' };
        const n = dims.reduce((x, y) => x * y, 1);
        feeds[name] = new api.Tensor('float32', new Float32Array(n).map((_, i) => Math.fround(i / n)), dims);
        void want;
      } else {
        for (let i = 0; i < set.inputs.length; i++) {
          const { name: stored, value: t } = parseValueProto(fs.readFileSync(set.inputs[i]), kinds.inputs[i] || 'tensor');
          const name = session.inputNames.includes(stored) ? stored : session.inputNames[i];
          // bfloat16 inputs are stored as uint16 bits (no numpy type); feed them as declared.
          const meta = (session.inputMetadata || []).find((m) => m.name === name);
          if (meta && meta.type === 'bfloat16' && t && t.type === 'uint16') t.type = 'bfloat16';
          try {
            feeds[name] = makeValue(t);
          } catch (e) {
            return { status: 'error', detail: `input '${name}' (${t && t.type}): ${e.message}`.slice(0, 400) };
          }
        }
      }
      let out;
      try {
        out = await session.run(feeds);
      } catch (e) {
        return { status: 'error', detail: `run: ${e.code ? e.code + ': ' : ''}${e.message}`.slice(0, 400) };
      }
      for (let i = 0; i < set.outputs.length; i++) {
        const { name: stored, value: want } = parseValueProto(fs.readFileSync(set.outputs[i]), kinds.outputs[i] || 'tensor');
        const name = session.outputNames.includes(stored) ? stored : session.outputNames[i];
        const got = out[name];
        if (got === undefined) return { status: 'fail', detail: `output '${name}' missing` };
        const bad = mismatchValue(got, want, test.rtol, test.atol);
        if (bad) return { status: 'fail', detail: `output '${name}': ${bad}`.slice(0, 400) };
      }
    }
    return { status: 'pass' };
  } finally {
    try { await session.release(); } catch { /* released or dead */ }
  }
}

process.on('message', async ({ id, test }) => {
  let result;
  try {
    result = await runTest(test);
  } catch (e) {
    result = { status: 'error', detail: `runner: ${e.message}`.slice(0, 400) };
  }
  process.send({ id, ...result });
});
process.send({ ready: true });
