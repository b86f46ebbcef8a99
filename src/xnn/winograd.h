// SPDX-License-Identifier: MIT
// Float 3x3 convolutions of stride 1 as Winograd F(2x2, 3x3): each 2x2 block of outputs from a
// 4x4 block of inputs with 16 multiplies per input/output channel pair instead of 36. XNNPACK
// has no Winograd kernels, and its direct ones (and onnxruntime-web's) already run at the
// port limit of a multiply and an add per cycle, so fewer multiplies is the way left to make
// these convolutions faster: ResNet's 3x3 convolutions are half its work.
//
// The convolution stays an XNNPACK subgraph node (its optimizer still fuses a Clamp or a Pad
// into it); only the node's operator is ours: weights transformed and packed once at
// creation (through the region's weights cache), tiles of 4x4 inputs transformed into 16
// matrices, 16 products by XNNPACK's own f32 GEMM microkernels, outputs transformed back, in
// blocks of tiles that stay in cache, spread over the session's thread pool.
#pragma once
#include <cstddef>
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// Whether a float convolution of this shape runs as Winograd F(2x2, 3x3): 3x3 taps, stride
// and dilation 1, no groups, at least 16 input and output channels (fewer make the transforms
// cost more than the products save), and outputs whose rounding up to whole 2x2 tiles does
// not waste the saving.
bool winograd_fits(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                   int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w);

// Makes the subgraph's last node, a convolution just defined by xnn_define_convolution_2d for
// a shape winograd_fits accepts, with its filter in ONNX's OIHW order (not XNNPACK's OHWI),
// run as Winograd.
void use_winograd(xnn_subgraph* subgraph);

// Whether an operator of a runtime is one of these (for profiles).
bool is_winograd(const xnn_operator* op);

}  // namespace onnxwasm
