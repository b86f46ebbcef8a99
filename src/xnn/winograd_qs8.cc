// SPDX-License-Identifier: MIT
// Winograd F(2x2, 3x3) (Lavin & Gray, 2015) on int8 data as the operator of an XNNPACK
// convolution node. A tile's 2x2 sums are Y = A^T [sum over c of U .* V] A / 4 with
// V = B^T (d - zero point) B for its 4x4 inputs d and U = (2G) g (2G)^T for each 3x3 kernel g
// (the factor 4 from doubling G); per position, the sum over input channels is one product
// [tiles x in] x [in x out] of 16-bit values into 32-bit sums. Then, as XNNPACK's int8 kernels:
// plus the bias, times input scale * weight scale / output scale, rounded to nearest even,
// plus the output zero point, clamped.
#include "xnn/winograd_qs8.h"

#include <algorithm>
#include <cstring>
#include <vector>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnnpack/allocator.h"
#include "xnnpack/common.h"
#include "xnnpack/operator.h"
#include "xnnpack/requantization.h"
#include "xnnpack/subgraph.h"
#include "xnn/custom_node.h"
#include "xnn/packing_threads.h"
#include "xnn/winograd_blocks.h"

namespace onnxwasm {
namespace {

constexpr size_t kPositions = 16;  // a 4x4 input tile's
constexpr size_t kNr = 8;          // output channels per packed block: two i32x4 sums per row
constexpr size_t kMr = 4;          // tiles per product call
constexpr size_t kChannelBlock = 8;  // input channels, transformed 8 at a time (i16x8)
constexpr int64_t kMaxChannels = 1024;
constexpr float kMagicBias = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer, nearest even
constexpr int32_t kMagicBiasBits = 0x4B400000;

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  const int8_t* input;
  int8_t* output;
  uint8_t* scratch;        // per thread: scratch_bytes
  const int16_t* weights;  // per position, per block of kNr outputs, per pair of inputs: kNr x 2
  const int32_t* bias;     // np of them
  const float* scale;      // np requantization scales
  const int8_t* padding;   // kp bytes of the input zero point
  int32_t input_zero_point, magic_min, magic_less_zero_point, output_max;
  size_t in, out, kp, np;  // kp: in rounded up to kChannelBlock, np: out to kNr
  WinogradGrid grid;        // of 2x2 tiles
  size_t block, blocks, group, scratch_bytes;
  size_t in_stride, out_stride;  // values from one position's scratch matrix to the next's
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// The same transforms one input channel at a time, or eight (wasm SIMD).
struct Lane1 {
  using V = int32_t;
  static constexpr size_t n = 1;
  static V load(const int8_t* p, int32_t zero_point) { return int32_t{*p} - zero_point; }
  static void store(int16_t* p, V v) { *p = static_cast<int16_t>(v); }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
};
#ifdef __wasm_simd128__
struct Lane8 {
  using V = v128_t;
  static constexpr size_t n = 8;
  static V load(const int8_t* p, int32_t zero_point) {
    return wasm_i16x8_sub(wasm_i16x8_load8x8(p), wasm_i16x8_splat(static_cast<int16_t>(zero_point)));
  }
  static void store(int16_t* p, V v) { wasm_v128_store(p, v); }
  static V add(V a, V b) { return wasm_i16x8_add(a, b); }
  static V sub(V a, V b) { return wasm_i16x8_sub(a, b); }
};
using Wide = Lane8;
#else
using Wide = Lane1;
#endif

// B^T d B for input channels [c, c + L::n) of one tile: src[16] are its input pixels
// (row-major), dst + p * stride + c receives position p. B^T: (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
template <typename L>
inline void input_transform(const int8_t* const* src, size_t c, int32_t zero_point, int16_t* dst, size_t stride) {
  using V = typename L::V;
  V t[kPositions];
  for (size_t s = 0; s < 4; s++) {  // down each column
    const V d0 = L::load(src[s] + c, zero_point), d1 = L::load(src[4 + s] + c, zero_point);
    const V d2 = L::load(src[8 + s] + c, zero_point), d3 = L::load(src[12 + s] + c, zero_point);
    t[s] = L::sub(d0, d2), t[4 + s] = L::add(d1, d2), t[8 + s] = L::sub(d2, d1), t[12 + s] = L::sub(d1, d3);
  }
  for (size_t i = 0; i < 4; i++) {  // then along each row
    const V* r = t + 4 * i;
    L::store(dst + (4 * i) * stride + c, L::sub(r[0], r[2]));
    L::store(dst + (4 * i + 1) * stride + c, L::add(r[1], r[2]));
    L::store(dst + (4 * i + 2) * stride + c, L::sub(r[2], r[1]));
    L::store(dst + (4 * i + 3) * stride + c, L::sub(r[1], r[3]));
  }
}

// rows x kNr sums (rows <= kMr) of the product of `a` (rows x kp, `a_stride` apart) and one
// block of packed weights w (per pair of inputs: output j's two weights at 2j), into c.
void product(size_t rows, size_t kp, const int16_t* a, size_t a_stride, const int16_t* w, int32_t* c, size_t c_stride) {
#ifdef __wasm_simd128__
  const int16_t* a0 = a;
  const int16_t* a1 = rows > 1 ? a0 + a_stride : a0;
  const int16_t* a2 = rows > 2 ? a1 + a_stride : a1;
  const int16_t* a3 = rows > 3 ? a2 + a_stride : a2;
  v128_t c00 = wasm_i32x4_const_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (size_t k = 0; k < kp; k += 2, w += 2 * kNr) {
    const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + kNr);
    const v128_t x0 = wasm_v128_load32_splat(a0 + k), x1 = wasm_v128_load32_splat(a1 + k);
    const v128_t x2 = wasm_v128_load32_splat(a2 + k), x3 = wasm_v128_load32_splat(a3 + k);
    c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(x0, w0)), c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(x0, w1));
    c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(x1, w0)), c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(x1, w1));
    c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(x2, w0)), c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(x2, w1));
    c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(x3, w0)), c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(x3, w1));
  }
  wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
  if (rows > 1) wasm_v128_store(c + c_stride, c10), wasm_v128_store(c + c_stride + 4, c11);
  if (rows > 2) wasm_v128_store(c + 2 * c_stride, c20), wasm_v128_store(c + 2 * c_stride + 4, c21);
  if (rows > 3) wasm_v128_store(c + 3 * c_stride, c30), wasm_v128_store(c + 3 * c_stride + 4, c31);
