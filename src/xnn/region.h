// SPDX-License-Identifier: MIT
// XNNPACK regions: maximal runs of claimable nodes (consecutive in the program's topological
// order, hence convex) lowered to one xnn_runtime_t each, built and weight-packed once at
// session creation. Inputs and outputs are ONNX-layout tensors owned by the runtime.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "passes/program.h"

struct pthreadpool;
struct xnn_runtime;

namespace onnxwasm {

class XnnRegion {
 public:
  ~XnnRegion();
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::vector<int>& nodes() const { return nodes_; }  // indices into Program::nodes
  const std::string& first_node() const { return first_node_; }  // "node 'x' (Conv)"
  int qint8_convolutions() const { return qint8_convolutions_; }
  // Constants the runtime reads in place (the rest it copied: reordered or packed).
  const std::vector<int>& referenced_constants() const { return referenced_; }
  // `out` tensors are allocated by the caller with the outputs' static shapes.
  Status run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const;

 private:
  friend Result<std::unique_ptr<XnnRegion>> build_region(const Program&, std::vector<int>, pthreadpool*);
  std::vector<int> nodes_, inputs_, outputs_, referenced_;
  xnn_runtime* runtime_ = nullptr;
  std::vector<std::unique_ptr<std::vector<float>>> buffers_;  // static data the runtime reads
  std::string first_node_;
  int qint8_convolutions_ = 0;
};

struct XnnPlan {
  std::vector<std::unique_ptr<XnnRegion>> regions;
  std::vector<int> region_of_node;  // per Program node: region index or -1
  std::string fallbacks;            // regions that failed to build and run on reference kernels
};

// Partitions the program and builds every region. With `strict`, a region that passed its
// checks but fails to build is an INTERNAL error instead of a fallback (tests use this).
// Regions with less work than `serial_work` (see SessionOptions) get no thread pool.
Result<XnnPlan> plan_xnn(const Program& program, pthreadpool* pool, bool strict, double serial_work);

}  // namespace onnxwasm
