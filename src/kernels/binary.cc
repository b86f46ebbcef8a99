// SPDX-License-Identifier: MIT
// Elementwise binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Mod (fmod
// or Python's sign-of-divisor remainder), PRelu, and the variadic Max, Min, Sum, Mean.
// Float32/float64 and integer types (Mean: float only; Pow's exponent may be another type);
// float16/bfloat16 are computed in float32 and rounded back.
// Integer Div truncates toward zero as onnxruntime does; integer division by zero yields 0.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/broadcast.h"
#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class BinKind { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kSum, kMean, kMod, kPRelu, kFmodInt };

struct BinState { BinKind kind; bool fmod; };

template <BinKind K>
Status prepare_bin(const Node& node, int64_t, OpState* state) {
  *state = std::make_shared<BinState>(BinState{K, attr_int(node, "fmod", 0) != 0});
  return Status::ok();
}

// Before opset 7, PRelu's slope of shape [C] is per channel (axis 1), not numpy-broadcast.
Dims legacy_slope_dims(const Node& n, int64_t opset, const Dims& x, const Dims& slope) {
  if (opset >= 7 || n.op_type != "PRelu" || slope.size() != 1 || x.size() < 3 || slope[0] != x[1]) return slope;
  Dims d(x.size() - 1, 1);
  d[0] = slope[0];
  return d;
}

bool variadic(BinKind k) { return k == BinKind::kMax || k == BinKind::kMin || k == BinKind::kSum || k == BinKind::kMean; }

Status infer_bin(InferContext& ctx) {
  BinKind k = state_as<BinState>(ctx.state)->kind;
  OW_RETURN_IF_ERROR(check_variadic_inputs(ctx, variadic(k) ? 1 : 2, variadic(k) ? 1024 : 2));
  if (k == BinKind::kMean)
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}));
  else
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES, DType::kFloat16, DType::kBFloat16}));
  Dims dims = ctx.in(0).dims;
  for (size_t i = 1; i < ctx.num_inputs(); i++) {
    // Pow's exponent may have another numeric type; everything else must match.
    if (k != BinKind::kPow)
      OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype, INVALID_MODEL,
               "%s: input %zu ('%s') has dtype %s, input 0 has %s", ctx.node.describe().c_str(),
               i, ctx.node.inputs[i].c_str(), dtype_name(ctx.in(i).dtype),
               dtype_name(ctx.in(0).dtype));
    else
      OW_RETURN_IF_ERROR(check_dtype(ctx, i, {OW_NUMERIC_DTYPES}));
    OW_ASSIGN_OR_RETURN(dims, broadcast_dims(ctx.node, dims, legacy_slope_dims(ctx.node, ctx.opset, ctx.in(0).dims, ctx.in(i).dims)));
  }
  ctx.set_output(0, ctx.in(0).dtype, dims);
  return Status::ok();
}

// Integer +, - and * wrap around (two's complement), as onnxruntime's do; in C++ a signed
// overflow would be undefined (and int16 operands multiply as int). Floats pass through.
template <class T, class F>
T wrapping(T a, T b, F op) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;
    return static_cast<T>(op(static_cast<U>(a), static_cast<U>(b)));
  } else {
    return static_cast<T>(op(a, b));
  }
}

// Signed a / -1 and a % -1 overflow for the most negative a: the wrapped results, without it.
template <class T>
bool minus_one(T b) {
  if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) return b == T(-1);
  return false;
}

template <class T>
T combine(BinKind k, T a, T b) {
  const auto mul = [](auto x, auto y) { return x * y; };
  switch (k) {
    case BinKind::kPRelu: return a < 0 ? wrapping(a, b, mul) : a;
    case BinKind::kFmodInt:
      if constexpr (std::is_integral_v<T>) return b == 0 || minus_one(b) ? T(0) : static_cast<T>(a % b);
      else return std::fmod(a, b);
    case BinKind::kMod:  // Python's %: the sign of the divisor (integers; fmod=1 goes to kFmod)
      if constexpr (std::is_integral_v<T>) {
        if (b == 0 || minus_one(b)) return T(0);
        T r = static_cast<T>(a % b);
        if constexpr (std::is_signed_v<T>) { if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b); }
        return r;
      } else {
        return std::fmod(a, b);
      }
    case BinKind::kAdd: case BinKind::kSum: case BinKind::kMean: return wrapping(a, b, [](auto x, auto y) { return x + y; });
    case BinKind::kSub: return wrapping(a, b, [](auto x, auto y) { return x - y; });
    case BinKind::kMul: return wrapping(a, b, mul);
    case BinKind::kDiv:
      if constexpr (std::is_integral_v<T>) {
        if (minus_one(b)) return wrapping(T(0), a, [](auto x, auto y) { return x - y; });
        return b == 0 ? T(0) : static_cast<T>(a / b);
      } else {
        return a / b;
      }
    case BinKind::kPow: return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case BinKind::kMax:
      if constexpr (std::is_floating_point_v<T>) { if (std::isnan(a) || std::isnan(b)) return NAN; }
      return a > b ? a : b;
    case BinKind::kMin:
      if constexpr (std::is_floating_point_v<T>) { if (std::isnan(a) || std::isnan(b)) return NAN; }
      return a < b ? a : b;
  }
  return a;
}

