// SPDX-License-Identifier: MIT
// XNNPACK's int8 GEMM microkernels on x86 hosts, chosen by measurement in the engine (bench
// resnet18_qdq, 1 thread, same machine and run): for qs8 convolutions and fully-connected
// operators with per-channel int8 weights, XNNPACK's wasm SIMD config takes 4x4c2s4, which
// rotates each row of A with three shuffles per 8 k; 2x4c8 (no shuffles, one horizontal sum
// per output at the end) ran the model in 53 ms instead of 76 (4x4c8 took 79: it spills).
// Its weights are packed with kr=8, sr=1, which the config carries.
// The float kernels stay XNNPACK's: its "loadsplat" variants, faster in an isolated GEMM
// loop here, made ResNet-50 slower in the engine (igemm 3x3 convolutions 1.45x slower).
// Changed once, before any operator reads the config; ARM hosts keep XNNPACK's choice.
#include "xnn/gemm_kernels.h"

#include <xnnpack.h>

#include "xnnpack/config.h"
#include "xnnpack/gemm.h"
#include "xnnpack/hardware-config.h"
#include "xnnpack/igemm.h"

namespace onnxwasm {
namespace {

template <typename Fn>
xnn_hmp_gemm_ukernel gemm(Fn fn) { return xnn_init_hmp_gemm_ukernel(reinterpret_cast<xnn_gemm_ukernel_fn>(fn)); }
template <typename Fn>
xnn_hmp_igemm_ukernel igemm(Fn fn) { return xnn_init_hmp_igemm_ukernel(reinterpret_cast<xnn_igemm_ukernel_fn>(fn)); }

void choose() {
  const xnn_hardware_config* hw = xnn_init_hardware_config();
  if (hw == nullptr || !hw->is_x86) return;

  auto* qs8 = const_cast<xnn_gemm_config*>(xnn_init_qs8_qc8w_gemm_config());
  if (qs8 != nullptr && qs8->mr == 4 && qs8->nr == 4) {
    qs8->minmax.gemm[0] = gemm(xnn_qs8_qc8w_gemm_minmax_fp32_ukernel_1x4c8__wasmsimd_dot16x2_ld128);
    qs8->minmax.gemm[1] = gemm(xnn_qs8_qc8w_gemm_minmax_fp32_ukernel_2x4c8__wasmsimd_dot16x2_ld128);
    qs8->minmax.gemm[3] = {};
    qs8->minmax.igemm[0] = igemm(xnn_qs8_qc8w_igemm_minmax_fp32_ukernel_1x4c8__wasmsimd_dot16x2_ld128);
    qs8->minmax.igemm[1] = igemm(xnn_qs8_qc8w_igemm_minmax_fp32_ukernel_2x4c8__wasmsimd_dot16x2_ld128);
    qs8->minmax.igemm[3] = {};
    qs8->mr = 2;
    qs8->log2_kr = 3;
    qs8->log2_sr = 0;
  }
}

}  // namespace

void choose_gemm_kernels() {
  static const bool done = (choose(), true);
  (void)done;
}

}  // namespace onnxwasm
