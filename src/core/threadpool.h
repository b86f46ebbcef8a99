// SPDX-License-Identifier: MIT
// One pthreadpool per session, shared by XNNPACK and the reference kernels.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

struct pthreadpool;

namespace onnxwasm {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  // The pool of `num_threads` shared by every session of the process: a worker thread costs
  // tens of ms to start in wasm (a Web Worker each), so sessions reuse them. Parallel calls
  // from different sessions never overlap (pthreadpool serializes them).
  static std::shared_ptr<ThreadPool> shared(int num_threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  pthreadpool* handle() const { return pool_; }
  int num_threads() const;
  // Calls fn(i) for i in [0, n), split over the pool's threads. Workers spin (about 1 ms)
  // for the next call before they sleep, also across XNNPACK regions (which are created
  // without XNN_FLAG_YIELD_WORKERS) and past the end of a run: every wake-up from sleep lets
  // the OS place a worker again, and a kernel that packs the threads of a lightly loaded
  // process onto one CPU then has both threads spin on it (README, Threads).
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  pthreadpool* pool_ = nullptr;
};

}  // namespace onnxwasm
