// SPDX-License-Identifier: MIT
#include "xnn/patches.h"

#include <cstddef>
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
#include "xnn/packed_weights.h"

namespace onnxwasm {
namespace {

constexpr auto kBlock = static_cast<int64_t>(PackedWeights::kQs8ChannelBlock);  // XNNPACK's int8 kernels read these
constexpr int64_t kMaxPatchBytes = int64_t(32) << 20;
constexpr int64_t kMaxChannels = 1024;  // the node's identity weights hold about channels^2 bytes

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  const int8_t* input;
  int8_t* output;
  size_t batch, in_h, in_w, out_h, out_w;
  size_t in, kh, kw, channels;
  size_t stride_h, stride_w, dilation_h, dilation_w;
  size_t pad_top, pad_left, pad_bottom, pad_right;
  int zero_point;
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// n bytes from `src` to `dst` (apart), inline: a window row is a few bytes (21 for a 3-channel
// 7x7 kernel), which a call to memcpy each would take longer to copy. Two overlapping moves
// of the largest size that fits twice.
inline void copy_bytes(int8_t* dst, const int8_t* src, size_t n) {
#ifdef __wasm_simd128__
  if (n >= 16 && n <= 32) {
    const v128_t a = wasm_v128_load(src), b = wasm_v128_load(src + n - 16);
    wasm_v128_store(dst, a), wasm_v128_store(dst + n - 16, b);
    return;
  }
#endif
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, src, 8), std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8), std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, src, 4), std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4), std::memcpy(dst + n - 4, &b, 4);
  } else if (n < 4) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, n);
  }
}

// n bytes of `value` at `dst`, inline for the few of a pixel's last block (as copy_bytes).
inline void fill_bytes(int8_t* dst, int8_t value, size_t n) {
  if (n > 16) return static_cast<void>(std::memset(dst, value, n));
  for (size_t i = 0; i < n; i++) dst[i] = value;
}

// One output row's patches (`row`: batch index * out_h + output y): per pixel, each window row's
// kw taps of `in` channels (one copy where they are all inside and adjacent), the zero point
// where the window is past the edge, then zero points up to `channels`.
void copy_row(void* context, size_t row) {
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t b = row / p.out_h, oy = row % p.out_h, span = p.kw * p.in, tail = p.channels - p.kh * span;
  const auto zero = static_cast<int8_t>(p.zero_point);
  const auto in_h = static_cast<ptrdiff_t>(p.in_h), in_w = static_cast<ptrdiff_t>(p.in_w);
  const auto window_w = static_cast<ptrdiff_t>((p.kw - 1) * p.dilation_w + 1);
  int8_t* dst = p.output + row * p.out_w * p.channels;
  for (size_t ox = 0; ox < p.out_w; ox++) {
    const ptrdiff_t x0 = static_cast<ptrdiff_t>(ox * p.stride_w) - static_cast<ptrdiff_t>(p.pad_left);
    const bool adjacent = p.dilation_w == 1 && x0 >= 0 && x0 + window_w <= in_w;
    for (size_t ky = 0; ky < p.kh; ky++, dst += span) {
      const ptrdiff_t y = static_cast<ptrdiff_t>(oy * p.stride_h + ky * p.dilation_h) - static_cast<ptrdiff_t>(p.pad_top);
      if (y < 0 || y >= in_h) {
        fill_bytes(dst, zero, span);
        continue;
      }
      const int8_t* line = p.input + (b * p.in_h + static_cast<size_t>(y)) * p.in_w * p.in;
      if (adjacent) {
        copy_bytes(dst, line + static_cast<size_t>(x0) * p.in, span);
        continue;
      }
      for (size_t kx = 0; kx < p.kw; kx++) {
        const ptrdiff_t x = x0 + static_cast<ptrdiff_t>(kx * p.dilation_w);
        if (x < 0 || x >= in_w) fill_bytes(dst + kx * p.in, zero, p.in);
        else copy_bytes(dst + kx * p.in, line + static_cast<size_t>(x) * p.in, p.in);
      }
    }
    fill_bytes(dst, zero, tail);
    dst += tail;
  }
}

