// SPDX-License-Identifier: MIT
// XNNPACK's GEMM microkernels on x86 hosts, chosen by measuring inside the engine (per-operator
// times from XNNPACK's profiling, same machine and run):
//  - f32 GEMM and IGEMM (1x1 and other convolutions, fully-connected): XNNPACK takes its
//    "splat" 4x8 kernels (A loaded four k at a time, then shuffled) unless the page reports
//    more than 4 cores, its sign of AVX; in Node it never sees a core count. The "loadsplat"
//    ones (one broadcast load per k, a single vbroadcastss under AVX) cut resnet50's GEMM time
//    38 -> 31 ms and each 3x3 convolution 5.0 -> 4.2 ms; mobilenet_v2 16.0 -> 13.7 ms. Same
//    tile and packing. The 4x8 IGEMM ones are this project's builds of XNNPACK's sources
//    (CMakeLists.txt: the library's, built with SLP vectorization, were 2x slower).
//  - qs8 with per-channel int8 weights: XNNPACK takes 4x4c2s4, which rotates each row of A with
//    three shuffles per 8 k; 2x4c8 (no shuffles, one horizontal sum per output at the end) ran
//    resnet18_qdq in 53 ms instead of 76 (4x4c8, built with SLP vectorization: 79). Its
//    weights are packed with kr=8, sr=1, which the config carries. (Its int8 convolutions without
//    groups have since moved to conv_qs8.h and winograd_qs8.h; fully-connected and grouped ones
//    stay here.)
// Changed once, before any operator reads the configs; other hosts keep XNNPACK's choice. On
// every host, f32 GEMM weights are packed by pack_f32_gemm_goi / pack_f32_gemm_gio.
#include "xnn/gemm_kernels.h"

#include <xnnpack.h>

#include "xnnpack/config.h"
#include "xnnpack/gemm.h"
#include "xnnpack/hardware-config.h"
#include "xnnpack/igemm.h"
#include "xnn/packed_weights.h"

// XNNPACK's 4x8 loadsplat IGEMM kernels, built here without SLP vectorization (CMakeLists.txt).
extern "C" {
decltype(xnn_f32_igemm_minmax_ukernel_4x8__wasmsimd_x86_loadsplat) ow_xnn_f32_igemm_minmax_ukernel_4x8__wasmsimd_x86_loadsplat;
decltype(xnn_f32_igemm_relu_ukernel_4x8__wasmsimd_loadsplat) ow_xnn_f32_igemm_relu_ukernel_4x8__wasmsimd_loadsplat;
decltype(xnn_f32_igemm_ukernel_4x8__wasmsimd_loadsplat) ow_xnn_f32_igemm_ukernel_4x8__wasmsimd_loadsplat;
}

namespace onnxwasm {
namespace {

template <typename Fn>
xnn_hmp_gemm_ukernel gemm(Fn fn) { return xnn_init_hmp_gemm_ukernel(reinterpret_cast<xnn_gemm_ukernel_fn>(fn)); }
template <typename Fn>
xnn_hmp_igemm_ukernel igemm(Fn fn) { return xnn_init_hmp_igemm_ukernel(reinterpret_cast<xnn_igemm_ukernel_fn>(fn)); }

void choose() {
  auto* f32 = const_cast<xnn_gemm_config*>(xnn_init_f32_gemm_config());
  if (f32 != nullptr) {  // any host
    f32->pack_gemm_goi = reinterpret_cast<xnn_packw_gemm_goi_ukernel_fn>(pack_f32_gemm_goi);
    f32->pack_gemm_gio = reinterpret_cast<xnn_packw_gemm_gio_ukernel_fn>(pack_f32_gemm_gio);
  }
  const xnn_hardware_config* hw = xnn_init_hardware_config();
  if (hw == nullptr || !hw->is_x86) return;

  if (f32 != nullptr && f32->mr == 4 && f32->nr == 8) {
    // One activation variant of the 4x8 tile: its 1-row and 4-row GEMM and IGEMM kernels.
    auto use = [](gemm_fused_ukernels& k, auto gemm1, auto gemm4, auto igemm1, auto igemm4) {
      k.gemm[0] = gemm(gemm1), k.gemm[3] = gemm(gemm4), k.igemm[0] = igemm(igemm1), k.igemm[3] = igemm(igemm4);
    };
    use(f32->minmax, xnn_f32_gemm_minmax_ukernel_1x8__wasmsimd_x86_loadsplat,
        xnn_f32_gemm_minmax_ukernel_4x8__wasmsimd_x86_loadsplat, xnn_f32_igemm_minmax_ukernel_1x8__wasmsimd_x86_loadsplat,
        ow_xnn_f32_igemm_minmax_ukernel_4x8__wasmsimd_x86_loadsplat);
    use(f32->relu, xnn_f32_gemm_relu_ukernel_1x8__wasmsimd_loadsplat, xnn_f32_gemm_relu_ukernel_4x8__wasmsimd_loadsplat,
        xnn_f32_igemm_relu_ukernel_1x8__wasmsimd_loadsplat, ow_xnn_f32_igemm_relu_ukernel_4x8__wasmsimd_loadsplat);
    use(f32->linear, xnn_f32_gemm_ukernel_1x8__wasmsimd_loadsplat, xnn_f32_gemm_ukernel_4x8__wasmsimd_loadsplat,
        xnn_f32_igemm_ukernel_1x8__wasmsimd_loadsplat, ow_xnn_f32_igemm_ukernel_4x8__wasmsimd_loadsplat);
  }
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
