// SPDX-License-Identifier: MIT
// Memory while loading a model (issue 6): for each model of the bench set, in a fresh process
// per engine, how much the wasm memory grows when the session is created and after its first
// run, as a multiple of the model's size S; for onnx-wasm also its heap's growth (the malloc
// high-water; the wasm memory itself grows in steps) and XNNPACK's activation memory.
// Usage: node bench/load-memory.mjs [model.onnx ...]   Writes bench/results/load-memory.{json,md}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const child = process.argv[2] === '--child';

if (child) {
  const { trackWasmMemory } = await import('./wasm-memory.mjs');
  const memoryBytes = trackWasmMemory();

  const [engine, model, tiny, specsJson] = process.argv.slice(3);
  const { makeFeeds } = await import('./input.mjs');
  const { benchEngine } = await import('./engine.mjs');
  const { api } = benchEngine(engine, 1);
  const bytes = new Uint8Array(fs.readFileSync(model));
  const anchor = await api.InferenceSession.create(new Uint8Array(fs.readFileSync(tiny)));  // the engine, started
  const heap = async () => (engine === 'ours' ? (await api.memoryInfo()).heapBytes : 0);
  const before = { memory: memoryBytes(), heap: await heap() };
  const s = await api.InferenceSession.create(bytes);
  const created = { memory: memoryBytes(), heap: await heap() };
  await s.run(makeFeeds(JSON.parse(specsJson), api.Tensor));
  const ran = { memory: memoryBytes(), heap: await heap() };
  const m = engine === 'ours' ? /activations (\d+) bytes/.exec(s.debugInfo) : null;
  console.log(JSON.stringify({ before, created, ran, activations: m ? Number(m[1]) : null }));
  await s.release();
  await anchor.release();
  process.exit(0);
}

const { benchModels, inputSpecs } = await import('./models.mjs');
const { InferenceSession } = await import('onnx-wasm');
const tiny = path.resolve('examples/models/digits.onnx');
const models = process.argv.length > 2 ? process.argv.slice(2) : benchModels().filter((m) => fs.statSync(m).size > 1e6);
const rows = [];
for (const model of models) {
  const specs = await inputSpecs(model, InferenceSession);
  const S = fs.statSync(model).size;
  const r = {};
  for (const engine of ['ours', 'ort']) {
    const out = execFileSync(process.execPath, [process.argv[1], '--child', engine, model, tiny, JSON.stringify(specs)],
      { encoding: 'utf8', maxBuffer: 1 << 24 });
    r[engine] = JSON.parse(out.trim().split('\n').pop());
  }
  const x = (b) => (b / S).toFixed(2);
  const mb = (b) => (b / 1048576).toFixed(1);
  const act = r.ours.activations;
  const row = {
    model: path.basename(model, '.onnx'), bytes: S,
    // Absolute: each engine's wasm memory right after create and after the first run (MB).
    oursMemoryCreate: mb(r.ours.created.memory), ortMemoryCreate: mb(r.ort.created.memory),
    oursMemoryRun: mb(r.ours.ran.memory), ortMemoryRun: mb(r.ort.ran.memory),
    // onnx-wasm's heap growth (x S): at create, and without XNNPACK's activation memory.
    oursHeapCreate: x(r.ours.created.heap - r.ours.before.heap), oursHeapRun: x(r.ours.ran.heap - r.ours.before.heap),
    activations: act === null ? '-' : x(act),
    oursHeapCreateWithoutActivations: act === null ? '-' : x(r.ours.created.heap - r.ours.before.heap - act),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
let md = 'Memory while loading (1 thread, a fresh process per engine and model). wasm memory: each engine\'s ' +
  'WebAssembly.Memory in MB (it grows in steps and never shrinks; onnx-wasm starts at 16 MB). Heap: onnx-wasm\'s malloc ' +
  'high-water (sbrk) growth as a multiple of the model size S; activations: XNNPACK\'s activation memory, part of it.\n\n' +
  '| model | S MB | wasm memory MB after create (ours / ort) | after the first run (ours / ort) | heap growth at create, x S | of it activations | without activations | heap growth after the first run, x S |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|\n';
for (const r of rows) {
  md += `| ${r.model} | ${(r.bytes / 1e6).toFixed(1)} | ${r.oursMemoryCreate} / ${r.ortMemoryCreate} | ${r.oursMemoryRun} / ${r.ortMemoryRun} | ` +
    `${r.oursHeapCreate} | ${r.activations} | ${r.oursHeapCreateWithoutActivations} | ${r.oursHeapRun} |\n`;
}
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/load-memory.json', JSON.stringify(rows, null, 1));
fs.writeFileSync('bench/results/load-memory.md', md);
console.log(`\n${md}`);
