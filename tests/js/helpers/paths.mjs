// SPDX-License-Identifier: MIT
// Where test inputs live: the ONNX backend test data (from the pinned onnx tarball) and the
// models scripts/gen_models.py made. scripts/test.sh sets both; running a test file alone
// needs them set too.
import fs from 'node:fs';
import path from 'node:path';

function required(name) {
  const v = process.env[name];
  if (!v || !fs.existsSync(v)) throw new Error(`${name} is not set to an existing folder; run the tests with scripts/test.sh`);
  return v;
}

export const ONNX_DATA = () => required('ONNXWASM_ONNX_DATA');
export const MODELS = () => required('ONNXWASM_TEST_MODELS');
export const model = (name) => path.join(MODELS(), name);

// The backend test runner's input for light models: arange(n)/n in float32.
export function rampInput(dims) {
  const n = dims.reduce((a, b) => a * b, 1);
  return new Float32Array(n).map((_, i) => Math.fround(i / n));
}

// Deterministic pseudo-random floats in [0, 1).
export function seededInput(n, seed) {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

export function maxViolation(actual, expected, rtol, atol) {
  let worst = { index: -1, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]), e = Number(expected[i]);
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst.index < 0 || excess > worst.excess || Number.isNaN(excess))) worst = { index: i, excess, a, e };
  }
  return worst;
}
