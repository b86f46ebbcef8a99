// SPDX-License-Identifier: MIT
// The four-lane exp, sigmoid and tanh (kernels/simd_math.h) against libm over the range the
// recurrent gates see and beyond, with the special values. wasm builds only: the header is
// wasm SIMD.
#include <cmath>
#include <limits>

#include "kernels/simd_math.h"
#include "testing/graph_builder.h"

#ifdef __wasm_simd128__
using namespace onnxwasm;

namespace {
float lane0(v128_t v) { return wasm_f32x4_extract_lane(v, 0); }
}  // namespace

TEST_CASE("four-lane exp, sigmoid and tanh match libm", "[kernels]") {
  double worst_exp = 0, worst_sigmoid = 0, worst_tanh = 0;
  for (float x = -30.f; x <= 30.f; x += 0.00731f) {
    const v128_t v = wasm_f32x4_splat(x);
    const double e = std::exp(static_cast<double>(x)), s = 1 / (1 + std::exp(-static_cast<double>(x)));
    const double t = std::tanh(static_cast<double>(x));
    worst_exp = std::max(worst_exp, std::fabs(lane0(simd::exp4(v)) - e) / e);
    worst_sigmoid = std::max(worst_sigmoid, std::fabs(lane0(simd::sigmoid4(v)) - s) / s);
    worst_tanh = std::max(worst_tanh, std::fabs(lane0(simd::tanh4(v)) - t) / std::max(std::fabs(t), 1e-30));
  }
  INFO("relative errors: exp " << worst_exp << ", sigmoid " << worst_sigmoid << ", tanh " << worst_tanh);
  CHECK(worst_exp < 1e-6);
  CHECK(worst_sigmoid < 1e-6);
  CHECK(worst_tanh < 1e-6);
  // Tiny tanh arguments keep their relative accuracy (the odd polynomial, not 1 - 2/(e^2x+1)).
  CHECK(std::fabs(lane0(simd::tanh4(wasm_f32x4_splat(1e-5f))) - 1e-5f) < 1e-11f);
  CHECK(lane0(simd::tanh4(wasm_f32x4_splat(-0.f))) == 0.f);
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(lane0(simd::tanh4(wasm_f32x4_splat(inf))) == 1.f);
  CHECK(lane0(simd::tanh4(wasm_f32x4_splat(-inf))) == -1.f);
  CHECK(lane0(simd::sigmoid4(wasm_f32x4_splat(inf))) == 1.f);
  CHECK(lane0(simd::sigmoid4(wasm_f32x4_splat(-inf))) < 1e-37f);
  CHECK(std::isnan(lane0(simd::sigmoid4(wasm_f32x4_splat(std::nanf(""))))));
  CHECK(std::isnan(lane0(simd::tanh4(wasm_f32x4_splat(std::nanf(""))))));
}
#endif
