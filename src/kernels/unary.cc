// SPDX-License-Identifier: MIT
// Elementwise unary float ops (float32/float64): Relu, LeakyRelu, Sigmoid, Tanh, Exp, Log,
// Sqrt, Abs, Neg, Floor, Ceil, Round (half to even), Erf, Elu, Selu, HardSigmoid, HardSwish,
// Softplus, Reciprocal, Sin, Cos, Tan, the inverse and hyperbolic trig ops, Softsign,
// ThresholdedRelu, Shrink, Sign, Celu, Mish, Gelu (erf or tanh), and Clip (attributes before
// opset 11, inputs after). Abs/Neg/Relu/Clip/Sign/Shrink also take integer types.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class UnaryKind { kRelu, kLeakyRelu, kSigmoid, kTanh, kExp, kLog, kSqrt, kAbs, kNeg, kFloor,
                       kCeil, kRound, kErf, kElu, kSelu, kHardSigmoid, kHardSwish, kSoftplus,
                       kReciprocal, kSin, kCos, kClip, kTan, kAsin, kAcos, kAtan, kSinh, kCosh,
                       kAsinh, kAcosh, kAtanh, kSoftsign, kThresholdedRelu, kShrink, kSign, kCelu,
                       kMish, kGelu };

struct UnaryState {
  UnaryKind kind;
  float alpha = 0, beta = 0, gamma = 0;
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
};

template <UnaryKind K>
Status prepare_unary(const Node& node, int64_t opset, OpState* state) {
  auto s = std::make_shared<UnaryState>();
  s->kind = K;
  switch (K) {
    case UnaryKind::kLeakyRelu: s->alpha = attr_float(node, "alpha", 0.01f); break;
    case UnaryKind::kElu: s->alpha = attr_float(node, "alpha", 1.0f); break;
    case UnaryKind::kSelu:
      s->alpha = attr_float(node, "alpha", 1.67326319217681884765625f);
      s->gamma = attr_float(node, "gamma", 1.05070102214813232421875f);
      break;
    case UnaryKind::kHardSigmoid:
      s->alpha = attr_float(node, "alpha", 0.2f);
      s->beta = attr_float(node, "beta", 0.5f);
      break;
    case UnaryKind::kThresholdedRelu: s->alpha = attr_float(node, "alpha", 1.0f); break;
    case UnaryKind::kCelu: s->alpha = attr_float(node, "alpha", 1.0f); break;
    case UnaryKind::kShrink:
      s->alpha = attr_float(node, "lambd", 0.5f);
      s->beta = attr_float(node, "bias", 0.0f);
      break;
    case UnaryKind::kGelu: {
      std::string a = attr_string(node, "approximate", "none");
      OW_CHECK(a == "none" || a == "tanh", INVALID_MODEL, "%s: approximate must be 'none' or 'tanh', got '%s'",
               node.describe().c_str(), a.c_str());
      s->alpha = a == "tanh" ? 1.f : 0.f;
      break;
    }
    case UnaryKind::kClip:
      if (opset < 11) {
        s->lo = attr_float(node, "min", s->lo);
        s->hi = attr_float(node, "max", s->hi);
      }
      break;
    default: break;
  }
  *state = s;
  return Status::ok();
}

bool takes_ints(UnaryKind k) {
  return k == UnaryKind::kAbs || k == UnaryKind::kNeg || k == UnaryKind::kRelu || k == UnaryKind::kClip ||
         k == UnaryKind::kSign || k == UnaryKind::kShrink;
}

Status infer_unary(InferContext& ctx) {
  const auto* s = state_as<UnaryState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, s->kind == UnaryKind::kClip ? 3 : 1));
  if (takes_ints(s->kind))
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kUint8,
                                            DType::kInt16, DType::kUint16, DType::kInt32, DType::kUint32,
                                            DType::kInt64, DType::kUint64}));
  else
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  for (size_t i = 1; i < ctx.num_inputs(); i++) {
    if (!ctx.has_input(i)) continue;
    OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype && num_elements(ctx.in(i).dims) <= 1, INVALID_MODEL,
             "%s: min/max must be scalars of the input's dtype %s", ctx.node.describe().c_str(),
             dtype_name(ctx.in(0).dtype));
  }
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

