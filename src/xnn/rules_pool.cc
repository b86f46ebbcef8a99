// SPDX-License-Identifier: MIT
// 2D pools in NHWC: MaxPool (ceil_mode as extra end padding; dilations only unpadded), AveragePool
// (count_include_pad=0, or no padding at all: XNNPACK averages over valid pixels only),
// GlobalAveragePool (mean over H, W), GlobalMaxPool (a window the size of the input).
// 1x1 windows stay on the reference kernel (XNNPACK rejects them). A MaxPool between a
// DequantizeLinear and a QuantizeLinear of the same parameters runs in int8.
#include <cmath>

#include "kernels/spatial.h"
#include "xnn/rules.h"

namespace onnxwasm {
namespace {

Status lower_pool(const ProgramNode& pn, const Program& p, XnnBuilder* b, bool max) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() == 4, "not a 2D pool");
  OW_ASSIGN_OR_RETURN(WindowAttrs attrs, parse_window_attrs(n, true));
  OW_XNN_REQUIRE(attrs.kernel.size() == 2 && attrs.kernel[0] * attrs.kernel[1] > 1, "1x1 window");
  OW_XNN_REQUIRE(attr_int(n, "storage_order", 0) == 0, "storage_order");
  OW_ASSIGN_OR_RETURN(Window w, resolve_window(n, attrs, {x[2], x[3]}, attrs.kernel));
  bool padded = w.pad_begin[0] || w.pad_begin[1] || w.pad_end[0] || w.pad_end[1] || attrs.ceil_mode;
  if (!max) OW_XNN_REQUIRE(!padded || attr_int(n, "count_include_pad", 0) == 0, "count_include_pad with padding");
  if (!max) OW_XNN_REQUIRE(w.dilations[0] == 1 && w.dilations[1] == 1, "dilated AveragePool");
  // ceil_mode: pad the end so XNNPACK's floor arithmetic yields the same output size.
  for (int i = 0; i < 2; i++) {
    int64_t ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t need = (w.out[i] - 1) * w.strides[i] + ek - (x[2 + i] + w.pad_begin[i]);
    if (need > w.pad_end[i]) w.pad_end[i] = need;
  }
  // XNNPACK's dilated max-pool indirection substitutes a "safe" row/column for padded taps
  // that can itself lie outside the input when there is padding (seen with ceil_mode):
  // dilated pools are claimed only without padding.
  bool dilated = w.dilations[0] > 1 || w.dilations[1] > 1;
  bool any_pad = w.pad_begin[0] || w.pad_begin[1] || w.pad_end[0] || w.pad_end[1];
  OW_XNN_REQUIRE(!(dilated && any_pad), "dilated pool with padding");
  if (!b) return Status::ok();
  auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  if (max) {
    // DequantizeLinear -> MaxPool -> [Relu] -> QuantizeLinear with the same parameters: a max
    // moves values, so it runs in int8 (XNNPACK takes no other parameters for its output).
    const int src = quantized_source(*b, pn.inputs[0]);
    const std::optional<QuantizedTail> tail = src >= 0 ? quantized_tail(pn, p, *b) : std::nullopt;
    const bool int8 = tail && tail->scale == b->quantized(src)->scale && tail->zero_point == b->quantized(src)->zero_point;
    uint32_t in, out;
    if (int8) {
      OW_ASSIGN_OR_RETURN(in, b->quantized_input(src, Layout::kNHWC, n));
      OW_ASSIGN_OR_RETURN(out, define_quantized_tail(*tail, p, Layout::kNHWC, b, n));
      b->qint8_other++;
    } else {
      OW_ASSIGN_OR_RETURN(in, b->input(pn.inputs[0], Layout::kNHWC, n));
      OW_ASSIGN_OR_RETURN(out, b->output(pn.outputs[0], Layout::kNHWC, n));
    }
    return xnn_check(xnn_define_max_pooling_2d(b->subgraph(), u(w.pad_begin[0]), u(w.pad_end[1]), u(w.pad_end[0]),
                                               u(w.pad_begin[1]), u(w.kernel[0]), u(w.kernel[1]), u(w.strides[0]),
                                               u(w.strides[1]), u(w.dilations[0]), u(w.dilations[1]),
                                               int8 && tail->relu >= 0 ? 0.f : -INFINITY, INFINITY, in, out, 0),
                     "xnn_define_max_pooling_2d", n);
  }
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  return xnn_check(xnn_define_average_pooling_2d(b->subgraph(), u(w.pad_begin[0]), u(w.pad_end[1]), u(w.pad_end[0]),
                                                 u(w.pad_begin[1]), u(w.kernel[0]), u(w.kernel[1]), u(w.strides[0]),
                                                 u(w.strides[1]), -INFINITY, INFINITY, in, out, 0),
                   "xnn_define_average_pooling_2d", n);
}

}  // namespace

Status lower_max_pool(const ProgramNode& pn, const Program& p, XnnBuilder* b) { return lower_pool(pn, p, b, true); }
Status lower_average_pool(const ProgramNode& pn, const Program& p, XnnBuilder* b) { return lower_pool(pn, p, b, false); }

Status lower_global_average_pool(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(p.values[pn.inputs[0]].type.dims.size() == 4, "not 2D");
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  const size_t axes[2] = {1, 2};
  return xnn_check(xnn_define_static_reduce(b->subgraph(), xnn_reduce_mean, 2, axes, in, out, XNN_FLAG_KEEP_DIMS),
                   "xnn_define_static_reduce", n);
}

Status lower_global_max_pool(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() == 4 && x[2] * x[3] > 1, "not 2D, or 1x1");
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNHWC, n));
  return xnn_check(xnn_define_max_pooling_2d(b->subgraph(), 0, 0, 0, 0, static_cast<uint32_t>(x[2]),
                                             static_cast<uint32_t>(x[3]), 1, 1, 1, 1, -INFINITY, INFINITY, in, out, 0),
                   "xnn_define_max_pooling_2d", n);
}

}  // namespace onnxwasm
