// SPDX-License-Identifier: MIT
#include "xnn/packing_threads.h"

#include <pthreadpool.h>

namespace onnxwasm {
namespace {

// Sessions are created one at a time per thread; only the creating thread packs.
thread_local pthreadpool* current_pool = nullptr;

// Below this, waking a worker (a futex wait in wasm: tens of microseconds) costs about what
// splitting the work saves.
constexpr size_t kMinParallelBytes = size_t(1) << 18;

}  // namespace

PackingThreads::PackingThreads(pthreadpool* pool) : previous_(current_pool) { current_pool = pool; }

PackingThreads::~PackingThreads() { current_pool = previous_; }

void for_each_packing_block(size_t n, size_t bytes, void (*fn)(void* context, size_t i), void* context) {
  if (current_pool == nullptr || n < 2 || bytes < kMinParallelBytes) {
    for (size_t i = 0; i < n; i++) fn(context, i);
    return;
  }
  // Workers sleep when done instead of spinning: V8 compiles the creation code optimized on
  // a background thread, which needs that core on 2-core machines.
  pthreadpool_parallelize_1d(current_pool, fn, context, n, PTHREADPOOL_FLAG_YIELD_WORKERS);
}

}  // namespace onnxwasm
