// SPDX-License-Identifier: MIT
// The XNNPACK rules table: one row per ONNX op XNNPACK can run. Check and lower are one
// function (after TFLite's VisitNode): with b == nullptr it only says whether the node can be
// claimed (and why not); otherwise it defines the node's XNNPACK ops. Support and lowering
// cannot drift apart.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "kernels/spatial.h"
#include "passes/program.h"
#include "xnn/builder.h"

namespace onnxwasm {

using XnnLowerFn = Status (*)(const ProgramNode& pn, const Program& p, XnnBuilder* b);

struct XnnRule {
  std::string_view op_type;
  XnnLowerFn lower;
  bool own_dtypes = false;  // checks its inputs' and outputs' dtypes itself (QDQ rows)
  // Only moves data (Reshape, Transpose): not worth a region of its own, where a reference
  // kernel or a view does the same without a region's setup and thread handoff.
  bool moves_only = false;
  // Nodes that must land in this node's run of claimed nodes (one region), else it stays on
  // its reference kernel; -1 stands for outside every region (a graph input or output).
  std::vector<int> (*same_run)(const Program& p, const ProgramNode& pn) = nullptr;
};

const XnnRule* find_xnn_rule(std::string_view op_type);
// Every op type in the table (tests iterate over it so a new row needs a parity case).
std::vector<std::string_view> xnn_rule_op_types();
// Checks the conditions every rule shares (float32, static shapes), then the rule's own.
Status xnn_can_claim(const ProgramNode& pn, const Program& p);
// Value `id` is a float32 tensor of known, non-empty dims within XNNPACK's rank.
bool xnn_static_f32(const Program& p, int id);
// The single node reading value `id` (not a graph output) if it is an ai.onnx `op` with
// `arity` inputs (0: any number) and one output, else -1.
int sole_reader(const Program& p, int id, const char* op, size_t arity);

// Rows, defined in the rules_*.cc files.
Status lower_conv(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_conv_transpose(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_resize(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_max_pool(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_average_pool(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_global_average_pool(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_global_max_pool(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_gemm(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_matmul(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_unary(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_binary(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_batch_norm(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_concat(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_softmax(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_erf(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_reshape(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_transpose(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_quantize(const ProgramNode&, const Program&, XnnBuilder*);
Status lower_dequantize(const ProgramNode&, const Program&, XnnBuilder*);
std::vector<int> quantize_same_run(const Program&, const ProgramNode&);
std::vector<int> dequantize_same_run(const Program&, const ProgramNode&);
std::vector<int> erf_same_run(const Program&, const ProgramNode&);
// BatchNormalization `pn` (inference, constant per-channel statistics) as y = x * mul + add per
// channel.
Status batch_norm_affine(const ProgramNode& pn, const Program& p, std::vector<float>* mul, std::vector<float>* add);
// Per-channel affine nodes (rules_affine.cc): the chain of them that alone reads value `value`
// (m channels, NCHW) one after another inside the region, as y = x * mul + add per channel.
struct AffineChain {
  std::vector<int> nodes;
  std::vector<float> mul, add;
};
AffineChain affine_chain(const Program& p, const XnnBuilder& b, int value, int64_t m);
// Affine node `pn` on an NHWC activation, with the chain after it, as one 1x1 depthwise
// convolution; false when `pn` is not one (its own lowering then runs).
Result<bool> lower_affine_chain(const ProgramNode& pn, const Program& p, XnnBuilder* b);
// QDQ models (rules_quant.cc). Node `pn`'s output alone feeds a QuantizeLinear in the region,
// through a Relu that alone reads it: the node can write the quantized value itself. Found by
// quantized_tail (nothing defined); define_quantized_tail defines that qint8 value in `layout`
// (the node's XNNPACK op writes it, the Relu as the lower bound of its output range) and skips
// the Relu and the QuantizeLinear.
struct QuantizedTail {
  int relu = -1, quantize = -1;  // node indices
  float scale = 0;
  int32_t zero_point = 0;  // as int8
};
std::optional<QuantizedTail> quantized_tail(const ProgramNode& pn, const Program& p, const XnnBuilder& b);
Result<uint32_t> define_quantized_tail(const QuantizedTail& tail, const Program& p, Layout layout, XnnBuilder* b,
                                       const Node& node);
// The quantized value DequantizeLinear output `id` dequantizes inside the region, or -1.
int quantized_source(const XnnBuilder& b, int id);
// Add or Sub of two dequantized values of one shape whose output is quantized: one qint8
// XNNPACK op; false when the pattern does not hold (the float lowering then runs).
Result<bool> lower_binary_qs8(const ProgramNode& pn, const Program& p, XnnBuilder* b);
// Gemm (alpha = beta = 1) or MatMul of a dequantized input and int8 weights ([k, m], or [m, k]
// with `trans_b`) and bias `bias_id` (-1: none) whose output is quantized: one qint8 fully
// connected op; false when the pattern does not hold.
Result<bool> lower_fully_connected_qs8(const ProgramNode& pn, const Program& p, bool trans_b, int bias_id, XnnBuilder* b);
// Conv with a dequantized input and int8 weights whose output only feeds a QuantizeLinear
// (through Relu): defined as one qint8 convolution with the Conv's resolved window; false when
// the pattern does not hold (the float lowering then runs).
Result<bool> lower_conv_qs8(const ProgramNode& pn, const Program& p, const Window& win, XnnBuilder* b);

// GELU exported as Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5 (rules_gelu.cc): the
// chain's nodes after the Div, its input x and output y; `nodes` is empty when `div` starts none.
struct GeluChain {
  std::vector<int> nodes;
  int x = -1, y = -1;
};
GeluChain match_gelu(const Program& p, int div);
// Div `pn` starting a GELU chain inside the region: defined as one xnn_unary_gelu; false when
// it does not (the Div lowers as a division).
Result<bool> lower_gelu(const ProgramNode& pn, const Program& p, XnnBuilder* b);

// Weights a packing rule can take: a constant, or a DequantizeLinear of constants kept as a
// node (CompileOptions::keep_quantized_weights), which the builder dequantizes while packing.
inline bool constant_weights(const Program& p, int id) {
  return id >= 0 && (p.values[id].constant || (p.values[id].quant && p.values[id].producer >= 0));
}

// "not claimed" reasons are plain statuses with this code; they never reach the user.
#define OW_XNN_REQUIRE(cond, ...) OW_CHECK(cond, UNSUPPORTED_OP, __VA_ARGS__)

}  // namespace onnxwasm
