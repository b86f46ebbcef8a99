// SPDX-License-Identifier: MIT
// exp, sigmoid and tanh on four floats at once (wasm SIMD): Cephes' single-precision
// approximations (range reduction by ln 2, a degree-5 polynomial; tanh near 0 by its own odd
// polynomial), within a few ulp of the libm functions, several times faster than calling
// them per element. For the recurrent cells' gates.
#pragma once
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

namespace onnxwasm::simd {

inline v128_t exp4(v128_t x) {
  // pmin/pmax: plain minps/maxps on x64 (f32x4.min/max's NaN and -0 rules cost V8 several
  // instructions each: a third of this function's time); a NaN x stays NaN either way.
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-88.3762626647949f)), wasm_f32x4_splat(88.3762626647949f));
  // x = n ln2 + r, |r| <= ln2 / 2; ln2 split in two for an exact product with n.
  const v128_t n = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t y = wasm_f32x4_splat(1.9875691500E-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507E-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073E-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894E-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201E-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x), wasm_f32x4_splat(1.f));
  // 2^n through the exponent bits (n is within [-127, 128] after the clamp).
  const v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, pow2n);
}

inline v128_t sigmoid4(v128_t x) {
  const v128_t one = wasm_f32x4_splat(1.f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

inline v128_t tanh4(v128_t x) {
  // |x| >= 0.625: 1 - 2 / (e^2|x| + 1), with x's sign; below, x + x^3 P(x^2).
  const v128_t ax = wasm_f32x4_abs(x);
  const v128_t one = wasm_f32x4_splat(1.f);
  v128_t big = wasm_f32x4_sub(one, wasm_f32x4_div(wasm_f32x4_splat(2.f), wasm_f32x4_add(exp4(wasm_f32x4_add(ax, ax)), one)));
  big = wasm_v128_or(big, wasm_v128_and(x, wasm_f32x4_splat(-0.f)));  // the sign of x
  const v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = wasm_f32x4_splat(-5.70498872745E-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.06390887954E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-5.37397155531E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.33314422036E-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-3.33332819422E-1f));
  const v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  return wasm_v128_bitselect(small, big, wasm_f32x4_lt(ax, wasm_f32x4_splat(0.625f)));
}

}  // namespace onnxwasm::simd
#endif
