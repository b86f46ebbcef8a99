// SPDX-License-Identifier: MIT
#include "xnn/allocator.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>

#include <xnnpack.h>

namespace onnxwasm {
namespace {

std::atomic<size_t> live{0};

void* counted(void* p) {
  if (p) live += malloc_usable_size(p);
  return p;
}

void* allocate(void*, size_t size) { return counted(std::malloc(size)); }

void* reallocate(void*, void* p, size_t size) {
  const size_t old = p ? malloc_usable_size(p) : 0;
  void* q = std::realloc(p, size);
  if (q || size == 0) live -= old;
  return counted(q);
}

void deallocate(void*, void* p) {
  if (!p) return;
  live -= malloc_usable_size(p);
  std::free(p);
}

// XNNPACK asks for 16 bytes in wasm (malloc's alignment there) and 64 natively.
void* aligned_allocate(void*, size_t alignment, size_t size) {
  void* p = nullptr;
  return counted(posix_memalign(&p, alignment, size) == 0 ? p : nullptr);
}

const xnn_allocator kCounting = {nullptr, allocate, reallocate, deallocate, aligned_allocate, deallocate};

}  // namespace

const xnn_allocator* counting_xnn_allocator() { return &kCounting; }

size_t xnn_live_bytes() { return live.load(); }

}  // namespace onnxwasm
