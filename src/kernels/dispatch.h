// SPDX-License-Identifier: MIT
// dtype -> C++ type dispatch for reference kernels: visit_numeric(t, f) calls f(T{}) with T
// the element type of `t` (float, double, the 8- to 64-bit integers; with_bool adds bool).
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/status.h"

namespace onnxwasm {

template <class F>
Status visit_numeric(DType t, F&& f, bool with_bool = false) {
  switch (t) {
    case DType::kFloat32: return f(float{});
    case DType::kFloat64: return f(double{});
    case DType::kInt8: return f(int8_t{});
    case DType::kUint8: return f(uint8_t{});
    case DType::kInt16: return f(int16_t{});
    case DType::kUint16: return f(uint16_t{});
    case DType::kInt32: return f(int32_t{});
    case DType::kUint32: return f(uint32_t{});
    case DType::kInt64: return f(int64_t{});
    case DType::kUint64: return f(uint64_t{});
    case DType::kBool: if (with_bool) return f(bool{}); break;
    default: break;
  }
  return make_status(Code::INTERNAL, "unexpected dtype %s in a reference kernel", dtype_name(t));
}

// The dtypes visit_numeric handles, for check_dtype lists.
#define OW_NUMERIC_DTYPES                                                                        \
  DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kUint8, DType::kInt16, DType::kUint16, \
      DType::kInt32, DType::kUint32, DType::kInt64, DType::kUint64

}  // namespace onnxwasm
