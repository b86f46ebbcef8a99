// SPDX-License-Identifier: MIT
// XnnBuilder: defines one region's XNNPACK subgraph. It tracks each value's layout inside the
// region (ONNX-native, or NHWC for rank-4 activations around Conv and pools), inserts
// transposes only where a consumer needs the other layout, permutes constant data once, and
// makes region inputs and outputs external values in ONNX layout.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <xnnpack.h>

#include "passes/program.h"

namespace onnxwasm {

enum class Layout { kNative, kNHWC };

// Dims of an ONNX (NCHW) rank-4 shape in `layout`; other ranks are unchanged.
Dims dims_in_layout(const Dims& dims, Layout layout);
// NCHW axis -> its position in NHWC.
int64_t nhwc_axis(int64_t nchw_axis);

Status xnn_check(xnn_status status, const char* call, const Node& node);

class XnnBuilder {
 public:
  XnnBuilder(const Program& program, xnn_subgraph_t subgraph, std::vector<int> inputs,
             std::vector<int> outputs);
  const Program& program() const { return program_; }
  xnn_subgraph_t subgraph() const { return subgraph_; }
  const ValueType& type(int id) const { return program_.values[id].type; }
  const Tensor* constant(int id) const { return program_.values[id].constant.get(); }

  // Layout value `id` has now (constants and region inputs: native).
  Layout layout_of(int id) const;
  // The xnn id of value `id` in `layout`. A value of rank < 4 asked for in NHWC is taken as a
  // broadcast operand of a rank-4 NCHW tensor: padded to rank 4 with leading 1s, then permuted.
  Result<uint32_t> input(int id, Layout layout, const Node& node);
  // Defines value `id` (produced by the node being lowered) in `layout`.
  Result<uint32_t> output(int id, Layout layout, const Node& node);
  // A static float tensor whose data the region keeps alive (elementwise operands, read at
  // every run).
  Result<uint32_t> static_tensor(std::vector<float> data, const Dims& dims, const Node& node);
  // Weights a packing operator (convolution, fully connected) copies when the runtime is
  // created: `data` is freed right after (see release_packed), or for `packed_view`, never
  // copied at all (the constant itself is dropped once every plan is built).
  Result<uint32_t> packed_tensor(std::vector<float> data, const Dims& dims, const Node& node);
  Result<uint32_t> packed_view(const Tensor& constant, const Dims& dims, const Node& node);
  // Frees packed_tensor data once xnn_create_runtime has packed it; it is first overwritten
  // with NaN so a read after creation shows in the parity tests instead of passing silently.
  void release_packed();
  // Adds the transposes that bring NHWC region outputs back to ONNX layout.
  Status finish(const Node& last);
  std::vector<std::unique_ptr<std::vector<float>>> take_buffers() { return std::move(buffers_); }
  // Constants whose own memory the subgraph points at (they must outlive the runtime).
  const std::vector<int>& referenced_constants() const { return referenced_; }

 private:
  Result<uint32_t> define(const Dims& dims, const void* data, uint32_t external_id, uint32_t flags,
                          const Node& node);
  const Program& program_;
  xnn_subgraph_t subgraph_;
  std::vector<int> inputs_, outputs_;
  struct Defined { Layout layout; std::map<Layout, uint32_t> ids; };
  std::map<int, Defined> values_;
  std::vector<std::unique_ptr<std::vector<float>>> buffers_, packed_;
  std::vector<int> referenced_;
};

}  // namespace onnxwasm
