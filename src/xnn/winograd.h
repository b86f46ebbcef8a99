// SPDX-License-Identifier: MIT
// Float 3x3 convolutions of stride 1 as Winograd F(m x m, 3x3): each m x m block of outputs from
// an (m+2) x (m+2) block of inputs, with (m+2)^2 multiplies per input/output channel pair
// instead of 9 m^2: 16 instead of 36 for m = 2, 36 instead of 144 for m = 4. XNNPACK has no
// Winograd kernels, and its direct ones (and onnxruntime-web's) already run at the port limit
// of a multiply and an add per cycle, so fewer multiplies is the way left to make these
// convolutions faster: ResNet's 3x3 convolutions are half its work.
//
// The convolution stays an XNNPACK subgraph node (its optimizer still fuses a Clamp or a Pad
// into it); only the node's operator is ours: weights transformed and packed once at
// creation (through the region's weights cache), input tiles transformed into (m+2)^2
// matrices, one product per position by XNNPACK's own f32 GEMM microkernels, outputs
// transformed back, in blocks of tiles that stay in cache, spread over the session's threads.
#pragma once
#include <cstddef>
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// The tile (2 or 4: Winograd F(2x2, 3x3) or F(4x4, 3x3)) a float convolution of this shape runs
// with, or 0 for none: 3x3 taps, stride and dilation 1, no groups, at least 16 input and output
// channels (fewer make the transforms cost more than the products save), and outputs whose
// rounding up to whole tiles does not waste the saving.
int winograd_tile(int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                  int64_t groups, int64_t in_channels, int64_t out_channels, int64_t out_h, int64_t out_w);

// Makes the subgraph's last node, a convolution just defined by xnn_define_convolution_2d for
// a shape winograd_tile accepts, with its filter in ONNX's OIHW order (not XNNPACK's OHWI),
// run as Winograd with that tile.
void use_winograd(xnn_subgraph* subgraph, int tile);

// The tile of an operator of a runtime that is one of these, else 0 (for profiles).
int winograd_tile_of(const xnn_operator* op);

}  // namespace onnxwasm
