// SPDX-License-Identifier: MIT
// PackedWeights: the weights cache one region's runtime packs into. XNNPACK's own cache keeps
// every operator's weights in one buffer it grows by reallocation (twice the weights at the
// moment it grows); this one gives each operator its own allocation, and tells its owner,
// right after an operator packed, which kernel and bias it read, so the builder can free
// them then instead of after the whole region (loading then peaks near one copy of the
// weights, not two). Each region packs its own weights; "found" only means packed here: the
// float convolutions XNNPACK would pack with its scalar reference code (expect_igemm) are
// packed by a SIMD transpose when XNNPACK looks them up (resnet50: 57 -> 27 ms of packing).
#pragma once
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include <xnnpack.h>

namespace onnxwasm {

class PackedWeights {
 public:
  using OnPacked = std::function<void(const void* kernel, const void* bias)>;
  explicit PackedWeights(OnPacked on_packed);
  ~PackedWeights();
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;

  xnn_weights_cache_t cache() { return &provider_; }
  // A float convolution with `out` output channels, each `taps` x `in` weights (OHWI), no
  // groups, more than one tap: XNNPACK runs it as an IGEMM, its weights packed per block of nr
  // output channels (bias, then per weight nr values). Packed here when XNNPACK looks it up.
  struct Igemm {
    const float* kernel;
    const float* bias;  // may be null
    size_t out, in, taps;
  };
  void expect_igemm(const Igemm& w) { igemm_.push_back(w); }
  // After xnn_create_runtime: nothing more is packed (XNNPACK checks this before each setup).
  void finalize();
  size_t bytes() const { return bytes_; }

 private:
  static size_t look_up(void* self, const xnn_weights_cache_look_up_key* key);
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
  bool finalized_ = false;
};

}  // namespace onnxwasm
