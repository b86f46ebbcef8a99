// SPDX-License-Identifier: MIT
// Compiled by tsc (never run): the public types accept what the README shows and reject
// obvious misuse.
import { InferenceSession, Tensor, env, OnnxWasmError, type ErrorCode, type FeedsType, type OnnxValue } from 'onnx-wasm';

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
  const first: number | bigint | string = y.data[0];  // string: as onnxruntime-web, data may be string[]
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

// Strings, sequences and optionals (issue 3).
async function values(session: InferenceSession): Promise<number> {
  const words = new Tensor('string', ['a', 'b'], [2]);
  const text: string[] = words.data;
  const feeds: FeedsType = { seq: [words, words], maybe: null, x: words };
  const out = await session.run<{ seq: Tensor[]; maybe: Tensor | null }>(feeds);
  const seq: OnnxValue = out.seq;
  const meta = session.outputMetadata[0];
  const isSequence: boolean = meta.isSequence === true && !meta.isTensor;
  return text.length + (Array.isArray(seq) ? seq.length : 0) + (out.maybe === null ? 0 : 1) + Number(isSequence);
}
void values;