#else
  for (size_t r = 0; r < rows; r++) {
    int32_t sum[kNr] = {};
    const int16_t* x = a + r * a_stride;
    for (size_t k = 0; k < kp; k += 2)
      for (size_t j = 0; j < kNr; j++)
        sum[j] += int32_t{x[k]} * w[k * kNr + 2 * j] + int32_t{x[k + 1]} * w[k * kNr + 2 * j + 1];
    std::copy(sum, sum + kNr, c + r * c_stride);
  }
#endif
}

// A^T m A / 4 for one tile and output channel k (m: position p at src[p * stride]), all four
// outputs: A^T: (m0 + m1 + m2, m1 - m2 - m3). In 32-bit arithmetic that may wrap in between:
// the result, 4 times a sum within 2^29, is exact all the same.
inline void output_transform(const int32_t* src, size_t stride, int32_t y[4]) {
  uint32_t o[8];  // unsigned: wrapping is defined
  for (size_t j = 0; j < 4; j++) {
    const uint32_t m0 = static_cast<uint32_t>(src[j * stride]), m1 = static_cast<uint32_t>(src[(4 + j) * stride]);
    const uint32_t m2 = static_cast<uint32_t>(src[(8 + j) * stride]), m3 = static_cast<uint32_t>(src[(12 + j) * stride]);
    o[j] = m0 + m1 + m2, o[4 + j] = m1 - m2 - m3;
  }
  for (size_t i = 0; i < 2; i++) {
    const uint32_t* r = o + 4 * i;
    y[2 * i] = static_cast<int32_t>(r[0] + r[1] + r[2]) >> 2;
    y[2 * i + 1] = static_cast<int32_t>(r[1] - r[2] - r[3]) >> 2;
  }
}

