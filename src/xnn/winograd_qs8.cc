// SPDX-License-Identifier: MIT
// Winograd F(m x m, 3x3) for m = 2, 3 and 4 (Lavin & Gray, 2015) on int8 data as the operator of
// an XNNPACK convolution node, in whole numbers throughout. With n = m + 2, a tile's m x m sums
// are Y = A'^T [sum over c of U .* V] A' / D^2 with V = B^T (d - zero point) B for its n x n
// inputs d and U = G' g G'^T for each 3x3 kernel g, where G' is G with each row scaled to whole
// numbers (row i by s_i) and A' is D A^T diag(1/s) (whole numbers too): D = 2, 6, 24. Per
// position, the sum over input channels is one product [tiles x in] x [in x out] of 16-bit
// values into 32-bit sums. Then, as XNNPACK's int8 kernels: plus the bias, times input scale *
// weight scale / output scale, rounded to nearest even, plus the output zero point, clamped.
// Stride 2 (Stride2 below) works the same way with 2x2 tiles over 5x5 inputs, D = 1.
#include "xnn/winograd_qs8.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnnpack/allocator.h"
#include "xnnpack/common.h"
#include "xnnpack/operator.h"
#include "xnnpack/subgraph.h"
#include "xnn/custom_node.h"
#include "xnn/packing_threads.h"
#include "xnn/qs8_products.h"
#include "xnn/winograd_blocks.h"