double erf_d(double x) { return std::erf(x); }

template <class T>
void apply(const UnaryState& s, const T* x, T* y, int64_t n, double lo, double hi) {
  for (int64_t i = 0; i < n; i++) {
    double v = static_cast<double>(x[i]), r = 0;
    switch (s.kind) {
      case UnaryKind::kRelu: r = v > 0 ? v : 0; break;
      case UnaryKind::kLeakyRelu: r = v >= 0 ? v : v * s.alpha; break;
      case UnaryKind::kSigmoid: r = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v)); break;
      case UnaryKind::kTanh: r = std::tanh(v); break;
      case UnaryKind::kExp: r = std::exp(v); break;
      case UnaryKind::kLog: r = std::log(v); break;
      case UnaryKind::kSqrt: r = std::sqrt(v); break;
      case UnaryKind::kAbs: r = std::fabs(v); break;
      case UnaryKind::kNeg: r = -v; break;
      case UnaryKind::kFloor: r = std::floor(v); break;
      case UnaryKind::kCeil: r = std::ceil(v); break;
      case UnaryKind::kRound: r = std::nearbyint(v); break;  // default FE mode: half to even
      case UnaryKind::kErf: r = erf_d(v); break;
      case UnaryKind::kElu: r = v >= 0 ? v : s.alpha * (std::exp(v) - 1); break;
      case UnaryKind::kSelu: r = s.gamma * (v > 0 ? v : s.alpha * (std::exp(v) - 1)); break;
      case UnaryKind::kHardSigmoid: r = std::fmax(0, std::fmin(1, s.alpha * v + s.beta)); break;
      case UnaryKind::kHardSwish: r = v * std::fmax(0, std::fmin(1, v / 6 + 0.5)); break;
      case UnaryKind::kSoftplus: r = v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); break;
      case UnaryKind::kReciprocal: r = 1 / v; break;
      case UnaryKind::kSin: r = std::sin(v); break;
      case UnaryKind::kCos: r = std::cos(v); break;
      case UnaryKind::kClip: r = v < lo ? lo : (v > hi ? hi : v); break;
      case UnaryKind::kTan: r = std::tan(v); break;
      case UnaryKind::kAsin: r = std::asin(v); break;
      case UnaryKind::kAcos: r = std::acos(v); break;
      case UnaryKind::kAtan: r = std::atan(v); break;
      case UnaryKind::kSinh: r = std::sinh(v); break;
      case UnaryKind::kCosh: r = std::cosh(v); break;
      case UnaryKind::kAsinh: r = std::asinh(v); break;
      case UnaryKind::kAcosh: r = std::acosh(v); break;
      case UnaryKind::kAtanh: r = std::atanh(v); break;
      case UnaryKind::kSoftsign: r = v / (1 + std::fabs(v)); break;
      case UnaryKind::kThresholdedRelu: r = v > s.alpha ? v : 0; break;
      case UnaryKind::kShrink: r = v < -s.alpha ? v + s.beta : (v > s.alpha ? v - s.beta : 0); break;
      case UnaryKind::kSign: r = v > 0 ? 1 : (v < 0 ? -1 : (v == 0 ? 0 : v)); break;
      case UnaryKind::kCelu: r = std::fmax(0, v) + std::fmin(0, s.alpha * (std::exp(v / s.alpha) - 1)); break;
      case UnaryKind::kMish: r = v * std::tanh(v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v))); break;
      case UnaryKind::kGelu:
        r = s.alpha != 0 ? 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)))
                         : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        break;
    }
    y[i] = static_cast<T>(r);
  }
}