// XNNPACK's fp32 requantization (its wasm SIMD int8 kernels'), one value.
inline int8_t requantize(int32_t sum, float scale, const Plan& p) {
  float f = static_cast<float>(sum) * scale;
  f += kMagicBias;  // its own statement: never contracted into one rounding with the product
  int32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const int32_t v = std::max(bits, p.magic_min) - p.magic_less_zero_point;
  return static_cast<int8_t>(std::min(std::min(v, int32_t{127}), p.output_max));
}

// The outputs of one tile for output channels [k, k + count) (count <= kNr), from its products
// at src + p * stride + k, to dst[i] + k (null: outside the output).
void output_tile(const int32_t* src, size_t stride, size_t k, size_t count, int8_t* const* dst, const Plan& p) {
#ifdef __wasm_simd128__
  if (count == kNr) {
    v128_t y[2][4];
    for (size_t h = 0; h < 2; h++) {
      const int32_t* s = src + k + 4 * h;
      v128_t o[8];
      for (size_t j = 0; j < 4; j++) {
        const v128_t m0 = wasm_v128_load(s + j * stride), m1 = wasm_v128_load(s + (4 + j) * stride);
        const v128_t m2 = wasm_v128_load(s + (8 + j) * stride), m3 = wasm_v128_load(s + (12 + j) * stride);
        o[j] = wasm_i32x4_add(wasm_i32x4_add(m0, m1), m2), o[4 + j] = wasm_i32x4_sub(wasm_i32x4_sub(m1, m2), m3);
      }
      const v128_t bias = wasm_v128_load(p.bias + k + 4 * h), scale = wasm_v128_load(p.scale + k + 4 * h);
      for (size_t i = 0; i < 2; i++) {
        const v128_t* r = o + 4 * i;
        y[h][2 * i] = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(r[0], r[1]), r[2]), 2);
        y[h][2 * i + 1] = wasm_i32x4_shr(wasm_i32x4_sub(wasm_i32x4_sub(r[1], r[2]), r[3]), 2);
      }
      for (size_t q = 0; q < 4; q++) {
        v128_t f = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_add(y[h][q], bias)), scale);
        f = wasm_f32x4_add(f, wasm_f32x4_splat(kMagicBias));
        y[h][q] = wasm_i32x4_sub(wasm_i32x4_max(f, wasm_i32x4_splat(p.magic_min)), wasm_i32x4_splat(p.magic_less_zero_point));
      }
    }
    const v128_t max = wasm_i8x16_splat(static_cast<int8_t>(p.output_max));
    for (size_t q = 0; q < 4; q++) {
      if (dst[q] == nullptr) continue;
      const v128_t v = wasm_i8x16_min(wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(y[0][q], y[1][q]), y[0][q]), max);
      wasm_v128_store64_lane(dst[q] + k, v, 0);
    }
    return;
  }
#endif
  for (size_t j = 0; j < count; j++) {
    int32_t y[4];
    output_transform(src + k + j, stride, y);
    for (size_t q = 0; q < 4; q++)
      if (dst[q] != nullptr)  // the bias added as the kernels add it: wrapping
        dst[q][k + j] = requantize(static_cast<int32_t>(static_cast<uint32_t>(y[q]) + static_cast<uint32_t>(p.bias[k + j])),
                                   p.scale[k + j], p);
  }
}

