// SPDX-License-Identifier: MIT
// Winograd F(m x m, 3x3) for m = 2 and 4 (Lavin & Gray, 2015) as the operator of an XNNPACK
// convolution node. With B, G, A the transforms below (n = m + 2), a tile's m x m outputs are
// Y = A^T [sum over c of (G g G^T) .* (B^T d B)] A: per tile and input channel the n x n inputs
// d become n*n values, and for each of the n*n positions the sum over input channels is one
// GEMM [tiles x in] x [in x out], run by XNNPACK's f32 GEMM microkernel on weights packed as
// it packs a fully-connected layer's.
#include "xnn/winograd.h"

#include <algorithm>
#include <cmath>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnnpack/allocator.h"
#include "xnnpack/common.h"
#include "xnnpack/config.h"
#include "xnnpack/microparams.h"
#include "xnnpack/operator.h"
#include "xnnpack/subgraph.h"
#include "xnn/custom_node.h"
#include "xnn/packing_threads.h"
#include "xnn/winograd_blocks.h"

namespace onnxwasm {
namespace {

constexpr size_t kSliceBytes = 128 << 10;    // weights per GEMM call

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  WinogradGrid grid;  // its m: outputs per tile side (2 or 4)
  const float* input;
  float* output;
  float* scratch;         // per thread: scratch_floats
  const float* weights;   // per position: packed_floats
  const float* zero;      // `in` zeros: the padding
  xnn_gemm_ukernel_fn gemm;
  size_t mr, nr;
  size_t columns;  // output channels per GEMM call: a multiple of nr
  union xnn_f32_minmax_params gemm_params;  // no clamping: the activation follows the transform
  size_t in, out, block, blocks;
  size_t group;  // output channels per task (a multiple of nr): all of them on one thread
  size_t packed_floats, scratch_floats;
  size_t in_stride, out_stride;  // floats from one position's scratch matrix to the next's
  float min, max;
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// Four floats at a time where wasm SIMD is there, one otherwise; the same transforms for both.
struct Lane1 {
  using V = float;
  static constexpr size_t n = 1;
  static V load(const float* p) { return *p; }
  static V gather(const float* p, size_t) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, float b) { return a * b; }
  static V splat(float v) { return v; }
  static V at_least(V v, V lo) { return v < lo ? lo : v; }  // NaN stays NaN
  static V at_most(V v, V hi) { return hi < v ? hi : v; }
};
#ifdef __wasm_simd128__
struct Lane4 {
  using V = v128_t;
  static constexpr size_t n = 4;
  static V load(const float* p) { return wasm_v128_load(p); }
  static V gather(const float* p, size_t stride) { return wasm_f32x4_make(p[0], p[stride], p[2 * stride], p[3 * stride]); }
  static void store(float* p, V v) { wasm_v128_store(p, v); }
  static V add(V a, V b) { return wasm_f32x4_add(a, b); }
  static V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
  static V mul(V a, float b) { return wasm_f32x4_mul(a, wasm_f32x4_splat(b)); }
  static V splat(float v) { return wasm_f32x4_splat(v); }
  static V at_least(V v, V lo) { return wasm_f32x4_pmax(v, lo); }
  static V at_most(V v, V hi) { return wasm_f32x4_pmin(v, hi); }
};
using Wide = Lane4;
#else
using Wide = Lane1;
#endif

// The 1-D transforms, on n values x[0], x[stride], ... (B^T and A^T), or 3 (G).
template <size_t M> struct Transforms;
template <> struct Transforms<2> {
  template <typename L, typename V = typename L::V>
  static void input(const V* d, V* r) {  // B^T: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    r[0] = L::sub(d[0], d[2]), r[1] = L::add(d[1], d[2]), r[2] = L::sub(d[2], d[1]), r[3] = L::sub(d[1], d[3]);
  }
  template <typename L, typename V = typename L::V>
  static void output(const V* m, V* y) {  // A^T: (m0 + m1 + m2, m1 - m2 - m3)
    y[0] = L::add(L::add(m[0], m[1]), m[2]), y[1] = L::sub(L::sub(m[1], m[2]), m[3]);
  }
  template <typename L, typename V = typename L::V>
  static void weight(const V* g, size_t stride, V* u, size_t ustride) {  // G
    const V g0 = g[0], g1 = g[stride], g2 = g[2 * stride], s = L::add(g0, g2);
    u[0] = g0, u[ustride] = L::mul(L::add(s, g1), 0.5f), u[2 * ustride] = L::mul(L::sub(s, g1), 0.5f), u[3 * ustride] = g2;
  }
};
template <> struct Transforms<4> {
  template <typename L, typename V = typename L::V>
  static void input(const V* d, V* r) {
    // B^T rows: (4 0 -5 0 1 0) (0 -4 -4 1 1 0) (0 4 -4 -1 1 0) (0 -2 -1 2 1 0) (0 2 -1 -2 1 0) (0 4 0 -5 0 1)
    const V a = L::sub(d[4], L::mul(d[2], 4.f)), b = L::sub(d[3], L::mul(d[1], 4.f));
    const V c = L::sub(d[4], d[2]), e = L::mul(L::sub(d[3], d[1]), 2.f);
    r[0] = L::add(L::sub(L::mul(d[0], 4.f), L::mul(d[2], 5.f)), d[4]);
    r[1] = L::add(a, b), r[2] = L::sub(a, b), r[3] = L::add(c, e), r[4] = L::sub(c, e);
    r[5] = L::add(L::sub(L::mul(d[1], 4.f), L::mul(d[3], 5.f)), d[5]);
  }
  template <typename L, typename V = typename L::V>
  static void output(const V* m, V* y) {
    // A^T rows: (1 1 1 1 1 0) (0 1 -1 2 -2 0) (0 1 1 4 4 0) (0 1 -1 8 -8 1)
    const V s12 = L::add(m[1], m[2]), d12 = L::sub(m[1], m[2]), s34 = L::add(m[3], m[4]), d34 = L::sub(m[3], m[4]);
    y[0] = L::add(L::add(m[0], s12), s34), y[1] = L::add(d12, L::mul(d34, 2.f));
    y[2] = L::add(s12, L::mul(s34, 4.f)), y[3] = L::add(L::add(d12, L::mul(d34, 8.f)), m[5]);
  }
  template <typename L, typename V = typename L::V>
  static void weight(const V* g, size_t stride, V* u, size_t ustride) {
    // G rows: (1/4 0 0) (-1/6 -1/6 -1/6) (-1/6 1/6 -1/6) (1/24 1/12 1/6) (1/24 -1/12 1/6) (0 0 1)
    const V g0 = g[0], g1 = g[stride], g2 = g[2 * stride], s = L::add(g0, g2);
    const V q = L::add(L::mul(g0, 1.f / 24), L::mul(g2, 1.f / 6)), h = L::mul(g1, 1.f / 12);
    u[0] = L::mul(g0, 0.25f), u[ustride] = L::mul(L::add(s, g1), -1.f / 6), u[2 * ustride] = L::mul(L::sub(s, g1), -1.f / 6);
    u[3 * ustride] = L::add(q, h), u[4 * ustride] = L::sub(q, h), u[5 * ustride] = g2;
  }
};

// B^T d B for channels [c, c + L::n) of one tile: src[n * n] are its input pixels (row-major),
// dst + p * stride + c receives position p.
template <size_t M, typename L>
inline void input_transform(const float* const* src, size_t c, float* dst, size_t stride) {
  constexpr size_t n = M + 2;
  using V = typename L::V;
  V t[n * n], d[n], r[n];
  for (size_t s = 0; s < n; s++) {  // along the rows: column s of the tile
    for (size_t i = 0; i < n; i++) d[i] = L::load(src[i * n + s] + c);
    Transforms<M>::template input<L>(d, r);
    for (size_t i = 0; i < n; i++) t[i * n + s] = r[i];
  }
  for (size_t i = 0; i < n; i++) {  // then along the columns
    Transforms<M>::template input<L>(t + i * n, r);
    for (size_t j = 0; j < n; j++) L::store(dst + (i * n + j) * stride + c, r[j]);
  }
}

// A^T m A for output channels [k, k + L::n): src + p * stride + k holds position p; the m x m
// outputs go to dst[i * m + j] + k (null: outside the output), clamped to [lo, hi].
template <size_t M, typename L>
inline void output_transform(const float* src, size_t stride, size_t k, float* const* dst, bool clamp, typename L::V lo,
                             typename L::V hi) {
  constexpr size_t n = M + 2;
  using V = typename L::V;
  V o[M * n], col[n], y[M];
  for (size_t b = 0; b < n; b++) {  // along the rows: column b of the positions
    for (size_t a = 0; a < n; a++) col[a] = L::load(src + (a * n + b) * stride + k);
    Transforms<M>::template output<L>(col, y);
    for (size_t i = 0; i < M; i++) o[i * n + b] = y[i];
  }
  for (size_t i = 0; i < M; i++) {
    Transforms<M>::template output<L>(o + i * n, y);
    for (size_t j = 0; j < M; j++) {
      if (dst[i * M + j] == nullptr) continue;
      V v = y[j];
      if (clamp) v = L::at_most(L::at_least(v, lo), hi);
      L::store(dst[i * M + j] + k, v);
    }
  }
}

// One block of tiles: transform its inputs, n*n GEMMs, transform the products into outputs.
// Task t: block t % blocks, output channels [first_out, last_out) of group t / blocks.
template <size_t M>
void run_block(void* context, size_t thread, size_t task) {
  constexpr size_t n = M + 2, positions = n * n;
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t block_index = task % p.blocks, first_out = task / p.blocks * p.group;
  const size_t last_out = std::min(p.out, first_out + p.group);
  const size_t first = block_index * p.block, count = std::min(p.block, p.grid.tiles - first);
  const size_t in_stride = p.in_stride, out_stride = p.out_stride;
  float* in_t = p.scratch + thread * p.scratch_floats;  // [positions][block][in]
  float* out_t = in_t + positions * in_stride;          // [positions][block][out]
  for (size_t i = 0; i < count; i++) {
    const float* src[positions];
    p.grid.inputs(first + i, p.input, p.in, p.zero, src);
    float* dst = in_t + i * p.in;
    size_t c = 0;
    for (; c + Wide::n <= p.in; c += Wide::n) input_transform<M, Wide>(src, c, dst, in_stride);
    for (; c < p.in; c += Lane1::n) input_transform<M, Lane1>(src, c, dst, in_stride);
  }
  // Per position, the weights in column slices that stay in cache across the block's rows.
  for (size_t pos = 0; pos < positions; pos++)
    for (size_t col = first_out; col < last_out; col += p.columns) {
      const float* w = p.weights + pos * p.packed_floats + col * (p.in + 1);
      for (size_t row = 0; row < count; row += p.mr)
        p.gemm(std::min(p.mr, count - row), std::min(p.columns, last_out - col), p.in * sizeof(float),
               in_t + pos * in_stride + row * p.in, p.in * sizeof(float), w, out_t + pos * out_stride + row * p.out + col,
               p.out * sizeof(float), p.nr * sizeof(float), &p.gemm_params);
    }
  const bool clamp = p.min != -INFINITY || p.max != INFINITY;
  const Wide::V lo = Wide::splat(p.min), hi = Wide::splat(p.max);
  for (size_t i = 0; i < count; i++) {
    float* dst[M * M];
    p.grid.outputs(first + i, p.output, p.out, dst);
    const float* src = out_t + i * p.out;
    size_t k = first_out;
    for (; k + Wide::n <= last_out; k += Wide::n) output_transform<M, Wide>(src, out_stride, k, dst, clamp, lo, hi);
    for (; k < last_out; k += Lane1::n) output_transform<M, Lane1>(src, out_stride, k, dst, clamp, p.min, p.max);
  }
}

// G g G^T of 3x3 kernels g[9] (row-major; L::n of them, one per lane) into u[n * n].
template <size_t M, typename L, typename V = typename L::V>
void weight_transform(const V* g, V* u) {
  constexpr size_t n = M + 2;
  V t[n * 3];  // G g: n x 3
  for (size_t s = 0; s < 3; s++) Transforms<M>::template weight<L>(g + s, 3, t + s, 3);
  for (size_t a = 0; a < n; a++) Transforms<M>::template weight<L>(t + 3 * a, 1, u + n * a, 1);
}

// Per position, the GEMM weights as XNNPACK packs them for kr = sr = 1: per block of nr output
// channels, nr biases then per input channel the nr weights (missing channels: zeros). The bias
// goes to position (1, 1) only: A^T's column 1 is all ones, so it reaches each output once.
// One block of output channels [first, first + count) per call, transformed Wide::n output
// channels at a time (their weights side by side in the packing).
template <size_t M>
void pack_block(const float* oihw, const float* bias, size_t first, size_t count, size_t in, size_t nr, size_t packed_floats,
                float* dst) {
  constexpr size_t n = M + 2, positions = n * n;
  for (size_t pos = 0; pos < positions; pos++)
    for (size_t j = 0; j < nr; j++)
      dst[pos * packed_floats + j] = pos == n + 1 && bias != nullptr && j < count ? bias[first + j] : 0.f;
  const size_t row = in * 9;  // floats from one output channel's kernels to the next's
  for (size_t c = 0; c < in; c++) {
    float* at = dst + nr + c * nr;
    const float* g = oihw + (first * in + c) * 9;
    size_t j = 0;
    if (Wide::n > 1 && nr % Wide::n == 0)
      for (; j + Wide::n <= count; j += Wide::n) {
        Wide::V gv[9], u[positions];
        for (size_t k = 0; k < 9; k++) gv[k] = Wide::gather(g + j * row + k, row);
        weight_transform<M, Wide>(gv, u);
        for (size_t pos = 0; pos < positions; pos++) Wide::store(at + pos * packed_floats + j, u[pos]);
      }
    for (; j < nr; j++) {
      float u[positions] = {};
      if (j < count) weight_transform<M, Lane1>(g + j * row, u);
      for (size_t pos = 0; pos < positions; pos++) at[pos * packed_floats + j] = u[pos];
    }
  }
}

// Called through a pointer, one block at a time, so V8 optimizes it after the first few
// blocks instead of running a model's first packing in its baseline tier (see
// packed_weights.cc's kPackBlock).
using PackBlock = void (*)(const float*, const float*, size_t, size_t, size_t, size_t, size_t, float*);
PackBlock volatile kPackBlock2 = pack_block<2>, kPackBlock4 = pack_block<4>;

template <size_t M>
void pack(const float* oihw, const float* bias, size_t out, size_t in, size_t nr, size_t packed_floats, float* dst) {
  PackBlock block = M == 2 ? kPackBlock2 : kPackBlock4;
  const size_t blocks = (out + nr - 1) / nr;
  for_each_packing_block(blocks, (M + 2) * (M + 2) * packed_floats * sizeof(float), [&](size_t b) {
    const size_t first = b * nr;
    block(oihw, bias, first, std::min(nr, out - first), in, nr, packed_floats, dst + first * (in + 1));
  });
}

template <size_t M>
xnn_status create(const xnn_node* node, const xnn_value* values, size_t, xnn_operator_data* opdata, xnn_code_cache*,
                  xnn_weights_cache_t cache) {
  const xnn_gemm_config* config = xnn_init_f32_gemm_config();
  if (config == nullptr || config->log2_kr != 0 || config->log2_sr != 0) return xnn_status_unsupported_hardware;
  const size_t mr = config->mr, nr = config->nr;
  // The kernel without an activation where there is one (the minmax one would clamp to
  // [-inf, inf], which turns a NaN into -inf on x86 hosts).
  xnn_gemm_ukernel_fn gemm = config->linear.gemm[mr - 1].function[XNN_UARCH_DEFAULT];
  if (gemm == nullptr) gemm = config->minmax.gemm[mr - 1].function[XNN_UARCH_DEFAULT];
  if (gemm == nullptr) return xnn_status_unsupported_hardware;
  const xnn_value& filter = values[node->inputs[1]];
  const size_t out = filter.shape.dim[0], in = filter.shape.dim[3];
  const float* kernel = static_cast<const float*>(filter.data);
  const float* bias = node->num_inputs > 2 && node->inputs[2] != XNN_INVALID_VALUE_ID
                          ? static_cast<const float*>(values[node->inputs[2]].data)
                          : nullptr;

  auto* op = static_cast<xnn_operator*>(xnn_allocate_zero_simd_memory(sizeof(xnn_operator)));
  if (op == nullptr) return xnn_status_out_of_memory;
  const size_t packed_floats = (out + nr - 1) / nr * nr * (in + 1);
  const size_t bytes = (M + 2) * (M + 2) * packed_floats * sizeof(float);
  // Packed into the region's weights cache (always given: build_region), which owns the memory
  // and frees the source constant once packed.
  const float* weights = nullptr;
  if (cache == nullptr) {
    xnn_delete_operator(op);
    return xnn_status_invalid_state;
  }
  auto* packed = static_cast<float*>(cache->reserve_space(cache->context, bytes));
  if (packed != nullptr) {
    pack<M>(kernel, bias, out, in, nr, packed_floats, packed);
    xnn_weights_cache_look_up_key key{};
    key.kernel = kernel, key.bias = bias;
    const size_t at = cache->look_up_or_insert(cache->context, &key, packed, bytes);
    weights = static_cast<const float*>(cache->offset_to_addr(cache->context, at));
  }
  op->zero_buffer = xnn_allocate_zero_simd_memory(in * sizeof(float) + XNN_EXTRA_BYTES);
  if (weights == nullptr || op->zero_buffer == nullptr) {
    xnn_delete_operator(op);
    return xnn_status_out_of_memory;
  }
  op->type = xnn_operator_type_convolution_nhwc_f32;
  op->flags = node->flags;
  op->state = xnn_run_state_invalid;
  Plan& p = plan_of(op);
  p.grid.init(M, *node);
  p.weights = weights;
  p.zero = static_cast<const float*>(op->zero_buffer);
  p.gemm = gemm;
  p.mr = mr, p.nr = nr;
  p.gemm_params.scalar.min = -INFINITY;
  p.gemm_params.scalar.max = INFINITY;
  p.in = in, p.out = out;
  p.packed_floats = packed_floats;
  p.min = node->activation.output_min, p.max = node->activation.output_max;
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t threadpool) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  WinogradGrid& g = p.grid;
  if (!g.reshape(values[opdata->inputs[0]])) return xnn_status_invalid_parameter;
  const size_t positions = g.n * g.n;
  const size_t threads = threadpool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(threadpool)) : 1;
  const WinogradBlocks blocks = winograd_blocks(g.tiles, positions * (p.in + p.out) * sizeof(float),
                                                positions * p.packed_floats * sizeof(float), p.out, p.mr, p.nr, threads);
  p.block = blocks.block, p.blocks = blocks.blocks, p.group = blocks.group;
  p.columns = std::max<size_t>(1, kSliceBytes / (p.in * sizeof(float)) / p.nr) * p.nr;
  p.in_stride = p.block * p.in + kPositionPad, p.out_stride = p.block * p.out + kPositionPad;
  p.scratch_floats = (positions * (p.in_stride + p.out_stride) + 15) / 16 * 16;  // 64-byte multiples
  return reshape_tasks_with_scratch(op, opdata, g.m == 2 ? run_block<2> : run_block<4>, g.tiles != 0 ? blocks.tasks : 0, threads,
                                    p.scratch_floats * sizeof(float), values[opdata->outputs[0]], g.batch, g.out_h, g.out_w,
                                    p.out);
}

}  // namespace

