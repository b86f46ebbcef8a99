// SPDX-License-Identifier: MIT
#include "core/threadpool.h"

#include <pthreadpool.h>

#include <map>
#include <mutex>

namespace onnxwasm {

ThreadPool::ThreadPool(int num_threads) {
  // A pool of one thread runs on the caller; none is created then.
  if (num_threads > 1) pool_ = pthreadpool_create(static_cast<size_t>(num_threads));
}

ThreadPool::~ThreadPool() {
  if (pool_) pthreadpool_destroy(pool_);
}

std::shared_ptr<ThreadPool> ThreadPool::shared(int num_threads) {
  // Never destroyed: joining workers during exit could hang a wasm runtime.
  static auto* lock = new std::mutex;
  static auto* pools = new std::map<int, std::shared_ptr<ThreadPool>>;
  std::lock_guard<std::mutex> hold(*lock);
  std::shared_ptr<ThreadPool>& p = (*pools)[num_threads];
  if (!p) p = std::make_shared<ThreadPool>(num_threads);
  return p;
}

int ThreadPool::num_threads() const {
  return pool_ ? static_cast<int>(pthreadpool_get_threads_count(pool_)) : 1;
}

static void call_fn(void* ctx, size_t i) { (*static_cast<const std::function<void(size_t)>*>(ctx))(i); }

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  if (!pool_ || n <= 1) {
    for (size_t i = 0; i < n; i++) fn(i);
    return;
  }
  pthreadpool_parallelize_1d(pool_, call_fn, const_cast<std::function<void(size_t)>*>(&fn), n, 0);
}

}  // namespace onnxwasm