template <class T>
void apply_int(const UnaryState& s, const T* x, T* y, int64_t n, double lo, double hi) {
  for (int64_t i = 0; i < n; i++) {
    T v = x[i];
    switch (s.kind) {
      case UnaryKind::kAbs: y[i] = v < 0 ? static_cast<T>(-v) : v; break;
      case UnaryKind::kNeg: y[i] = static_cast<T>(-v); break;
      case UnaryKind::kRelu: y[i] = v > 0 ? v : 0; break;
      case UnaryKind::kSign: y[i] = static_cast<T>(v > 0 ? 1 : (v < 0 ? -1 : 0)); break;
      case UnaryKind::kShrink: {
        double d = static_cast<double>(v);
        y[i] = static_cast<T>(d < -s.alpha ? d + s.beta : (d > s.alpha ? d - s.beta : 0));
        break;
      }
      default: y[i] = v < lo ? static_cast<T>(lo) : (v > hi ? static_cast<T>(hi) : v); break;
    }
  }
}

Status run_unary(KernelContext& ctx) {
  const auto& s = *state_as<UnaryState>(ctx.state);
  const Tensor& x = ctx.in(0);
  double lo = s.lo, hi = s.hi;
  if (s.kind == UnaryKind::kClip && ctx.opset >= 11) {
    lo = -INFINITY;
    hi = INFINITY;
    if (ctx.has_input(1) && ctx.in(1).size() == 1) lo = ctx.in(1).float_at(0);
    if (ctx.has_input(2) && ctx.in(2).size() == 1) hi = ctx.in(2).float_at(0);
  }
  Tensor& y = ctx.out(0);
  switch (x.dtype()) {
    case DType::kFloat32: {
      // Split over the pool in chunks (Erf, Tanh, ... cost tens of ns per element).
      constexpr int64_t kChunk = 1 << 14;
      const int64_t n = x.size();
      ctx.pool->parallel_for(static_cast<size_t>((n + kChunk - 1) / kChunk), [&](size_t c) {
        const int64_t at = static_cast<int64_t>(c) * kChunk;
        apply(s, x.data<float>() + at, y.data<float>() + at, std::min(kChunk, n - at), lo, hi);
      });
      break;
    }
    case DType::kFloat64: apply(s, x.data<double>(), y.data<double>(), x.size(), lo, hi); break;
    default:
      return visit_numeric(x.dtype(), [&](auto t) {
        using T = decltype(t);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) apply_int(s, x.data<T>(), y.data<T>(), x.size(), lo, hi);
        return Status::ok();
      });
  }
  return Status::ok();
}

#define OW_UNARY(Name, since) \
  extern const OpDef k##Name = {#Name, "", since, infer_unary, prepare_unary<UnaryKind::k##Name>, run_unary};

}  // namespace

OW_UNARY(Relu, 1)
OW_UNARY(LeakyRelu, 1)
OW_UNARY(Sigmoid, 1)
OW_UNARY(Tanh, 1)
OW_UNARY(Exp, 1)
OW_UNARY(Log, 1)
OW_UNARY(Sqrt, 1)
OW_UNARY(Abs, 1)
OW_UNARY(Neg, 1)
OW_UNARY(Floor, 1)
OW_UNARY(Ceil, 1)
OW_UNARY(Round, 11)
OW_UNARY(Erf, 9)
OW_UNARY(Elu, 1)
OW_UNARY(Selu, 1)
OW_UNARY(HardSigmoid, 1)
OW_UNARY(HardSwish, 14)
OW_UNARY(Softplus, 1)
OW_UNARY(Reciprocal, 1)
OW_UNARY(Sin, 7)
OW_UNARY(Cos, 7)
OW_UNARY(Clip, 1)
OW_UNARY(Tan, 7)
OW_UNARY(Asin, 7)
OW_UNARY(Acos, 7)
OW_UNARY(Atan, 7)
OW_UNARY(Sinh, 9)
OW_UNARY(Cosh, 9)
OW_UNARY(Asinh, 9)
OW_UNARY(Acosh, 9)
OW_UNARY(Atanh, 9)
OW_UNARY(Softsign, 1)
OW_UNARY(ThresholdedRelu, 10)
OW_UNARY(Shrink, 9)
OW_UNARY(Sign, 9)
OW_UNARY(Celu, 12)
OW_UNARY(Mish, 18)
OW_UNARY(Gelu, 20)

}  // namespace onnxwasm
