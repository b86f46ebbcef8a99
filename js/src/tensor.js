// SPDX-License-Identifier: MIT
// Tensor: type, data (TypedArray), dims, as in onnxruntime-web. Validates on construction.
import { DTYPES, inferType } from './dtypes.js';
import { OnnxWasmError } from './errors.js';
import { tensorFromImage, tensorToImageData } from './image.js';

function invalid(message) {
  return new OnnxWasmError('INVALID_ARGUMENT', message);
}

export class Tensor {
  // new Tensor(type, data, dims?) or new Tensor(data, dims?)
  constructor(a, b, c) {
    let type, data, dims;
    if (typeof a === 'string') [type, data, dims] = [a, b, c];
    else [type, data, dims] = [inferType(a), a, b];
    const dt = DTYPES[type];
    if (!dt) throw invalid(`unknown tensor type '${type}'; expected one of ${Object.keys(DTYPES).join(', ')}`);
    if (type === 'string') {
      if (!Array.isArray(data) || !data.every((v) => typeof v === 'string')) throw invalid("tensor of type 'string' needs an Array of strings");
    } else if (Array.isArray(data)) {
      data = dt.array === BigInt64Array || dt.array === BigUint64Array
        ? dt.array.from(data, (v) => BigInt(v)) : dt.array.from(data);
    }
    if (!(data instanceof dt.array)) {
      throw invalid(`tensor of type '${type}' needs a ${dt.array.name}, got ${data && data.constructor ? data.constructor.name : typeof data}`);
    }
    if (dims === undefined) dims = [data.length];
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalid(`dims must be an array of non-negative integers, got ${JSON.stringify(dims)}`);
    }
    const size = dims.reduce((p, d) => p * d, 1);
    if (size !== data.length) {
      throw invalid(`dims [${dims.join(',')}] need ${size} elements, but data has ${data.length}`);
    }
    this.type = type;
    this.data = data;
    this.dims = dims.slice();
    this.size = size;
    Object.freeze(this.dims);
  }

  /** An image (ImageData, img, canvas, ImageBitmap, or raw RGBA { data, width, height }) as float32 [1,3,H,W]. */
  static fromImage(source, options) {
    return tensorFromImage(Tensor, source, options);
  }

  /** A 3-channel float32 tensor ([1,3,H,W] or [1,H,W,3], values in [0,1] after mean/std) as ImageData. */
  toImageData(options) {
    return tensorToImageData(this, options);
  }
}
