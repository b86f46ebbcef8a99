// SPDX-License-Identifier: MIT
// Layout-agnostic ops: they run in whatever layout their input has (NHWC after a Conv), so
// chains like Conv -> BatchNormalization -> Relu -> Add stay in NHWC with no transposes.
// Unary ops map to xnn_define_unary (Relu and Clip with constant bounds -> clamp, Round ->
// bankers_rounding); binary and variadic Sum/Max/Min to chains of xnn_define_binary;
// BatchNormalization to a multiply and an add with per-channel constants; Concat to
// xnn_define_concatenate2..5; Softmax when its axis is the innermost one in the chosen layout.
#include <cmath>

#include "xnn/rules.h"

namespace onnxwasm {
namespace {

// The layout a multi-input elementwise op runs in: NHWC if any rank-4 input already is.
Layout common_layout(const ProgramNode& pn, const XnnBuilder& b) {
  for (int id : pn.inputs)
    if (id >= 0 && b.layout_of(id) == Layout::kNHWC) return Layout::kNHWC;
  return Layout::kNative;
}

struct UnaryRow { const char* op; xnn_unary_operator xop; };
const UnaryRow kUnary[] = {
    {"Relu", xnn_unary_clamp}, {"Clip", xnn_unary_clamp}, {"LeakyRelu", xnn_unary_leaky_relu},
    {"Elu", xnn_unary_elu}, {"Sigmoid", xnn_unary_sigmoid}, {"Tanh", xnn_unary_tanh},
    {"Exp", xnn_unary_exp}, {"Log", xnn_unary_log}, {"Sqrt", xnn_unary_square_root},
    {"Abs", xnn_unary_abs}, {"Neg", xnn_unary_negate}, {"Floor", xnn_unary_floor},
    {"Ceil", xnn_unary_ceiling}, {"Round", xnn_unary_bankers_rounding}, {"HardSwish", xnn_unary_hardswish},
};

}  // namespace

Status lower_unary(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const UnaryRow* row = nullptr;
  for (const UnaryRow& r : kUnary) if (n.op_type == r.op) row = &r;
  OW_XNN_REQUIRE(row, "no unary row");
  xnn_unary_params params{};
  if (n.op_type == "Relu") {
    params.clamp = {0.f, INFINITY};
  } else if (n.op_type == "Clip") {
    params.clamp = {-INFINITY, INFINITY};
    if (pn.opset < 11) {
      params.clamp = {attr_float(n, "min", -INFINITY), attr_float(n, "max", INFINITY)};
    } else {
      for (size_t i = 1; i < 3 && i < pn.inputs.size(); i++) {
        if (pn.inputs[i] < 0) continue;
        const Tensor* c = p.values[pn.inputs[i]].constant.get();
        OW_XNN_REQUIRE(c && c->size() == 1, "Clip bounds are not constant");
        (i == 1 ? params.clamp.min : params.clamp.max) = static_cast<float>(c->float_at(0));
      }
    }
    OW_XNN_REQUIRE(params.clamp.min <= params.clamp.max, "empty Clip range");
  } else if (n.op_type == "LeakyRelu") {
    params.leaky_relu.negative_slope = attr_float(n, "alpha", 0.01f);
  } else if (n.op_type == "Elu") {
    params.elu.alpha = attr_float(n, "alpha", 1.f);
  }
  if (!b) return Status::ok();
  Layout layout = b->layout_of(pn.inputs[0]);
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], layout, n));
  return xnn_check(xnn_define_unary(b->subgraph(), row->xop, &params, in, out, 0), "xnn_define_unary", n);
}

