// SPDX-License-Identifier: MIT
// Gemm and MatMul with a constant B -> xnn_define_fully_connected (weights packed once).
// Gemm needs transA=0 and a C that is a per-column bias; alpha and beta are folded into the
// packed weights and bias. MatMul with a computed B -> xnn_define_batch_matrix_multiply. Between
// DequantizeLinear and QuantizeLinear, with int8 weights, both run in int8 (rules_quant.cc).
#include <cmath>

#include "xnn/rules.h"

namespace onnxwasm {

Status lower_gemm(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(attr_int(n, "transA", 0) == 0, "transA");
  OW_XNN_REQUIRE(constant_weights(p, pn.inputs[1]), "B is not constant");
  bool trans_b = attr_int(n, "transB", 0) != 0;
  float alpha = attr_float(n, "alpha", 1.f), beta = attr_float(n, "beta", 1.f);
  const Dims& B = p.values[pn.inputs[1]].type.dims;
  OW_XNN_REQUIRE(B.size() == 2, "B is not a matrix");
  int64_t k = trans_b ? B[1] : B[0], cols = trans_b ? B[0] : B[1];
  const Tensor* C = pn.inputs.size() > 2 && pn.inputs[2] >= 0 ? p.values[pn.inputs[2]].constant.get() : nullptr;
  if (pn.inputs.size() > 2 && pn.inputs[2] >= 0) {
    OW_XNN_REQUIRE(C, "C is not constant");
    OW_XNN_REQUIRE(C->size() == cols && (C->rank() == 1 || (C->rank() == 2 && C->dims()[0] == 1)) ||
                       C->size() == 1,
                   "C is not a per-column bias");
  }
  if (!b) return Status::ok();
  if (alpha == 1.f && (!C || (beta == 1.f && C->size() == cols))) {
    OW_ASSIGN_OR_RETURN(bool quantized, lower_fully_connected_qs8(pn, p, trans_b, C ? pn.inputs[2] : -1, b));
    if (quantized) return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNative, n));
  uint32_t filter;
  if (alpha == 1.f) {
    OW_ASSIGN_OR_RETURN(filter, b->packed_view(pn.inputs[1], B, n));
  } else {
    OW_ASSIGN_OR_RETURN(std::vector<float> w, b->float_values(pn.inputs[1], n));
    for (float& v : w) v *= alpha;
    OW_ASSIGN_OR_RETURN(filter, b->packed_tensor(std::move(w), B, pn.inputs[1], n));
  }
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (C && beta != 0) {
    std::vector<float> bv(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; j++) bv[j] = beta * C->data<float>()[C->size() == 1 ? 0 : j];
    OW_ASSIGN_OR_RETURN(bias, b->packed_tensor(std::move(bv), {cols}, pn.inputs[2], n));
  }
  b->expect_fully_connected(filter, bias, static_cast<size_t>(cols), static_cast<size_t>(k), !trans_b);
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNative, n));
  return xnn_check(xnn_define_fully_connected(b->subgraph(), -INFINITY, INFINITY, in, filter, bias, out,
                                              trans_b ? 0 : XNN_FLAG_TRANSPOSE_WEIGHTS),
                   "xnn_define_fully_connected", n);
}

Status lower_matmul(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims &A = p.values[pn.inputs[0]].type.dims, &B = p.values[pn.inputs[1]].type.dims;
  OW_XNN_REQUIRE(A.size() >= 2, "A is a vector");
  const bool weights = constant_weights(p, pn.inputs[1]);
  // Constant weights of rank above 2 would need XNNPACK's batched product with static B.
  OW_XNN_REQUIRE(!weights || B.size() == 2, "B is constant but not a matrix");
  OW_XNN_REQUIRE(B.size() >= 2, "B is a vector");
  if (!b) return Status::ok();
  if (weights) {
    OW_ASSIGN_OR_RETURN(bool quantized, lower_fully_connected_qs8(pn, p, false, -1, b));
    if (quantized) return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNative, n));
  if (!weights) {
    // Both operands computed (attention's Q.K^T and P.V): batch dims broadcast as in ONNX.
    OW_ASSIGN_OR_RETURN(uint32_t rhs, b->input(pn.inputs[1], Layout::kNative, n));
    OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNative, n));
    return xnn_check(xnn_define_batch_matrix_multiply(b->subgraph(), in, rhs, out, 0), "xnn_define_batch_matrix_multiply", n);
  }
  OW_ASSIGN_OR_RETURN(uint32_t filter, b->packed_view(pn.inputs[1], B, n));
  b->expect_fully_connected(filter, XNN_INVALID_VALUE_ID, static_cast<size_t>(B[1]), static_cast<size_t>(B[0]), true);
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNative, n));
  return xnn_check(xnn_define_fully_connected(b->subgraph(), -INFINITY, INFINITY, in, filter, XNN_INVALID_VALUE_ID,
                                              out, XNN_FLAG_TRANSPOSE_WEIGHTS),
                   "xnn_define_fully_connected", n);
}

}  // namespace onnxwasm
