// SPDX-License-Identifier: MIT
// qint8 convolutions without groups (but the 3x3 ones int8 Winograd takes) as products over
// their input patches in 16-bit values: for a block of output pixels, the padded input rows they
// read are widened once (less the input zero point: padding is 0) into a per-thread scratch, and
// one product with the weights packed as 16-bit pairs (qs8_products.h) reads each pixel's
// window straight from those rows, one run of values per tap row (its taps' channels lie
// together; with dilated taps, one run per tap), and gives the sums, requantized as XNNPACK
// requantizes: outputs bit-identical to XNNPACK's GEMM and IGEMM. Those (2x4c8 here,
// gemm_kernels.cc) widen each byte they read inside their inner loop and read each tap's
// channels in blocks of 8 (a 3-channel 7x7 window: 392 values for 147); here every value is
// widened once, a run is rounded up to an even count only (7 runs of 22 for 147), and the inner
// loop is 8 dot products a step. resnet18_qdq at 1 thread: its first convolution (7x7, 3 -> 64)
// 5.4 ms with XNNPACK's GEMM over int8 patches, 4.6 with each pixel's window copied out as a
// 16-bit row, 4.5 read from the widened rows (the model 0.98x paired, mobilenet_v2_qdq's 1x1
// ones 0.97x at 1 and 2 threads).
//
// Like winograd_qs8.h's, the convolution stays an XNNPACK subgraph node; only its operator is
// ours: weights packed once (through the region's weights cache), blocks of pixels spread over
// the session's threads.
#pragma once
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// Whether a qint8 convolution of this shape runs as this: no groups, and sane sizes (at most 2^16
// values per window, 64 MB of 16-bit weights).
bool conv_qs8_fits(int64_t kh, int64_t kw, int64_t groups, int64_t in_channels, int64_t out_channels);

// Makes the subgraph's last node, a per-channel qint8 convolution just defined by
// xnn_define_convolution_2d for a shape conv_qs8_fits accepts, with its int8 filter in ONNX's
// OIHW order (not XNNPACK's OHWI) and an int32 bias (or none), run as this.
void use_conv_qs8(xnn_subgraph* subgraph);

// Whether an operator of a runtime is one of these (for profiles).
bool is_conv_qs8(const xnn_operator* op);

}  // namespace onnxwasm
