// SPDX-License-Identifier: MIT
// Winograd F(2x2, 3x3) (Lavin & Gray, 2015) as the operator of an XNNPACK convolution node. With
// B, G, A the transforms below, a tile's 2x2 outputs are Y = A^T [sum over c of (G g G^T) .*
// (B^T d B)] A: per tile and input channel the 4x4 inputs d become 16 values, and for each of
// the 16 positions the sum over input channels is one GEMM [tiles x in] x [in x out], run by
// XNNPACK's f32 GEMM microkernel on weights packed as it packs a fully-connected layer's.
#include "xnn/winograd.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

namespace onnxwasm {
namespace {

constexpr size_t kTaps = 16;               // 4x4 transformed positions per tile
constexpr size_t kScratchBytes = 768 << 10;  // per thread: a block's 16 input and output matrices
constexpr size_t kMinBlock = 16;             // tiles: each block reads all the weights once
constexpr size_t kSliceBytes = 128 << 10;    // weights per GEMM call

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  const float* input;
  float* output;
  float* scratch;         // per thread: scratch_floats
  const float* weights;   // per position: packed_floats
  const float* zero;      // `in` zeros: the padding
  xnn_gemm_ukernel_fn gemm;
  size_t mr, nr;
  size_t columns;  // output channels per GEMM call: a multiple of nr
  union xnn_f32_minmax_params gemm_params;  // no clamping: the activation follows the transform
  size_t height, width, in, out, out_h, out_w, tiles_h, tiles_w, tiles, block;
  ptrdiff_t pad_top, pad_left;
  size_t packed_floats, scratch_floats;
  float min, max;
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// Four floats at a time where wasm SIMD is there, one otherwise; the same transforms for both.
struct Lane1 {
  using V = float;
  static constexpr size_t n = 1;
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V splat(float v) { return v; }
  static V at_least(V v, V lo) { return v < lo ? lo : v; }  // NaN stays NaN
  static V at_most(V v, V hi) { return hi < v ? hi : v; }
};
#ifdef __wasm_simd128__
struct Lane4 {
  using V = v128_t;
  static constexpr size_t n = 4;
  static V load(const float* p) { return wasm_v128_load(p); }
  static void store(float* p, V v) { wasm_v128_store(p, v); }
  static V add(V a, V b) { return wasm_f32x4_add(a, b); }
  static V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
  static V splat(float v) { return wasm_f32x4_splat(v); }
  static V at_least(V v, V lo) { return wasm_f32x4_pmax(v, lo); }
  static V at_most(V v, V hi) { return wasm_f32x4_pmin(v, hi); }
};
using Wide = Lane4;
#else
using Wide = Lane1;
#endif

// B^T d B for channels [c, c + L::n) of one tile: src[16] are the 4x4 input pixels (row-major),
// dst + p * stride + c receives position p.
template <typename L>
inline void input_transform(const float* const* src, size_t c, float* dst, size_t stride) {
  using V = typename L::V;
  V t[16];
  for (size_t s = 0; s < 4; s++) {  // B^T along the rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    const V d0 = L::load(src[s] + c), d1 = L::load(src[4 + s] + c), d2 = L::load(src[8 + s] + c), d3 = L::load(src[12 + s] + c);
    t[s] = L::sub(d0, d2), t[4 + s] = L::add(d1, d2), t[8 + s] = L::sub(d2, d1), t[12 + s] = L::sub(d1, d3);
  }
  for (size_t r = 0; r < 4; r++) {  // then along the columns
    const V* row = t + 4 * r;
    L::store(dst + (4 * r + 0) * stride + c, L::sub(row[0], row[2]));
    L::store(dst + (4 * r + 1) * stride + c, L::add(row[1], row[2]));
    L::store(dst + (4 * r + 2) * stride + c, L::sub(row[2], row[1]));
    L::store(dst + (4 * r + 3) * stride + c, L::sub(row[1], row[3]));
  }
}

// A^T m A for output channels [k, k + L::n): src + p * stride + k holds position p; the 2x2
// outputs go to dst[i * 2 + j] + k (null: outside the output), clamped to [lo, hi].
template <typename L>
inline void output_transform(const float* src, size_t stride, size_t k, float* const* dst, bool clamp, typename L::V lo,
                             typename L::V hi) {
  using V = typename L::V;
  V o[8];
  for (size_t b = 0; b < 4; b++) {  // A^T along the rows: (m0 + m1 + m2, m1 - m2 - m3)
    const V m0 = L::load(src + b * stride + k), m1 = L::load(src + (4 + b) * stride + k),
            m2 = L::load(src + (8 + b) * stride + k), m3 = L::load(src + (12 + b) * stride + k);
    o[b] = L::add(L::add(m0, m1), m2), o[4 + b] = L::sub(L::sub(m1, m2), m3);
  }
  for (size_t i = 0; i < 2; i++) {
    const V* row = o + 4 * i;
    V y[2] = {L::add(L::add(row[0], row[1]), row[2]), L::sub(L::sub(row[1], row[2]), row[3])};
    for (size_t j = 0; j < 2; j++) {
      if (dst[i * 2 + j] == nullptr) continue;
      V v = y[j];
      if (clamp) v = L::at_most(L::at_least(v, lo), hi);
      L::store(dst[i * 2 + j] + k, v);
    }
  }
}

// One block of tiles: transform its inputs, 16 GEMMs, transform the products into outputs.
void run_block(void* context, size_t thread, size_t block_index) {
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t first = block_index * p.block, count = std::min(p.block, p.tiles - first);
  float* in_t = p.scratch + thread * p.scratch_floats;  // [16][block][in]
  float* out_t = in_t + kTaps * p.block * p.in;         // [16][block][out]
  const size_t in_stride = p.block * p.in, out_stride = p.block * p.out;
  const size_t per_image = p.tiles_h * p.tiles_w;
  for (size_t i = 0; i < count; i++) {
    const size_t t = first + i, image = t / per_image, ty = t % per_image / p.tiles_w, tx = t % p.tiles_w;
    const float* src[16];
    for (size_t r = 0; r < 4; r++)
      for (size_t s = 0; s < 4; s++) {
        const ptrdiff_t y = static_cast<ptrdiff_t>(2 * ty + r) - p.pad_top, x = static_cast<ptrdiff_t>(2 * tx + s) - p.pad_left;
        const bool inside = y >= 0 && x >= 0 && y < static_cast<ptrdiff_t>(p.height) && x < static_cast<ptrdiff_t>(p.width);
        src[r * 4 + s] = inside ? p.input + ((image * p.height + y) * p.width + x) * p.in : p.zero;
      }
    float* dst = in_t + i * p.in;
    size_t c = 0;
    for (; c + Wide::n <= p.in; c += Wide::n) input_transform<Wide>(src, c, dst, in_stride);
    for (; c < p.in; c += Lane1::n) input_transform<Lane1>(src, c, dst, in_stride);
  }
  // Per position, the weights in column slices that stay in cache across the block's rows.
  for (size_t pos = 0; pos < kTaps; pos++)
    for (size_t col = 0; col < p.out; col += p.columns) {
      const float* w = p.weights + pos * p.packed_floats + col * (p.in + 1);
      for (size_t row = 0; row < count; row += p.mr)
        p.gemm(std::min(p.mr, count - row), std::min(p.columns, p.out - col), p.in * sizeof(float),
               in_t + pos * in_stride + row * p.in, p.in * sizeof(float), w, out_t + pos * out_stride + row * p.out + col,
               p.out * sizeof(float), p.nr * sizeof(float), &p.gemm_params);
    }
  const bool clamp = p.min != -INFINITY || p.max != INFINITY;
  const Wide::V lo = Wide::splat(p.min), hi = Wide::splat(p.max);
  for (size_t i = 0; i < count; i++) {
    const size_t t = first + i, image = t / per_image, ty = t % per_image / p.tiles_w, tx = t % p.tiles_w;
    float* dst[4];
    for (size_t r = 0; r < 2; r++)
      for (size_t s = 0; s < 2; s++) {
        const size_t y = 2 * ty + r, x = 2 * tx + s;
        dst[r * 2 + s] = y < p.out_h && x < p.out_w ? p.output + ((image * p.out_h + y) * p.out_w + x) * p.out : nullptr;
      }
    const float* src = out_t + i * p.out;
    size_t k = 0;
    for (; k + Wide::n <= p.out; k += Wide::n) output_transform<Wide>(src, out_stride, k, dst, clamp, lo, hi);
    for (; k < p.out; k += Lane1::n) output_transform<Lane1>(src, out_stride, k, dst, clamp, p.min, p.max);
  }
}

// G g G^T of one 3x3 kernel g (row-major) into u[16].
void weight_transform(const float* g, float* u) {
  float t[12];  // G g: 4x3
  for (size_t s = 0; s < 3; s++) {
    t[s] = g[s];
    t[3 + s] = 0.5f * (g[s] + g[3 + s] + g[6 + s]);
    t[6 + s] = 0.5f * (g[s] - g[3 + s] + g[6 + s]);
    t[9 + s] = g[6 + s];
  }
  for (size_t a = 0; a < 4; a++) {
    const float* r = t + 3 * a;
    u[4 * a + 0] = r[0];
    u[4 * a + 1] = 0.5f * (r[0] + r[1] + r[2]);
    u[4 * a + 2] = 0.5f * (r[0] - r[1] + r[2]);
    u[4 * a + 3] = r[2];
  }
}

// Per position, the GEMM weights as XNNPACK packs them for kr = sr = 1: per block of nr output
// channels, nr biases then per input channel the nr weights (missing channels: zeros). The bias
// goes to position (1, 1) only: A^T's column 1 is all ones, so it reaches each of the four
// outputs once. One block of output channels [first, first + n) per call.
void pack_block(const float* oihw, const float* bias, size_t first, size_t n, size_t in, size_t nr, size_t packed_floats,
                float* dst) {
  for (size_t pos = 0; pos < kTaps; pos++)
    for (size_t j = 0; j < nr; j++) dst[pos * packed_floats + j] = pos == 5 && bias != nullptr && j < n ? bias[first + j] : 0.f;
  float u[16];
  for (size_t c = 0; c < in; c++) {
    float* at = dst + nr + c * nr;
    for (size_t j = 0; j < nr; j++) {
      if (j < n) weight_transform(oihw + ((first + j) * in + c) * 9, u);
      for (size_t pos = 0; pos < kTaps; pos++) at[pos * packed_floats + j] = j < n ? u[pos] : 0.f;
    }
  }
}

// Called through a pointer, one block at a time, so V8 optimizes it after the first few
// blocks instead of running a model's first packing in its baseline tier (see
// packed_weights.cc's kPackBlock).
void (*volatile kPackBlock)(const float*, const float*, size_t, size_t, size_t, size_t, size_t, float*) = pack_block;

void pack(const float* oihw, const float* bias, size_t out, size_t in, size_t nr, size_t packed_floats, float* dst) {
  for (size_t first = 0; first < out; first += nr)
    kPackBlock(oihw, bias, first, std::min(nr, out - first), in, nr, packed_floats, dst + first * (in + 1));
}

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
  const size_t bytes = kTaps * packed_floats * sizeof(float);
  const float* weights = nullptr;
  if (cache != nullptr) {  // the region's: it owns the memory, and frees the source once packed
    auto* packed = static_cast<float*>(cache->reserve_space(cache->context, bytes));
    if (packed != nullptr) {
      pack(kernel, bias, out, in, nr, packed_floats, packed);
      xnn_weights_cache_look_up_key key{};
      key.kernel = kernel, key.bias = bias;
      const size_t at = cache->look_up_or_insert(cache->context, &key, packed, bytes);
      weights = static_cast<const float*>(cache->offset_to_addr(cache->context, at));
    }
  } else {
    auto* packed = static_cast<float*>(xnn_allocate_simd_memory(bytes));
    if (packed != nullptr) pack(kernel, bias, out, in, nr, packed_floats, packed);
    op->packed_weights.pointer = packed;  // freed with the operator
    weights = packed;
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
  p.weights = weights;
  p.zero = static_cast<const float*>(op->zero_buffer);
  p.gemm = gemm;
  p.mr = mr, p.nr = nr;
  p.gemm_params.scalar.min = -INFINITY;
  p.gemm_params.scalar.max = INFINITY;
  p.in = in, p.out = out;
  p.pad_top = node->params.convolution_2d.input_padding_top;
  p.pad_left = node->params.convolution_2d.input_padding_left;
  p.packed_floats = packed_floats;
  p.min = node->activation.output_min, p.max = node->activation.output_max;
  // Kept for reshape: the bottom and right padding.
  op->padding_bottom = node->params.convolution_2d.input_padding_bottom;
  op->padding_right = node->params.convolution_2d.input_padding_right;
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t threadpool) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  const xnn_value& input = values[opdata->inputs[0]];
  xnn_value& output = values[opdata->outputs[0]];
  const size_t batch = input.shape.dim[0];
  p.height = input.shape.dim[1], p.width = input.shape.dim[2];
  const size_t padded_h = p.height + p.pad_top + op->padding_bottom, padded_w = p.width + p.pad_left + op->padding_right;
  if (padded_h < 3 || padded_w < 3) return xnn_status_invalid_parameter;
  p.out_h = padded_h - 2, p.out_w = padded_w - 2;
  p.tiles_h = (p.out_h + 1) / 2, p.tiles_w = (p.out_w + 1) / 2;
  p.tiles = batch * p.tiles_h * p.tiles_w;
  const size_t threads = threadpool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(threadpool)) : 1;
  // As many tiles per block as keep a block's matrices within kScratchBytes (but at least
  // kMinBlock, so the weights are read from memory for that many tiles at once), in whole
  // GEMM row tiles, and enough blocks for every thread.
  const size_t per_tile = kTaps * (p.in + p.out) * sizeof(float);
  size_t block = std::max<size_t>(kMinBlock, kScratchBytes / per_tile / p.mr * p.mr);
  const size_t even = (p.tiles + threads - 1) / threads;
  block = std::max<size_t>(1, std::min(block, (even + p.mr - 1) / p.mr * p.mr));
  p.block = block;
  p.columns = std::max<size_t>(1, kSliceBytes / (p.in * sizeof(float)) / p.nr) * p.nr;
  p.scratch_floats = (kTaps * block * (p.in + p.out) + 15) / 16 * 16;  // 64-byte multiples
  const size_t old_workspace = opdata->workspace_size;
  opdata->workspace_size = threads * p.scratch_floats * sizeof(float) + XNN_EXTRA_BYTES;
  opdata->workspace_alignment = XNN_ALLOCATION_ALIGNMENT;
  op->compute[0].type = xnn_parallelization_type_1d_with_thread;
  op->compute[0].task_1d_with_thread = run_block;
  op->compute[0].context_offset = 0;
  op->compute[0].range[0] = (p.tiles + block - 1) / block;
  op->state = xnn_run_state_needs_setup;

