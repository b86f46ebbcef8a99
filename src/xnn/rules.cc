// SPDX-License-Identifier: MIT
// The table. Adding an XNNPACK-backed op: one row here, its lower function in a rules_*.cc;
// tests/cpp/xnn/parity_test.cc checks it against the reference kernel.
#include "xnn/rules.h"

namespace onnxwasm {

static const XnnRule kRules[] = {
    {"Conv", lower_conv},
    {"ConvTranspose", lower_conv_transpose},
    {"Resize", lower_resize},
    {"MaxPool", lower_max_pool},
    {"AveragePool", lower_average_pool},
    {"GlobalAveragePool", lower_global_average_pool},
    {"GlobalMaxPool", lower_global_max_pool},
    {"Gemm", lower_gemm},
    {"MatMul", lower_matmul},
    {"Relu", lower_unary},
    {"Clip", lower_unary},
    {"LeakyRelu", lower_unary},
    {"Elu", lower_unary},
    {"Sigmoid", lower_unary},
    {"Tanh", lower_unary},
    {"Exp", lower_unary},
    {"Log", lower_unary},
    {"Sqrt", lower_unary},
    {"Abs", lower_unary},
    {"Neg", lower_unary},
    {"Floor", lower_unary},
    {"Ceil", lower_unary},
    {"Round", lower_unary},
    {"HardSwish", lower_unary},
    {"Add", lower_binary},
    {"Sub", lower_binary},
    {"Mul", lower_binary},
    {"Div", lower_binary},
    {"Max", lower_binary},
    {"Min", lower_binary},
    {"Sum", lower_binary},
    {"BatchNormalization", lower_batch_norm},
    {"Concat", lower_concat},
    {"Softmax", lower_softmax},
    {"Erf", lower_erf, false, false, erf_same_run},
    // Not Flatten: kept as a view between a CNN's body and its classifier, it leaves the
    // classifier a region of its own, whose large weights then pack first (plan_xnn); in one
    // region they pack last, beside everything else: loading mobilenet_v2 peaked at 1.58 x the
    // model instead of under 1.5 (tests/js/load-memory.test.mjs).
    {"Reshape", lower_reshape, true, true},
    {"Squeeze", lower_reshape, true, true},
    {"Unsqueeze", lower_reshape, true, true},
    {"Transpose", lower_transpose, false, true},
    {"QuantizeLinear", lower_quantize, true, false, quantize_same_run},
    {"DequantizeLinear", lower_dequantize, true, false, dequantize_same_run},
};

const XnnRule* find_xnn_rule(std::string_view op_type) {
  for (const XnnRule& r : kRules)
    if (r.op_type == op_type) return &r;
  return nullptr;
}

std::vector<std::string_view> xnn_rule_op_types() {
  std::vector<std::string_view> out;
  for (const XnnRule& r : kRules) out.push_back(r.op_type);
  return out;
}

bool xnn_static_f32(const Program& p, int id) {
  const ValueType& t = p.values[id].type;
  return t.dtype == DType::kFloat32 && t.kind == ValueKind::kTensor && !t.optional && t.has_rank && dims_known(t.dims) &&
         num_elements(t.dims) > 0 && t.dims.size() <= XNN_MAX_TENSOR_DIMS;
}

int sole_reader(const Program& p, int id, const char* op, size_t arity) {
  const std::vector<int>& users = p.values[id].users;
  if (users.size() != 1 || users[0] < 0) return -1;
  const ProgramNode& pn = p.nodes[users[0]];
  bool ok = pn.node->op_type == op && pn.node->domain.empty() && pn.outputs.size() == 1 && (arity == 0 || pn.inputs.size() == arity);
  return ok ? users[0] : -1;
}

Status xnn_can_claim(const ProgramNode& pn, const Program& p) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(n.domain.empty(), "not the ai.onnx domain");
  const XnnRule* rule = find_xnn_rule(n.op_type);
  OW_XNN_REQUIRE(rule, "no XNNPACK rule for %s", n.op_type.c_str());
  auto static_f32 = [&](int id) { return xnn_static_f32(p, id); };
  auto is_static = [&](int id) {
    const ValueType& t = p.values[id].type;
    return t.kind == ValueKind::kTensor && !t.optional && t.has_rank && dims_known(t.dims) && t.dims.size() <= 6;
  };
  for (int id : pn.inputs)
    OW_XNN_REQUIRE(id < 0 || (rule->own_dtypes ? is_static(id) : static_f32(id)), "an input is not float32 with a static shape");
  for (size_t i = 0; i < pn.outputs.size(); i++) {
    if (pn.outputs[i] < 0) continue;
    OW_XNN_REQUIRE(i == 0, "extra outputs");
    OW_XNN_REQUIRE(rule->own_dtypes ? is_static(pn.outputs[i]) && num_elements(p.values[pn.outputs[i]].type.dims) > 0
                                    : static_f32(pn.outputs[i]),
                   "the output is not float32 with a static shape");
  }
  return rule->lower(pn, p, nullptr);
}

}  // namespace onnxwasm