namespace onnxwasm {
namespace {

constexpr size_t kNr = kQs8Nr;     // output channels per packed block
constexpr size_t kMr = kQs8Mr;     // tiles per product call
constexpr size_t kChannelBlock = 8;  // input channels, transformed 8 at a time (i16x8)
constexpr int64_t kMaxChannels = 1024;
constexpr int64_t kMaxWeightBytes4 = int64_t(24) << 20;  // 4x4 tiles' transformed weights: see winograd_qs8_tile
// Up to this many bytes of transformed weights, threads take blocks of tiles of their own
// (block_split.h) rather than groups of output channels, each thread then reading all the
// weights from L3 per block of (a few) tiles but transforming no input twice. resnet18_qdq's
// 28x28 layers (1.2 MB of 4x4 tiles' weights) at 2 threads: each 12-15% faster (per-operator
// profiles, both modules' orders).
constexpr size_t kSharedWeightsBytesQs8 = 2 << 20;

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  const int8_t* input;
  int8_t* output;
  uint8_t* scratch;        // per thread: scratch_bytes
  const int16_t* weights;  // per position, per block of kNr outputs, per pair of inputs: kNr x 2
  Qs8Requantization rq;
  const int8_t* padding;   // kp bytes of the input zero point
  int32_t input_zero_point;
  size_t in, out, kp, np;  // kp: in rounded up to kChannelBlock, np: out to kNr
  WinogradGrid grid;        // of m x m tiles
  size_t block, blocks, group, scratch_bytes;
  size_t in_stride, out_stride;  // values from one position's scratch matrix to the next's
  pthreadpool_task_1d_with_thread_t task;  // run_block<its transforms>
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// Whole-number arithmetic one value at a time (Lane1: inputs and weights, which cannot
// overflow; Sum1: the 32-bit sums, which wrap as the SIMD ones do), or eight 16-bit inputs or
// weights (Lane8) and four sums (Sum4) at once.
struct Lane1 {
  using V = int32_t;
  static constexpr size_t n = 1;
  static V load(const int8_t* p, int32_t zero_point) { return int32_t{*p} - zero_point; }
  static void store(int16_t* p, V v) { *p = static_cast<int16_t>(v); }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V shl(V a, int k) { return a * (1 << k); }
};
struct Sum1 {
  using V = uint32_t;
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V shl(V a, int k) { return a << k; }
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
  static V shl(V a, int k) { return wasm_i16x8_shl(a, k); }
};
struct Sum4 {
  using V = v128_t;
  static V add(V a, V b) { return wasm_i32x4_add(a, b); }
  static V sub(V a, V b) { return wasm_i32x4_sub(a, b); }
  static V shl(V a, int k) { return wasm_i32x4_shl(a, k); }
};
using Wide = Lane8;
#else
using Wide = Lane1;
#endif

// The 1-D transforms of F(m, 3): B^T on n inputs, A'^T on n sums, G' on 3 weights. The inputs
// less their zero point (at most 255) transform to at most 4, 36, 100 times that and the
// weights (at most 128) to 9, 49, 49 times theirs: 16 bits hold both, and their products and
// the sum of two (i32x4.dot_i16x8_s) fit 32. Y comes out times D^2 = 4, 36, 576 = 2^kShift *
// 9^k: multiplying by kInverse (9^-k modulo 2^32) then shifting right by kShift undoes that
// exactly, the 32-bit sums having wrapped or not, where the true sum times 2^kShift fits 32 bits.
template <size_t M> struct Transforms;
template <> struct Transforms<2> {
  static constexpr size_t m = 2, n = 4, stride = 1;
  static constexpr int kShift = 2;
  static constexpr uint32_t kInverse = 1;
  template <typename L, typename V>
  static void input(const V* d, V* r) {  // (1 0 -1 0) (0 1 1 0) (0 -1 1 0) (0 1 0 -1)
    r[0] = L::sub(d[0], d[2]), r[1] = L::add(d[1], d[2]), r[2] = L::sub(d[2], d[1]), r[3] = L::sub(d[1], d[3]);
  }
  template <typename L, typename V>
  static void output(const V* m, V* y) {  // (1 1 1 0) (0 1 -1 -1)
    y[0] = L::add(L::add(m[0], m[1]), m[2]), y[1] = L::sub(L::sub(m[1], m[2]), m[3]);
  }
  template <typename L, typename V>
  static void weight(V g0, V g1, V g2, V* u, size_t stride) {  // (2 0 0) (1 1 1) (1 -1 1) (0 0 2)
    const V s = L::add(g0, g2);
    u[0] = L::shl(g0, 1), u[stride] = L::add(s, g1), u[2 * stride] = L::sub(s, g1), u[3 * stride] = L::shl(g2, 1);
  }
};
template <> struct Transforms<3> {  // points 0, 1, -1, 2; s = (2, -2, -6, 6, 1), D = 6
  static constexpr size_t m = 3, n = 5, stride = 1;
  static constexpr int kShift = 2;
  static constexpr uint32_t kInverse = 0x38E38E39;  // 9 * kInverse = 1 modulo 2^32
  template <typename L, typename V>
  static void input(const V* d, V* r) {  // (2 -1 -2 1 0) (0 -2 -1 1 0) (0 2 -3 1 0) (0 -1 0 1 0) (0 2 -1 -2 1)
    const V b = L::sub(d[3], d[1]), e = L::sub(d[3], d[2]);
    r[0] = L::add(L::shl(L::sub(d[0], d[2]), 1), b), r[1] = L::sub(e, L::shl(d[1], 1));
    r[2] = L::add(e, L::shl(L::sub(d[1], d[2]), 1)), r[3] = b, r[4] = L::sub(L::sub(d[4], d[2]), L::shl(b, 1));
  }
  template <typename L, typename V>
  static void output(const V* m, V* y) {  // (3 -3 -1 1 0) (0 -3 1 2 0) (0 -3 -1 4 6)
    const V t = L::add(L::shl(m[1], 1), m[1]), m4 = L::add(L::shl(m[4], 1), m[4]);
    y[0] = L::add(L::sub(L::add(L::shl(m[0], 1), m[0]), t), L::sub(m[3], m[2]));
    y[1] = L::sub(L::add(m[2], L::shl(m[3], 1)), t);
    y[2] = L::add(L::sub(L::sub(L::shl(m[3], 2), m[2]), t), L::shl(m4, 1));
  }
  template <typename L, typename V>
  static void weight(V g0, V g1, V g2, V* u, size_t stride) {  // (1 0 0) (1 1 1) (1 -1 1) (1 2 4) (0 0 1)
    const V s = L::add(g0, g2);
    u[0] = g0, u[stride] = L::add(s, g1), u[2 * stride] = L::sub(s, g1);
    u[3 * stride] = L::add(L::add(g0, L::shl(g1, 1)), L::shl(g2, 2)), u[4 * stride] = g2;
  }
};
template <> struct Transforms<4> {  // points 0, 1, -1, 2, -2; s = (4, -6, -6, 24, 24, 1), D = 24
  static constexpr size_t m = 4, n = 6, stride = 1;
  static constexpr int kShift = 6;
  static constexpr uint32_t kInverse = 0x38E38E39;
  template <typename L, typename V>
  static void input(const V* d, V* r) {
    // (4 0 -5 0 1 0) (0 -4 -4 1 1 0) (0 4 -4 -1 1 0) (0 -2 -1 2 1 0) (0 2 -1 -2 1 0) (0 4 0 -5 0 1)
    const V a = L::sub(d[4], L::shl(d[2], 2)), b = L::sub(d[3], L::shl(d[1], 2));
    const V c = L::sub(d[4], d[2]), e = L::shl(L::sub(d[3], d[1]), 1);
    r[0] = L::add(L::sub(L::shl(L::sub(d[0], d[2]), 2), d[2]), d[4]);
    r[1] = L::add(a, b), r[2] = L::sub(a, b), r[3] = L::add(c, e), r[4] = L::sub(c, e);
    r[5] = L::add(L::sub(L::shl(L::sub(d[1], d[3]), 2), d[3]), d[5]);
  }
  template <typename L, typename V>
  static void output(const V* m, V* y) {  // (6 -4 -4 1 1 0) (0 -4 4 2 -2 0) (0 -4 -4 4 4 0) (0 -4 4 8 -8 24)
    const V s12 = L::add(m[1], m[2]), d12 = L::shl(L::sub(m[1], m[2]), 2), s34 = L::add(m[3], m[4]), d34 = L::sub(m[3], m[4]);
    const V m0 = L::add(L::shl(m[0], 1), m[0]), m5 = L::add(L::shl(m[5], 1), m[5]);
    y[0] = L::add(L::sub(L::shl(m0, 1), L::shl(s12, 2)), s34), y[1] = L::sub(L::shl(d34, 1), d12);
    y[2] = L::shl(L::sub(s34, s12), 2), y[3] = L::add(L::sub(L::shl(d34, 3), d12), L::shl(m5, 3));
  }
  template <typename L, typename V>
  static void weight(V g0, V g1, V g2, V* u, size_t stride) {  // (1 0 0) (1 1 1) (1 -1 1) (1 2 4) (1 -2 4) (0 0 1)
    const V s = L::add(g0, g2), q = L::add(g0, L::shl(g2, 2)), h = L::shl(g1, 1);
    u[0] = g0, u[stride] = L::add(s, g1), u[2 * stride] = L::sub(s, g1);
    u[3 * stride] = L::add(q, h), u[4 * stride] = L::sub(q, h), u[5 * stride] = g2;
  }
};

// Stride 2, 2x2 tiles over 5x5 inputs: along each axis, the taps at even offsets (0 and 2) are
// a convolution of the even inputs x0, x2, x4 by (g0, g2), F(2, 2) with 3 products, and the odd
// tap one product for each of x1, x3: 5 products per 2 outputs, 25 per 2x2 against 36. All its
// matrices are whole numbers already (the sums come out exact).
struct Stride2 {
  static constexpr size_t m = 2, n = 5, stride = 2;
  static constexpr int kShift = 0;
  static constexpr uint32_t kInverse = 1;
  template <typename L, typename V>
  static void input(const V* d, V* r) {  // (1 0 -1 0 0) (0 0 1 0 0) (0 0 -1 0 1) (0 1 0 0 0) (0 0 0 1 0)
    r[0] = L::sub(d[0], d[2]), r[1] = d[2], r[2] = L::sub(d[4], d[2]), r[3] = d[1], r[4] = d[3];
  }
  template <typename L, typename V>
  static void output(const V* m, V* y) {  // (1 1 0 1 0) (0 1 1 0 1)
    y[0] = L::add(L::add(m[0], m[1]), m[3]), y[1] = L::add(L::add(m[1], m[2]), m[4]);
  }
  template <typename L, typename V>
  static void weight(V g0, V g1, V g2, V* u, size_t stride) {  // (1 0 0) (1 0 1) (0 0 1) (0 1 0) (0 1 0)
    u[0] = g0, u[stride] = L::add(g0, g2), u[2 * stride] = g2, u[3 * stride] = g1, u[4 * stride] = g1;
  }
};

// B^T d B for input channels [c, c + L::n) of one tile: src[n * n] are its input pixels
// (row-major), dst + p * stride + c receives position p.
template <typename T, typename L>
inline void input_transform(const int8_t* const* src, size_t c, int32_t zero_point, int16_t* dst, size_t stride) {
  constexpr size_t n = T::n;
  using V = typename L::V;
  V t[n * n], d[n], r[n];
  for (size_t s = 0; s < n; s++) {  // down each column
    for (size_t i = 0; i < n; i++) d[i] = L::load(src[i * n + s] + c, zero_point);
    T::template input<L>(d, r);
    for (size_t i = 0; i < n; i++) t[i * n + s] = r[i];
  }
  for (size_t i = 0; i < n; i++) {  // then along each row
    T::template input<L>(t + i * n, r);
    for (size_t j = 0; j < n; j++) L::store(dst + (i * n + j) * stride + c, r[j]);
  }
}

// A'^T down each of a tile's n columns: position p's sums from load(p), column j's results
// into o[i * n + j] (m x n). In 32-bit arithmetic that may wrap.
template <typename T, typename L, typename V, typename Load>
inline void output_columns(Load load, V* o) {
  constexpr size_t n = T::n;
  for (size_t j = 0; j < n; j++) {
    V col[n], r[T::m];
    for (size_t i = 0; i < n; i++) col[i] = load(i * n + j);
    T::template output<L>(col, r);
    for (size_t i = 0; i < T::m; i++) o[i * n + j] = r[i];
  }
}

// A'^T m A' / D^2 for one tile and sum lanes [k, k + L's width) (m: position p at src + p *
// stride + k), its m x m sums row-major into y, in 32-bit arithmetic that may wrap in between.
template <typename T, typename L, typename V = typename L::V>
inline void output_transform(const V* m, V* y) {
  V o[T::m * T::n];
  output_columns<T, L, V>([m](size_t p) { return m[p]; }, o);
  for (size_t i = 0; i < T::m; i++) T::template output<L>(o + i * T::n, y + i * T::m);  // then along each row
}

// The outputs of one tile for output channels [k, k + count) (count <= kNr), from its products
// at src + p * stride + k, to dst[i] + k (null: outside the output).
template <typename T>
void output_tile(const int32_t* src, size_t stride, size_t k, size_t count, int8_t* const* dst, const Plan& p) {
  constexpr size_t n = T::n, outputs = T::m * T::m;
#ifdef __wasm_simd128__
  if (count == kNr) {
    const Qs8Requantize8 requantize(p.rq, k);
    v128_t o[2][T::m * n];  // per half (output channels k .. k + 3, k + 4 .. k + 7): A'^T m
    for (size_t h = 0; h < 2; h++)  // down each column, loaded as it goes
      output_columns<T, Sum4, v128_t>([&](size_t pos) { return wasm_v128_load(src + pos * stride + k + 4 * h); }, o[h]);
    for (size_t i = 0; i < T::m; i++) {  // then along each row, both halves, requantized as they come
      v128_t y[2][T::m];
      for (size_t h = 0; h < 2; h++) T::template output<Sum4>(o[h] + i * n, y[h]);
      for (size_t j = 0; j < T::m; j++) {
        int8_t* d = dst[i * T::m + j];
        if (d == nullptr) continue;
        v128_t lo = y[0][j], hi = y[1][j];
        if (T::kInverse != 1) {
          const v128_t inverse = wasm_i32x4_splat(static_cast<int32_t>(T::kInverse));
          lo = wasm_i32x4_mul(lo, inverse), hi = wasm_i32x4_mul(hi, inverse);
        }
        wasm_v128_store64_lane(d + k, requantize(wasm_i32x4_shr(lo, T::kShift), wasm_i32x4_shr(hi, T::kShift)), 0);
      }
    }
    return;
  }
#endif
  for (size_t j = 0; j < count; j++) {
    uint32_t m[n * n], y[outputs];  // unsigned: wrapping is defined
    for (size_t pos = 0; pos < n * n; pos++) m[pos] = static_cast<uint32_t>(src[pos * stride + k + j]);
    output_transform<T, Sum1>(m, y);
    for (size_t q = 0; q < outputs; q++) {
      if (dst[q] == nullptr) continue;
      dst[q][k + j] = qs8_requantize(static_cast<int32_t>(y[q] * T::kInverse) >> T::kShift, k + j, p.rq);
    }
  }
}

// One block of tiles: transform its inputs, n * n products, transform and requantize the sums.
// Task t: block t % blocks, output channels [first_out, last_out) of group t / blocks.
template <typename T>
void run_block(void* context, size_t thread, size_t task) {
  constexpr size_t n = T::n, positions = n * n;
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t block_index = task % p.blocks, first_out = task / p.blocks * p.group;
  const size_t last_out = std::min(p.out, first_out + p.group);
  const size_t first = block_index * p.block, count = std::min(p.block, p.grid.tiles - first);
  auto* in_t = reinterpret_cast<int16_t*>(p.scratch + thread * p.scratch_bytes);  // [positions][block][kp]
  const size_t in_stride = p.in_stride, out_stride = p.out_stride;
  auto* out_t = reinterpret_cast<int32_t*>(in_t + positions * in_stride);  // [positions][block][np]
  for (size_t i = 0; i < count; i++) {
    const int8_t* src[positions];
    p.grid.inputs(first + i, p.input, p.in, p.padding, src);
    int16_t* dst = in_t + i * p.kp;
    size_t c = 0;
    for (; c + Wide::n <= p.in; c += Wide::n) input_transform<T, Wide>(src, c, p.input_zero_point, dst, in_stride);
    for (; c < p.in; c += Lane1::n) input_transform<T, Lane1>(src, c, p.input_zero_point, dst, in_stride);
    for (; c < p.kp; c++)  // the padding channels (weights 0): zeros rather than whatever was there
      for (size_t pos = 0; pos < positions; pos++) dst[pos * in_stride + c] = 0;
  }
  const size_t pairs = p.kp / 2, nblocks = p.np / kNr;
  for (size_t pos = 0; pos < positions; pos++)
    for (size_t col = first_out; col < last_out; col += kNr) {
      const int16_t* w = p.weights + (pos * nblocks + col / kNr) * pairs * 2 * kNr;
      for (size_t row = 0; row < count; row += kMr)
        qs8_product(std::min(kMr, count - row), p.kp, in_t + pos * in_stride + row * p.kp, p.kp, w,
                out_t + pos * out_stride + row * p.np + col, p.np);
    }
  for (size_t i = 0; i < count; i++) {
    int8_t* dst[T::m * T::m];
    p.grid.outputs(first + i, p.output, p.out, dst);
    for (size_t k = first_out; k < last_out; k += kNr)
      output_tile<T>(out_t + i * p.np, out_stride, k, std::min(kNr, last_out - k), dst, p);
  }
}

// U = G' g G'^T of one 3x3 kernel g (row-major) into u[n * n].
template <typename T>
inline void weight_transform(const int8_t* g, int32_t* u) {
  constexpr size_t n = T::n;
  int32_t t[n * 3];  // G' g: n x 3
  for (size_t s = 0; s < 3; s++) T::template weight<Lane1>(int32_t{g[s]}, int32_t{g[3 + s]}, int32_t{g[6 + s]}, t + s, 3);
  for (size_t a = 0; a < n; a++) T::template weight<Lane1>(t[3 * a], t[3 * a + 1], t[3 * a + 2], u + n * a, 1);
}

#ifdef __wasm_simd128__
// pack_block for 8 output channels and input channels [c0, c0 + 8) at once: per output channel,
// its 8 kernels' taps gathered into 9 vectors (one per tap, lanes: input channels), both of
// G''s passes on those, then per position the 8 vectors (lanes: pairs of input channels, 32
// bits each) transposed into the packed rows (lanes: output channels).
template <typename T>
void pack_8x8(const int8_t* oihw, size_t block, size_t c0, size_t in, size_t nblocks, size_t span, int16_t* dst) {
  constexpr size_t n = T::n, positions = n * n;
  v128_t u[kNr][positions];
  for (size_t j = 0; j < kNr; j++) {
    const int8_t* g = oihw + ((block * kNr + j) * in + c0) * 9;  // 72 bytes: 8 kernels of 9 taps
    alignas(16) int16_t taps[9][8];
    for (size_t c = 0; c < 8; c++)
      for (size_t t = 0; t < 9; t++) taps[t][c] = g[c * 9 + t];
    v128_t t[n * 3];  // G' g
    for (size_t s = 0; s < 3; s++)
      T::template weight<Lane8>(wasm_v128_load(taps[s]), wasm_v128_load(taps[3 + s]), wasm_v128_load(taps[6 + s]),
                                            t + s, 3);
    for (size_t a = 0; a < n; a++) T::template weight<Lane8>(t[3 * a], t[3 * a + 1], t[3 * a + 2], u[j] + n * a, 1);
  }
  for (size_t pos = 0; pos < positions; pos++) {
    int16_t* at = dst + (pos * nblocks + block) * span + c0 / 2 * 2 * kNr;
    for (size_t h = 0; h < 2; h++) {  // output channels 4h .. 4h + 3: a 4x4 transpose of 32-bit pairs
      const v128_t a0 = u[4 * h][pos], a1 = u[4 * h + 1][pos], a2 = u[4 * h + 2][pos], a3 = u[4 * h + 3][pos];
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
template <typename T>
void pack_block(const int8_t* oihw, size_t block, size_t in, size_t out, size_t kp, size_t np, int16_t* dst) {
  constexpr size_t positions = T::n * T::n;
  const size_t pairs = kp / 2, nblocks = np / kNr, span = pairs * 2 * kNr;
  const bool full = (block + 1) * kNr <= out;
  size_t first = 0;  // input channels packed by pack_8x8
#ifdef __wasm_simd128__
  if (full)
    for (; first + 8 <= in; first += 8) pack_8x8<T>(oihw, block, first, in, nblocks, span, dst);
#endif
  if (first == kp) return;
  for (size_t pos = 0; pos < positions; pos++) {
    int16_t* at = dst + (pos * nblocks + block) * span;
    std::fill(at + first / 2 * 2 * kNr, at + span, int16_t{0});
  }
  for (size_t j = 0; j < kNr && block * kNr + j < out; j++) {
    const size_t o = block * kNr + j;
    for (size_t c = first; c < in; c++) {
      int32_t u[positions];
      weight_transform<T>(oihw + (o * in + c) * 9, u);
      for (size_t pos = 0; pos < positions; pos++)
        dst[(pos * nblocks + block) * span + c / 2 * 2 * kNr + 2 * j + c % 2] = static_cast<int16_t>(u[pos]);
    }
  }
}

// Called through a pointer, one block at a time, so V8 optimizes it after the first few blocks
// (as winograd.cc's).
using PackBlock = void (*)(const int8_t*, size_t, size_t, size_t, size_t, size_t, int16_t*);
template <typename T>
PackBlock volatile kPackBlock = pack_block<T>;

template <typename T>
xnn_status create(const xnn_node* node, const xnn_value* values, size_t, xnn_operator_data* opdata, xnn_code_cache*,
                  xnn_weights_cache_t cache) {
  const xnn_value &input = values[node->inputs[0]], &filter = values[node->inputs[1]];
  if (cache == nullptr || filter.datatype != xnn_datatype_qcint8 || filter.shape.num_dims != 4) return xnn_status_invalid_state;
  const size_t out = filter.shape.dim[0], in = filter.shape.dim[3];
  const size_t kp = (in + kChannelBlock - 1) / kChannelBlock * kChannelBlock, np = (out + kNr - 1) / kNr * kNr;
  const auto* kernel = static_cast<const int8_t*>(filter.data);
  auto* op = static_cast<xnn_operator*>(xnn_allocate_zero_simd_memory(sizeof(xnn_operator)));
  if (op == nullptr) return xnn_status_out_of_memory;
  Plan& p = plan_of(op);
  const size_t weight_bytes = T::n * T::n * np * kp * sizeof(int16_t);
  const PackBlock pack = kPackBlock<T>;
  xnn_status status = qs8_pack_weights(node, values, cache, np, weight_bytes, [&](int16_t* w) {
    for_each_packing_block(np / kNr, weight_bytes, [&](size_t b) { pack(kernel, b, in, out, kp, np, w); });
  }, &p.weights, &p.rq);
  op->zero_buffer = xnn_allocate_simd_memory(kp + XNN_EXTRA_BYTES);
  if (status == xnn_status_success && op->zero_buffer == nullptr) status = xnn_status_out_of_memory;
  if (status != xnn_status_success) {
    xnn_delete_operator(op);
    return status;
  }
  const int32_t zero_in = input.quantization.zero_point;
  std::memset(op->zero_buffer, zero_in, kp + XNN_EXTRA_BYTES);
  op->type = xnn_operator_type_convolution_nhwc_qc8;
  op->flags = node->flags;
  op->state = xnn_run_state_invalid;
  p.padding = static_cast<const int8_t*>(op->zero_buffer);
  p.in = in, p.out = out, p.kp = kp, p.np = np;
  p.input_zero_point = zero_in;
  p.grid.init(T::m, *node, T::stride);
  p.task = run_block<T>;
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t threadpool) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  WinogradGrid& g = p.grid;
  if (!g.reshape(values[opdata->inputs[0]])) return xnn_status_invalid_parameter;
  const size_t threads = threadpool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(threadpool)) : 1;
  const size_t positions = g.n * g.n;
  const size_t tile_bytes = positions * (p.kp * sizeof(int16_t) + p.np * sizeof(int32_t));
  const WinogradBlocks blocks = winograd_blocks(g.tiles, tile_bytes, positions * p.np * p.kp * sizeof(int16_t), p.out, kMr,
                                                kNr, threads, kBlockScratchBytes, kSharedWeightsBytesQs8);
  p.block = blocks.block, p.blocks = blocks.blocks, p.group = blocks.group;
  p.in_stride = p.block * p.kp + kPositionPad, p.out_stride = p.block * p.np + kPositionPad;
  p.scratch_bytes = (positions * (p.in_stride * sizeof(int16_t) + p.out_stride * sizeof(int32_t)) + 63) / 64 * 64;
  return reshape_tasks_with_scratch(op, opdata, p.task, g.tiles != 0 ? blocks.tasks : 0, threads, p.scratch_bytes,
                                    values[opdata->outputs[0]], g.batch, g.out_h, g.out_w, p.out);
}

}  // namespace

int winograd_qs8_tile(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                      int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w,
                      int64_t max_weight_sum) {
  if (kh != 3 || kw != 3 || stride_h != stride_w || stride_h < 1 || stride_h > 2 || dilation_h != 1 || dilation_w != 1 ||
      groups != 1)
    return 0;
  if (in_channels < 16 || in_channels > kMaxChannels || out_channels < 16 || out_h < 2 || out_w < 2) return 0;
  // Absurd sizes stay direct (XNNPACK checks them): up to 36 transformed 16-bit weights per
  // channel pair.
  constexpr int64_t kMaxWeightBytes = int64_t(256) << 20;
  if (out_channels > kMaxWeightBytes / (72 * in_channels)) return 0;
  // Products per output pixel and channel pair, counting the tiles' overhang past the edge: 9
  // direct, 16 per 2x2 tile, 25 per 3x3, 36 per 4x4; of stride 2, 25 per 2x2.
  auto per_output = [&](int64_t m, int64_t positions) {
    return static_cast<double>(positions * ((out_h + m - 1) / m) * ((out_w + m - 1) / m)) / (out_h * out_w);
  };
  if (stride_h == 2) return per_output(2, 25) <= 9 * 0.75 ? 2 : 0;
  int tile = per_output(2, 16) <= 9 * 0.75 ? 2 : 0;
  // Larger tiles where they save at least 15% of 2x2 tiles' products (their transforms cost
  // more, their weights take 25 or 36 values instead of 16: resnet18_qdq's 7x7 layers, 12%
  // fewer with 3x3 tiles, keep 2x2). 4x4 tiles' sums come out 576 times the true ones, of which
  // 9's inverse and a shift of 6 recover the true one where 64 times it fits 32 bits; it is at
  // most 255 (an input less its zero point) times the sum of the output channel's |weights|.
  // And their weights within 24 MB: resnet18_qdq's 7x7 layers of 512 channels take 18.9 MB each
  // as 4x4 tiles (8.4 as 2x2), for 44% fewer products: the model ran 13% faster on a Zen 4 (6%
  // on a Zen 3) and its cold creation took 16% longer at 1 thread, 3% less at 2 (the extra
  // weights' fresh pages against a faster qs8_max_weight_sum).
  const int64_t weight_sum = max_weight_sum >= 0 ? max_weight_sum : in_channels * 9 * 128;
  const bool four_fits = weight_sum <= ((int64_t(1) << 31) - 1) / (64 * 255) &&
                         72 * in_channels * out_channels <= kMaxWeightBytes4;
  for (int m : {3, 4}) {
    if (m == 4 && !four_fits) continue;
    const double best = tile == 0 ? 9 * 0.75 : per_output(tile, (tile + 2) * (tile + 2));
    if (per_output(m, (m + 2) * (m + 2)) <= 0.85 * per_output(2, 16) && per_output(m, (m + 2) * (m + 2)) < best) tile = m;
  }
  return tile;
}

// Every weight of a model's 3x3 convolutions passes here at creation (resnet18_qdq: 10 million):
// 16 at a time (clang's own loop took 2, summing in 64 bits).
int64_t qs8_max_weight_sum(const int8_t* kernel, int64_t out, int64_t per_output) {
  int64_t most = 0;
  for (int64_t o = 0; o < out; o++) {
    const int8_t* w = kernel + o * per_output;
    int64_t sum = 0, i = 0;
#ifdef __wasm_simd128__
    // |w| as unsigned bytes (i8x16.abs leaves -128 as 0x80: 128), widened pairwise to 32 bits:
    // each lane gains at most 512 per 16 weights, so 32 bits hold any kernel of under 2^27.
    v128_t lanes = wasm_i32x4_splat(0);
    for (; i + 16 <= per_output; i += 16)
      lanes = wasm_i32x4_add(lanes, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(wasm_i8x16_abs(wasm_v128_load(w + i)))));
    sum = int64_t{wasm_u32x4_extract_lane(lanes, 0)} + wasm_u32x4_extract_lane(lanes, 1) + wasm_u32x4_extract_lane(lanes, 2) +
          wasm_u32x4_extract_lane(lanes, 3);
#endif
    for (; i < per_output; i++) sum += std::abs(int32_t{w[i]});
    most = std::max(most, sum);
  }
  return most;
}

void use_winograd_qs8(xnn_subgraph* subgraph, int tile) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = node.params.convolution_2d.subsampling_height == 2 ? create<Stride2>
                : tile == 4                                        ? create<Transforms<4>>
                : tile == 3                                        ? create<Transforms<3>>
                                                                   : create<Transforms<2>>;
  node.reshape = reshape;
  node.setup = setup_plan<Plan>;
}

int winograd_qs8_tile_of(const xnn_operator* op, int* stride) {
  if (op == nullptr) return 0;
  const auto task = op->compute[0].task_1d_with_thread;
  if (stride != nullptr) *stride = task == run_block<Stride2> ? 2 : 1;
  return task == run_block<Transforms<2>> || task == run_block<Stride2> ? 2
         : task == run_block<Transforms<3>>                           ? 3
         : task == run_block<Transforms<4>>                           ? 4
                                                                      : 0;
}

}  // namespace onnxwasm