  output.shape.num_dims = 4;
  output.shape.dim[0] = batch, output.shape.dim[1] = p.out_h, output.shape.dim[2] = p.out_w, output.shape.dim[3] = p.out;
  const size_t size = xnn_tensor_get_size(&output);
  if (size > output.size || opdata->workspace_size > old_workspace) {
    output.size = size;
    return xnn_status_reallocation_required;
  }
  return xnn_status_success;
}

xnn_status setup(const xnn_operator_data* opdata, const xnn_value* values, size_t, pthreadpool_t) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  p.input = static_cast<const float*>(values[opdata->inputs[0]].data);
  p.output = static_cast<float*>(values[opdata->outputs[0]].data);
  p.scratch = static_cast<float*>(opdata->workspace);
  op->state = xnn_run_state_ready;
  return xnn_status_success;
}

}  // namespace

bool winograd_fits(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                   int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w) {
  if (kh != 3 || kw != 3 || stride_h != 1 || stride_w != 1 || dilation_h != 1 || dilation_w != 1 || groups != 1) return false;
  if (in_channels < 16 || out_channels < 16 || out_h < 2 || out_w < 2) return false;
  // 16 products per tile against 9 per output: worth it while padding to whole tiles adds
  // less than a third (a 7x7 output computes 8x8).
  const int64_t tiles = (out_h + 1) / 2 * ((out_w + 1) / 2);
  return 16 * tiles * 4 <= 9 * out_h * out_w * 3;
}

void use_winograd(xnn_subgraph* subgraph) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = create;
  node.reshape = reshape;
  node.setup = setup;
}

bool is_winograd(const xnn_operator* op) {
  return op != nullptr && op->compute[0].type == xnn_parallelization_type_1d_with_thread &&
         op->compute[0].task_1d_with_thread == run_block;
}

}  // namespace onnxwasm
