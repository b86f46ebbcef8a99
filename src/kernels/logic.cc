// SPDX-License-Identifier: MIT
// Comparisons (Equal, also of strings; Less, Greater, LessOrEqual, GreaterOrEqual -> bool), logic on bool
// (And, Or, Xor, Not), bitwise ops on integers (BitwiseAnd/Or/Xor/Not, BitShift), Where
// (three-way broadcast), and the float tests IsNaN / IsInf (detect_negative/positive).
#include <cmath>
#include <string>
#include <type_traits>

#include "kernels/broadcast.h"
#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class LKind { kEqual, kLess, kGreater, kLessOrEqual, kGreaterOrEqual, kAnd, kOr, kXor,
                   kBitwiseAnd, kBitwiseOr, kBitwiseXor, kBitShift };

struct LogicState {
  LKind kind;
  bool shift_left = false;
};

bool is_compare(LKind k) { return k <= LKind::kGreaterOrEqual; }
bool is_bool_logic(LKind k) { return k == LKind::kAnd || k == LKind::kOr || k == LKind::kXor; }

template <LKind K>
Status prepare_logic(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<LogicState>();
  s->kind = K;
  if (K == LKind::kBitShift) {
    std::string dir = attr_string(node, "direction", "");
    OW_CHECK(dir == "LEFT" || dir == "RIGHT", INVALID_MODEL, "%s: direction must be LEFT or RIGHT, got '%s'",
             node.describe().c_str(), dir.c_str());
    s->shift_left = dir == "LEFT";
  }
  *state = s;
  return Status::ok();
}

Status infer_logic(InferContext& ctx) {
  LKind k = state_as<LogicState>(ctx.state)->kind;
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  if (is_bool_logic(k)) OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kBool}));
  else if (is_compare(k)) {
    if (k == LKind::kEqual) OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES, DType::kBool, DType::kString}));
    else OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  } else {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt8, DType::kUint8, DType::kInt16, DType::kUint16, DType::kInt32,
                                            DType::kUint32, DType::kInt64, DType::kUint64}));
  }
  OW_CHECK(ctx.in(1).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: input 1 has dtype %s, input 0 has %s",
           ctx.node.describe().c_str(), dtype_name(ctx.in(1).dtype), dtype_name(ctx.in(0).dtype));
  OW_ASSIGN_OR_RETURN(Dims dims, broadcast_dims(ctx.node, ctx.in(0).dims, ctx.in(1).dims));
  ctx.set_output(0, is_compare(k) ? DType::kBool : ctx.in(0).dtype, dims);
  return Status::ok();
}

template <class T, class O, class F>
void broadcast2(const Tensor& a, const Tensor& b, Tensor& y, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();  // strings by reference
  O* out = y.data<O>();
  BroadcastIter<2> it(y.dims(), {&a.dims(), &b.dims()});
  for (int64_t i = 0; i < y.size(); i++, it.next()) out[i] = f(pa[it.offset(0)], pb[it.offset(1)]);
}

template <class T>
Status logic_typed(const LogicState& s, const Tensor& a, const Tensor& b, Tensor& y) {
  switch (s.kind) {
    case LKind::kEqual: broadcast2<T, bool>(a, b, y, [](T x, T z) { return x == z; }); break;
    case LKind::kLess: broadcast2<T, bool>(a, b, y, [](T x, T z) { return x < z; }); break;
    case LKind::kGreater: broadcast2<T, bool>(a, b, y, [](T x, T z) { return x > z; }); break;
    case LKind::kLessOrEqual: broadcast2<T, bool>(a, b, y, [](T x, T z) { return x <= z; }); break;
    case LKind::kGreaterOrEqual: broadcast2<T, bool>(a, b, y, [](T x, T z) { return x >= z; }); break;
    default:
      if constexpr (std::is_same_v<T, bool>) {
        if (s.kind == LKind::kAnd) broadcast2<T, T>(a, b, y, [](T x, T z) { return x && z; });
        if (s.kind == LKind::kOr) broadcast2<T, T>(a, b, y, [](T x, T z) { return x || z; });
        if (s.kind == LKind::kXor) broadcast2<T, T>(a, b, y, [](T x, T z) { return x != z; });
      } else if constexpr (std::is_integral_v<T>) {
        if (s.kind == LKind::kBitwiseAnd) broadcast2<T, T>(a, b, y, [](T x, T z) { return static_cast<T>(x & z); });
        if (s.kind == LKind::kBitwiseOr) broadcast2<T, T>(a, b, y, [](T x, T z) { return static_cast<T>(x | z); });
        if (s.kind == LKind::kBitwiseXor) broadcast2<T, T>(a, b, y, [](T x, T z) { return static_cast<T>(x ^ z); });
        if (s.kind == LKind::kBitShift) {
          using U = std::make_unsigned_t<T>;
          constexpr U bits = sizeof(T) * 8;
          bool left = s.shift_left;
          broadcast2<T, T>(a, b, y, [left](T x, T z) {
            U n = static_cast<U>(z);
            if (n >= bits) return T(0);
            return static_cast<T>(left ? static_cast<U>(static_cast<U>(x) << n) : static_cast<U>(static_cast<U>(x) >> n));
          });
        }
      }
  }
  return Status::ok();
}

