// SPDX-License-Identifier: MIT
// Compiled by tsc (never run): the public types accept what the README shows and reject
// obvious misuse.
import { InferenceSession, Tensor, env, OnnxWasmError, type ErrorCode } from 'onnx-wasm';

async function main(): Promise<number> {
  env.numThreads = 2;
  env.wasmBuild = 'auto';
  const session = await InferenceSession.create('model.onnx', {
    numThreads: 1,
    freeDimensionOverrides: { batch: 1 },
    onProgress: (loaded: number, total: number) => void (loaded / total),
    externalData: [{ path: 'model.onnx.data', data: new Uint8Array(8) }, { path: 'b.bin', data: 'b.bin' }],
  });
  const names: readonly string[] = session.inputNames;
  const x = new Tensor('float32', new Float32Array(4), [1, 4]);
  const ids = new Tensor('int64', new BigInt64Array(2), [2]);
  const out = await session.run({ [names[0]]: x, ids });
  const y = out[session.outputNames[0]];
  const first: number | bigint = y.data[0];
  const img = await Tensor.fromImage({ data: new Uint8Array(16), width: 2, height: 2 }, { layout: 'NHWC', mean: [0.5, 0.5, 0.5], std: 0.25 });
  const back: ImageData = img.toImageData();
  void back;
  // @ts-expect-error: int64 data must be a BigInt64Array
  new Tensor('int64', new Float32Array(2));
  try {
    await session.release();
  } catch (e) {
    if (e instanceof OnnxWasmError) {
      const code: ErrorCode = e.code;
      return code.length;
    }
  }
  return typeof first === 'number' ? first : Number(first);
}

void main;
