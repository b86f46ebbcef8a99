// SPDX-License-Identifier: MIT
// A Session owns a compiled model: the Program, its XNNPACK regions (weights packed at
// creation), one thread pool, and a flat plan of steps run by one loop. run() validates every
// feed before touching any state, so a failed run leaves the session usable.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/threadpool.h"
#include "passes/program.h"

namespace onnxwasm {

struct XnnPlan;

struct SessionOptions {
  int num_threads = 1;
  bool use_xnnpack = true;   // false: reference kernels everywhere (the oracle in tests)
  bool xnn_strict = false;   // a claimed region that fails to build is an error, not a fallback
  std::map<std::string, int64_t> free_dims;
};

struct Feed {
  std::string name;
  Tensor tensor;  // usually a view of caller memory
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(const uint8_t* data, size_t size, const SessionOptions& options);
  static Result<std::unique_ptr<Session>> create(Model model, const SessionOptions& options);
  ~Session();

  const std::vector<ValueInfo>& inputs() const { return program_.input_infos; }
  const std::vector<ValueInfo>& outputs() const { return program_.output_infos; }
  Status run(const std::vector<Feed>& feeds, std::vector<Tensor>* outputs);

  // For tests and session.debugInfo: nodes on XNNPACK, regions, nodes on reference kernels.
  size_t xnn_node_count() const;
  size_t xnn_region_count() const;
  size_t plan_node_count() const { return program_.nodes.size(); }
  std::string debug_info() const;

 private:
  Session() = default;
  Status build(const SessionOptions& options);
  Status check_feeds(const std::vector<Feed>& feeds, std::vector<const Tensor*>* by_input) const;

  struct Step {
    int node = -1;    // index into program_.nodes, or
    int region = -1;  // index into xnn_->regions
    std::vector<int> release;  // values whose last use is this step
  };
  std::unique_ptr<Model> model_;  // stable address: the program points into it
  Program program_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<XnnPlan> xnn_;
  std::vector<Step> steps_;
};

}  // namespace onnxwasm
