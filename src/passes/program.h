// SPDX-License-Identifier: MIT
// A Program is a Model after the passes: every value has an integer id, every node has its
// OpDef and parsed state, nodes are in topological order, constants are folded into values,
// and static types/shapes are known where inference could tell. The XNNPACK partitioner and
// the runtime both read it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "kernels/op.h"

namespace onnxwasm {

// Where a folded constant came from when it is DequantizeLinear of integer constants: the
// XNNPACK lowering of QDQ models uses the integer weights themselves.
struct QuantOrigin {
  TensorPtr q, scale, zero_point;  // zero_point may be null
  int64_t axis;                    // normalized; for a per-axis scale
};

struct ProgramValue {
  std::string name;
  ValueType type;
  TensorPtr constant;  // set for initializers and folded values
  // Set for DequantizeLinear of constants: folded, or kept (CompileOptions::keep_quantized_weights).
  std::shared_ptr<const QuantOrigin> quant;
  std::vector<int> users;  // nodes reading it (indices into Program::nodes), -1 for a graph output
  int producer = -1;       // the node making it (-1: an input or a constant)
};

struct ProgramNode {
  const Node* node;
  const OpDef* op;
  int64_t opset;
  OpState state;
  std::vector<int> inputs;   // value ids, -1 for an omitted optional input
  std::vector<int> outputs;  // value ids, -1 for an omitted optional output
  // Ops with graph attributes (If, Loop, Scan, SequenceMap): each compiled, in attribute
  // order; `inputs` then ends with the outer-scope values they read (outer_values order).
  std::vector<std::shared_ptr<const Program>> subgraphs;
};

struct CompileOptions {
  std::map<std::string, int64_t> free_dims;  // symbolic dim name -> value
  std::map<std::string, Dims> input_dims;    // graph input -> concrete dims (plan specialization)
  // A subgraph: the outer-scope values it reads become inputs after its formal ones.
  std::vector<std::string> outer_values;
  int depth = 0;  // subgraph nesting
  // DequantizeLinear of constants read only as the weights of Conv, ConvTranspose, Gemm or
  // MatMul stays a node (its output marked with ProgramValue::quant) instead of folding to a
  // float constant four times the size: XNNPACK takes the integer weights, or dequantizes one
  // weight at a time while it packs. The session sets this when it plans XNNPACK regions.
  bool keep_quantized_weights = false;
};

struct Program {
  std::vector<ProgramValue> values;
  std::vector<ProgramNode> nodes;  // topological order, folded nodes removed
  std::vector<int> inputs, outputs;
  std::vector<ValueInfo> input_infos, output_infos;  // metadata (free dims applied)
};

// Runs `pn`'s kernel now, serially, on constant inputs into `outs` (allocated by the caller):
// constant folding, and the XNNPACK builder dequantizing weights kept quantized.
Status fold_node(const ProgramNode& pn, const std::vector<const Tensor*>& in_values, const std::vector<Tensor*>& outs);

// Checks every op is known (all missing ones named at once, subgraphs included), orders nodes, prepares them,
// infers static types and shapes, folds constant subgraphs and forwards Identity/Dropout.
// `model` must outlive the Program (nodes point into it).
Result<Program> compile_program(const Model& model, const CompileOptions& options);
// The same for a subgraph of `model` (opsets are the model's).
Result<Program> compile_graph(const Graph& graph, const Model& model, const CompileOptions& options);

// Runs one node's infer on concrete or static inputs (shared by the passes and the runtime).
Status infer_node(const ProgramNode& pn, const std::vector<const ValueType*>& in_types,
                  const std::vector<const Tensor*>& in_values, std::vector<ValueType>* out);

}  // namespace onnxwasm
