// SPDX-License-Identifier: MIT
// Cast and CastLike (target dtype from input 1) between every numeric dtype, bool, float16,
// bfloat16 (rounded to nearest even, as the ONNX reference does), the four float8 types
// (`saturate`, opset 19), int4/uint4 (clipped) and strings (parsed with strtod, "NaN"/"INF"
// included; printed in the shortest form that reads back as the same value). Integers convert
// through int64 so large values stay exact; floats to integers truncate toward zero.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "core/small_float.h"
#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

bool castable(DType t) {
  return t != DType::kComplex64 && t != DType::kComplex128 && t != DType::kUndefined;
}

bool is_int(DType t) {
  return t == DType::kInt8 || t == DType::kUint8 || t == DType::kInt16 || t == DType::kUint16 ||
         t == DType::kInt32 || t == DType::kUint32 || t == DType::kInt64 || t == DType::kUint64 ||
         t == DType::kInt4 || t == DType::kUint4 || t == DType::kBool;
}

Status infer_cast_to(InferContext& ctx, DType out) {
  OW_CHECK(castable(out) && castable(ctx.in(0).dtype), UNSUPPORTED_OP, "%s: Cast from %s to %s is not supported",
           ctx.node.describe().c_str(), dtype_name(ctx.in(0).dtype), dtype_name(out));
  ctx.set_output(0, out, ctx.in(0).dims);
  return Status::ok();
}

Status infer_cast(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  int64_t to = attr_int(ctx.node, "to", 0);
  OW_CHECK(dtype_is_valid(static_cast<int32_t>(to)) && to != 0, INVALID_MODEL,
           "%s: attribute 'to' = %lld is not a data type", ctx.node.describe().c_str(), static_cast<long long>(to));
  return infer_cast_to(ctx, static_cast<DType>(to));
}

Status infer_cast_like(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  return infer_cast_to(ctx, ctx.in(1).dtype);
}

// Element i of x as a double (exact for every source but 64-bit integers past 2^53).
double load_float(const Tensor& x, int64_t i) {
  const void* p = x.raw();
  switch (x.dtype()) {
    case DType::kFloat16: return half_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kBFloat16: return bfloat16_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::kBool: return static_cast<const uint8_t*>(p)[i] != 0;
    case DType::kInt4: return static_cast<const int8_t*>(p)[i];
    case DType::kUint4: return static_cast<const uint8_t*>(p)[i];
    default:
      if (dtype_is_float8(x.dtype())) return float8_to_float(x.dtype(), static_cast<const uint8_t*>(p)[i]);
      return x.float_at(i);
  }
}

Status cast_elements(const Tensor& x, Tensor& y, bool saturate);

template <class To>
To float_to_int(double f) {
  if (!std::isfinite(f)) return To(0);
  if constexpr (std::is_signed_v<To>) return static_cast<To>(static_cast<int64_t>(f));
  // Negative values to unsigned types wrap as through int64 (what onnxruntime and numpy do).
  return f < 0 ? static_cast<To>(static_cast<int64_t>(f)) : static_cast<To>(static_cast<uint64_t>(f));
}

// The shortest %g form of v that parses back to the same float (or double) value.
std::string shortest(double v, bool single) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "-INF";
  char buf[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, v);
    double back = strtod(buf, nullptr);
    if (single ? static_cast<float>(back) == static_cast<float>(v) : back == v) break;
  }
  return buf;
}

Status cast_string(const Tensor& x, Tensor& y, bool saturate) {
  int64_t n = x.size();
  if (x.dtype() == DType::kString && y.dtype() == DType::kString) {
    copy_elements(x, 0, y, 0, n);
    return Status::ok();
  }
  if (x.dtype() == DType::kString) {  // parse as double, then cast like any double
    OW_ASSIGN_OR_RETURN(Tensor d, Tensor::make(DType::kFloat64, x.dims()));
    for (int64_t i = 0; i < n; i++) d.data<double>()[i] = strtod(x.data<std::string>()[i].c_str(), nullptr);
    return cast_elements(d, y, saturate);
  }
  auto* o = y.data<std::string>();
  bool int_source = is_int(x.dtype()) && x.dtype() != DType::kBool;
  for (int64_t i = 0; i < n; i++) {
    if (x.dtype() == DType::kUint64) o[i] = std::to_string(x.data<uint64_t>()[i]);
    else if (int_source) o[i] = std::to_string(x.int_at(i));
    else if (x.dtype() == DType::kBool) o[i] = x.data<uint8_t>()[i] ? "True" : "False";
    else o[i] = shortest(load_float(x, i), x.dtype() != DType::kFloat64);
  }
  return Status::ok();
}

Status cast_elements(const Tensor& x, Tensor& y, bool saturate) {
  DType from = x.dtype(), to = y.dtype();
  int64_t n = x.size();
  void* out = y.raw();
  if (from == DType::kString || to == DType::kString) return cast_string(x, y, saturate);
  if (to == DType::kFloat16 || to == DType::kBFloat16) {
    auto* o = static_cast<uint16_t*>(out);
    for (int64_t i = 0; i < n; i++) {
      float f = static_cast<float>(load_float(x, i));
      o[i] = to == DType::kFloat16 ? float_to_half(f) : float_to_bfloat16(f);
    }
    return Status::ok();
  }
  if (dtype_is_float8(to)) {
    auto* o = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < n; i++) o[i] = float_to_float8(to, static_cast<float>(load_float(x, i)), saturate);
    return Status::ok();
  }
  if (to == DType::kBool) {
    auto* o = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < n; i++) o[i] = load_float(x, i) != 0;
    return Status::ok();
  }
  if (to == DType::kInt4 || to == DType::kUint4) {
    // Stored unpacked, one per byte; clipped to the 4-bit range, then rounded to nearest even
    // (the ONNX reference).
    auto* o = static_cast<int8_t*>(out);
    double lo = to == DType::kInt4 ? -8 : 0, hi = to == DType::kInt4 ? 7 : 15;
    for (int64_t i = 0; i < n; i++) {
      double v = load_float(x, i);
      o[i] = static_cast<int8_t>(std::isnan(v) ? 0 : std::nearbyint(std::fmin(hi, std::fmax(lo, v))));
    }
    return Status::ok();
  }
  return visit_numeric(to, [&](auto t) {
    using To = decltype(t);
    To* o = static_cast<To*>(out);
    bool int_source = is_int(from) && from != DType::kInt4 && from != DType::kUint4 && from != DType::kBool;
    for (int64_t i = 0; i < n; i++) {
      if constexpr (std::is_floating_point_v<To>) {
        o[i] = from == DType::kUint64 ? static_cast<To>(static_cast<const uint64_t*>(x.raw())[i])
                                      : static_cast<To>(int_source ? static_cast<double>(x.int_at(i)) : load_float(x, i));
      } else {
        o[i] = int_source ? static_cast<To>(x.int_at(i)) : float_to_int<To>(load_float(x, i));
      }
    }
    return Status::ok();
  });
}

Status run_cast(KernelContext& ctx) {
  return cast_elements(ctx.in(0), ctx.out(0), attr_int(ctx.node, "saturate", 1) != 0);
}

}  // namespace

extern const OpDef kCast = {"Cast", "", 1, infer_cast, nullptr, run_cast};
extern const OpDef kCastLike = {"CastLike", "", 15, infer_cast_like, nullptr, run_cast};

}  // namespace onnxwasm
