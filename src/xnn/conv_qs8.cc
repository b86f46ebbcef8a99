// SPDX-License-Identifier: MIT
#include "xnn/conv_qs8.h"

#include <algorithm>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnnpack/allocator.h"
#include "xnnpack/common.h"
#include "xnnpack/operator.h"
#include "xnnpack/subgraph.h"
#include "xnn/block_split.h"
#include "xnn/custom_node.h"
#include "xnn/packing_threads.h"
#include "xnn/qs8_products.h"

namespace onnxwasm {
namespace {

constexpr size_t kNr = kQs8Nr, kMr = kQs8Mr;
// Per thread: a block's 16-bit input rows, which each block of output channels reads again, kept
// well inside a core's L2. Blocks take as many pixels as windows of this size would (kp values
// each), as when each pixel's window was copied out: 192 KB and 768 KB measured the same on
// resnet18_qdq at 1 thread.
constexpr size_t kDirectScratch = 96 << 10;
constexpr size_t kSlack = 8;  // 16-bit values past each row: widen's overrun, a run's odd last value

// What a run needs; kept in the operator's context (which XNNPACK passes to the task).
struct Plan {
  const int8_t* input;
  int8_t* output;
  uint8_t* scratch;        // per thread: scratch_bytes
  const int16_t* weights;  // per block of kNr outputs, per pair of a pixel's values: kNr x 2
  Qs8Requantization rq;
  Qs8Runs runs;            // a pixel's values in its rows (strides set by reshape)
  int32_t input_zero_point;
  size_t in, out, kp, np;  // kp: runs.outer * runs.inner * runs.run, np: out rounded up to kNr
  size_t kh, kw, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right;
  size_t batch, height, width, out_h, out_w, pixels, padded_h, pitch;
  size_t block, blocks, group, scratch_bytes, rows;  // rows: the most padded rows a block reads
};
static_assert(sizeof(Plan) <= sizeof(static_cast<xnn_operator*>(nullptr)->context), "the plan fits the operator's context");

Plan& plan_of(xnn_operator* op) { return *reinterpret_cast<Plan*>(&op->context); }

// n input values less the zero point into dst; with SIMD, 8 at a time, the last 8 reading and
// writing up to 7 past n (XNNPACK's tensors end in XNN_EXTRA_BYTES; a row's slack takes the
// writes).
inline void widen(const int8_t* src, size_t n, int32_t zero_point, int16_t* dst) {
#ifdef __wasm_simd128__
  const v128_t zero = wasm_i16x8_splat(static_cast<int16_t>(zero_point));
  for (size_t i = 0; i < n; i += 8) wasm_v128_store(dst + i, wasm_i16x8_sub(wasm_i16x8_load8x8(src + i), zero));
#else
  for (size_t i = 0; i < n; i++) dst[i] = static_cast<int16_t>(src[i] - zero_point);
#endif
}

// Padded row r (of the batch's images stacked, padding included) into dst: its input values
// less the zero point between zeros for the padding, then kSlack zeros.
void widen_row(const Plan& p, size_t r, int16_t* dst) {
  const size_t image = r / p.padded_h, y = r % p.padded_h;
  if (y < p.pad_top || y >= p.pad_top + p.height) {
    std::fill(dst, dst + p.pitch, int16_t{0});
    return;
  }
  const size_t left = p.pad_left * p.in, values = p.width * p.in;
  std::fill(dst, dst + left, int16_t{0});
  widen(p.input + (image * p.height + y - p.pad_top) * values, values, p.input_zero_point, dst + left);
  std::fill(dst + left + values, dst + p.pitch, int16_t{0});
}

// The bytes of a block's rows in the scratch (what follows them aligned).
inline size_t rows_bytes(const Plan& p) { return (p.rows * p.pitch * sizeof(int16_t) + 15) / 16 * 16; }

// The padded row that output pixel t's first taps read.
inline size_t first_row(const Plan& p, size_t t) {
  const size_t image = t / (p.out_h * p.out_w), oy = t / p.out_w % p.out_h;
  return image * p.padded_h + oy * p.stride_h;
}

// One block of output pixels: the padded rows they read, widened once into 16-bit rows, then
// the products straight from those rows (each pixel's runs of taps), requantized. Task t: block
// t % blocks, output channels [first_out, last_out) of group t / blocks.
void run_block(void* context, size_t thread, size_t task) {
  const Plan& p = *static_cast<const Plan*>(context);
  const size_t block_index = task % p.blocks, first_out = task / p.blocks * p.group;
  const size_t last_out = std::min(p.out, first_out + p.group);
  const size_t first = block_index * p.block, count = std::min(p.block, p.pixels - first);
  uint8_t* scratch = p.scratch + thread * p.scratch_bytes;
  auto* rows = reinterpret_cast<int16_t*>(scratch);  // [p.rows][p.pitch]
  auto* starts = reinterpret_cast<const int16_t**>(scratch + rows_bytes(p));  // [block]
  auto* widened = reinterpret_cast<uint8_t*>(starts + p.block);  // [p.rows]: whether row r0 + i is
  const size_t r0 = first_row(p, first);
  std::fill(widened, widened + p.rows, uint8_t{0});
  for (size_t i = 0; i < count; i++) {
    const size_t t = first + i, r = first_row(p, t);
    for (size_t ky = 0; ky < p.kh; ky++) {  // only the rows read (a stride past the taps skips some)
      const size_t at = r + ky * p.dilation_h - r0;
      if (!widened[at]) widen_row(p, r0 + at, rows + at * p.pitch), widened[at] = 1;
    }
    starts[i] = rows + (r - r0) * p.pitch + t % p.out_w * p.stride_w * p.in;
  }
  int8_t* output = p.output + first * p.out;
  for (size_t col = first_out; col < last_out; col += kNr) {
    const int16_t* w = p.weights + col / kNr * p.kp * kNr;
    const size_t columns = std::min(kNr, last_out - col);
    for (size_t row = 0; row < count; row += kMr)
      qs8_product_requantized(std::min(kMr, count - row), starts + row, p.runs, w, p.rq, col, columns,
                              output + row * p.out, p.out);
  }
}

// Per block of kNr output channels, per pair of a pixel's values (its runs in order: per tap row,
// the row's taps' channels in one run, or with dilation one run per tap; each run rounded up to
// an even count), output j's two weights at 2j (past a run or the outputs: zeros). One block of
// output channels per call.
void pack_block(const int8_t* oihw, size_t block, size_t in, size_t kh, size_t kw, const Qs8Runs& runs, size_t out,
                size_t kp, int16_t* dst) {
  int16_t* at = dst + block * kp * kNr;
  std::fill(at, at + kp * kNr, int16_t{0});
  for (size_t j = 0; j < kNr && block * kNr + j < out; j++) {
    const int8_t* g = oihw + (block * kNr + j) * in * kh * kw;
    for (size_t c = 0; c < in; c++)
      for (size_t ky = 0; ky < kh; ky++)
        for (size_t kx = 0; kx < kw; kx++) {
          const size_t v = runs.inner == 1 ? ky * runs.run + kx * in + c : (ky * kw + kx) * runs.run + c;
          at[v / 2 * 2 * kNr + 2 * j + v % 2] = g[(c * kh + ky) * kw + kx];
        }
  }
}

// Called through a pointer, one block at a time, so V8 optimizes it after the first few blocks
// (as winograd.cc's).
using PackBlock = void (*)(const int8_t*, size_t, size_t, size_t, size_t, const Qs8Runs&, size_t, size_t, int16_t*);
PackBlock volatile kPackBlock = pack_block;

xnn_status create(const xnn_node* node, const xnn_value* values, size_t, xnn_operator_data* opdata, xnn_code_cache*,
                  xnn_weights_cache_t cache) {
  const xnn_value &input = values[node->inputs[0]], &filter = values[node->inputs[1]];
  if (cache == nullptr || filter.datatype != xnn_datatype_qcint8 || filter.shape.num_dims != 4) return xnn_status_invalid_state;
  const auto& c = node->params.convolution_2d;
  const size_t out = filter.shape.dim[0], in = filter.shape.dim[3], kh = c.kernel_height, kw = c.kernel_width;
  // A tap row's channels lie together in the input row (one run) unless the taps are dilated.
  const bool one_run = c.dilation_width == 1;
  const size_t run = ((one_run ? kw * in : in) + 1) / 2 * 2;
  const Qs8Runs runs{kh, one_run ? 1 : kw, run, 0, 0};
  const size_t kp = runs.outer * runs.inner * runs.run, np = (out + kNr - 1) / kNr * kNr;
  const auto* kernel = static_cast<const int8_t*>(filter.data);
  auto* op = static_cast<xnn_operator*>(xnn_allocate_zero_simd_memory(sizeof(xnn_operator)));
  if (op == nullptr) return xnn_status_out_of_memory;
  Plan& p = plan_of(op);
  const size_t weight_bytes = np * kp * sizeof(int16_t);
  const xnn_status status = qs8_pack_weights(node, values, cache, np, weight_bytes, [&](int16_t* w) {
    for_each_packing_block(np / kNr, kp * kNr * sizeof(int16_t), [&](size_t b) { kPackBlock(kernel, b, in, kh, kw, runs, out, kp, w); });
  }, &p.weights, &p.rq);
  if (status != xnn_status_success) {
    xnn_delete_operator(op);
    return status;
  }
  op->type = xnn_operator_type_convolution_nhwc_qc8;
  op->flags = node->flags;
  op->state = xnn_run_state_invalid;
  p.input_zero_point = input.quantization.zero_point;
  p.runs = runs;
  p.in = in, p.out = out, p.kp = kp, p.np = np;
  p.kh = kh, p.kw = kw, p.stride_h = c.subsampling_height, p.stride_w = c.subsampling_width;
  p.dilation_h = c.dilation_height, p.dilation_w = c.dilation_width;
  p.pad_top = c.input_padding_top, p.pad_left = c.input_padding_left;
  p.pad_bottom = c.input_padding_bottom, p.pad_right = c.input_padding_right;
  opdata->operator_objects[0] = op;
  return xnn_status_success;
}

xnn_status reshape(xnn_operator_data* opdata, xnn_value* values, size_t, pthreadpool_t threadpool) {
  xnn_operator* op = opdata->operator_objects[0];
  Plan& p = plan_of(op);
  const xnn_value& input = values[opdata->inputs[0]];
  p.batch = input.shape.dim[0], p.height = input.shape.dim[1], p.width = input.shape.dim[2];
  const size_t padded_h = p.height + p.pad_top + p.pad_bottom, padded_w = p.width + p.pad_left + p.pad_right;
  const size_t extent_h = (p.kh - 1) * p.dilation_h + 1, extent_w = (p.kw - 1) * p.dilation_w + 1;
  if (padded_h < extent_h || padded_w < extent_w) return xnn_status_invalid_parameter;
  p.out_h = (padded_h - extent_h) / p.stride_h + 1, p.out_w = (padded_w - extent_w) / p.stride_w + 1;
  p.pixels = p.batch * p.out_h * p.out_w;
  p.padded_h = padded_h, p.pitch = padded_w * p.in + kSlack;
  p.runs.outer_stride = static_cast<ptrdiff_t>(p.dilation_h * p.pitch);
  p.runs.inner_stride = static_cast<ptrdiff_t>(p.dilation_w * p.in);
  const size_t threads = threadpool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(threadpool)) : 1;
  const WinogradBlocks blocks = winograd_blocks(p.pixels, p.kp * sizeof(int16_t), p.np * p.kp * sizeof(int16_t), p.out, kMr,
                                                kNr, threads, kDirectScratch);
  p.block = blocks.block, p.blocks = blocks.blocks, p.group = blocks.group;
  p.rows = 0;  // the most padded rows one block reads, from its first pixel's first to its last's last
  for (size_t first = 0; first < p.pixels; first += p.block) {
    const size_t last = std::min(p.pixels, first + p.block) - 1;
    p.rows = std::max(p.rows, first_row(p, last) + extent_h - first_row(p, first));
  }
  const size_t bytes = rows_bytes(p) + p.block * sizeof(const int16_t*) + p.rows;
  p.scratch_bytes = (bytes + 63) / 64 * 64;
  return reshape_tasks_with_scratch(op, opdata, run_block, p.pixels != 0 ? blocks.tasks : 0, threads, p.scratch_bytes,
                                    values[opdata->outputs[0]], p.batch, p.out_h, p.out_w, p.out);
}

}  // namespace

bool conv_qs8_fits(int64_t kh, int64_t kw, int64_t groups, int64_t in_channels, int64_t out_channels) {
  if (groups != 1 || in_channels < 1 || out_channels < 1) return false;
  constexpr int64_t kMaxWindow = int64_t(1) << 16, kMaxWeightBytes = int64_t(64) << 20;
  if (kh > kMaxWindow || kw > kMaxWindow || in_channels > kMaxWindow || kh * kw * in_channels > kMaxWindow) return false;
  return out_channels <= kMaxWeightBytes / (2 * kh * kw * in_channels);
}

void use_conv_qs8(xnn_subgraph* subgraph) {
  xnn_node& node = subgraph->nodes[subgraph->num_nodes - 1];
  node.create = create;
  node.reshape = reshape;
  node.setup = setup_plan<Plan>;
}

bool is_conv_qs8(const xnn_operator* op) {
  return op != nullptr && op->compute[0].task_1d_with_thread == run_block;
}

}  // namespace onnxwasm
