// SPDX-License-Identifier: MIT
// The IR: a Model owns a Graph of Nodes that name their input and output values. Values are
// named as in ONNX; an empty input name is an omitted optional input.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "ir/tensor.h"

namespace onnxwasm {

struct Graph;

// Type of a value: a tensor (dtype + dims, dims meaningful when has_shape), a sequence of
// tensors of dtype, an optional of a tensor or (optional_of_sequence) of a sequence of tensors
// of dtype, or a map / sparse tensor (refused).
struct ValueInfo {
  enum class Kind { kTensor, kSequence, kOptional, kMap, kSparseTensor, kUnknown };
  std::string name;
  Kind kind = Kind::kTensor;
  DType dtype = DType::kUndefined;
  bool optional_of_sequence = false;
  bool has_shape = false;
  Dims dims;                            // -1 for unknown/symbolic
  std::vector<std::string> dim_names;   // symbolic names ("" where fixed or unnamed)
};

struct Attribute {
  enum class Kind { kUndefined, kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings,
                    kTensors, kGraphs, kSparseTensor, kSparseTensors, kTypeProto, kTypeProtos };
  std::string name;
  Kind kind = Kind::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  TensorPtr t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<TensorPtr> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
};
const char* attribute_kind_name(Attribute::Kind kind);

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" is ai.onnx
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<Attribute> attributes;

  const Attribute* attr(std::string_view attr_name) const;
  // "node 'conv1' (Conv)" for messages.
  std::string describe() const;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;   // excludes inputs that are initializers (kept in initializers)
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;
  std::map<std::string, TensorPtr> initializers;
};

struct Model {
  int64_t ir_version = 0;
  std::string producer_name;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  Graph graph;
  int64_t opset(const std::string& domain) const;
};

// The names a node's subgraphs read from enclosing scopes (sorted, each once).
std::vector<std::string> outer_values(const Node& n);

// Returns node indices in a topological order, or INVALID_MODEL naming a value that no node,
// input or initializer produces, or a cycle. `outer` names values visible from enclosing graphs.
Result<std::vector<size_t>> topological_order(const Graph& graph,
                                              const std::vector<std::string>& outer = {});

}  // namespace onnxwasm
