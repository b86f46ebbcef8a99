// SPDX-License-Identifier: MIT
// What this project's int8 operators over 16-bit products (winograd_qs8.h, conv_qs8.h) share:
// the product of a block of rows by packed weights, the block from the region's weights cache
// that holds those weights with their biases and requantization scales, and XNNPACK's fp32
// requantization of the sums. Operands are int8 values less their zero point, widened to 16 bits
// once, so each i32x4.dot_i16x8_s takes two of them with no widening in the inner loop (where
// XNNPACK's int8 kernels widen their bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include <xnnpack.h>

#include "xnnpack/subgraph.h"

namespace onnxwasm {

constexpr size_t kQs8Nr = 8;  // output channels per packed block: two i32x4 sums per row
constexpr size_t kQs8Mr = 4;  // rows per product call
constexpr float kQs8MagicBias = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer, nearest even

// rows x kQs8Nr sums (rows <= kQs8Mr) of the product of `a` (rows x kp 16-bit values, `a_stride`
// apart; kp even) and one block of packed weights w (per pair of inputs: output j's two weights
// at 2j), into c (rows `c_stride` apart).
void qs8_product(size_t rows, size_t kp, const int16_t* a, size_t a_stride, const int16_t* w, int32_t* c, size_t c_stride);

// How sums become int8 outputs, as XNNPACK's int8 kernels do it: plus the bias, times input
// scale * weight scale / output scale, rounded to nearest even (the magic bias), plus the output
// zero point, clamped to the activation's bounds.
struct Qs8Requantization {
  const int32_t* bias;  // np of them (0 past the outputs)
  const float* scale;   // np of them
  int32_t magic_min, magic_less_zero_point, output_max;
};

// Where each row's values lie for qs8_product_requantized: `outer` x `inner` runs of `run`
// values (even), run (o, i) at the row's start + o * outer_stride + i * inner_stride, in that
// order against the packed weights.
struct Qs8Runs {
  size_t outer, inner, run;
  ptrdiff_t outer_stride, inner_stride;
};

// rows x kQs8Nr sums (rows <= kQs8Mr) of the product of rows whose values lie in `runs` from
// a[row] by one block of packed weights w, the sums of output channels [k, k + count) (count <=
// kQs8Nr: the block's first count) requantized into c + row * c_stride + k.
void qs8_product_requantized(size_t rows, const int16_t* const* a, const Qs8Runs& runs, const int16_t* w,
                             const Qs8Requantization& rq, size_t k, size_t count, int8_t* c, size_t c_stride);

// For a per-channel int8 convolution node: reserves one block of `weight_bytes` (weights packed
// by `pack`, np output channels), then np biases and np scales in the region's weights cache, and
// fills `rq` from the node's quantization and activation. Unsupported scales (as XNNPACK checks
// them) or no memory: an error status.
xnn_status qs8_pack_weights(const xnn_node* node, const xnn_value* values, xnn_weights_cache_t cache, size_t np,
                            size_t weight_bytes, const std::function<void(int16_t*)>& pack, const int16_t** weights,
                            Qs8Requantization* rq);

// One sum of output channel k, requantized.
int8_t qs8_requantize(int32_t sum, size_t k, const Qs8Requantization& rq);

#ifdef __wasm_simd128__
// The requantization of output channels [k, k + 8), its constants loaded once: applied to
// their sums (lanes of lo, then hi), the outputs in the low 8 bytes.
struct Qs8Requantize8 {
  v128_t bias_lo, bias_hi, scale_lo, scale_hi, magic_min, magic_less_zero_point, output_max;
  Qs8Requantize8(const Qs8Requantization& rq, size_t k)
      : bias_lo(wasm_v128_load(rq.bias + k)), bias_hi(wasm_v128_load(rq.bias + k + 4)),
        scale_lo(wasm_v128_load(rq.scale + k)), scale_hi(wasm_v128_load(rq.scale + k + 4)),
        magic_min(wasm_i32x4_splat(rq.magic_min)), magic_less_zero_point(wasm_i32x4_splat(rq.magic_less_zero_point)),
        output_max(wasm_i8x16_splat(static_cast<int8_t>(rq.output_max))) {}
  v128_t half(v128_t sum, v128_t bias, v128_t scale) const {
    v128_t f = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_add(sum, bias)), scale);
    f = wasm_f32x4_add(f, wasm_f32x4_splat(kQs8MagicBias));
    return wasm_i32x4_sub(wasm_i32x4_max(f, magic_min), magic_less_zero_point);
  }
  v128_t operator()(v128_t lo, v128_t hi) const {
    const v128_t a = half(lo, bias_lo, scale_lo), b = half(hi, bias_hi, scale_hi);
    return wasm_i8x16_min(wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), a), output_max);
  }
};
#endif

}  // namespace onnxwasm
