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

struct ProgramValue {
  std::string name;
  ValueType type;
  TensorPtr constant;  // set for initializers and folded values
  int num_uses = 0;    // by plan nodes and graph outputs
};

struct ProgramNode {
  const Node* node;
  const OpDef* op;
  int64_t opset;
  OpState state;
  std::vector<int> inputs;   // value ids, -1 for an omitted optional input
  std::vector<int> outputs;  // value ids, -1 for an omitted optional output
};

struct CompileOptions {
  std::map<std::string, int64_t> free_dims;  // symbolic dim name -> value
  std::map<std::string, Dims> input_dims;    // graph input -> concrete dims (plan specialization)
};

struct Program {
  std::vector<ProgramValue> values;
  std::vector<ProgramNode> nodes;  // topological order, folded nodes removed
  std::vector<int> inputs, outputs;
  std::vector<ValueInfo> input_infos, output_infos;  // metadata (free dims applied)
};

// Checks every op is known (all missing ones named at once), orders nodes, prepares them,
// infers static types and shapes, folds constant subgraphs and forwards Identity/Dropout.
// `model` must outlive the Program (nodes point into it).
Result<Program> compile_program(const Model& model, const CompileOptions& options);

// Runs one node's infer on concrete or static inputs (shared by the passes and the runtime).
Status infer_node(const ProgramNode& pn, const std::vector<const ValueType*>& in_types,
                  const std::vector<const Tensor*>& in_values, std::vector<ValueType>* out);

}  // namespace onnxwasm