// out = a (op) b with broadcasting; `b` is read as type B (Pow's exponent may differ).
template <class T, class B>
void combine_into(BinKind k, const Tensor& a, const Tensor& b, Tensor& out) {
  const T* pa = a.data<T>();
  const B* pb = b.data<B>();
  T* po = out.data<T>();
  if (a.dims() == out.dims() && b.dims() == out.dims()) {
    for (int64_t i = 0; i < out.size(); i++) po[i] = combine<T>(k, pa[i], static_cast<T>(pb[i]));
    return;
  }
  BroadcastIter<2> it(out.dims(), {&a.dims(), &b.dims()});
  for (int64_t i = 0; i < out.size(); i++, it.next())
    po[i] = combine<T>(k, pa[it.offset(0)], static_cast<T>(pb[it.offset(1)]));
}

Status run_bin(KernelContext& ctx);

template <class T>
Status run_typed(KernelContext& ctx, BinKind k) {
  Tensor& out = ctx.out(0);
  if (k == BinKind::kPow && ctx.in(1).dtype() != ctx.in(0).dtype()) {
    return visit_numeric(ctx.in(1).dtype(), [&](auto e) {
      combine_into<T, decltype(e)>(k, ctx.in(0), ctx.in(1), out);
      return Status::ok();
    });
  }
  if (k == BinKind::kPRelu && ctx.opset < 7) {
    Tensor slope = Tensor::view(ctx.in(1).dtype(), legacy_slope_dims(ctx.node, ctx.opset, ctx.in(0).dims(), ctx.in(1).dims()),
                                const_cast<void*>(ctx.in(1).raw()));
    combine_into<T, T>(k, ctx.in(0), slope, out);
    return Status::ok();
  }
  size_t n = ctx.inputs.size();
  if (n == 1) {
    // Variadic op over a single input: a broadcast copy.
    Tensor one = Tensor::view(ctx.in(0).dtype(), ctx.in(0).dims(), const_cast<void*>(ctx.in(0).raw()));
    BroadcastIter<1> it(out.dims(), {&one.dims()});
    for (int64_t i = 0; i < out.size(); i++, it.next()) out.data<T>()[i] = one.data<T>()[it.offset(0)];
  } else {
    combine_into<T, T>(k, ctx.in(0), ctx.in(1), out);
    // Later inputs fold into the output in place (its dims already cover every input).
    for (size_t i = 2; i < n; i++) {
      Tensor acc = Tensor::view(out.dtype(), out.dims(), out.raw());
      combine_into<T, T>(k, acc, ctx.in(i), out);
    }
  }
  if (k == BinKind::kMean)
    for (int64_t i = 0; i < out.size(); i++) out.data<T>()[i] = static_cast<T>(out.data<T>()[i] / static_cast<T>(n));
  return Status::ok();
}

// float16/bfloat16: widen every input to float32, compute, round the result back.
Status run_half(KernelContext& ctx) {
  std::vector<Tensor> wide(ctx.inputs.size());
  KernelContext wctx = ctx;
  for (size_t i = 0; i < ctx.inputs.size(); i++) {
    const Tensor& t = ctx.in(i);
    if (t.dtype() != DType::kFloat16 && t.dtype() != DType::kBFloat16) continue;
    OW_ASSIGN_OR_RETURN(wide[i], Tensor::make(DType::kFloat32, t.dims()));
    for (int64_t j = 0; j < t.size(); j++) wide[i].data<float>()[j] = static_cast<float>(t.float_at(j));
    wctx.inputs[i] = &wide[i];
  }
  Tensor& out = ctx.out(0);
  OW_ASSIGN_OR_RETURN(Tensor wout, Tensor::make(DType::kFloat32, out.dims()));
  wctx.outputs = {&wout};
  OW_RETURN_IF_ERROR(run_bin(wctx));
  for (int64_t j = 0; j < out.size(); j++) out.set_float_at(j, wout.data<float>()[j]);
  return Status::ok();
}

Status run_bin(KernelContext& ctx) {
  const auto* st = state_as<BinState>(ctx.state);
  BinKind k = st->kind;
  // Mod with fmod=1 is C's fmod (the sign of the dividend): for floats that is kMod already,
  // for integers it is truncating %, i.e. Div's remainder.
  if (k == BinKind::kMod && st->fmod && ctx.in(0).dtype() != DType::kFloat32 && ctx.in(0).dtype() != DType::kFloat64)
    k = BinKind::kFmodInt;
  switch (ctx.in(0).dtype()) {
    case DType::kFloat32: return run_typed<float>(ctx, k);
    case DType::kFloat64: return run_typed<double>(ctx, k);
    case DType::kInt8: return run_typed<int8_t>(ctx, k);
    case DType::kUint8: return run_typed<uint8_t>(ctx, k);
    case DType::kInt16: return run_typed<int16_t>(ctx, k);
    case DType::kUint16: return run_typed<uint16_t>(ctx, k);
    case DType::kInt32: return run_typed<int32_t>(ctx, k);
    case DType::kUint32: return run_typed<uint32_t>(ctx, k);
    case DType::kInt64: return run_typed<int64_t>(ctx, k);
    case DType::kUint64: return run_typed<uint64_t>(ctx, k);
    case DType::kFloat16: case DType::kBFloat16: return run_half(ctx);
    default: return make_status(Code::INTERNAL, "binary: unexpected dtype");
  }
}

}  // namespace

#define OW_BINARY(Name) \
  extern const OpDef k##Name = {#Name, "", 1, infer_bin, prepare_bin<BinKind::k##Name>, run_bin};
OW_BINARY(Add)
OW_BINARY(Sub)
OW_BINARY(Mul)
OW_BINARY(Div)
OW_BINARY(Pow)
OW_BINARY(Max)
OW_BINARY(Min)
OW_BINARY(Sum)
OW_BINARY(Mean)
OW_BINARY(Mod)
OW_BINARY(PRelu)

}  // namespace onnxwasm
