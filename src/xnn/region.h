// SPDX-License-Identifier: MIT
// XNNPACK regions: maximal runs of claimable nodes (consecutive in the program's topological
// order, hence convex) lowered to one xnn_runtime_t each, built and weight-packed once at
// session creation. Inputs and outputs are ONNX-layout tensors owned by the runtime.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "passes/program.h"

struct pthreadpool;
struct xnn_runtime;
struct xnn_workspace;

namespace onnxwasm {

class PackedWeights;
// What a static session lets the XNNPACK planner do with its constants (by value id): free one
// once every read of it has been packed, and, when nothing outside the session shares it
// (`exclusive`), reorder it in place for XNNPACK instead of packing a reordered copy.
struct ConstantHandoff {
  std::function<void(int)> release;
  std::function<bool(int)> exclusive;
};

// One XNNPACK operator's time in a run, named after the node it was lowered from.
struct XnnOpTime {
  std::string name;  // "node 'x' (Conv): Convolution (NHWC, F32) IGEMM"
  double ms;
};

class XnnRegion {
 public:
  ~XnnRegion();
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::vector<int>& nodes() const { return nodes_; }  // indices into Program::nodes
  const std::string& first_node() const { return first_node_; }  // "node 'x' (Conv)"
  int qint8_convolutions() const { return qint8_convolutions_; }
  int qint8_patches() const { return qint8_patches_; }  // how many over 16-bit patches (conv_qs8.h)
  int qint8_winograd() const { return qint8_winograd_; }  // how many as Winograd (winograd_qs8.h)
  int qint8_other() const { return qint8_other_; }  // Add, Sub, MaxPool in int8
  int winograd_convolutions() const { return winograd_; }
  // GEMM/IGEMM operators whose weights outgrow the cache, run column blocks first (gemm_order.h).
  int column_ordered_products() const { return column_ordered_; }
  // Float fully-connected operators whose weights the region's cache packed (packed_weights.h).
  int fully_connected_packed() const;
  // Constants the runtime reads in place (the rest it copied: reordered or packed).
  const std::vector<int>& referenced_constants() const { return referenced_; }
  // Bytes of packed weights, and of XNNPACK's activation memory (its workspace).
  size_t packed_bytes() const;
  size_t activation_bytes() const { return activation_bytes_; }
  // Plans XNNPACK's memory for the (static) shapes: once, after creation.
  Status reshape();
  // `out` tensors are allocated by the caller with the outputs' static shapes. With `times`,
  // XNNPACK also times each of its operators in this run (its basic profiling).
  Status run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out,
             std::vector<XnnOpTime>* times = nullptr) const;

 private:
  friend Result<std::unique_ptr<XnnRegion>> build_region(const Program&, std::vector<int>, pthreadpool*,
                                                          const ConstantHandoff*, xnn_workspace*, bool*);
  std::vector<int> nodes_, inputs_, outputs_, referenced_;
  std::unique_ptr<PackedWeights> weights_;  // outlives runtime_ (deleted first, in ~XnnRegion)
  xnn_runtime* runtime_ = nullptr;
  size_t activation_bytes_ = 0;
  std::vector<std::unique_ptr<std::vector<float>>> buffers_;  // static data the runtime reads
  std::string first_node_;
  std::vector<std::string> op_nodes_;  // per XNNPACK subgraph node: the node it was lowered from
  int qint8_convolutions_ = 0, qint8_patches_ = 0, qint8_winograd_ = 0, qint8_other_ = 0, winograd_ = 0, column_ordered_ = 0;
};

struct XnnPlan {
  std::vector<std::unique_ptr<XnnRegion>> regions;
  std::vector<int> region_of_node;  // per Program node: region index or -1
  std::string fallbacks;            // regions that failed to build and run on reference kernels
  // XNNPACK's activation memory: one for all the regions of every session's plans (they run
  // one after another; see region.cc), as large as the largest region needs.
  std::shared_ptr<xnn_workspace> workspace;
};

// Partitions the program and builds every region. With `strict`, a region that passed its
// checks but fails to build is an INTERNAL error instead of a fallback (tests use this).
// Regions with less work than `serial_work` (see SessionOptions) get no thread pool.
// `handoff`, when given, frees each constant as soon as all its reads have been packed (a
// static session's: loading then peaks near one copy of the weights). A region that fails
// after taking over a constant cannot fall back to reference kernels: its error is returned.
Result<XnnPlan> plan_xnn(const Program& program, pthreadpool* pool, bool strict, double serial_work,
                         const ConstantHandoff* handoff = nullptr);

}  // namespace onnxwasm
