// SPDX-License-Identifier: MIT
// PackedWeights: the weights cache one region's runtime packs into. XNNPACK's own cache keeps
// every operator's weights in one buffer it grows by reallocation (twice the weights at the
// moment it grows); this one gives each operator its own allocation, and tells its owner,
// right after an operator packed, which kernel and bias it read, so the builder can free
// them then instead of after the whole region (loading then peaks near one copy of the
// weights, not two). It never finds anything: each region packs its own weights.
#pragma once
#include <cstddef>
#include <functional>
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
  std::vector<void*> buffers_;  // an operator's "offset" is its index here
  size_t bytes_ = 0;
  bool finalized_ = false;
};

}  // namespace onnxwasm
