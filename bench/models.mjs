// SPDX-License-Identifier: MIT
// The benchmark's models: the set scripts/gen_bench_models.py makes (cached under
// ~/.cache/onnx-wasm/bench-models/<script hash>, made on first use), the ONNX light models
// from the onnx source the build fetched, and the digits example.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const cache = process.env.ONNXWASM_CACHE || path.join(os.homedir(), '.cache', 'onnx-wasm');
export const GENERATED = ['mobilenet_v2', 'resnet50', 'squeezenet1_1', 'efficientnet_b0', 'vit_small', 'bert_like', 'lstm',
  'unet_small', 'mobilenet_v2_qdq', 'resnet18_qdq'];
const LIGHT = ['light_squeezenet', 'light_resnet50', 'light_inception_v1', 'light_densenet121', 'light_shufflenet'];

export function generatedDir() {
  const script = 'scripts/gen_bench_models.py';
  const hash = crypto.createHash('sha256').update(fs.readFileSync(script)).digest('hex').slice(0, 16);
  const dir = path.join(cache, 'bench-models', hash);
  if (!fs.existsSync(path.join(dir, '.done'))) {
    fs.rmSync(`${dir}.tmp`, { recursive: true, force: true });
    execFileSync('/usr/bin/python3', [script, `${dir}.tmp`], { stdio: ['ignore', 'inherit', 'inherit'] });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(`${dir}.tmp`, dir);
    fs.writeFileSync(path.join(dir, '.done'), '');
  }
  return dir;
}

export function benchModels() {
  const dir = generatedDir();
  const light = path.join(cache, 'src/onnx/onnx/backend/test/data/light');
  return [...GENERATED.map((m) => path.join(dir, `${m}.onnx`)), ...LIGHT.map((m) => path.join(light, `${m}.onnx`)),
    path.resolve('examples/models/digits.onnx')];
}

// Specs from the model's own metadata (read with onnx-wasm); a symbolic dim takes the size in
// the model's sidecar `<model>.bench.json` ({"dims": {"seq": 128}}), else 1.
export async function inputSpecs(model, InferenceSession) {
  const side = `${model.replace(/\.onnx$/, '')}.bench.json`;
  const sizes = fs.existsSync(side) ? JSON.parse(fs.readFileSync(side, 'utf8')).dims || {} : {};
  const s = await InferenceSession.create(new Uint8Array(fs.readFileSync(model)), { numThreads: 1 });
  const specs = s.inputMetadata.map((m) => ({
    name: m.name, dtype: m.type, dims: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : sizes[d] ?? 1)),
  }));
  await s.release();
  return specs;
}
