// SPDX-License-Identifier: MIT
#include "core/threadpool.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "testing/graph_builder.h"

using namespace onnxwasm;

// Every index once, whichever thread took it.
static bool covers_each_once(ThreadPool& pool, size_t n) {
  std::vector<std::atomic<int>> seen(n);
  for (auto& s : seen) s = 0;
  pool.parallel_for(n, [&](size_t i) { seen[i]++; });
  for (auto& s : seen)
    if (s != 1) return false;
  return true;
}

TEST_CASE("thread pools run every index once, back to back and after their workers slept", "[core]") {
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadPool pool(threads);
    CHECK(pool.num_threads() >= 1);
    CHECK(pool.num_threads() <= threads);
    // Back to back: the workers are still spinning for the next call.
    for (int call = 0; call < 50; call++) CHECK(covers_each_once(pool, 1 + call % 9));
    // After a pause longer than their spin (about 1 ms in wasm, more natively): woken from sleep.
    for (int pause = 0; pause < 4; pause++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      CHECK(covers_each_once(pool, 1000));
    }
  }
}