// One block of tiles: transform its inputs, 16 products, transform and requantize the sums.
// Task t: block t % blocks, output channels [first_out, last_out) of group t / blocks.
void run_block(void* context, size_t thread, size_t task) {
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t block_index = task % p.blocks, first_out = task / p.blocks * p.group;
  const size_t last_out = std::min(p.out, first_out + p.group);
  const size_t first = block_index * p.block, count = std::min(p.block, p.grid.tiles - first);
  auto* in_t = reinterpret_cast<int16_t*>(p.scratch + thread * p.scratch_bytes);  // [16][block][kp]
  const size_t in_stride = p.in_stride, out_stride = p.out_stride;
  auto* out_t = reinterpret_cast<int32_t*>(in_t + kPositions * in_stride);  // [16][block][np]
  for (size_t i = 0; i < count; i++) {
    const int8_t* src[kPositions];
    p.grid.inputs(first + i, p.input, p.in, p.padding, src);
    int16_t* dst = in_t + i * p.kp;
    size_t c = 0;
    for (; c + Wide::n <= p.in; c += Wide::n) input_transform<Wide>(src, c, p.input_zero_point, dst, in_stride);
    for (; c < p.in; c += Lane1::n) input_transform<Lane1>(src, c, p.input_zero_point, dst, in_stride);
    for (; c < p.kp; c++)  // the padding channels (weights 0): zeros rather than whatever was there
      for (size_t pos = 0; pos < kPositions; pos++) dst[pos * in_stride + c] = 0;
  }
  const size_t pairs = p.kp / 2, nblocks = p.np / kNr;
  for (size_t pos = 0; pos < kPositions; pos++)
    for (size_t col = first_out; col < last_out; col += kNr) {
      const int16_t* w = p.weights + (pos * nblocks + col / kNr) * pairs * 2 * kNr;
      for (size_t row = 0; row < count; row += kMr)
        product(std::min(kMr, count - row), p.kp, in_t + pos * in_stride + row * p.kp, p.kp, w,
                out_t + pos * out_stride + row * p.np + col, p.np);
    }
  for (size_t i = 0; i < count; i++) {
    int8_t* dst[4];
    p.grid.outputs(first + i, p.output, p.out, dst);
    for (size_t k = first_out; k < last_out; k += kNr)
      output_tile(out_t + i * p.np, out_stride, k, std::min(kNr, last_out - k), dst, p);
  }
}

// U = (2G) g (2G)^T of one 3x3 kernel g (row-major) into u[16]; 2G's rows: (2 0 0) (1 1 1)
// (1 -1 1) (0 0 2).
inline void weight_transform(const int8_t* g, int32_t* u) {
  auto g2 = [](int32_t a, int32_t b, int32_t c, int32_t* r, size_t stride) {
    r[0] = 2 * a, r[stride] = a + b + c, r[2 * stride] = a - b + c, r[3 * stride] = 2 * c;
  };
  int32_t t[12];  // (2G) g: 4 x 3
  for (size_t s = 0; s < 3; s++) g2(g[s], g[3 + s], g[6 + s], t + s, 3);
  for (size_t a = 0; a < 4; a++) g2(t[3 * a], t[3 * a + 1], t[3 * a + 2], u + 4 * a, 1);
}

