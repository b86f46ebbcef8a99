// SPDX-License-Identifier: MIT
#include "heap_reserve.h"

#include <emscripten/heap.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>

namespace onnxwasm {

void reserve_heap_for_model(size_t model_bytes) {
  constexpr size_t kMinModelBytes = 8 << 20;  // below, the usual growth takes a few steps at most
  if (model_bytes < kMinModelBytes) return;
  const size_t want = model_bytes + model_bytes / 4;
  const size_t brk = reinterpret_cast<uintptr_t>(sbrk(0)), heap = emscripten_get_heap_size();
  if (brk + want <= heap) return;  // fits without counting the free chunks
  const size_t in_use = brk - mallinfo().fordblks;  // mallinfo walks the heap: only when it may grow
  if (in_use + want > heap) emscripten_resize_heap(in_use + want);
}

}  // namespace onnxwasm
