// SPDX-License-Identifier: MIT
// QDQ models on XNNPACK. QuantizeLinear becomes a convert to a qint8 tensor; DequantizeLinear
// becomes nothing until a float consumer asks for it (then a convert back), so a chain
// DQ -> Conv -> [Relu] -> Q whose weights are DequantizeLinear of int8 constants becomes one
// qint8 convolution (lower_conv_qs8): int8 in, int8 weights, int32 bias, int8 out; likewise
// DQ, DQ -> Add/Sub -> [Relu] -> Q is one qint8 addition (lower_binary_qs8), and DQ -> MaxPool
// -> [Relu] -> Q one int8 max pool (rules_pool.cc) where both keep the same parameters. uint8
// activations are kept as int8 with the zero point moved by -128: the same reals, so every
// value equals the reference kernels' but for the qint8 convolutions' and additions' own
// rounding (one step).
// Only per-tensor activation parameters (one constant scale and zero point) are taken.
#include <algorithm>
#include <cmath>

#include "xnn/conv_qs8.h"
#include "xnn/winograd_qs8.h"
#include "xnn/rules.h"

namespace onnxwasm {
namespace {

struct QParams {
  float scale;
  int32_t zero_point;  // as int8 (uint8's moved by -128)
  bool operator==(const QParams& o) const { return scale == o.scale && zero_point == o.zero_point; }
};

// One constant float32 scale and 8-bit zero point.
Result<QParams> qparams(const ProgramNode& pn, const Program& p) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(pn.inputs.size() >= 2 && pn.inputs[0] >= 0 && pn.inputs[1] >= 0 && pn.outputs[0] >= 0, "inputs");
  OW_XNN_REQUIRE(pn.opset < 21 || attr_int(n, "block_size", 0) == 0, "blocked quantization");
  const Tensor* s = p.values[pn.inputs[1]].constant.get();
  OW_XNN_REQUIRE(s && s->dtype() == DType::kFloat32 && s->size() == 1, "the scale is not one constant float32");
  const float scale = s->data<float>()[0];
  OW_XNN_REQUIRE(std::isnormal(scale) && scale > 0, "scale %g", scale);
  const bool quantize = n.op_type == "QuantizeLinear";
  const DType q = quantize ? p.values[pn.outputs[0]].type.dtype : p.values[pn.inputs[0]].type.dtype;
  OW_XNN_REQUIRE(q == DType::kUint8 || q == DType::kInt8, "not 8-bit");
  OW_XNN_REQUIRE(p.values[quantize ? pn.inputs[0] : pn.outputs[0]].type.dtype == DType::kFloat32, "not float32");
  int32_t zp = 0;
  if (pn.inputs.size() > 2 && pn.inputs[2] >= 0) {
    const Tensor* z = p.values[pn.inputs[2]].constant.get();
    OW_XNN_REQUIRE(z && z->size() == 1 && z->dtype() == q, "the zero point is not one constant");
    zp = static_cast<int32_t>(z->int_at(0));
  }
  return QParams{scale, q == DType::kUint8 ? zp - 128 : zp};
}

// A QuantizeLinear whose output only DequantizeLinear nodes with the same parameters read.
Result<QParams> quantize_pair(const ProgramNode& pn, const Program& p) {
  OW_ASSIGN_OR_RETURN(QParams q, qparams(pn, p));
  const int out = pn.outputs[0];
  bool any = false;
  for (int user : p.values[out].users) {
    OW_XNN_REQUIRE(user >= 0, "the quantized value is a graph output");
    const ProgramNode& c = p.nodes[user];
    OW_XNN_REQUIRE(c.node->op_type == "DequantizeLinear" && c.node->domain.empty() && c.inputs[0] == out,
                   "the quantized value feeds %s", c.node->op_type.c_str());
    auto cq = qparams(c, p);
    OW_XNN_REQUIRE(cq.is_ok() && cq.value() == q, "a DequantizeLinear with other parameters reads it");
    any = true;
  }
  OW_XNN_REQUIRE(any, "nothing dequantizes it");
  return q;
}

// Int8 weights `weights` (a DequantizeLinear of constants: symmetric int8, float scales per
// tensor or one per output along `axis`, m outputs) with a scale per output, and `bias` (a float
// constant of m values; -1: none) in int32 at scale input * weight, as QLinearConv takes it.
// Empty when any of that does not hold. Per-channel (qcint8) even for one scale: XNNPACK's
// newer, faster int8 kernels.
struct Int8Weights {
  const Tensor* q;
  std::vector<float> scale, bias_scale;
  std::vector<int32_t> bias;
};
std::optional<Int8Weights> int8_weights(const Program& p, int weights, int64_t m, int64_t axis, int bias, float in_scale) {
  const ProgramValue& wv = p.values[weights];
  if (!wv.quant || wv.quant->q->dtype() != DType::kInt8 || wv.quant->scale->dtype() != DType::kFloat32) return std::nullopt;
  const QuantOrigin& wq = *wv.quant;
  if (wq.zero_point)
    for (int64_t i = 0; i < wq.zero_point->size(); i++)
      if (wq.zero_point->int_at(i) != 0) return std::nullopt;  // XNNPACK's int8 weights are symmetric
  const int64_t nscale = wq.scale->size();
  if (!(nscale == 1 || (nscale == m && wq.axis == axis))) return std::nullopt;
  Int8Weights w{wq.q.get(), std::vector<float>(static_cast<size_t>(m)), {}, {}};
  for (int64_t o = 0; o < m; o++) w.scale[o] = wq.scale->data<float>()[nscale == 1 ? 0 : o];
  if (bias >= 0) {
    const Tensor* bf = p.values[bias].constant.get();
    if (!bf || bf->dtype() != DType::kFloat32 || bf->size() != m) return std::nullopt;
    for (int64_t o = 0; o < m; o++) {
      w.bias_scale.push_back(in_scale * w.scale[o]);
      const double v = std::nearbyint(static_cast<double>(bf->data<float>()[o]) / w.bias_scale[o]);
      if (!(std::fabs(v) < 2147483647.0)) return std::nullopt;
      w.bias.push_back(static_cast<int32_t>(v));
    }
  }
  return w;
}

// The qcint32 bias of int8_weights (XNN_INVALID_VALUE_ID: none).
Result<uint32_t> define_int8_bias(const Int8Weights& w, int bias, XnnBuilder* b, const Node& n) {
  if (bias < 0) return XNN_INVALID_VALUE_ID;
  const int64_t m = static_cast<int64_t>(w.bias.size());
  const void* values = b->packed_bytes(w.bias.data(), w.bias.size() * 4, bias);
  return b->define_channelwise(xnn_datatype_qcint32, {m}, w.bias_scale, values, n);
}

}  // namespace

