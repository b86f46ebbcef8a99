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
  // Calls fn(i) for i in [0, n), split over the pool's threads.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);
  // Sends the workers to sleep now rather than after their spin (about 1 ms) for the next
  // call; for the end of a run. Within a run they spin from one call to the next: each wake-up
  // from sleep lets the OS place the worker again, and a scheduler that packs threads of a
  // lightly loaded process onto one CPU (seen on 2-core VMs after a pause) then serializes the
  // two threads for milliseconds.
  void release_workers();

 private:
  pthreadpool* pool_ = nullptr;
};

}  // namespace onnxwasm
