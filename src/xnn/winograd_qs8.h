// SPDX-License-Identifier: MIT
// qint8 3x3 convolutions of stride 1 as Winograd F(2x2, 3x3) in 16-bit integers: 16 products
// per 2x2 outputs and channel pair instead of 36. With the weights transformed by 2G (whole
// numbers: G's halves doubled), every step is integer arithmetic and each 2x2 block of sums
// comes out exactly 4 times the direct convolution's, so the outputs equal XNNPACK's direct
// int8 convolution's bit for bit (same bias, same requantization). The inputs less their zero
// point transform to at most 4 * 255 and the weights to at most 9 * 128: both fit 16 bits,
// which wasm SIMD's only integer dot product (i32x4.dot_i16x8_s, 8 products an instruction)
// multiplies, the same instruction XNNPACK's int8 kernels widen their bytes for. (4x4 tiles'
// transforms would not fit 16 bits and 32 bits exactly.)
//
// Like winograd.h's float one, the convolution stays an XNNPACK subgraph node; only its
// operator is ours: weights transformed and packed once (through the region's weights cache),
// input tiles transformed into 16 matrices, one integer product per position, the products
// transformed back and requantized as XNNPACK requantizes, in blocks of tiles spread over the
// session's threads.
#pragma once
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// Whether a qint8 convolution of this shape runs as this: 3x3 taps, stride and dilation 1, no
// groups, 16 to 1024 input channels (fewer make the transforms cost more than the products
// save; more could overflow 32 bits: 4 * 9 * 1024 * 255 * 128 < 2^31), at least 16 output
// channels, and outputs whose rounding up to whole 2x2 tiles keeps most of the saving.
bool winograd_qs8_fits(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                       int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w);

// Makes the subgraph's last node, a per-channel qint8 convolution just defined by
// xnn_define_convolution_2d for a shape winograd_qs8_fits accepts, with its int8 filter in
// ONNX's OIHW order (not XNNPACK's OHWI) and an int32 bias (or none), run as this.
void use_winograd_qs8(xnn_subgraph* subgraph);

// Whether an operator of a runtime is one of these (for profiles).
bool is_winograd_qs8(const xnn_operator* op);

}  // namespace onnxwasm