// A region's inputs and outputs are float: a QuantizeLinear and the DequantizeLinears that
// read it share a region.
std::vector<int> quantize_same_run(const Program& p, const ProgramNode& pn) { return p.values[pn.outputs[0]].users; }

std::vector<int> dequantize_same_run(const Program& p, const ProgramNode& pn) {
  // Weights kept quantized are lowered to nothing: every reader must be in their region.
  if (p.values[pn.inputs[0]].constant) return p.values[pn.outputs[0]].users;
  return {p.values[pn.inputs[0]].producer};
}

Status lower_quantize(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_ASSIGN_OR_RETURN(QParams q, quantize_pair(pn, p));
  if (!b) return Status::ok();
  const int x = pn.inputs[0], out = pn.outputs[0];
  if (b->quantized(out)) return Status::ok();  // a qint8 convolution made it
  const Dims& dims = p.values[out].type.dims;
  const Layout layout = dims.size() == 4 ? b->layout_of(x) : Layout::kNative;
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(x, layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t qid, b->define_quantized(xnn_datatype_qint8, dims_in_layout(dims, layout), q.scale, q.zero_point,
                                                        nullptr, n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_unary(b->subgraph(), xnn_unary_convert, nullptr, in, qid, 0), "xnn_define_unary(convert)", n));
  b->set_quantized(out, {qid, layout, q.scale, q.zero_point});
  return Status::ok();
}

