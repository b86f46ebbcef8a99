// SPDX-License-Identifier: MIT
// Walks an output shape and the matching offsets into up to N broadcast inputs (numpy rules).
#pragma once
#include <array>
#include <cstdint>

#include "core/shape.h"

namespace onnxwasm {

template <size_t N>
class BroadcastIter {
 public:
  BroadcastIter(const Dims& out, const std::array<const Dims*, N>& ins) : out_(out), idx_(out.size(), 0) {
    for (size_t k = 0; k < N; k++) {
      strides_[k].assign(out.size(), 0);
      const Dims& d = *ins[k];
      int64_t s = 1;
      for (size_t i = d.size(); i-- > 0;) {
        size_t oi = i + out.size() - d.size();
        strides_[k][oi] = d[i] == 1 ? 0 : s;
        s *= d[i];
      }
      offset_[k] = 0;
    }
  }
  int64_t offset(size_t k) const { return offset_[k]; }
  // Advances to the next output element (row-major).
  void next() {
    for (size_t i = out_.size(); i-- > 0;) {
      if (++idx_[i] < out_[i]) {
        for (size_t k = 0; k < N; k++) offset_[k] += strides_[k][i];
        return;
      }
      for (size_t k = 0; k < N; k++) offset_[k] -= strides_[k][i] * (out_[i] - 1);
      idx_[i] = 0;
    }
  }

 private:
  const Dims& out_;
  Dims idx_;
  std::array<Dims, N> strides_;
  std::array<int64_t, N> offset_;
};

}  // namespace onnxwasm
