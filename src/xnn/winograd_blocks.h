// SPDX-License-Identifier: MIT
// What this project's Winograd operators (winograd.h's float one, winograd_qs8.h's int8 one)
// share: their tiles over the input, and (block_split.h) how they split the tiles into blocks
// and the output channels into groups, one task each.
#pragma once
#include <cstddef>

#include <xnnpack.h>

#include "xnnpack/subgraph.h"
#include "xnn/block_split.h"

namespace onnxwasm {

// Values left between one tile position's matrix and the next's in a block's scratch: with a
// power-of-two span (128 tiles of 64 channels: 16 KB of int16) the positions' rows of one tile
// would share L1 sets (resnet18_qdq 0.974-0.978x the run time paired at 1 thread, 0.981 at 2).
constexpr size_t kPositionPad = 32;

// The m x m output tiles of a 3x3 convolution of stride 1 or 2 over an NHWC input, padded as
// its node says; each reads n x n input pixels, n = stride * (m - 1) + 3, the next tile's
// stride * m further.
struct WinogradGrid {
  size_t m, stride, n;
  ptrdiff_t pad_top, pad_left;
  size_t pad_bottom, pad_right;
  size_t batch, height, width, out_h, out_w, tiles_h, tiles_w, tiles;

  // At creation: the tile size, the stride and the node's padding.
  void init(size_t tile, const xnn_node& node, size_t tile_stride = 1) {
    m = tile, stride = tile_stride, n = tile_stride * (tile - 1) + 3;
    const auto& c = node.params.convolution_2d;
    pad_top = c.input_padding_top, pad_left = c.input_padding_left;
    pad_bottom = c.input_padding_bottom, pad_right = c.input_padding_right;
  }
  // At reshape: the input's shape. False where the padded input is smaller than the kernel.
  bool reshape(const xnn_value& input) {
    batch = input.shape.dim[0], height = input.shape.dim[1], width = input.shape.dim[2];
    const size_t padded_h = height + pad_top + pad_bottom, padded_w = width + pad_left + pad_right;
    if (padded_h < 3 || padded_w < 3) return false;
    out_h = (padded_h - 3) / stride + 1, out_w = (padded_w - 3) / stride + 1;
    tiles_h = (out_h + m - 1) / m, tiles_w = (out_w + m - 1) / m;
    tiles = batch * tiles_h * tiles_w;
    return true;
  }
  // Tile t's input pixels, row-major (`pad` where outside the input), of `channels` each.
  template <typename T>
  void inputs(size_t t, const T* input, size_t channels, const T* pad, const T** src) const {
    const size_t per_image = tiles_h * tiles_w, image = t / per_image, ty = t % per_image / tiles_w, tx = t % tiles_w;
    for (size_t r = 0; r < n; r++)
      for (size_t s = 0; s < n; s++) {
        const ptrdiff_t y = static_cast<ptrdiff_t>(stride * m * ty + r) - pad_top;
        const ptrdiff_t x = static_cast<ptrdiff_t>(stride * m * tx + s) - pad_left;
        const bool inside = y >= 0 && x >= 0 && y < static_cast<ptrdiff_t>(height) && x < static_cast<ptrdiff_t>(width);
        src[r * n + s] = inside ? input + ((image * height + y) * width + x) * channels : pad;
      }
  }
  // Tile t's output pixels, row-major (null where outside the output), of `channels` each.
  template <typename T>
  void outputs(size_t t, T* output, size_t channels, T** dst) const {
    const size_t per_image = tiles_h * tiles_w, image = t / per_image, ty = t % per_image / tiles_w, tx = t % tiles_w;
    for (size_t r = 0; r < m; r++)
      for (size_t s = 0; s < m; s++) {
        const size_t y = m * ty + r, x = m * tx + s;
        dst[r * m + s] = y < out_h && x < out_w ? output + ((image * out_h + y) * out_w + x) * channels : nullptr;
      }
  }
};

}  // namespace onnxwasm
