// SPDX-License-Identifier: MIT
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (optional log_prob output): inputs
// (N, C) or (N, C, d1, ...), integer targets (N) or (N, d1, ...), optional per-class weights,
// reduction none / sum / mean (weighted mean over the targets not equal to ignore_index).
// Float32/float64; accumulation in double, log-softmax shifted by the maximum.
#include <cmath>
#include <limits>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_loss(InferContext& ctx) {
  bool sce = ctx.node.op_type == "SoftmaxCrossEntropyLoss";
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 64));
  const Dims& x = ctx.in(0).dims;
  const Dims& t = ctx.in(1).dims;
  OW_CHECK(t.size() + 1 == x.size(), INVALID_INPUT, "%s: target %s must be the input %s without its class axis",
           ctx.node.describe().c_str(), dims_to_string(t).c_str(), dims_to_string(x).c_str());
  if (ctx.has_input(2)) OW_RETURN_IF_ERROR(check_rank(ctx, 2, 1, 1));
  std::string reduction = attr_string(ctx.node, "reduction", "mean");
  OW_CHECK(reduction == "none" || reduction == "sum" || reduction == "mean", INVALID_MODEL,
           "%s: reduction must be none, sum or mean, got '%s'", ctx.node.describe().c_str(), reduction.c_str());
  ctx.set_output(0, ctx.in(0).dtype, reduction == "none" ? t : Dims{});
  if (sce) ctx.set_output(1, ctx.in(0).dtype, x);
  return Status::ok();
}

Status run_loss(KernelContext& ctx) {
  bool sce = ctx.node.op_type == "SoftmaxCrossEntropyLoss";
  const Tensor& x = ctx.in(0);
  const Tensor& target = ctx.in(1);
  const Tensor* weight = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  std::string reduction = attr_string(ctx.node, "reduction", "mean");
  const Attribute* ii = ctx.node.attr("ignore_index");
  bool has_ignore = ii != nullptr;
  int64_t ignore = attr_int(ctx.node, "ignore_index", 0);
  (void)ii;
  int64_t n = x.dims()[0], c = x.dims()[1], inner = x.size() / std::max<int64_t>(1, n * c);
  OW_CHECK(!weight || weight->size() == c, INVALID_INPUT, "weight has %lld entries for %lld classes",
           static_cast<long long>(weight ? weight->size() : 0), static_cast<long long>(c));
  // The per-element log-probabilities: the input itself (NLL) or its log-softmax over axis 1.
  std::vector<double> logp(static_cast<size_t>(x.size()));
  for (int64_t i = 0; i < x.size(); i++) logp[i] = x.float_at(i);
  if (sce) {
    for (int64_t b = 0; b < n; b++)
      for (int64_t j = 0; j < inner; j++) {
        double m = -std::numeric_limits<double>::infinity(), sum = 0;
        for (int64_t k = 0; k < c; k++) m = std::max(m, logp[(b * c + k) * inner + j]);
        for (int64_t k = 0; k < c; k++) sum += std::exp(logp[(b * c + k) * inner + j] - m);
        double lse = m + std::log(sum);
        for (int64_t k = 0; k < c; k++) logp[(b * c + k) * inner + j] -= lse;
      }
    if (ctx.outputs.size() > 1 && ctx.outputs[1]) {
      Tensor& lp = ctx.out(1);
      for (int64_t i = 0; i < x.size(); i++) lp.set_float_at(i, logp[i]);
    }
  }
  std::vector<double> loss(static_cast<size_t>(n * inner));
  double total = 0, weight_sum = 0;
  for (int64_t b = 0; b < n; b++)
    for (int64_t j = 0; j < inner; j++) {
      int64_t cls = target.int_at(b * inner + j);
      double l = 0, w = 0;
      if (!(has_ignore && cls == ignore)) {
        OW_CHECK(cls >= 0 && cls < c, INVALID_INPUT, "target %lld is not a class index (0 to %lld)",
                 static_cast<long long>(cls), static_cast<long long>(c - 1));
        w = weight ? weight->float_at(cls) : 1.0;
        l = -logp[(b * c + cls) * inner + j] * w;
      }
      loss[b * inner + j] = l;
      total += l;
      weight_sum += w;
    }
  Tensor& y = ctx.out(0);
  if (reduction == "none") for (size_t i = 0; i < loss.size(); i++) y.set_float_at(static_cast<int64_t>(i), loss[i]);
  else if (reduction == "sum") y.set_float_at(0, total);
  else y.set_float_at(0, weight_sum == 0 ? (total == 0 ? 0.0 : total / weight_sum) : total / weight_sum);
  return Status::ok();
}

}  // namespace

extern const OpDef kNegativeLogLikelihoodLoss = {"NegativeLogLikelihoodLoss", "", 12, infer_loss, nullptr, run_loss};
extern const OpDef kSoftmaxCrossEntropyLoss = {"SoftmaxCrossEntropyLoss", "", 12, infer_loss, nullptr, run_loss};

}  // namespace onnxwasm