#ifdef __wasm_simd128__
// pack_block for 8 output channels and input channels [c0, c0 + 8) at once: per output channel,
// its 8 kernels' taps gathered into 9 vectors (one per tap, lanes: input channels), both of
// 2G's passes on those, then per position the 8 vectors (lanes: pairs of input channels, 32
// bits each) transposed into the packed rows (lanes: output channels).
void pack_8x8(const int8_t* oihw, size_t block, size_t c0, size_t in, size_t nblocks, size_t span, int16_t* dst) {
  v128_t u[kNr][kPositions];
  for (size_t j = 0; j < kNr; j++) {
    const int8_t* g = oihw + ((block * kNr + j) * in + c0) * 9;  // 72 bytes: 8 kernels of 9 taps
    alignas(16) int16_t taps[9][8];
    for (size_t c = 0; c < 8; c++)
      for (size_t t = 0; t < 9; t++) taps[t][c] = g[c * 9 + t];
    v128_t t4[4][3];  // (2G) g
    for (size_t s = 0; s < 3; s++) {
      const v128_t a = wasm_v128_load(taps[s]), b = wasm_v128_load(taps[3 + s]), c = wasm_v128_load(taps[6 + s]);
      const v128_t ac = wasm_i16x8_add(a, c);
      t4[0][s] = wasm_i16x8_shl(a, 1), t4[1][s] = wasm_i16x8_add(ac, b), t4[2][s] = wasm_i16x8_sub(ac, b);
      t4[3][s] = wasm_i16x8_shl(c, 1);
    }
    for (size_t a = 0; a < 4; a++) {
      const v128_t ac = wasm_i16x8_add(t4[a][0], t4[a][2]);
      u[j][4 * a] = wasm_i16x8_shl(t4[a][0], 1), u[j][4 * a + 1] = wasm_i16x8_add(ac, t4[a][1]);
      u[j][4 * a + 2] = wasm_i16x8_sub(ac, t4[a][1]), u[j][4 * a + 3] = wasm_i16x8_shl(t4[a][2], 1);
    }
  }
  for (size_t pos = 0; pos < kPositions; pos++) {
    int16_t* at = dst + (pos * nblocks + block) * span + c0 / 2 * 2 * kNr;
    for (size_t h = 0; h < 2; h++) {  // output channels 4h .. 4h + 3: a 4x4 transpose of 32-bit pairs
      const v128_t* a = &u[4 * h][pos];
      const v128_t a0 = a[0], a1 = a[kPositions], a2 = a[2 * kPositions], a3 = a[3 * kPositions];
      const v128_t t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7);
      const v128_t t2 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
      wasm_v128_store(at + 4 * h * 2, wasm_i64x2_shuffle(t0, t2, 0, 2));
      wasm_v128_store(at + 2 * kNr + 4 * h * 2, wasm_i64x2_shuffle(t0, t2, 1, 3));
      wasm_v128_store(at + 4 * kNr + 4 * h * 2, wasm_i64x2_shuffle(t1, t3, 0, 2));
      wasm_v128_store(at + 6 * kNr + 4 * h * 2, wasm_i64x2_shuffle(t1, t3, 1, 3));
    }
  }
}
#endif

// Per position, per block of kNr output channels, per pair of input channels (k, k + 1): output
// j's two weights at 2j (missing channels: zeros). One block of output channels per call.
void pack_block(const int8_t* oihw, size_t block, size_t in, size_t out, size_t kp, size_t np, int16_t* dst) {
  const size_t pairs = kp / 2, nblocks = np / kNr, span = pairs * 2 * kNr;
  const bool full = (block + 1) * kNr <= out;
  size_t first = 0;  // input channels packed by pack_8x8
#ifdef __wasm_simd128__
  if (full)
    for (; first + 8 <= in; first += 8) pack_8x8(oihw, block, first, in, nblocks, span, dst);
#endif
  if (first == kp) return;
  for (size_t pos = 0; pos < kPositions; pos++) {
    int16_t* at = dst + (pos * nblocks + block) * span;
    std::fill(at + first / 2 * 2 * kNr, at + span, int16_t{0});
  }
  for (size_t j = 0; j < kNr && block * kNr + j < out; j++) {
    const size_t o = block * kNr + j;
    for (size_t c = first; c < in; c++) {
      int32_t u[kPositions];
      weight_transform(oihw + (o * in + c) * 9, u);
      for (size_t pos = 0; pos < kPositions; pos++)
        dst[(pos * nblocks + block) * span + c / 2 * 2 * kNr + 2 * j + c % 2] = static_cast<int16_t>(u[pos]);
    }
  }
}