Status lower_dequantize(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  if (p.values[pn.inputs[0]].constant) {
    // Weights kept quantized (CompileOptions::keep_quantized_weights): its readers, all in this
    // region (plan_xnn sees to it), take the integer weights or dequantize them while packing.
    OW_XNN_REQUIRE(constant_weights(p, pn.outputs[0]), "a constant (folded unless its consumer needs it)");
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(QParams q, qparams(pn, p));
  (void)q;
  const int from = p.values[pn.inputs[0]].producer;
  OW_XNN_REQUIRE(from >= 0 && p.nodes[from].node->op_type == "QuantizeLinear" && quantize_pair(p.nodes[from], p).is_ok(),
                 "the input does not come from a QuantizeLinear");
  if (!b) return Status::ok();
  const int out = pn.outputs[0];
  b->set_dequantized(out, pn.inputs[0]);
  if (b->is_output(out)) {
    // Read after the region: made now, into the region's output.
    const XnnBuilder::Quantized* src = b->quantized(pn.inputs[0]);
    OW_CHECK(src, INTERNAL, "%s: its input is not in the region", n.describe().c_str());
    OW_ASSIGN_OR_RETURN(uint32_t f, b->output(out, src->layout, n));
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_unary(b->subgraph(), xnn_unary_convert, nullptr, src->xid, f, 0),
                                 "xnn_define_unary(convert)", n));
  }
  return Status::ok();
}

int quantized_source(const XnnBuilder& b, int id) {
  const int src = b.dequantized_source(id);
  return src >= 0 && b.quantized(src) ? src : -1;
}

std::optional<QuantizedTail> quantized_tail(const ProgramNode& pn, const Program& p, const XnnBuilder& b) {
  auto only_reader = [&](int id) -> int {
    const std::vector<int>& c = p.values[id].users;
    return c.size() == 1 && c[0] >= 0 && b.in_region(c[0]) ? c[0] : -1;
  };
  QuantizedTail t;
  int next = only_reader(pn.outputs[0]);
  if (next >= 0 && p.nodes[next].node->op_type == "Relu" && p.nodes[next].node->domain.empty()) {
    t.relu = next;
    next = only_reader(p.nodes[next].outputs[0]);
  }
  if (next < 0 || p.nodes[next].node->op_type != "QuantizeLinear" || !xnn_can_claim(p.nodes[next], p).is_ok())
    return std::nullopt;
  Result<QParams> q = qparams(p.nodes[next], p);  // claimable: the pair holds
  if (!q.is_ok()) return std::nullopt;
  t.quantize = next;
  t.scale = q.value().scale;
  t.zero_point = q.value().zero_point;
  return t;
}

Result<uint32_t> define_quantized_tail(const QuantizedTail& tail, const Program& p, Layout layout, XnnBuilder* b,
                                       const Node& node) {
  const int q_out = p.nodes[tail.quantize].outputs[0];
  OW_ASSIGN_OR_RETURN(uint32_t out, b->define_quantized(xnn_datatype_qint8, dims_in_layout(p.values[q_out].type.dims, layout),
                                                        tail.scale, tail.zero_point, nullptr, node));
  b->set_quantized(q_out, {out, layout, tail.scale, tail.zero_point});
  if (tail.relu >= 0) b->mark_fused(tail.relu);
  b->mark_fused(tail.quantize);
  return out;
}

