// SPDX-License-Identifier: MIT
// A Session owns a compiled model: the Program, its XNNPACK regions (weights packed at
// creation), one thread pool, and a flat plan of steps run by one loop. run() validates every
// feed before touching any state, so a failed run leaves the session usable. Several callers
// may hold one Session (session_loader.h shares it between sessions of the same bytes): runs
// take turns, and each caller keeps its own profile.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
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
  // XNNPACK regions with less work than this (multiply-adds, roughly) run on the calling thread:
  // waking the pool for each of their operators costs more than it saves. Tests set 0.
  double serial_work = 1e6;
  std::map<std::string, int64_t> free_dims;
};

bool operator==(const SessionOptions& a, const SessionOptions& b);

struct Feed {
  std::string name;
  Tensor tensor;  // usually a view of caller memory
};

// Per-step timing for session.startProfiling()/endProfiling(): a run given one adds every
// XNNPACK region's and reference kernel's time, and each XNNPACK operator's (kind
// "xnnpack-op", named after its node).
class RunProfile {
 public:
  // Lines "kind\tname\tcalls\tms", slowest first; clears them.
  std::string take();

 private:
  friend class Session;
  struct Entry { std::string kind; int64_t calls = 0; double ms = 0; };
  std::map<std::string, Entry> entries_;  // by step name
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(const uint8_t* data, size_t size, const SessionOptions& options);
  static Result<std::unique_ptr<Session>> create(Model model, const SessionOptions& options);
  ~Session();

  const std::vector<ValueInfo>& inputs() const { return generic_->program.input_infos; }
  const std::vector<ValueInfo>& outputs() const { return generic_->program.output_infos; }
  Status run(const std::vector<Feed>& feeds, std::vector<Tensor>* outputs, RunProfile* profile = nullptr);

  // For tests and session.debugInfo, about the plan used last (or the static one).
  size_t xnn_node_count() const;
  size_t xnn_region_count() const;
  size_t plan_node_count() const { return last_->program.nodes.size(); }
  std::string debug_info() const;

 private:
  struct Step {
    int node = -1;    // index into program.nodes, or
    int region = -1;  // index into xnn->regions
    std::vector<int> release;  // values whose last use is this step
  };
  // One compiled form of the model: for its static shapes, or specialized to one set of
  // concrete input dims when the model has symbolic dims (so XNNPACK, which needs static
  // shapes, still takes it).
  struct Plan {
    Program program;
    std::unique_ptr<XnnPlan> xnn;
    std::vector<Step> steps;
    ~Plan();
  };
  static constexpr size_t kMaxSpecializedPlans = 4;

  Session() = default;
  Result<std::unique_ptr<Plan>> build_plan(const CompileOptions& co);
  Status check_feeds(const std::vector<Feed>& feeds, std::vector<const Tensor*>* by_input) const;
  Result<Plan*> plan_for(const std::vector<const Tensor*>& inputs);
  void drop_copied_constants();
  // Drops the model's own reference to constant `name` (an initializer, or a Constant node's
  // value): a static session never compiles again, so the program's was the other one.
  void forget_model_constant(const std::string& name);
  TensorPtr* model_constant(const std::string& name);
  bool model_holds(const std::string& name, const TensorPtr& c);
  Status execute(const Plan& plan, const std::vector<const Tensor*>& inputs, std::vector<Tensor>* outputs,
                 RunProfile* profile);

  std::unique_ptr<Model> model_;  // stable address: programs point into it
  std::unordered_map<std::string, Node*> constant_nodes_;  // by output name (forget_model_constant)
  bool constant_nodes_indexed_ = false;  // once, even where the map stays empty (no Constant nodes)
  SessionOptions options_;
  std::shared_ptr<ThreadPool> pool_;  // ThreadPool::shared
  std::unique_ptr<Plan> generic_;  // static shapes; symbolic dims unknown
  bool specialize_ = false;        // generic_ has unknown input dims
  std::map<std::string, std::unique_ptr<Plan>> specialized_;  // by input-dims signature
  const Plan* last_ = nullptr;
  std::mutex run_mutex_;  // one run at a time: plans and their arenas are reused
};

}  // namespace onnxwasm
