// SPDX-License-Identifier: MIT
// Shapes: a dim is >= 0, or -1 when unknown (static inference over symbolic dims).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onnxwasm {

using Dims = std::vector<int64_t>;
constexpr int64_t kUnknownDim = -1;
// Element counts above this are refused (no real activation or weight comes near it, and it
// keeps byte sizes far from 64-bit overflow).
constexpr int64_t kMaxElements = int64_t(1) << 40;

// Product of dims, or -1 if a dim is unknown, negative, or the product passes kMaxElements.
inline int64_t num_elements(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d != 0 && n > kMaxElements / d) return -1;
    n *= d;
  }
  return n;
}

// Row-major strides (in elements) of dims.
inline Dims row_major_strides(const Dims& dims) {
  Dims s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

inline bool dims_known(const Dims& dims) {
  for (int64_t d : dims) if (d < 0) return false;
  return true;
}

inline std::string dims_to_string(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); i++) {
    if (i) s += ",";
    s += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace onnxwasm
