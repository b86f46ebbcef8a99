// SPDX-License-Identifier: MIT
// Element types, numbered as ONNX TensorProto.DataType so the wire value is the enum value.
#pragma once
#include <cstddef>
#include <cstdint>

namespace onnxwasm {

enum class DType : int32_t {
  kUndefined = 0, kFloat32 = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6,
  kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10, kFloat64 = 11, kUint32 = 12, kUint64 = 13,
  kComplex64 = 14, kComplex128 = 15, kBFloat16 = 16, kFloat8E4M3FN = 17, kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19, kFloat8E5M2FNUZ = 20, kUint4 = 21, kInt4 = 22,
};

// Bytes per element as stored in a Tensor (strings hold std::string objects; 4-bit types
// are unpacked to one byte each). 0 for unknown types.
size_t dtype_size(DType t);
// onnxruntime-web's type names ("float32", "int64", ...); "undefined" when unknown.
const char* dtype_name(DType t);
bool dtype_is_valid(int32_t wire);
// float8e4m3fn/fnuz, float8e5m2/fnuz.
bool dtype_is_float8(DType t);
// float16, bfloat16, float32, float64 (the float types kernels compute with).
bool dtype_is_float(DType t);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUint8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kUint16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kUint32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kUint64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

}  // namespace onnxwasm
