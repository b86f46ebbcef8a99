// SPDX-License-Identifier: MIT
// The threads weight packing may use: XNNPACK calls the packing functions (this project's in
// packed_weights.cc and winograd.cc) without a thread pool, so build_region names the
// session's pool for the span of xnn_create_runtime, where every operator packs its weights.
#pragma once
#include <cstddef>

struct pthreadpool;

namespace onnxwasm {

// For its lifetime, packing on this thread may use `pool` (null: none).
class PackingThreads {
 public:
  explicit PackingThreads(pthreadpool* pool);
  ~PackingThreads();
  PackingThreads(const PackingThreads&) = delete;
  PackingThreads& operator=(const PackingThreads&) = delete;

 private:
  pthreadpool* previous_;
};

// Calls fn(context, i) for every i < n, each block once. On the packing threads when there
// are some and the blocks write `bytes` in all, enough to pay for waking them; else in order
// on the caller. Blocks must write disjoint memory.
void for_each_packing_block(size_t n, size_t bytes, void (*fn)(void* context, size_t i), void* context);

template <typename F>
void for_each_packing_block(size_t n, size_t bytes, const F& f) {
  for_each_packing_block(n, bytes, [](void* c, size_t i) { (*static_cast<const F*>(c))(i); },
                         const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace onnxwasm