// Called through a pointer, one block at a time, so V8 optimizes it after the first few blocks
// (as winograd.cc's).
using PackBlock = void (*)(const int8_t*, size_t, size_t, size_t, size_t, size_t, int16_t*);
PackBlock volatile kPackBlock = pack_block;

xnn_status create(const xnn_node* node, const xnn_value* values, size_t, xnn_operator_data* opdata, xnn_code_cache*,
                  xnn_weights_cache_t cache) {
  const xnn_value &input = values[node->inputs[0]], &filter = values[node->inputs[1]], &output = values[node->outputs[0]];
  const bool has_bias = node->num_inputs > 2 && node->inputs[2] != XNN_INVALID_VALUE_ID;
  if (cache == nullptr || filter.datatype != xnn_datatype_qcint8 || filter.shape.num_dims != 4) return xnn_status_invalid_state;
  const size_t out = filter.shape.dim[0], in = filter.shape.dim[3];
  const size_t kp = (in + kChannelBlock - 1) / kChannelBlock * kChannelBlock, np = (out + kNr - 1) / kNr * kNr;
  const auto* kernel = static_cast<const int8_t*>(filter.data);
  const auto* bias = has_bias ? static_cast<const int32_t*>(values[node->inputs[2]].data) : nullptr;
  // Scales as XNNPACK checks and computes them (operators/convolution-nhwc.c).
  const float input_scale = input.quantization.scale, output_scale = output.quantization.scale;
  std::vector<float> scale(np, 1.f);
  for (size_t o = 0; o < out; o++) {
    scale[o] = input_scale * filter.quantization.channelwise_scale[o] / output_scale;
    if (!(scale[o] > 0.f && scale[o] < 256.f)) return xnn_status_unsupported_parameter;
  }

  auto* op = static_cast<xnn_operator*>(xnn_allocate_zero_simd_memory(sizeof(xnn_operator)));
  if (op == nullptr) return xnn_status_out_of_memory;
  // One block from the region's cache: the transformed weights, then np biases and np scales.
  const size_t weight_bytes = kPositions * np * kp * sizeof(int16_t);
  const size_t bytes = weight_bytes + np * (sizeof(int32_t) + sizeof(float));
  const int16_t* weights = nullptr;
  if (auto* packed = static_cast<uint8_t*>(cache->reserve_space(cache->context, bytes))) {
    auto* w = reinterpret_cast<int16_t*>(packed);
    for_each_packing_block(np / kNr, weight_bytes, [&](size_t b) { kPackBlock(kernel, b, in, out, kp, np, w); });
    auto* b = reinterpret_cast<int32_t*>(packed + weight_bytes);
    for (size_t o = 0; o < np; o++) b[o] = bias != nullptr && o < out ? bias[o] : 0;
    std::memcpy(packed + weight_bytes + np * sizeof(int32_t), scale.data(), np * sizeof(float));
    xnn_weights_cache_look_up_key key{};
    key.kernel = kernel, key.bias = bias;
    const size_t at = cache->look_up_or_insert(cache->context, &key, packed, bytes);
    weights = static_cast<const int16_t*>(cache->offset_to_addr(cache->context, at));
  }
  op->zero_buffer = xnn_allocate_simd_memory(kp + XNN_EXTRA_BYTES);
  if (weights == nullptr || op->zero_buffer == nullptr) {
    xnn_delete_operator(op);
    return xnn_status_out_of_memory;
  }
  const int32_t zero_in = input.quantization.zero_point, zero_out = output.quantization.zero_point;
  std::memset(op->zero_buffer, zero_in, kp + XNN_EXTRA_BYTES);
  op->type = xnn_operator_type_convolution_nhwc_qc8;
  op->flags = node->flags;
  op->state = xnn_run_state_invalid;
  Plan& p = plan_of(op);
  p.weights = weights;
  p.bias = reinterpret_cast<const int32_t*>(reinterpret_cast<const uint8_t*>(weights) + weight_bytes);
  p.scale = reinterpret_cast<const float*>(p.bias + np);
  p.padding = static_cast<const int8_t*>(op->zero_buffer);
  p.in = in, p.out = out, p.kp = kp, p.np = np;
  p.input_zero_point = zero_in;
  // The activation's bounds, quantized as XNNPACK's subgraph quantizes them, in the terms of
  // its kernels' magic-bias rounding.
  const int32_t out_min = xnn_qs8_quantize(node->activation.output_min, output_scale, zero_out);
  p.output_max = xnn_qs8_quantize(node->activation.output_max, output_scale, zero_out);
  const float magic_min = kMagicBias + static_cast<float>(out_min - zero_out);
  std::memcpy(&p.magic_min, &magic_min, sizeof(magic_min));
  p.magic_less_zero_point = kMagicBiasBits - zero_out;
  p.grid.init(2, *node);
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t threadpool) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  WinogradGrid& g = p.grid;
  if (!g.reshape(values[opdata->inputs[0]])) return xnn_status_invalid_parameter;
  const size_t threads = threadpool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(threadpool)) : 1;
  const size_t tile_bytes = kPositions * (p.kp * sizeof(int16_t) + p.np * sizeof(int32_t));
  const WinogradBlocks blocks =
      winograd_blocks(g.tiles, tile_bytes, kPositions * p.np * p.kp * sizeof(int16_t), p.out, kMr, kNr, threads);
  p.block = blocks.block, p.blocks = blocks.blocks, p.group = blocks.group;
  p.in_stride = p.block * p.kp + kPositionPad, p.out_stride = p.block * p.np + kPositionPad;
  p.scratch_bytes = (kPositions * (p.in_stride * sizeof(int16_t) + p.out_stride * sizeof(int32_t)) + 63) / 64 * 64;
  return reshape_tasks_with_scratch(op, opdata, run_block, g.tiles != 0 ? blocks.tasks : 0, threads, p.scratch_bytes,
                                    values[opdata->outputs[0]], g.batch, g.out_h, g.out_w, p.out);
}

