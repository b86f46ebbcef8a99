// SPDX-License-Identifier: MIT
// PackedWeights: the weights cache one region's runtime packs into. XNNPACK's own cache keeps
// every operator's weights in one buffer it grows by reallocation (twice the weights at the
// moment it grows); this one gives each operator its own allocation, and tells its owner,
// right after an operator packed, which kernel and bias it read, so the builder can free
// them then instead of after the whole region (loading then peaks near one copy of the
// weights, not two). Each region packs its own weights; "found" only means packed here: float
// convolutions without groups (expect_igemm) are packed by a SIMD transpose when XNNPACK looks
// them up, straight from ONNX's OIHW order (XNNPACK wants OHWI, and packs IGEMM weights with
// its scalar reference code): no reordered copy of the weights is made. Float Gemm/MatMul
// weights (expect_fully_connected) are packed the same way when XNNPACK's fully-connected
// operator looks them up, so XNNPACK skips zeroing its whole buffer before packing it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <xnnpack.h>

#include "core/status.h"

namespace onnxwasm {

class PackedWeights {
 public:
  using OnPacked = std::function<void(const void* kernel, const void* bias)>;
  explicit PackedWeights(OnPacked on_packed);
  ~PackedWeights();
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;

  xnn_weights_cache_t cache() { return &provider_; }
  // GEMM weights: `out` output channels, each `taps` x `in` weights, packed per block of nr
  // output channels (bias, then per weight nr values). A float convolution without groups is
  // run by XNNPACK as a GEMM (1x1, stride 1, no padding) or an IGEMM and packed here when
  // XNNPACK looks it up. The kernel's order: XNNPACK's OHWI ([out][taps][in]); ONNX's OIHW
  // ([out][in][taps]; only for a shape packs_conv() accepts, as XNNPACK itself would read it as
  // OHWI); or [in][out] with `stride` floats from one input channel to the next (MatMul's).
  enum class Order { kOhwi, kOihw, kIo };
  struct Igemm {
    const float* kernel;
    const float* bias;  // may be null
    size_t out, in, taps;
    Order order;
    size_t stride;  // kIo only
    // A fully-connected operator's (taps 1; kIo: MatMul's, or Gemm's without transB): XNNPACK
    // would otherwise zero its whole buffer before packing it.
    bool fully_connected = false;
  };
  // Whether a convolution of this shape is always packed here, never by XNNPACK.
  static bool packs_conv(size_t out, size_t in);
  void expect_igemm(const Igemm& w) { igemm_.push_back(w); }
  // XNNPACK's f32 fully-connected operator with these weights (out x in; kIo: transposed, with
  // XNN_FLAG_TRANSPOSE_WEIGHTS) is packed here when it looks them up, in the same layout.
  void expect_fully_connected(const Igemm& w) { igemm_.push_back(w), igemm_.back().fully_connected = true; }
  // After xnn_create_runtime: nothing more is packed (XNNPACK checks this before each setup).
  // Fails if XNNPACK never looked up a kernel given in OIHW order (it packed it some other
  // way, as if it were OHWI).
  Status finalize();
  size_t bytes() const { return bytes_; }
  // Fully-connected operators packed here (expect_fully_connected) rather than by XNNPACK.
  int fully_connected_packed() const { return fully_connected_packed_; }

 private:
  static size_t look_up(void* self, const xnn_weights_cache_look_up_key* key);
  // Space for `bytes` of weights packed here, rounded up as XNNPACK rounds its own.
  void* reserve_packed(size_t bytes);
  // After packing into the last reserved space for `key`: its owner frees what was read, and
  // the offset is returned. A convolution `asks_again` (look_up_or_insert, without a pointer)
  // and is given the same offset then; a fully-connected operator takes this one.
  size_t packed_here(const xnn_weights_cache_look_up_key* key, bool asks_again);
  static void* reserve_space(void* self, size_t n);
  static size_t look_up_or_insert(void* self, const xnn_weights_cache_look_up_key* key, void* ptr, size_t size);
  static bool is_finalized(void* self);
  static void* offset_to_addr(void* self, size_t offset);
  static xnn_status delete_cache(void* self);

  xnn_weights_cache_provider provider_;
  OnPacked on_packed_;
  std::vector<Igemm> igemm_;
  std::vector<std::pair<const void*, size_t>> packed_here_;  // kernel -> offset, packed by look_up
  std::vector<void*> buffers_;  // an operator's "offset" is its index here
  size_t bytes_ = 0;
  int fully_connected_packed_ = 0;
  bool finalized_ = false;
};

// XNNPACK's packing of f32 GEMM weights given as [N][K] (Gemm's with transB, grouped 1x1
// convolutions; its xnn_packw_gemm_goi_ukernel_fn), by the convolutions' block packer.
void pack_f32_gemm_goi(size_t g, size_t nc, size_t kc, size_t nr, size_t kr, size_t sr, const void* k, const void* b,
                       const void* scale, void* packed_weights, size_t extra_bytes, const void* params);
// XNNPACK's packing of f32 fully-connected weights given as [K][N] (MatMul's; its
// xnn_packw_gemm_gio_ukernel_fn): the reference code copies each row's 8 values with a call,
// 50 ms of ViT's first session creation; the block packer moves them with two SIMD loads and
// stores.
void pack_f32_gemm_gio(size_t g, size_t nc, size_t kc, size_t nr, size_t kr, size_t sr, size_t k_stride, const void* k,
                       const void* b, const void* scale, void* packed_weights, size_t extra_bytes, const void* params);

}  // namespace onnxwasm
