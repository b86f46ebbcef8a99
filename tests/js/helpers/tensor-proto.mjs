// SPDX-License-Identifier: MIT
// Reads a serialized onnx.TensorProto (the ONNX test data's *.pb files) into
// { name, type, dims, data }: a tiny protobuf wire-format decoder, test-side only.
// data_type -> [JS type name, typed array]. bfloat16 and the float8 types are raw bits; int4
// and uint4 one element per byte (their raw_data packs two per byte). Strings are arrays.
const TYPES = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array], 4: ['uint16', Uint16Array],
  5: ['int16', Int16Array], 6: ['int32', Int32Array], 7: ['int64', BigInt64Array], 8: ['string', Array],
  9: ['bool', Uint8Array], 10: ['float16', Uint16Array], 11: ['float64', Float64Array], 12: ['uint32', Uint32Array],
  13: ['uint64', BigUint64Array], 14: ['complex64', Float32Array], 15: ['complex128', Float64Array],
  16: ['bfloat16', Uint16Array], 17: ['float8e4m3fn', Uint8Array], 18: ['float8e4m3fnuz', Uint8Array],
  19: ['float8e5m2', Uint8Array], 20: ['float8e5m2fnuz', Uint8Array], 21: ['uint4', Uint8Array], 22: ['int4', Int8Array],
};

export function reader(buf) {
  let pos = 0;
  const varint = () => {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  return {
    done: () => pos >= buf.length,
    varint,
    bytes: () => { const n = Number(varint()); const out = buf.subarray(pos, pos + n); pos += n; return out; },
    skip: (wire) => {
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) { const n = Number(varint()); pos += n; }
      else throw new Error(`wire type ${wire}`);
    },
  };
}

export function parseTensorProto(bytes) {
  const r = reader(bytes);
  const dims = [];
  let dataType = 0, name = '', raw = null;
  const strings = [];
  const floats = [], ints32 = [], ints64 = [], doubles = [];
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >> 3, wire = tag & 7;
    const packedOr = (fn, into) => {
      if (wire === 2) { const sub = reader(r.bytes()); while (!sub.done()) into.push(fn(sub)); } else into.push(fn(r));
    };
    if (field === 1) packedOr((x) => Number(x.varint()), dims);
    else if (field === 2) dataType = Number(r.varint());
    else if (field === 8) name = new TextDecoder().decode(r.bytes());
    else if (field === 9) raw = r.bytes();
    else if (field === 6 && wire === 2) strings.push(new TextDecoder().decode(r.bytes()));
    else if (field === 4 && wire === 2) { const b = r.bytes(); const dv = new DataView(b.buffer, b.byteOffset, b.byteLength); for (let i = 0; i < b.length; i += 4) floats.push(dv.getFloat32(i, true)); }
    else if (field === 5) packedOr((x) => x.varint(), ints32);
    else if (field === 7) packedOr((x) => x.varint(), ints64);
    else if (field === 10 && wire === 2) { const b = r.bytes(); const dv = new DataView(b.buffer, b.byteOffset, b.byteLength); for (let i = 0; i < b.length; i += 8) doubles.push(dv.getFloat64(i, true)); }
    else r.skip(wire);
  }
  const [type, Arr] = TYPES[dataType] || [];
  if (!type) throw new Error(`TensorProto data_type ${dataType} not handled by the test reader`);
  let data;
  const count = dims.reduce((x, y) => x * y, 1);
  if (type === 'string') data = strings;
  else if (type === 'int4' || type === 'uint4') {
    // Two per byte, low nibble first: raw_data, or int32_data holding one byte each.
    const packed = raw || Uint8Array.from(ints32, (v) => Number(v & 255n));
    data = new Arr(count).map((_, i) => {
      const v = (packed[i >> 1] >> (4 * (i & 1))) & 15;
      return type === 'int4' && v >= 8 ? v - 16 : v;
    });
  } else if (raw) {
    const copy = new Uint8Array(raw);  // a copy: Node Buffer.slice() would share memory
    data = new Arr(copy.buffer, 0, copy.byteLength / Arr.BYTES_PER_ELEMENT);
  } else if (type === 'float32') data = Float32Array.from(floats);
  else if (type === 'float64') data = Float64Array.from(doubles);
  else if (type === 'int64') data = BigInt64Array.from(ints64, (v) => BigInt.asIntN(64, v));
  else if (type === 'uint64') data = BigUint64Array.from(ints64.length ? ints64 : ints32);
  else data = Arr.from(ints32, (v) => Number(BigInt.asIntN(32, v)));
  return { name, type, dims, data };
}

// A serialized onnx.SequenceProto (tensors in field 3) or onnx.OptionalProto (field 3 a
// tensor, 5 a sequence) as { name, value }: an array of tensors, or null / a tensor / an array.
export function parseValueProto(bytes, kind) {
  if (kind === 'tensor') { const t = parseTensorProto(bytes); return { name: t.name, value: t }; }
  const r = reader(bytes);
  const items = [];
  let name = '', value = null;
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >> 3, wire = tag & 7;
    if (field === 1 && wire === 2) name = new TextDecoder().decode(r.bytes());
    else if (kind === 'sequence' && field === 3 && wire === 2) items.push(parseTensorProto(r.bytes()));
    else if (kind === 'optional' && field === 3 && wire === 2) value = parseTensorProto(r.bytes());
    else if (kind === 'optional' && field === 5 && wire === 2) value = parseValueProto(r.bytes(), 'sequence').value;
    else r.skip(wire);
  }
  return { name, value: kind === 'sequence' ? items : value };
}
