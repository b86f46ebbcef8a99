// SPDX-License-Identifier: MIT
// A resolved 1D/2D/3D window with its spatial dims padded to three (leading 1s), so Conv,
// ConvTranspose and the pools have one loop nest for every rank.
#pragma once
#include <array>

#include "kernels/spatial.h"

namespace onnxwasm {

struct Geom3 {
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, d{1, 1, 1}, pb{0, 0, 0}, pe{0, 0, 0};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t k_size() const { return k[0] * k[1] * k[2]; }
};

// `in` and `out` are full NC... dims; the window's spatial rank is in.size() - 2 (1 to 3).
inline Geom3 geom3(const Window& w, const Dims& in, const Dims& out) {
  Geom3 g;
  size_t r = in.size() - 2, off = 3 - r;
  for (size_t i = 0; i < r; i++) {
    g.in[off + i] = in[2 + i];
    g.out[off + i] = out[2 + i];
    g.k[off + i] = w.kernel[i];
    g.s[off + i] = w.strides[i];
    g.d[off + i] = w.dilations[i];
    g.pb[off + i] = w.pad_begin[i];
    g.pe[off + i] = w.pad_end[i];
  }
  return g;
}

// Calls f(tap, iz, iy, ix, inside) for each tap of the window of output (oz, oy, ox), in kernel
// order (tap indexes the kernel); `inside` is false for taps in the padding.
template <class F>
inline void for_each_tap(const Geom3& g, int64_t oz, int64_t oy, int64_t ox, F&& f) {
  int64_t tap = 0;
  for (int64_t kz = 0; kz < g.k[0]; kz++) {
    const int64_t iz = oz * g.s[0] - g.pb[0] + kz * g.d[0];
    for (int64_t ky = 0; ky < g.k[1]; ky++) {
      const int64_t iy = oy * g.s[1] - g.pb[1] + ky * g.d[1];
      for (int64_t kx = 0; kx < g.k[2]; kx++, tap++) {
        const int64_t ix = ox * g.s[2] - g.pb[2] + kx * g.d[2];
        f(tap, iz, iy, ix, iz >= 0 && iz < g.in[0] && iy >= 0 && iy < g.in[1] && ix >= 0 && ix < g.in[2]);
      }
    }
  }
}

}  // namespace onnxwasm