Status run_logic(KernelContext& ctx) {
  const auto* s = state_as<LogicState>(ctx.state);
  if (ctx.in(0).dtype() == DType::kString) {  // Equal only (infer checked)
    broadcast2<std::string, bool>(ctx.in(0), ctx.in(1), ctx.out(0), [](const std::string& x, const std::string& z) { return x == z; });
    return Status::ok();
  }
  return visit_numeric(ctx.in(0).dtype(), [&](auto t) {
    return logic_typed<decltype(t)>(*s, ctx.in(0), ctx.in(1), ctx.out(0));
  }, true);
}

// --- Not, BitwiseNot ---

Status infer_not(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  if (ctx.node.op_type == "Not") OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kBool}));
  else OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt8, DType::kUint8, DType::kInt16, DType::kUint16,
                                               DType::kInt32, DType::kUint32, DType::kInt64, DType::kUint64}));
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

Status run_not(KernelContext& ctx) {
  return visit_numeric(ctx.in(0).dtype(), [&](auto t) {
    using T = decltype(t);
    const T* in = ctx.in(0).data<T>();
    T* out = ctx.out(0).data<T>();
    for (int64_t i = 0; i < ctx.in(0).size(); i++) {
      if constexpr (std::is_same_v<T, bool>) out[i] = !in[i];
      else if constexpr (std::is_integral_v<T>) out[i] = static_cast<T>(~in[i]);
    }
    return Status::ok();
  }, true);
}

// --- Where ---

Status infer_where(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kBool}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {OW_NUMERIC_DTYPES, DType::kBool}));
  OW_CHECK(ctx.in(2).dtype == ctx.in(1).dtype, INVALID_MODEL, "%s: X is %s but Y is %s", ctx.node.describe().c_str(),
           dtype_name(ctx.in(1).dtype), dtype_name(ctx.in(2).dtype));
  OW_ASSIGN_OR_RETURN(Dims d, broadcast_dims(ctx.node, ctx.in(0).dims, ctx.in(1).dims));
  OW_ASSIGN_OR_RETURN(d, broadcast_dims(ctx.node, d, ctx.in(2).dims));
  ctx.set_output(0, ctx.in(1).dtype, d);
  return Status::ok();
}

Status run_where(KernelContext& ctx) {
  const Tensor &c = ctx.in(0), &x = ctx.in(1), &y = ctx.in(2);
  Tensor& out = ctx.out(0);
  size_t es = dtype_size(out.dtype());
  const uint8_t* pc = static_cast<const uint8_t*>(c.raw());  // any non-zero byte is true
  const char *px = static_cast<const char*>(x.raw()), *py = static_cast<const char*>(y.raw());
  char* po = static_cast<char*>(out.raw());
  BroadcastIter<3> it(out.dims(), {&c.dims(), &x.dims(), &y.dims()});
  for (int64_t i = 0; i < out.size(); i++, it.next()) {
    const char* src = pc[it.offset(0)] ? px + it.offset(1) * es : py + it.offset(2) * es;
    for (size_t b = 0; b < es; b++) po[i * es + b] = src[b];
  }
  return Status::ok();
}

// --- IsNaN, IsInf ---

Status infer_float_test(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}));
  ctx.set_output(0, DType::kBool, ctx.in(0).dims);
  return Status::ok();
}

Status run_float_test(KernelContext& ctx) {
  bool nan = ctx.node.op_type == "IsNaN";
  bool neg = attr_int(ctx.node, "detect_negative", 1) != 0, pos = attr_int(ctx.node, "detect_positive", 1) != 0;
  bool* out = ctx.out(0).data<bool>();
  for (int64_t i = 0; i < ctx.in(0).size(); i++) {
    double v = ctx.in(0).float_at(i);
    out[i] = nan ? std::isnan(v) : (std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg)));
  }
  return Status::ok();
}

}  // namespace

#define OW_LOGIC(Name) \
  extern const OpDef k##Name = {#Name, "", 1, infer_logic, prepare_logic<LKind::k##Name>, run_logic};
OW_LOGIC(Equal)
OW_LOGIC(Less)
OW_LOGIC(Greater)
OW_LOGIC(LessOrEqual)
OW_LOGIC(GreaterOrEqual)
OW_LOGIC(And)
OW_LOGIC(Or)
OW_LOGIC(Xor)
OW_LOGIC(BitwiseAnd)
OW_LOGIC(BitwiseOr)
OW_LOGIC(BitwiseXor)
OW_LOGIC(BitShift)
extern const OpDef kNot = {"Not", "", 1, infer_not, nullptr, run_not};
extern const OpDef kBitwiseNot = {"BitwiseNot", "", 1, infer_not, nullptr, run_not};
extern const OpDef kWhere = {"Where", "", 1, infer_where, nullptr, run_where};
extern const OpDef kIsNaN = {"IsNaN", "", 1, infer_float_test, nullptr, run_float_test};
extern const OpDef kIsInf = {"IsInf", "", 1, infer_float_test, nullptr, run_float_test};

}  // namespace onnxwasm
