// SPDX-License-Identifier: MIT
#include "core/small_float.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace onnxwasm {
namespace {

uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
float float_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

struct F8Format {
  int exp_bits, man_bits, bias;
  bool has_inf, uz;  // uz: no negative zero, 0x80 is the one NaN
};

F8Format format_of(DType t) {
  switch (t) {
    case DType::kFloat8E4M3FN: return {4, 3, 7, false, false};
    case DType::kFloat8E4M3FNUZ: return {4, 3, 8, false, true};
    case DType::kFloat8E5M2: return {5, 2, 15, true, false};
    default: return {5, 2, 16, false, true};  // E5M2FNUZ
  }
}

// The magnitude of a float8 code without its sign bit (NaN and inf codes excluded by callers).
double magnitude(const F8Format& f, uint8_t code) {
  int e = code >> f.man_bits, m = code & ((1 << f.man_bits) - 1);
  if (e == 0) return std::ldexp(m, 1 - f.bias - f.man_bits);
  return std::ldexp((1 << f.man_bits) + m, e - f.bias - f.man_bits);
}

// Whether a code (without sign) is NaN or inf in format f.
bool special(const F8Format& f, uint8_t code) {
  int top = (1 << (f.exp_bits + f.man_bits)) - 1;  // 0x7F
  if (f.uz) return false;                           // only 0x80, which has the sign bit
  if (f.has_inf) return (code >> f.man_bits) == (1 << f.exp_bits) - 1;  // E5M2: exponent all ones
  return code == top;                               // E4M3FN: S.1111.111
}

}  // namespace

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 31, m = h & 1023;
  if (e == 31) return float_of(sign | 0x7F800000u | (m << 13));
  if (e == 0) {
    float v = std::ldexp(static_cast<float>(m), -24);
    return sign ? -v : v;
  }
  return float_of(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t float_to_half(float f) {
  uint32_t u = bits_of(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);  // NaN
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds past 65504: inf
  if (a < 0x38800000u) {  // below the smallest normal half: a subnormal, rounded to nearest even
    float v = std::fabs(f) * 16777216.0f;  // in units of 2^-24
    float r = std::nearbyint(v);
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(r));
  }
  uint32_t e = (a >> 23) - 112, m = a & 0x7FFFFFu;
  uint32_t h = (e << 10) | (m >> 13);
  uint32_t rest = m & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;
  return static_cast<uint16_t>(sign | h);
}

float bfloat16_to_float(uint16_t b) { return float_of(static_cast<uint32_t>(b) << 16); }

uint16_t float_to_bfloat16(float f) {
  uint32_t u = bits_of(f);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40u);  // stays a (quiet) NaN
  u += 0x7FFFu + ((u >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

float float8_to_float(DType t, uint8_t bits) {
  F8Format f = format_of(t);
  if (f.uz && bits == 0x80) return std::numeric_limits<float>::quiet_NaN();
  uint8_t code = bits & 0x7F;
  bool neg = bits & 0x80;
  if (special(f, code)) {
    bool inf = f.has_inf && (code & ((1 << f.man_bits) - 1)) == 0;
    float v = inf ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
    return neg ? -v : v;
  }
  float v = static_cast<float>(magnitude(f, code));
  return neg ? -v : v;
}

uint8_t float_to_float8(DType t, float x, bool saturate) {
  F8Format f = format_of(t);
  uint8_t nan = f.uz ? 0x80 : 0x7F;
  if (std::isnan(x)) return nan;
  uint8_t sign = std::signbit(x) ? 0x80 : 0;
  if (f.uz) nan = 0x80;
  // The largest finite code: below the inf/NaN codes.
  uint8_t max_code = f.uz ? 0x7F : (f.has_inf ? static_cast<uint8_t>((((1 << f.exp_bits) - 1) << f.man_bits) - 1) : 0x7E);
  uint8_t overflow = saturate ? static_cast<uint8_t>(sign | max_code)
                              : (f.has_inf ? static_cast<uint8_t>(sign | 0x7C) : (f.uz ? 0x80 : static_cast<uint8_t>(sign | 0x7F)));
  double a = std::fabs(static_cast<double>(x));
  if (std::isinf(a)) return overflow;
  // Round to nearest even over the finite codes (0 .. max_code, increasing in value).
  double max = magnitude(f, max_code);
  double ulp_top = magnitude(f, max_code) - magnitude(f, max_code - 1);
  if (a >= max + ulp_top / 2) {
    // Past the midpoint to the next (unrepresentable) value; exactly at it, the even code wins.
    if (a > max + ulp_top / 2 || (max_code & 1)) return overflow;
    return static_cast<uint8_t>(sign | max_code);
  }
  int lo = 0, hi = max_code;
  while (lo < hi) {  // first code with magnitude >= a
    int mid = (lo + hi) / 2;
    if (magnitude(f, static_cast<uint8_t>(mid)) < a) lo = mid + 1; else hi = mid;
  }
  uint8_t code = static_cast<uint8_t>(lo);
  if (code > 0) {
    double up = magnitude(f, code), down = magnitude(f, static_cast<uint8_t>(code - 1));
    if (a - down < up - a || (a - down == up - a && ((code - 1) & 1) == 0)) code = static_cast<uint8_t>(code - 1);
  }
  if (code == 0 && f.uz) return 0;  // no negative zero
  return static_cast<uint8_t>(sign | code);
}

}  // namespace onnxwasm
