// SPDX-License-Identifier: MIT
#include "xnn/packed_weights.h"

#include <cstdint>
#include <cstdlib>

namespace onnxwasm {
namespace {
constexpr size_t kAlign = 64;  // at least XNN_ALLOCATION_ALIGNMENT on every target
constexpr size_t kNotFound = SIZE_MAX;  // XNN_CACHE_NOT_FOUND
}  // namespace

PackedWeights::PackedWeights(OnPacked on_packed) : on_packed_(std::move(on_packed)) {
  provider_.context = this;
  provider_.look_up = &PackedWeights::look_up;
  provider_.reserve_space = &PackedWeights::reserve_space;
  provider_.look_up_or_insert = &PackedWeights::look_up_or_insert;
  provider_.is_finalized = &PackedWeights::is_finalized;
  provider_.offset_to_addr = &PackedWeights::offset_to_addr;
  provider_.delete_cache = &PackedWeights::delete_cache;
}

PackedWeights::~PackedWeights() {
  for (void* p : buffers_) free(p);
}

void PackedWeights::finalize() { finalized_ = true; }

size_t PackedWeights::look_up(void*, const xnn_weights_cache_look_up_key*) { return kNotFound; }

// Reserved space is owned from here on, so an operator that fails between reserving and
// inserting leaks nothing.
void* PackedWeights::reserve_space(void* self, size_t n) {
  auto* w = static_cast<PackedWeights*>(self);
  void* p = nullptr;
  if (w->finalized_ || posix_memalign(&p, kAlign, n == 0 ? kAlign : n) != 0) return nullptr;
  w->buffers_.push_back(p);
  w->bytes_ += n;
  return p;
}

size_t PackedWeights::look_up_or_insert(void* self, const xnn_weights_cache_look_up_key* key, void* ptr, size_t) {
  auto* w = static_cast<PackedWeights*>(self);
  for (size_t i = w->buffers_.size(); i-- > 0;) {
    if (w->buffers_[i] != ptr) continue;
    if (w->on_packed_) w->on_packed_(key->kernel, key->bias);
    return i;
  }
  return kNotFound;
}

bool PackedWeights::is_finalized(void* self) { return static_cast<PackedWeights*>(self)->finalized_; }

void* PackedWeights::offset_to_addr(void* self, size_t offset) {
  auto* w = static_cast<PackedWeights*>(self);
  return offset < w->buffers_.size() ? w->buffers_[offset] : nullptr;
}

xnn_status PackedWeights::delete_cache(void*) { return xnn_status_success; }

}  // namespace onnxwasm
