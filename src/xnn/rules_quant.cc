// SPDX-License-Identifier: MIT
// QDQ models on XNNPACK. QuantizeLinear becomes a convert to a qint8 tensor; DequantizeLinear
// becomes nothing until a float consumer asks for it (then a convert back), so a chain
// DQ -> Conv -> [Relu] -> Q whose weights are DequantizeLinear of int8 constants becomes one
// qint8 convolution (lower_conv_qs8): int8 in, int8 weights, int32 bias, int8 out. uint8
// activations are kept as int8 with the zero point moved by -128: the same reals, so every
// value equals the reference kernels' except the qint8 convolution's own rounding (one step).
// Only per-tensor activation parameters (one constant scale and zero point) are taken.
#include <cmath>

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

Result<bool> lower_conv_qs8(const ProgramNode& pn, const Program& p, const Window& win, XnnBuilder* b) {
  const Node& n = *pn.node;
  const int src = b->dequantized_source(pn.inputs[0]);
  const XnnBuilder::Quantized* qin = src >= 0 ? b->quantized(src) : nullptr;
  const ProgramValue& wv = p.values[pn.inputs[1]];
  if (!qin || !wv.quant || wv.quant->q->dtype() != DType::kInt8 || wv.quant->scale->dtype() != DType::kFloat32) return false;
  const QuantOrigin& wq = *wv.quant;
  const Tensor& w = *wq.q;
  const int64_t m = w.dims()[0], cg = w.dims()[1], kh = w.dims()[2], kw = w.dims()[3];
  if (wq.zero_point)
    for (int64_t i = 0; i < wq.zero_point->size(); i++)
      if (wq.zero_point->int_at(i) != 0) return false;  // XNNPACK's int8 weights are symmetric
  const int64_t nscale = wq.scale->size();
  if (!(nscale == 1 || (nscale == m && wq.axis == 0))) return false;
  // Conv -> [Relu] -> QuantizeLinear, each the only reader of the one before, all in this region.
  auto only_reader = [&](int id) -> int {
    const std::vector<int>& c = p.values[id].users;
    return c.size() == 1 && c[0] >= 0 && b->in_region(c[0]) ? c[0] : -1;
  };
  int next = only_reader(pn.outputs[0]), relu = -1;
  if (next >= 0 && p.nodes[next].node->op_type == "Relu" && p.nodes[next].node->domain.empty()) {
    relu = next;
    next = only_reader(p.nodes[relu].outputs[0]);
  }
  if (next < 0 || p.nodes[next].node->op_type != "QuantizeLinear" || !xnn_can_claim(p.nodes[next], p).is_ok()) return false;
  OW_ASSIGN_OR_RETURN(const QParams out_q, qparams(p.nodes[next], p));  // claimable: the pair holds
  const int64_t group = attr_int(n, "group", 1);
  std::vector<float> wscale(static_cast<size_t>(m));
  for (int64_t o = 0; o < m; o++) wscale[o] = wq.scale->data<float>()[nscale == 1 ? 0 : o];
  // The bias in int32 at scale input * weight (as QLinearConv takes it), from its float value.
  const bool has_bias = pn.inputs.size() > 2 && pn.inputs[2] >= 0;
  std::vector<int32_t> bias_q;
  std::vector<float> bscale(static_cast<size_t>(m));
  if (has_bias) {
    const Tensor* bf = p.values[pn.inputs[2]].constant.get();
    if (!bf || bf->dtype() != DType::kFloat32 || bf->size() != m) return false;
    for (int64_t o = 0; o < m; o++) {
      bscale[o] = qin->scale * wscale[o];
      const double v = std::nearbyint(static_cast<double>(bf->data<float>()[o]) / bscale[o]);
      if (!(std::fabs(v) < 2147483647.0)) return false;
      bias_q.push_back(static_cast<int32_t>(v));
    }
  }
  std::vector<int8_t> ohwi(static_cast<size_t>(w.size()));
  oihw_to_ohwi(w.data<int8_t>(), ohwi.data(), m, cg, kh * kw);
  // Per-channel (qcint8) even for one scale: XNNPACK's newer, faster int8 kernels.
  OW_ASSIGN_OR_RETURN(uint32_t filter, b->define_channelwise(xnn_datatype_qcint8, {m, kh, kw, cg}, wscale,
                                                             b->packed_bytes(ohwi.data(), ohwi.size(), pn.inputs[1]), n));
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (has_bias) {
    OW_ASSIGN_OR_RETURN(bias, b->define_channelwise(xnn_datatype_qcint32, {m}, bscale,
                                                    b->packed_bytes(bias_q.data(), bias_q.size() * 4, pn.inputs[2]), n));
  }
  OW_ASSIGN_OR_RETURN(uint32_t in, b->quantized_input(src, Layout::kNHWC, n));
  const int q_out = p.nodes[next].outputs[0];
  OW_ASSIGN_OR_RETURN(uint32_t out, b->define_quantized(xnn_datatype_qint8, dims_in_layout(p.values[q_out].type.dims, Layout::kNHWC),
                                                        out_q.scale, out_q.zero_point, nullptr, n));
  auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  OW_RETURN_IF_ERROR(xnn_check(
      xnn_define_convolution_2d(b->subgraph(), u(win.pad_begin[0]), u(win.pad_end[1]), u(win.pad_end[0]), u(win.pad_begin[1]),
                                u(kh), u(kw), u(win.strides[0]), u(win.strides[1]), u(win.dilations[0]), u(win.dilations[1]),
                                u(group), static_cast<size_t>(cg), static_cast<size_t>(m / group), relu >= 0 ? 0.f : -INFINITY,
                                INFINITY, in, filter, bias, out, 0),
      "xnn_define_convolution_2d (qint8)", n));
  b->set_quantized(q_out, {out, Layout::kNHWC, out_q.scale, out_q.zero_point});
  if (relu >= 0) b->mark_fused(relu);
  b->mark_fused(next);
  b->qint8_convolutions++;
  return true;
}

}  // namespace onnxwasm
