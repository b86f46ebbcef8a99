// SPDX-License-Identifier: MIT
#include "xnn/qs8_products.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "xnnpack/requantization.h"

namespace onnxwasm {
namespace {

constexpr int32_t kMagicBiasBits = 0x4B400000;  // kQs8MagicBias's bits

// The sums of rows x kQs8Nr (rows <= kQs8Mr), row r's values at a[r] in runs (Qs8Runs), handed
// to sink(row, sums) as kQs8Nr int32 values (with SIMD: two i32x4, outputs 0-3 then 4-7).
#ifdef __wasm_simd128__
template <typename Sink>
inline void product(size_t rows, const int16_t* const* a, const Qs8Runs& runs, const int16_t* w, Sink sink) {
  const int16_t* a0 = a[0];
  const int16_t* a1 = rows > 1 ? a[1] : a0;
  const int16_t* a2 = rows > 2 ? a[2] : a1;
  const int16_t* a3 = rows > 3 ? a[3] : a2;
  v128_t c00 = wasm_i32x4_const_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const ptrdiff_t next_outer = runs.outer_stride - static_cast<ptrdiff_t>(runs.inner) * runs.inner_stride;
  for (size_t o = 0; o < runs.outer; o++, a0 += next_outer, a1 += next_outer, a2 += next_outer, a3 += next_outer)
    for (size_t i = 0; i < runs.inner; i++, a0 += runs.inner_stride, a1 += runs.inner_stride, a2 += runs.inner_stride,
                a3 += runs.inner_stride)
      for (size_t k = 0; k < runs.run; k += 2, w += 2 * kQs8Nr) {
        const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + kQs8Nr);
        const v128_t x0 = wasm_v128_load32_splat(a0 + k), x1 = wasm_v128_load32_splat(a1 + k);
        const v128_t x2 = wasm_v128_load32_splat(a2 + k), x3 = wasm_v128_load32_splat(a3 + k);
        c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(x0, w0)), c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(x0, w1));
        c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(x1, w0)), c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(x1, w1));
        c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(x2, w0)), c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(x2, w1));
        c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(x3, w0)), c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(x3, w1));
      }
  sink(0, c00, c01);
  if (rows > 1) sink(1, c10, c11);
  if (rows > 2) sink(2, c20, c21);
  if (rows > 3) sink(3, c30, c31);
}
#else
template <typename Sink>
inline void product(size_t rows, const int16_t* const* a, const Qs8Runs& runs, const int16_t* w, Sink sink) {
  for (size_t r = 0; r < rows; r++) {
    int32_t sum[kQs8Nr] = {};
    const int16_t* wr = w;
    for (size_t o = 0; o < runs.outer; o++)
      for (size_t i = 0; i < runs.inner; i++) {
        const int16_t* x = a[r] + static_cast<ptrdiff_t>(o) * runs.outer_stride + static_cast<ptrdiff_t>(i) * runs.inner_stride;
        for (size_t k = 0; k < runs.run; k += 2, wr += 2 * kQs8Nr)
          for (size_t j = 0; j < kQs8Nr; j++) sum[j] += int32_t{x[k]} * wr[2 * j] + int32_t{x[k + 1]} * wr[2 * j + 1];
      }
    sink(r, sum);
  }
}
#endif

}  // namespace

void qs8_product(size_t rows, size_t kp, const int16_t* a, size_t a_stride, const int16_t* w, int32_t* c, size_t c_stride) {
  const int16_t* const starts[kQs8Mr] = {a, a + a_stride, a + 2 * a_stride, a + 3 * a_stride};
  const Qs8Runs runs{1, 1, kp, 0, 0};
#ifdef __wasm_simd128__
  product(rows, starts, runs, w, [&](size_t r, v128_t lo, v128_t hi) {
    wasm_v128_store(c + r * c_stride, lo), wasm_v128_store(c + r * c_stride + 4, hi);
  });
#else
  product(rows, starts, runs, w, [&](size_t r, const int32_t* sum) { std::copy(sum, sum + kQs8Nr, c + r * c_stride); });
#endif
}

