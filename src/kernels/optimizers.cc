// SPDX-License-Identifier: MIT
// The ai.onnx.preview.training optimizers, one update step each, for n tensors at once:
// Adagrad (inputs R, T, X..., G..., H...; outputs X'..., H'...), Momentum (standard or
// nesterov; V), Adam (V and H). Float32/float64, computed in double as the spec's formulas.
#include <cmath>
#include <string>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class Opt { kAdagrad, kMomentum, kAdam };

int groups(Opt o) { return o == Opt::kAdagrad ? 3 : o == Opt::kMomentum ? 3 : 4; }

Opt kind_of(const Node& n) {
  return n.op_type == "Adagrad" ? Opt::kAdagrad : n.op_type == "Momentum" ? Opt::kMomentum : Opt::kAdam;
}

Status infer_optimizer(InferContext& ctx) {
  Opt o = kind_of(ctx.node);
  int g = groups(o);
  OW_RETURN_IF_ERROR(check_variadic_inputs(ctx, 2 + g, 2 + 1024 * static_cast<size_t>(g)));
  size_t n = (ctx.num_inputs() - 2) / g;
  OW_CHECK((ctx.num_inputs() - 2) % g == 0 && ctx.outputs.size() == (g - 1) * n, INVALID_MODEL,
           "%s: %zu inputs and %zu outputs do not form %d groups of tensors", ctx.node.describe().c_str(),
           ctx.num_inputs(), ctx.outputs.size(), g);
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < g; k++) {
      const ValueType& v = ctx.in(2 + k * n + i);
      OW_CHECK(v.dtype == DType::kFloat32 || v.dtype == DType::kFloat64, UNSUPPORTED_OP, "%s: tensors must be float",
               ctx.node.describe().c_str());
      OW_CHECK(v.dims == ctx.in(2 + i).dims, INVALID_INPUT, "%s: tensor group %zu has mismatched shapes",
               ctx.node.describe().c_str(), i);
      if (k < g - 1) ctx.set_output(k * n + i, ctx.in(2 + i).dtype, ctx.in(2 + i).dims);  // X', then the states
    }
  if (o != Opt::kMomentum)
    for (size_t i = 0; i < n; i++) ctx.set_output((g - 2) * n + i, ctx.in(2 + i).dtype, ctx.in(2 + i).dims);
  return Status::ok();
}

void put(Tensor* t, int64_t i, double v) {
  if (t) t->set_float_at(i, v);  // an output the node leaves out is skipped
}

Status run_optimizer(KernelContext& ctx) {
  Opt o = kind_of(ctx.node);
  int g = groups(o);
  size_t n = (ctx.inputs.size() - 2) / g;
  OW_CHECK(ctx.in(0).size() == 1 && ctx.in(1).size() == 1, INVALID_INPUT, "R and T must be scalars");
  double r = ctx.in(0).float_at(0);
  int64_t t = ctx.in(1).int_at(0);
  const Node& nd = ctx.node;
  double norm = attr_float(nd, "norm_coefficient", 0.f);
  auto out = [&](size_t k) { return k < ctx.outputs.size() ? ctx.outputs[k] : nullptr; };
  for (size_t i = 0; i < n; i++) {
    const Tensor &x = ctx.in(2 + i), &grad = ctx.in(2 + n + i);
    for (int64_t e = 0; e < x.size(); e++) {
      double xv = x.float_at(e), gr = norm * xv + grad.float_at(e);
      if (o == Opt::kAdagrad) {
        double rate = r / (1 + static_cast<double>(t) * attr_float(nd, "decay_factor", 0.f));
        double h = ctx.in(2 + 2 * n + i).float_at(e) + gr * gr;
        put(out(i), e, xv - rate * gr / (std::sqrt(h) + attr_float(nd, "epsilon", 0.f)));
        put(out(n + i), e, h);
      } else if (o == Opt::kMomentum) {
        double alpha = attr_float(nd, "alpha", 0.f), beta = t > 0 ? attr_float(nd, "beta", 0.f) : 1.0;
        double v = alpha * ctx.in(2 + 2 * n + i).float_at(e) + beta * gr;
        bool nesterov = attr_string(nd, "mode", "standard") == "nesterov";
        put(out(i), e, nesterov ? xv - r * (gr + alpha * v) : xv - r * v);
        put(out(n + i), e, v);
      } else {
        double alpha = attr_float(nd, "alpha", 0.9f), beta = attr_float(nd, "beta", 0.999f);
        double v = alpha * ctx.in(2 + 2 * n + i).float_at(e) + (1 - alpha) * gr;
        double h = beta * ctx.in(2 + 3 * n + i).float_at(e) + (1 - beta) * gr * gr;
        double rate = t > 0 ? r * std::sqrt(1 - std::pow(beta, static_cast<double>(t))) /
                                  (1 - std::pow(alpha, static_cast<double>(t)))
                            : r;
        double xn = xv - rate * v / (std::sqrt(h) + attr_float(nd, "epsilon", 1e-6f));
        put(out(i), e, (1 - attr_float(nd, "norm_coefficient_post", 0.f)) * xn);
        put(out(n + i), e, v);
        put(out(2 * n + i), e, h);
      }
    }
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kAdagrad = {"Adagrad", "ai.onnx.preview.training", 1, infer_optimizer, nullptr, run_optimizer};
extern const OpDef kMomentum = {"Momentum", "ai.onnx.preview.training", 1, infer_optimizer, nullptr, run_optimizer};
extern const OpDef kAdam = {"Adam", "ai.onnx.preview.training", 1, infer_optimizer, nullptr, run_optimizer};

}  // namespace onnxwasm
