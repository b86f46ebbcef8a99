// SPDX-License-Identifier: MIT
// One table: onnxruntime-web type name <-> TypedArray <-> ONNX TensorProto enum <-> bytes.
export const DTYPES = Object.freeze({
  float32: { id: 1, array: Float32Array, bytes: 4 },
  uint8: { id: 2, array: Uint8Array, bytes: 1 },
  int8: { id: 3, array: Int8Array, bytes: 1 },
  uint16: { id: 4, array: Uint16Array, bytes: 2 },
  int16: { id: 5, array: Int16Array, bytes: 2 },
  int32: { id: 6, array: Int32Array, bytes: 4 },
  int64: { id: 7, array: BigInt64Array, bytes: 8 },
  bool: { id: 9, array: Uint8Array, bytes: 1 },
  float16: { id: 10, array: Uint16Array, bytes: 2 },
  float64: { id: 11, array: Float64Array, bytes: 8 },
  uint32: { id: 12, array: Uint32Array, bytes: 4 },
  uint64: { id: 13, array: BigUint64Array, bytes: 8 },
  // Strings: a plain Array of JS strings (UTF-8 in the engine).
  string: { id: 8, array: Array, bytes: 0 },
  // Beyond onnxruntime-web: raw bits for bfloat16 and the float8 types, one element per byte
  // for the 4-bit integers.
  bfloat16: { id: 16, array: Uint16Array, bytes: 2 },
  float8e4m3fn: { id: 17, array: Uint8Array, bytes: 1 },
  float8e4m3fnuz: { id: 18, array: Uint8Array, bytes: 1 },
  float8e5m2: { id: 19, array: Uint8Array, bytes: 1 },
  float8e5m2fnuz: { id: 20, array: Uint8Array, bytes: 1 },
  uint4: { id: 21, array: Uint8Array, bytes: 1 },
  int4: { id: 22, array: Int8Array, bytes: 1 },
});

const BY_ID = new Map(Object.entries(DTYPES).map(([name, d]) => [d.id, name]));

export function dtypeName(id) {
  return BY_ID.get(id);
}

// The type a TypedArray implies when `new Tensor(data, dims)` is called without one.
export function inferType(data) {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  if (Array.isArray(data) && data.every((v) => typeof v === 'string')) return 'string';
  return undefined;
}
