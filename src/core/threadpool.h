// SPDX-License-Identifier: MIT
// One pthreadpool per session, shared by XNNPACK and the reference kernels.
#pragma once
#include <cstddef>
#include <functional>

struct pthreadpool;

namespace onnxwasm {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  pthreadpool* handle() const { return pool_; }
  int num_threads() const;
  // Calls fn(i) for i in [0, n), split over the pool's threads.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  pthreadpool* pool_ = nullptr;
};

}  // namespace onnxwasm