xnn_status setup(const xnn_operator_data* opdata, const xnn_value* values, size_t, pthreadpool_t) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  p.input = static_cast<const int8_t*>(values[opdata->inputs[0]].data);
  p.output = static_cast<int8_t*>(values[opdata->outputs[0]].data);
  p.scratch = static_cast<uint8_t*>(opdata->workspace);
  op->state = xnn_run_state_ready;
  return xnn_status_success;
}

}  // namespace

bool winograd_qs8_fits(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                       int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w) {
  if (kh != 3 || kw != 3 || stride_h != 1 || stride_w != 1 || dilation_h != 1 || dilation_w != 1 || groups != 1) return false;
  if (in_channels < 16 || in_channels > kMaxChannels || out_channels < 16 || out_h < 2 || out_w < 2) return false;
  // Absurd sizes stay direct (XNNPACK checks them): 16 transformed 16-bit weights per channel pair.
  constexpr int64_t kMaxWeightBytes = int64_t(256) << 20;
  if (out_channels > kMaxWeightBytes / (32 * in_channels)) return false;
  // Products per output pixel and channel pair, counting the tiles' overhang past the edge:
  // 16 per 2x2 tile against 9 each direct.
  const double per_output = 16.0 * ((out_h + 1) / 2) * ((out_w + 1) / 2) / (static_cast<double>(out_h) * out_w);
  return per_output <= 9 * 0.75;
}

void use_winograd_qs8(xnn_subgraph* subgraph) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = create;
  node.reshape = reshape;
  node.setup = setup;
}

bool is_winograd_qs8(const xnn_operator* op) {
  return op != nullptr && op->compute[0].task_1d_with_thread == run_block;
}

}  // namespace onnxwasm
