// SPDX-License-Identifier: MIT
// An op is a plain struct of function pointers (STYLE.md 3): `infer` is the only source of
// output dtypes and shapes (used statically at session creation and again at run time),
// `prepare` parses attributes once into a typed state, `run` is the portable reference kernel.
// Validation lives in infer/prepare so run can assume valid inputs.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/threadpool.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace onnxwasm {

// What is known about a value before it exists: dtype and dims (-1 for an unknown dim).
// `has_rank` is false when even the rank is unknown (static inference only). A sequence has
// its element dtype (and element dims, when all items share them); `optional` marks an
// Optional of the kind (statically; at run time an empty optional is kind kNone).
struct ValueType {
  DType dtype = DType::kUndefined;
  Dims dims;
  bool has_rank = true;
  ValueKind kind = ValueKind::kTensor;
  bool optional = false;
};
// The type of a concrete value.
ValueType type_of_value(const Tensor& v);

struct InferContext {
  const Node& node;
  int64_t opset;
  const void* state;                     // from prepare (may be null)
  std::vector<const ValueType*> inputs;  // null for an omitted optional input
  std::vector<const Tensor*> values;     // the input's value when known (always at run time)
  std::vector<ValueType> outputs;        // filled by infer, one per node output

  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  const ValueType& in(size_t i) const { return *inputs[i]; }
  const Tensor* value(size_t i) const { return i < values.size() ? values[i] : nullptr; }
  // Sets output i (others left untouched stay undefined); an output the node does not
  // have (an optional one left out) is ignored.
  void set_output(size_t i, DType dtype, Dims dims) {
    if (i < outputs.size()) outputs[i] = ValueType{dtype, std::move(dims), true};
  }
  void set_output(size_t i, ValueType t) {
    if (i < outputs.size()) outputs[i] = std::move(t);
  }
};

struct Program;
// Runs a compiled subgraph (If branches, Loop/Scan bodies) on its inputs (formal inputs, then
// the outer-scope values it reads); set by the runtime for ops with subgraphs.
using SubgraphRunner = Status (*)(const Program& body, const std::vector<const Tensor*>& inputs,
                                  std::vector<Tensor>* outputs, ThreadPool* pool);

struct KernelContext {
  const Node& node;
  int64_t opset;
  const void* state;
  std::vector<const Tensor*> inputs;  // null for an omitted optional input
  std::vector<Tensor*> outputs;       // allocated by the runtime from infer's result
  ThreadPool* pool;
  // Ops with subgraphs: the compiled graph attributes (in the node's attribute order) and the
  // runner. Their outer-scope values follow the node's own inputs in `inputs`.
  const std::vector<std::shared_ptr<const Program>>* subgraphs = nullptr;
  SubgraphRunner run_subgraph = nullptr;

  // Per input: a constant of the program, the same data at every run for the life of `state`,
  // which a kernel may therefore transform once and keep (LSTM's recurrent weights in panels).
  std::vector<bool> constant_inputs = {};

  const Tensor& in(size_t i) const { return *inputs[i]; }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  bool is_constant(size_t i) const { return i < constant_inputs.size() && constant_inputs[i]; }
  Tensor& out(size_t i) const { return *outputs[i]; }
};

using OpState = std::shared_ptr<const void>;

struct OpDef {
  std::string_view type;  // exactly as in the ONNX spec
  std::string_view domain;  // "" = ai.onnx
  int since_opset;        // lowest opset handled
  Status (*infer)(InferContext&);
  Status (*prepare)(const Node&, int64_t opset, OpState* state);  // may be null
  Status (*run)(KernelContext&);
  // Takes sequences and optionals, and makes its own outputs (the runtime hands it empty
  // ones): Sequence/Optional ops, control flow. Other ops see tensors only.
  bool any_value = false;
};

// --- helpers for op files (attribute access with errors that name node and attribute) ---
int64_t attr_int(const Node& n, std::string_view name, int64_t def);
float attr_float(const Node& n, std::string_view name, float def);
std::string attr_string(const Node& n, std::string_view name, const std::string& def);
std::vector<int64_t> attr_ints(const Node& n, std::string_view name, std::vector<int64_t> def = {});
// Checks an attribute, if present, has the expected kind (INVALID_MODEL otherwise).
Status check_attr_kind(const Node& n, std::string_view name, Attribute::Kind kind);
// Normalizes axis in [-rank, rank) (or [-rank, rank] with allow_end) to [0, rank).
Result<int64_t> normalize_axis(const Node& n, const char* what, int64_t axis, int64_t rank,
                               bool allow_end = false);
// Inputs [0, min) must be present; optional ones after may be omitted ("").
Status check_input_count(const InferContext& ctx, size_t min, size_t max);
// For variadic ops: between min and max inputs, none of them omitted.
Status check_variadic_inputs(const InferContext& ctx, size_t min, size_t max);
Status check_dtype(const InferContext& ctx, size_t i, std::initializer_list<DType> allowed);
Status check_rank(const InferContext& ctx, size_t i, size_t min, size_t max);
// Numpy-style broadcast of a and b (unknown dims stay unknown where not decidable).
Result<Dims> broadcast_dims(const Node& n, const Dims& a, const Dims& b);

template <class T>
const T* state_as(const void* s) { return static_cast<const T*>(s); }

// An InferContext over a running kernel's concrete inputs, for kernels that re-read what
// their infer derived (Pad's pads, Slice's starts). `types` and `ptrs` back the context.
InferContext infer_context_for(const KernelContext& ctx, std::vector<ValueType>* types,
                               std::vector<const ValueType*>* ptrs);

}  // namespace onnxwasm