Result<bool> lower_binary_qs8(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  if (pn.inputs.size() != 2 || p.values[pn.inputs[0]].type.dims != p.values[pn.inputs[1]].type.dims) return false;
  const int a = quantized_source(*b, pn.inputs[0]), c = quantized_source(*b, pn.inputs[1]);
  if (a < 0 || c < 0) return false;
  const std::optional<QuantizedTail> tail = quantized_tail(pn, p, *b);
  if (!tail) return false;
  // XNNPACK's int8 addition rescales each operand by a 21-bit multiplier: it takes operand to
  // output scale ratios in [2^-10, 2^8) (checked in debug builds only).
  for (int q : {a, c}) {
    const float ratio = b->quantized(q)->scale / tail->scale;
    if (!(ratio >= 0x1.0p-10f && ratio < 0x1.0p+8f)) return false;
  }
  const Dims& dims = p.values[pn.inputs[0]].type.dims;
  const bool nhwc = dims.size() == 4 && (b->quantized(a)->layout == Layout::kNHWC || b->quantized(c)->layout == Layout::kNHWC);
  const Layout layout = nhwc ? Layout::kNHWC : Layout::kNative;
  OW_ASSIGN_OR_RETURN(uint32_t lhs, b->quantized_input(a, layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t rhs, b->quantized_input(c, layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, define_quantized_tail(*tail, p, layout, b, n));
  const xnn_binary_params range = {tail->relu >= 0 ? 0.f : -INFINITY, INFINITY};
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_binary(b->subgraph(), n.op_type == "Sub" ? xnn_binary_subtract : xnn_binary_add,
                                                 &range, lhs, rhs, out, 0),
                               "xnn_define_binary (qint8)", n));
  b->qint8_other++;
  return true;
}

