// SPDX-License-Identifier: MIT
// Writes small onnx.ModelProto files from JS (protobuf wire format), for tests that need a
// model of a given size without a Python step.
const varint = (n) => {
  const out = [];
  for (let v = BigInt(n); ; v >>= 7n) {
    if (v < 0x80n) { out.push(Number(v)); return out; }
    out.push(Number(v & 0x7fn) | 0x80);
  }
};
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const int = (field, n) => Uint8Array.from([...varint(field << 3), ...varint(n)]);
const bytes = (field, b) => concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(b.length)]), b]);
const str = (field, s) => bytes(field, new TextEncoder().encode(s));
const FLOAT = 1;

// A float tensor's type with static dims (onnx.TypeProto).
const tensorType = (dims) =>
  bytes(1, concat([int(1, FLOAT), bytes(2, concat(dims.map((d) => bytes(1, int(1, d)))))]));
const valueInfo = (name, dims) => concat([str(1, name), bytes(2, tensorType(dims))]);

// A chain of `layers` MatMuls, x [1, width] . W0 . W1 ... -> y, each Wi [width, width] a float
// initializer ("W0", ...) of `weight(i, j)` (raw_data), opset 13: a model of many weights.
export function matmulChainModel(width, layers, weight) {
  const nodes = [], initializers = [];
  for (let l = 0; l < layers; l++) {
    const w = new Float32Array(width * width);
    for (let j = 0; j < w.length; j++) w[j] = weight(l, j);
    initializers.push(bytes(5, concat([int(1, width), int(1, width), int(2, FLOAT), str(8, `W${l}`),
      bytes(9, new Uint8Array(w.buffer))])));
    const input = l === 0 ? 'x' : `h${l}`, output = l === layers - 1 ? 'y' : `h${l + 1}`;
    nodes.push(bytes(1, concat([str(1, input), str(1, `W${l}`), str(2, output), str(3, `matmul${l}`), str(4, 'MatMul')])));
  }
  const graph = concat([...nodes, str(2, 'matmul_chain'), ...initializers, bytes(11, valueInfo('x', [1, width])),
    bytes(12, valueInfo('y', [1, width]))]);
  return concat([int(1, 8), bytes(8, concat([str(1, ''), int(2, 13)])), bytes(7, graph)]);
}
