// SPDX-License-Identifier: MIT
// The 16- and 8-bit float formats ONNX stores as raw bits: float16 (IEEE half), bfloat16, and
// the float8 types (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ; see the ONNX spec's "Float stored in 8
// bits"). Conversions to float are exact; from float they round to nearest even, and float8
// out-of-range values saturate to the largest finite value or become NaN/inf per `saturate`,
// as the ONNX Cast spec says.
#pragma once
#include <cstdint>

#include "core/dtype.h"

namespace onnxwasm {

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bfloat16_to_float(uint16_t b);
uint16_t float_to_bfloat16(float f);
// `t` is one of the four float8 dtypes.
float float8_to_float(DType t, uint8_t bits);
uint8_t float_to_float8(DType t, float f, bool saturate);

}  // namespace onnxwasm