Status lower_binary(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  xnn_binary_operator op = n.op_type == "Add" || n.op_type == "Sum" ? xnn_binary_add
                           : n.op_type == "Sub"                      ? xnn_binary_subtract
                           : n.op_type == "Mul"                      ? xnn_binary_multiply
                           : n.op_type == "Div"                      ? xnn_binary_divide
                           : n.op_type == "Max"                      ? xnn_binary_maximum
                                                                     : xnn_binary_minimum;
  OW_XNN_REQUIRE(pn.inputs.size() >= 2, "a single operand");
  const Dims& out_dims = p.values[pn.outputs[0]].type.dims;
  // Operands must broadcast within rank 4 so the NHWC permutation applies to each.
  for (int id : pn.inputs) OW_XNN_REQUIRE(id >= 0 && p.values[id].type.dims.size() <= out_dims.size(), "operand rank");
  OW_XNN_REQUIRE(out_dims.size() <= 4, "rank above 4");
  if (!b) return Status::ok();
  if (n.op_type == "Add" || n.op_type == "Sub") {
    OW_ASSIGN_OR_RETURN(bool quantized, lower_binary_qs8(pn, p, b));
    if (quantized) return Status::ok();
  }
  if (n.op_type == "Mul" || n.op_type == "Add" || n.op_type == "Sub") {
    OW_ASSIGN_OR_RETURN(bool affine, lower_affine_chain(pn, p, b));
    if (affine) return Status::ok();
  }
  if (n.op_type == "Div") {
    OW_ASSIGN_OR_RETURN(bool gelu, lower_gelu(pn, p, b));
    if (gelu) return Status::ok();
  }
  Layout layout = out_dims.size() == 4 ? common_layout(pn, *b) : Layout::kNative;
  OW_ASSIGN_OR_RETURN(uint32_t acc, b->input(pn.inputs[0], layout, n));
  for (size_t i = 1; i < pn.inputs.size(); i++) {
    OW_ASSIGN_OR_RETURN(uint32_t rhs, b->input(pn.inputs[i], layout, n));
    uint32_t out;
    if (i + 1 == pn.inputs.size()) {
      OW_ASSIGN_OR_RETURN(out, b->output(pn.outputs[0], layout, n));
    } else {
      // A partial result of a variadic op has the broadcast shape of the operands so far.
      Dims partial = p.values[pn.inputs[0]].type.dims;
      for (size_t j = 1; j <= i; j++) partial = broadcast_dims(n, partial, p.values[pn.inputs[j]].type.dims).take();
      while (partial.size() < out_dims.size()) partial.insert(partial.begin(), 1);
      std::vector<size_t> d;
      for (int64_t v : dims_in_layout(partial, layout)) d.push_back(static_cast<size_t>(v));
      OW_RETURN_IF_ERROR(xnn_check(xnn_define_tensor_value(b->subgraph(), xnn_datatype_fp32, d.size(), d.data(),
                                                           nullptr, XNN_INVALID_VALUE_ID, 0, &out),
                                   "xnn_define_tensor_value", n));
    }
    OW_RETURN_IF_ERROR(xnn_check(xnn_define_binary(b->subgraph(), op, nullptr, acc, rhs, out, 0), "xnn_define_binary", n));
    acc = out;
  }
  return Status::ok();
}

Status batch_norm_affine(const ProgramNode& pn, const Program& p, std::vector<float>* mul, std::vector<float>* add) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() >= 2, "rank");
  OW_XNN_REQUIRE(attr_int(n, "training_mode", 0) == 0, "training mode (batch statistics)");
  const int64_t c = x[1];
  for (size_t i = 1; i < 5; i++) {
    const Tensor* t = i < pn.inputs.size() && pn.inputs[i] >= 0 ? p.values[pn.inputs[i]].constant.get() : nullptr;
    OW_XNN_REQUIRE(t, "statistics are not constant");
    // Opsets before 9 allow spatial=0: statistics per element, not per channel.
    OW_XNN_REQUIRE(t->dtype() == DType::kFloat32 && t->size() == c, "statistics are not one per channel");
  }
  const float eps = attr_float(n, "epsilon", 1e-5f);
  const float* scale = p.values[pn.inputs[1]].constant->data<float>();
  const float* bias = p.values[pn.inputs[2]].constant->data<float>();
  const float* mean = p.values[pn.inputs[3]].constant->data<float>();
  const float* var = p.values[pn.inputs[4]].constant->data<float>();
  mul->resize(static_cast<size_t>(c));
  add->resize(static_cast<size_t>(c));
  for (int64_t i = 0; i < c; i++) {
    (*mul)[i] = scale[i] / std::sqrt(var[i] + eps);
    (*add)[i] = bias[i] - mean[i] * (*mul)[i];
  }
  return Status::ok();
}