Result<bool> lower_fully_connected_qs8(const ProgramNode& pn, const Program& p, bool trans_b, int bias_id, XnnBuilder* b) {
  const Node& n = *pn.node;
  const int src = quantized_source(*b, pn.inputs[0]);
  if (src < 0) return false;
  const Dims& bd = p.values[pn.inputs[1]].type.dims;  // [k, m], or [m, k] transposed
  const int64_t m = trans_b ? bd[0] : bd[1], k = trans_b ? bd[1] : bd[0];
  const std::optional<Int8Weights> iw = int8_weights(p, pn.inputs[1], m, trans_b ? 0 : 1, bias_id, b->quantized(src)->scale);
  if (!iw) return false;
  const std::optional<QuantizedTail> tail = quantized_tail(pn, p, *b);
  if (!tail) return false;
  // XNNPACK's [m, k] (a per-channel filter's channels come first).
  const int8_t* q = iw->q->data<int8_t>();
  const void* w = b->packed_bytes(static_cast<size_t>(m * k), pn.inputs[1], [&](uint8_t* dst) {
    int8_t* to = reinterpret_cast<int8_t*>(dst);
    if (trans_b) std::copy(q, q + m * k, to);
    else
      for (int64_t o = 0; o < m; o++)
        for (int64_t i = 0; i < k; i++) to[o * k + i] = q[i * m + o];
  });
  OW_ASSIGN_OR_RETURN(uint32_t filter, b->define_channelwise(xnn_datatype_qcint8, {m, k}, iw->scale, w, n));
  OW_ASSIGN_OR_RETURN(uint32_t bias, define_int8_bias(*iw, bias_id, b, n));
  OW_ASSIGN_OR_RETURN(uint32_t in, b->quantized_input(src, Layout::kNative, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, define_quantized_tail(*tail, p, Layout::kNative, b, n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_fully_connected(b->subgraph(), tail->relu >= 0 ? 0.f : -INFINITY, INFINITY, in,
                                                          filter, bias, out, 0),
                               "xnn_define_fully_connected (qint8)", n));
  b->qint8_other++;
  return true;
}

Result<bool> lower_conv_qs8(const ProgramNode& pn, const Program& p, const Window& win, XnnBuilder* b) {
  const Node& n = *pn.node;
  const int src = quantized_source(*b, pn.inputs[0]);
  const XnnBuilder::Quantized* qin = src >= 0 ? b->quantized(src) : nullptr;
  if (!qin) return false;
  const Dims& wd = p.values[pn.inputs[1]].type.dims;
  const int64_t m = wd[0], cg = wd[1], kh = wd[2], kw = wd[3];
  const int bias_id = pn.inputs.size() > 2 && pn.inputs[2] >= 0 ? pn.inputs[2] : -1;
  const std::optional<Int8Weights> iw = int8_weights(p, pn.inputs[1], m, 0, bias_id, qin->scale);
  if (!iw) return false;
  const std::vector<float>& wscale = iw->scale;
  // Conv -> [Relu] -> QuantizeLinear, each the only reader of the one before, all in this region.
  const std::optional<QuantizedTail> tail = quantized_tail(pn, p, *b);
  if (!tail) return false;
  const int relu = tail->relu;
  const int64_t group = attr_int(n, "group", 1);
  uint32_t filter = XNN_INVALID_VALUE_ID;
  OW_ASSIGN_OR_RETURN(uint32_t bias, define_int8_bias(*iw, bias_id, b, n));
  OW_ASSIGN_OR_RETURN(uint32_t in, b->quantized_input(src, Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, define_quantized_tail(*tail, p, Layout::kNHWC, b, n));
  auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  const int64_t taps = kh * kw;
  auto define_convolution = [&](uint32_t kernel, const char* what) {
    return xnn_check(
        xnn_define_convolution_2d(b->subgraph(), u(win.pad_begin[0]), u(win.pad_end[1]), u(win.pad_end[0]), u(win.pad_begin[1]),
                                  u(kh), u(kw), u(win.strides[0]), u(win.strides[1]), u(win.dilations[0]), u(win.dilations[1]),
                                  u(group), static_cast<size_t>(cg), static_cast<size_t>(m / group), relu >= 0 ? 0.f : -INFINITY,
                                  INFINITY, in, kernel, bias, out, 0),
        what, n);
  };
  // Without groups: int8 Winograd (winograd_qs8.h) for the 3x3 stride-1 ones it takes, else a
  // product over 16-bit patches (conv_qs8.h). Both pack their own weights, from OIHW.
  auto tile = [&](int64_t weight_sum) {
    return winograd_qs8_tile(kh, kw, win.strides[0], win.strides[1], win.dilations[0], win.dilations[1], group, cg, m,
                             win.out[0], win.out[1], weight_sum);
  };
  // The weights' own bound on 4x4 tiles, summed only where it could change the tile.
  int winograd = tile(-1);
  if (winograd != 4 && tile(0) == 4) winograd = tile(qs8_max_weight_sum(iw->q->data<int8_t>(), m, cg * taps));
  if (winograd != 0 || conv_qs8_fits(kh, kw, group, cg, m)) {
    OW_ASSIGN_OR_RETURN(filter, b->define_channelwise(xnn_datatype_qcint8, {m, kh, kw, cg}, wscale,
                                                      b->int8_kernel_view(pn.inputs[1], *iw->q), n));
    if (winograd != 0) {
      OW_RETURN_IF_ERROR(define_convolution(filter, "xnn_define_convolution_2d (qint8, Winograd)"));
      use_winograd_qs8(b->subgraph(), winograd);
      b->qint8_winograd++;
    } else {
      OW_RETURN_IF_ERROR(define_convolution(filter, "xnn_define_convolution_2d (qint8, over 16-bit patches)"));
      use_conv_qs8(b->subgraph());
      b->qint8_patches++;
    }
    b->qint8_convolutions++;
    return true;
  }
  // Grouped (and absurdly large) ones: XNNPACK packs OHWI, written straight into the bytes it
  // packs from.
  const void* ohwi = b->packed_bytes(static_cast<size_t>(m * taps * cg), pn.inputs[1], [&](uint8_t* dst) {
    oihw_to_ohwi(iw->q->data<int8_t>(), reinterpret_cast<int8_t*>(dst), m, cg, taps);
  });
  OW_ASSIGN_OR_RETURN(filter, b->define_channelwise(xnn_datatype_qcint8, {m, kh, kw, cg}, wscale, ohwi, n));
  OW_RETURN_IF_ERROR(define_convolution(filter, "xnn_define_convolution_2d (qint8)"));
  b->qint8_convolutions++;
  return true;
}

}  // namespace onnxwasm
