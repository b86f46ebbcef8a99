// SPDX-License-Identifier: MIT
// The order a runtime's GEMM and IGEMM operators visit their tiles in, where the weights
// outgrow the core's cache (see the .cc).
#pragma once

struct xnn_runtime;

namespace onnxwasm {

// Call after each xnn_reshape_runtime (which sets every operator's tiling afresh). Returns how
// many operators now visit column blocks first.
int order_gemm_tiles(xnn_runtime* runtime);

}  // namespace onnxwasm