int winograd_tile(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                  int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w) {
  if (kh != 3 || kw != 3 || stride_h != 1 || stride_w != 1 || dilation_h != 1 || dilation_w != 1 || groups != 1) return 0;
  if (in_channels < 16 || out_channels < 16 || out_h < 2 || out_w < 2) return 0;
  // Absurd sizes stay direct (XNNPACK checks them): the transformed weights (up to 36 per channel
  // pair) and the per-thread blocks must stay far inside a 32-bit size_t.
  constexpr int64_t kMaxChannels = 8192, kMaxWeightBytes = int64_t(256) << 20;
  if (in_channels > kMaxChannels || out_channels > kMaxChannels || 36 * 4 * in_channels * out_channels > kMaxWeightBytes)
    return 0;
  // Products per output pixel and channel pair: 9 direct, 16 per 2x2 tile, 36 per 4x4 tile,
  // counting the tiles' overhang past the output's edge.
  auto per_output = [&](int64_t m) {
    return static_cast<double>((m + 2) * (m + 2) * ((out_h + m - 1) / m) * ((out_w + m - 1) / m)) / (out_h * out_w);
  };
  const double two = per_output(2), four = per_output(4);
  if (std::min(two, four) > 9 * 0.75) return 0;  // not worth the transforms
  // Outputs under 8x8 use each transformed weight in 16 tiles or fewer. Where those weights are
  // large (16 per channel pair), creation pays for transforming and writing them, and each run
  // for reading them: resnet50's two 7x7 layers of 512 channels (34 of its 133 MB packed, 12 ms
  // of a 165 ms cold creation) saved 2.5% of its run. Small ones stay in cache and still gain.
  constexpr int64_t kMaxSmallOutputWeightBytes = int64_t(1) << 20;
  if (out_h * out_w < 64 && 16 * 4 * in_channels * out_channels > kMaxSmallOutputWeightBytes) return 0;
  // 4x4 tiles keep 36 weights per channel pair (4x the kernel; 2x2 tiles: 16), which session
  // creation transforms and writes: resnet50's warm creation took 385 ms instead of 185 with
  // every convolution on them, for 0.9x of its run time. Small outputs (its 14x14 and 7x7
  // layers, the large kernels) save the least per weight, so they keep 2x2 tiles.
  constexpr int64_t kMinOutputFor4x4 = 16 * 16;
  return four < two && out_h * out_w >= kMinOutputFor4x4 ? 4 : 2;
}

void use_winograd(xnn_subgraph* subgraph, int tile) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = tile == 4 ? create<4> : create<2>;
  node.reshape = reshape;
  node.setup = setup_plan<Plan>;
}

int winograd_tile_of(const xnn_operator* op) {
  if (op == nullptr) return 0;  // the task is set even where an empty batch leaves nothing to run
  if (op->compute[0].task_1d_with_thread == run_block<2>) return 2;
  return op->compute[0].task_1d_with_thread == run_block<4> ? 4 : 0;
}

}  // namespace onnxwasm