Status lower_batch_norm(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  OW_XNN_REQUIRE(x.size() == 4 || x.size() == 2, "rank");
  std::vector<float> mul, add;
  OW_RETURN_IF_ERROR(batch_norm_affine(pn, p, &mul, &add));
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(bool affine, lower_affine_chain(pn, p, b));
  if (affine) return Status::ok();
  const int64_t c = x[1];
  Layout layout = x.size() == 4 ? b->layout_of(pn.inputs[0]) : Layout::kNative;
  // Per-channel operands: [C] broadcasts on the last axis (NHWC or [N, C]); [C,1,1] on NCHW.
  Dims cd = layout == Layout::kNHWC || x.size() == 2 ? Dims{c} : Dims{c, 1, 1};
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t mid_scale, b->static_tensor(std::move(mul), cd, n));
  OW_ASSIGN_OR_RETURN(uint32_t mid_add, b->static_tensor(std::move(add), cd, n));
  std::vector<size_t> d;
  for (int64_t v : dims_in_layout(x, layout)) d.push_back(static_cast<size_t>(v));
  uint32_t scaled;
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_tensor_value(b->subgraph(), xnn_datatype_fp32, d.size(), d.data(), nullptr,
                                                       XNN_INVALID_VALUE_ID, 0, &scaled),
                               "xnn_define_tensor_value", n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_binary(b->subgraph(), xnn_binary_multiply, nullptr, in, mid_scale, scaled, 0),
                               "xnn_define_binary", n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], layout, n));
  return xnn_check(xnn_define_binary(b->subgraph(), xnn_binary_add, nullptr, scaled, mid_add, out, 0),
                   "xnn_define_binary", n);
}

Status lower_concat(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& out_dims = p.values[pn.outputs[0]].type.dims;
  OW_XNN_REQUIRE(pn.inputs.size() >= 2 && pn.inputs.size() <= 5, "input count");
  if (!b) return Status::ok();
  int64_t axis = attr_int(n, "axis", pn.opset < 4 ? 1 : 0);
  if (axis < 0) axis += static_cast<int64_t>(out_dims.size());
  Layout layout = out_dims.size() == 4 ? common_layout(pn, *b) : Layout::kNative;
  int32_t xaxis = static_cast<int32_t>(layout == Layout::kNHWC ? nhwc_axis(axis) : axis);
  std::vector<uint32_t> ins;
  for (int id : pn.inputs) {
    OW_ASSIGN_OR_RETURN(uint32_t v, b->input(id, layout, n));
    ins.push_back(v);
  }
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], layout, n));
  xnn_subgraph_t s = b->subgraph();
  xnn_status st;
  switch (ins.size()) {
    case 2: st = xnn_define_concatenate2(s, xaxis, ins[0], ins[1], out, 0); break;
    case 3: st = xnn_define_concatenate3(s, xaxis, ins[0], ins[1], ins[2], out, 0); break;
    case 4: st = xnn_define_concatenate4(s, xaxis, ins[0], ins[1], ins[2], ins[3], out, 0); break;
    default: st = xnn_define_concatenate5(s, xaxis, ins[0], ins[1], ins[2], ins[3], ins[4], out, 0); break;
  }
  return xnn_check(st, "xnn_define_concatenate", n);
}

Status lower_softmax(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  int64_t rank = static_cast<int64_t>(x.size());
  int64_t axis = attr_int(n, "axis", pn.opset < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  // Before opset 13 the input is coerced to 2D at axis: innermost only when axis = rank-1.
  bool last = axis == rank - 1;
  bool nhwc_channels = pn.opset >= 13 && rank == 4 && axis == 1;
  OW_XNN_REQUIRE(last || nhwc_channels, "softmax axis is not innermost");
  if (!b) return Status::ok();
  Layout layout = last ? Layout::kNative : Layout::kNHWC;
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], layout, n));
  return xnn_check(xnn_define_softmax(b->subgraph(), in, out, 0), "xnn_define_softmax", n);
}

}  // namespace onnxwasm
