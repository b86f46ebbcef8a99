// SPDX-License-Identifier: MIT
// Image <-> Tensor helpers. fromImage takes ImageData, an <img>, a <canvas> (or
// OffscreenCanvas), an ImageBitmap, or raw RGBA pixels { data, width, height } (Node, workers),
// optionally resized to { width, height } (the browser's canvas scaling; bilinear for raw
// pixels), and gives a float32 tensor [1, 3, H, W] (NCHW, default) or [1, H, W, 3] (NHWC) of
// (pixel / 255 - mean[c]) / std[c]. toImageData is the inverse for 3-channel tensors.
import { OnnxWasmError } from './errors.js';

function invalid(message) {
  return new OnnxWasmError('INVALID_ARGUMENT', message);
}

function perChannel(v, name, dflt) {
  if (v === undefined) return [dflt, dflt, dflt];
  const a = typeof v === 'number' ? [v, v, v] : Array.from(v);
  if (a.length !== 3 || !a.every((x) => Number.isFinite(x))) throw invalid(`${name} must be a number or 3 numbers`);
  if (name === 'std' && a.some((x) => x === 0)) throw invalid('std must not be 0');
  return a;
}

// Bilinear resize of RGBA pixels (half-pixel centers, edges clamped).
function resizeRgba(src, sw, sh, dw, dh) {
  const out = new Uint8ClampedArray(dw * dh * 4);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sh / dh - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1), wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sw / dw - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1), wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const p = (yy, xx) => src[(yy * sw + xx) * 4 + c];
        out[(y * dw + x) * 4 + c] = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
      }
    }
  }
  return out;
}

// Any supported source -> { data: RGBA bytes, width, height } at the wanted size.
async function rgbaOf(source, width, height) {
  if (source && source.data && Number.isInteger(source.width) && Number.isInteger(source.height) &&
      !(typeof ImageData !== 'undefined' && source instanceof ImageData)) {
    const { data, width: w, height: h } = source;
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== w * h * 4) {
      throw invalid(`raw pixels must be RGBA bytes: ${w} x ${h} x 4 = ${w * h * 4}, got ${data.length}`);
    }
    const dw = width ?? w, dh = height ?? h;
    return { data: dw === w && dh === h ? data : resizeRgba(data, w, h, dw, dh), width: dw, height: dh };
  }
  if (typeof ImageData !== 'undefined' && source instanceof ImageData && (width ?? source.width) === source.width &&
      (height ?? source.height) === source.height) {
    return { data: source.data, width: source.width, height: source.height };
  }
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    throw invalid('fromImage: this environment has no canvas; pass raw RGBA pixels { data, width, height }');
  }
  let drawable = source;
  if (typeof ImageData !== 'undefined' && source instanceof ImageData) drawable = await createImageBitmap(source);
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement && !source.complete) {
    await new Promise((resolve, reject) => { source.onload = resolve; source.onerror = () => reject(invalid('the image failed to load')); });
  }
  const sw = drawable.naturalWidth || drawable.width, sh = drawable.naturalHeight || drawable.height;
  if (!sw || !sh) throw invalid('fromImage: unsupported or empty image source');
  const dw = width ?? sw, dh = height ?? sh;
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(dw, dh)
    : Object.assign(document.createElement('canvas'), { width: dw, height: dh });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(drawable, 0, 0, dw, dh);
  return { data: ctx.getImageData(0, 0, dw, dh).data, width: dw, height: dh };
}

export async function tensorFromImage(Tensor, source, options = {}) {
  const { width, height, layout = 'NCHW' } = options;
  if (layout !== 'NCHW' && layout !== 'NHWC') throw invalid("layout must be 'NCHW' or 'NHWC'");
  for (const [k, v] of [['width', width], ['height', height]]) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw invalid(`${k} must be a positive integer`);
  }
  const mean = perChannel(options.mean, 'mean', 0), std = perChannel(options.std, 'std', 1);
  const { data, width: w, height: h } = await rgbaOf(source, width, height);
  const out = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (data[i * 4 + c] / 255 - mean[c]) / std[c];
      out[layout === 'NCHW' ? c * w * h + i : i * 3 + c] = v;
    }
  }
  return new Tensor('float32', out, layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3]);
}

export function tensorToImageData(t, options = {}) {
  const mean = perChannel(options.mean, 'mean', 0), std = perChannel(options.std, 'std', 1);
  const d = t.dims;
  if (t.type !== 'float32' || d.length !== 4 || d[0] !== 1 || (d[1] !== 3 && d[3] !== 3)) {
    throw invalid(`toImageData needs a float32 tensor [1, 3, H, W] or [1, H, W, 3], got ${t.type} [${d.join(',')}]`);
  }
  const nchw = options.layout ? options.layout === 'NCHW' : d[1] === 3;
  const h = nchw ? d[2] : d[1], w = nchw ? d[3] : d[2];
  const px = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      const v = t.data[nchw ? c * w * h + i : i * 3 + c];
      px[i * 4 + c] = Math.round((v * std[c] + mean[c]) * 255);
    }
    px[i * 4 + 3] = 255;
  }
  return typeof ImageData !== 'undefined' ? new ImageData(px, w, h) : { data: px, width: w, height: h };
}