xnn_status create(const xnn_node* node, const xnn_value* values, size_t, xnn_operator_data* opdata, xnn_code_cache*,
                  xnn_weights_cache_t) {
  auto* op = static_cast<xnn_operator*>(xnn_allocate_zero_simd_memory(sizeof(xnn_operator)));
  if (op == nullptr) return xnn_status_out_of_memory;
  const auto& c = node->params.convolution_2d;
  Plan& p = plan_of(op);
  p.in = c.group_input_channels, p.channels = c.group_output_channels;
  p.kh = c.kernel_height, p.kw = c.kernel_width;
  p.stride_h = c.subsampling_height, p.stride_w = c.subsampling_width;
  p.dilation_h = c.dilation_height, p.dilation_w = c.dilation_width;
  p.pad_top = c.input_padding_top, p.pad_left = c.input_padding_left;
  p.pad_bottom = c.input_padding_bottom, p.pad_right = c.input_padding_right;
  p.zero_point = values[node->inputs[0]].quantization.zero_point;
  if (p.channels < p.kh * p.kw * p.in) {
    xnn_delete_operator(op);
    return xnn_status_invalid_parameter;
  }
  op->type = xnn_operator_type_convolution_nhwc_qc8;
  op->flags = node->flags;
  op->state = xnn_run_state_invalid;
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  const xnn_value& input = values[opdata->inputs[0]];
  xnn_value& output = values[opdata->outputs[0]];
  p.batch = input.shape.dim[0], p.in_h = input.shape.dim[1], p.in_w = input.shape.dim[2];
  const size_t padded_h = p.in_h + p.pad_top + p.pad_bottom, padded_w = p.in_w + p.pad_left + p.pad_right;
  const size_t window_h = (p.kh - 1) * p.dilation_h + 1, window_w = (p.kw - 1) * p.dilation_w + 1;
  if (padded_h < window_h || padded_w < window_w) return xnn_status_invalid_parameter;
  p.out_h = (padded_h - window_h) / p.stride_h + 1, p.out_w = (padded_w - window_w) / p.stride_w + 1;
  const size_t rows = p.batch * p.out_h;
  // An empty batch or row: nothing to run.
  op->compute[0].type = rows != 0 && p.out_w != 0 ? xnn_parallelization_type_1d : xnn_parallelization_type_invalid;
  op->compute[0].task_1d = copy_row;
  op->compute[0].context_offset = 0;
  op->compute[0].range[0] = rows;
  op->state = xnn_run_state_needs_setup;

  return reshape_nhwc_output(output, p.batch, p.out_h, p.out_w, p.channels);
}

xnn_status setup(const xnn_operator_data* opdata, const xnn_value* values, size_t, pthreadpool_t) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  p.input = static_cast<const int8_t*>(values[opdata->inputs[0]].data);
  p.output = static_cast<int8_t*>(values[opdata->outputs[0]].data);
  op->state = xnn_run_state_ready;
  return xnn_status_success;
}

}  // namespace

int64_t patch_channels(int64_t in, int64_t kh, int64_t kw, int64_t groups, int64_t pixels) {
  if (groups != 1 || in < 1 || in >= kBlock || kh < 1 || kw < 1 || kh * kw < 2 || kh > kMaxChannels || kw > kMaxChannels)
    return 0;
  const int64_t taps = kh * kw, channels = (taps * in + kBlock - 1) / kBlock * kBlock;
  // Worth it where a quarter or more of the blocks a tap-by-tap product reads would be padding.
  if (channels > kMaxChannels || 4 * channels > 3 * taps * kBlock) return 0;
  if (pixels < 0 || pixels > kMaxPatchBytes / channels) return 0;
  return channels;
}

void use_patches(xnn_subgraph* subgraph) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = create;
  node.reshape = reshape;
  node.setup = setup;
}

bool is_patches(const xnn_operator* op) { return op != nullptr && op->compute[0].task_1d == copy_row; }

}  // namespace onnxwasm
