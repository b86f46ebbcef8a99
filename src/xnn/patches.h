// SPDX-License-Identifier: MIT
// A qint8 convolution of few input channels (an image model's first: 3) as one product over
// its input patches. XNNPACK's int8 kernels read each tap's channels in blocks of 8, so a
// 3-channel 7x7 convolution multiplies 392 values per output for 147 real ones; over patches
// (each output pixel's kh x kw window of channels laid out as channels, then zero points to a
// block of 8: 152) it is a 1x1 convolution, XNNPACK's GEMM, of 152. In resnet18_qdq (profiled
// at 1 thread) the first convolution (7x7, stride 2, 3 -> 64 at 224x224) took 9.3 ms split in
// two (rules_quant.cc's columns as channels) and 5.9 + 0.9 ms (the copy) this way;
// mobilenet_v2_qdq's (3x3, stride 2, 3 -> 32) 2.1 ms whole and 0.9 + 0.4 ms; the models ran
// 0.96x as long, paired, at 1 and 2 threads.
//
// The patches are an XNNPACK subgraph node defined as the convolution they equal: identity
// weights (output channel (ky * kw + kx) * cg + c takes tap (ky, kx)'s channel c with weight 1;
// the channels past kh * kw * cg none, so they hold the zero point), the output quantized as
// the input (requantization by 1: exact), padding with the zero point. Only its operator is
// ours, a copy (as winograd.h's).
#pragma once
#include <cstdint>

struct xnn_operator;
struct xnn_subgraph;

namespace onnxwasm {

// The channels of the patches of a kh x kw window of `in` channels (kh * kw * in rounded up to
// a block of 8), or 0 where a product over them does not pay or their node would be large:
// groups, 8 or more channels (no blocks wasted), a single tap, less than a quarter of the
// blocks saved, more than 1024 channels (the node's identity weights hold about channels^2
// bytes), or more than 32 MB of patches for `pixels` output pixels.
int64_t patch_channels(int64_t in, int64_t kh, int64_t kw, int64_t groups, int64_t pixels);

// Makes the subgraph's last node, an int8 convolution just defined by xnn_define_convolution_2d
// over `in` channels with patch_channels(...) outputs (the identity weights above, without
// groups), run as the copy it equals.
void use_patches(xnn_subgraph* subgraph);

// Whether an operator of a runtime is one of these (for profiles).
bool is_patches(const xnn_operator* op);

}  // namespace onnxwasm