void qs8_product_requantized(size_t rows, const int16_t* const* a, const Qs8Runs& runs, const int16_t* w,
                             const Qs8Requantization& rq, size_t k, size_t count, int8_t* c, size_t c_stride) {
#ifdef __wasm_simd128__
  const Qs8Requantize8 requantize(rq, k);  // np is a multiple of 8: its loads stay in the block
  product(rows, a, runs, w, [&](size_t r, v128_t lo, v128_t hi) {
    if (count == kQs8Nr) {
      wasm_v128_store64_lane(c + r * c_stride + k, requantize(lo, hi), 0);
      return;
    }
    alignas(16) int32_t sum[kQs8Nr];
    wasm_v128_store(sum, lo), wasm_v128_store(sum + 4, hi);
    for (size_t j = 0; j < count; j++) c[r * c_stride + k + j] = qs8_requantize(sum[j], k + j, rq);
  });
#else
  product(rows, a, runs, w, [&](size_t r, const int32_t* sum) {
    for (size_t j = 0; j < count; j++) c[r * c_stride + k + j] = qs8_requantize(sum[j], k + j, rq);
  });
#endif
}

xnn_status qs8_pack_weights(const xnn_node* node, const xnn_value* values, xnn_weights_cache_t cache, size_t np,
                            size_t weight_bytes, const std::function<void(int16_t*)>& pack, const int16_t** weights,
                            Qs8Requantization* rq) {
  const xnn_value &input = values[node->inputs[0]], &filter = values[node->inputs[1]], &output = values[node->outputs[0]];
  const bool has_bias = node->num_inputs > 2 && node->inputs[2] != XNN_INVALID_VALUE_ID;
  const auto* bias = has_bias ? static_cast<const int32_t*>(values[node->inputs[2]].data) : nullptr;
  const size_t out = filter.shape.dim[0];
  // Scales as XNNPACK checks and computes them (operators/convolution-nhwc.c).
  const float input_scale = input.quantization.scale, output_scale = output.quantization.scale;
  std::vector<float> scale(np, 1.f);
  for (size_t o = 0; o < out; o++) {
    scale[o] = input_scale * filter.quantization.channelwise_scale[o] / output_scale;
    if (!(scale[o] > 0.f && scale[o] < 256.f)) return xnn_status_unsupported_parameter;
  }
  const size_t bytes = weight_bytes + np * (sizeof(int32_t) + sizeof(float));
  auto* packed = static_cast<uint8_t*>(cache->reserve_space(cache->context, bytes));
  if (packed == nullptr) return xnn_status_out_of_memory;
  pack(reinterpret_cast<int16_t*>(packed));
  auto* b = reinterpret_cast<int32_t*>(packed + weight_bytes);
  for (size_t o = 0; o < np; o++) b[o] = bias != nullptr && o < out ? bias[o] : 0;
  std::memcpy(packed + weight_bytes + np * sizeof(int32_t), scale.data(), np * sizeof(float));
  xnn_weights_cache_look_up_key key{};
  key.kernel = filter.data, key.bias = bias;
  const size_t at = cache->look_up_or_insert(cache->context, &key, packed, bytes);
  const auto* block = static_cast<const uint8_t*>(cache->offset_to_addr(cache->context, at));
  if (block == nullptr) return xnn_status_out_of_memory;
  *weights = reinterpret_cast<const int16_t*>(block);
  rq->bias = reinterpret_cast<const int32_t*>(block + weight_bytes);
  rq->scale = reinterpret_cast<const float*>(rq->bias + np);
  // The activation's bounds, quantized as XNNPACK's subgraph quantizes them, in the terms of
  // its kernels' magic-bias rounding.
  const int32_t zero_out = output.quantization.zero_point;
  const int32_t out_min = xnn_qs8_quantize(node->activation.output_min, output_scale, zero_out);
  rq->output_max = xnn_qs8_quantize(node->activation.output_max, output_scale, zero_out);
  const float magic_min = kQs8MagicBias + static_cast<float>(out_min - zero_out);
  std::memcpy(&rq->magic_min, &magic_min, sizeof(magic_min));
  rq->magic_less_zero_point = kMagicBiasBits - zero_out;
  return xnn_status_success;
}

int8_t qs8_requantize(int32_t sum, size_t k, const Qs8Requantization& rq) {
  // the bias added as the kernels add it: wrapping
  sum = static_cast<int32_t>(static_cast<uint32_t>(sum) + static_cast<uint32_t>(rq.bias[k]));
  float f = static_cast<float>(sum) * rq.scale[k];
  f += kQs8MagicBias;  // its own statement: never contracted into one rounding with the product
  int32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const int32_t v = std::max(bits, rq.magic_min) - rq.magic_less_zero_point;
  return static_cast<int8_t>(std::min(std::min(v, int32_t{127}), rq.output_max));
}

}  // namespace onnxwasm
