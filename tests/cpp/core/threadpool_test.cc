// SPDX-License-Identifier: MIT
#include "core/threadpool.h"

#include <atomic>
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

TEST_CASE("thread pools run every index once, also after their workers were sent to sleep", "[core]") {
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    ThreadPool pool(threads);
    CHECK(pool.num_threads() >= 1);
    CHECK(pool.num_threads() <= threads);
    CHECK(covers_each_once(pool, 1000));
    // A run ends with release_workers; the next run's first call wakes them from sleep.
    for (int run = 0; run < 20; run++) {
      pool.release_workers();
      CHECK(covers_each_once(pool, 7));
      CHECK(covers_each_once(pool, 1));
    }
    pool.release_workers();
    pool.release_workers();  // twice in a row: harmless
    CHECK(covers_each_once(pool, 64));
  }
}
