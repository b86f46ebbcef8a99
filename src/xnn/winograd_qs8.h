// SPDX-License-Identifier: MIT
// qint8 3x3 convolutions of stride 1 as Winograd F(m x m, 3x3), m = 2, 3 or 4, in 16-bit
// integers: 16, 25 or 36 products per m x m outputs and channel pair instead of 9 m^2; those of
// stride 2 as 2x2 tiles of 25 products instead of 36 (per axis, the even taps an F(2, 2) over the
// even inputs, the odd tap direct). With G's
// rows scaled to whole numbers (and A's columns to match), every step is integer arithmetic and
// each tile's sums come out exactly 4, 36 or 576 times the direct convolution's, which a
// multiply by 9's inverse modulo 2^32 and a shift undo, so the outputs equal XNNPACK's direct
// int8 convolution's bit for bit (same bias, same requantization). The inputs less their zero
// point transform to at most 100 * 255 and the weights to at most 49 * 128: both fit 16 bits,
// which wasm SIMD's only integer dot product (i32x4.dot_i16x8_s, 8 products an instruction)
// multiplies, the same instruction XNNPACK's int8 kernels widen their bytes for.
//
// Like winograd.h's float one, the convolution stays an XNNPACK subgraph node; only its
// operator is ours: weights transformed and packed once (through the region's weights cache),
// input tiles transformed into n * n matrices (n = m + 2), one integer product per position, the
// products transformed back and requantized as XNNPACK requantizes, in blocks of tiles spread
// over the session's threads.
#pragma once
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// The tile (2, 3 or 4) a qint8 convolution of this shape runs as this with, or 0: 3x3 taps,
// stride 1 (or 2: 2x2 tiles only), dilation 1, no groups, 16 to 1024 input channels (fewer make
// the transforms cost more than the products save; more could overflow 32 bits: 4 * 9 * 1024 *
// 255 * 128 < 2^31), at least 16 output channels, and outputs whose rounding up to whole tiles
// keeps most of the saving; the tile with the fewest products, larger ones only where they save
// 15% of 2x2 tiles' products. 4x4 tiles only where 64 times any output's sum fits 32 bits (their
// sums come out 576 times the true ones): 64 * 255 * max_weight_sum < 2^31, max_weight_sum
// being the largest sum of |weights| over one output channel's kernel (qs8_max_weight_sum), or,
// unknown (-1), 9 * 128 per input channel: 114 input channels at most; and whose 36 16-bit
// weights per channel pair take 24 MB at most. (The node's stride picks the stride-2 transforms
// in use_winograd_qs8.)
int winograd_qs8_tile(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                      int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w,
                      int64_t max_weight_sum = -1);

// The largest sum of |weights| over one output channel of an int8 kernel of `out` output
// channels, each `per_output` weights in a row (OIHW).
int64_t qs8_max_weight_sum(const int8_t* kernel, int64_t out, int64_t per_output);

// Makes the subgraph's last node, a per-channel qint8 convolution just defined by
// xnn_define_convolution_2d for a shape winograd_qs8_tile gave `tile` for, with its int8 filter
// in ONNX's OIHW order (not XNNPACK's OHWI) and an int32 bias (or none), run as this.
void use_winograd_qs8(xnn_subgraph* subgraph, int tile);

// The tile of an operator of a runtime that is one of these, else 0, and its stride (for
// profiles).
int winograd_qs8_tile_of(const xnn_operator* op, int* stride = nullptr);

}  // namespace onnxwasm
