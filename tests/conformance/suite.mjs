// SPDX-License-Identifier: MIT
// The ONNX 1.17 backend test data as a list of tests: node/, pytorch-converted/,
// pytorch-operator/, simple/ (a model.onnx and test_data_set_*/{input,output}_*.pb each) and
// light/ (light_*.onnx with one expected output, fed arange(n)/n as the ONNX runner does).
import fs from 'node:fs';
import path from 'node:path';
import { reader } from '../js/helpers/tensor-proto.mjs';

export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple', 'light'];

export function listTests(dataDir) {
  const tests = [];
  for (const suite of SUITES) {
    const dir = path.join(dataDir, suite);
    if (suite === 'light') {
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.onnx')).sort()) {
        const name = f.slice(0, -5);
        tests.push({ id: `light/${name}`, suite, model: path.join(dir, f), rtol: 1e-3, atol: 1e-7,
          sets: [{ inputs: null, outputs: [path.join(dir, `${name}_output_0.pb`)] }] });
      }
      continue;
    }
    for (const name of fs.readdirSync(dir).sort()) {
      const tdir = path.join(dir, name);
      if (!fs.existsSync(path.join(tdir, 'model.onnx'))) continue;
      let rtol = 1e-3, atol = 1e-7;
      const dj = path.join(tdir, 'data.json');
      if (fs.existsSync(dj)) ({ rtol = rtol, atol = atol } = JSON.parse(fs.readFileSync(dj, 'utf8')));
      const byIndex = (d, prefix) => fs.readdirSync(d).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
        .sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10)).map((f) => path.join(d, f));
      const sets = fs.readdirSync(tdir).filter((d) => d.startsWith('test_data_set_')).sort().map((d) => ({
        inputs: byIndex(path.join(tdir, d), 'input_'), outputs: byIndex(path.join(tdir, d), 'output_'),
      }));
      tests.push({ id: `${suite}/${name}`, suite, model: path.join(tdir, 'model.onnx'), rtol, atol, sets });
    }
  }
  return tests;
}

// What kind each graph input and output is ('tensor', 'sequence', 'map', 'optional',
// 'sparse_tensor'), read from the ModelProto's wire format.
export function graphValueKinds(modelBytes) {
  const KINDS = { 1: 'tensor', 4: 'sequence', 5: 'map', 8: 'sparse_tensor', 9: 'optional' };
  const messages = (bytes, want) => {
    const out = [];
    const r = reader(bytes);
    while (!r.done()) {
      const tag = Number(r.varint());
      if ((tag & 7) === 2 && want.includes(tag >> 3)) out.push([tag >> 3, r.bytes()]);
      else r.skip(tag & 7);
    }
    return out;
  };
  const result = { inputs: [], outputs: [] };
  for (const [, graph] of messages(modelBytes, [7])) {
    for (const [field, vi] of messages(graph, [11, 12])) {
      let kind = 'tensor';
      for (const [, type] of messages(vi, [2])) for (const [k] of messages(type, [1, 4, 5, 8, 9])) kind = KINDS[k];
      (field === 11 ? result.inputs : result.outputs).push(kind);
    }
  }
  return result;
}
