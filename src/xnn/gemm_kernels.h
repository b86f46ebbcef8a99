// SPDX-License-Identifier: MIT
// XNNPACK's GEMM microkernel choice, adjusted once per module for x86 hosts (see the .cc).
#pragma once

namespace onnxwasm {

// Call after xnn_initialize and before creating any XNNPACK operator; later calls do nothing.
void choose_gemm_kernels();

}  // namespace onnxwasm
