// SPDX-License-Identifier: MIT
// compile_program: op lookup (all unsupported ops reported together, with domain and opset),
// topological order, prepare, then one walk that infers static types and folds any node whose
// inputs are all constant by running its reference kernel once at session creation.
// Identity and inference-mode Dropout are forwarded (consumers read the input directly)
// unless their output is a graph output.
#include <functional>
#include <set>
#include <unordered_map>

#include "kernels/registry.h"
#include "passes/program.h"

namespace onnxwasm {
namespace {

// Ops whose output must not be computed ahead of time.
bool foldable(const std::string& op_type) {
  return op_type.rfind("Random", 0) != 0 && op_type != "Bernoulli" && op_type != "Multinomial";
}

// A value whose type inference has not reached yet.
ProgramValue untyped_value(const std::string& name) {
  ProgramValue v;
  v.name = name;
  v.type = ValueType{DType::kUndefined, {}, false};
  return v;
}

// The newest ai.onnx opset this build knows (onnx 1.17 defines 22): ops of a newer opset may
// mean something else, so such models are refused rather than run with old semantics.
constexpr int64_t kMaxOnnxOpset = 22;

// Every node of `g` and of its subgraphs (at any depth) that this build cannot run.
void find_missing(const Graph& g, const Model& model, std::set<std::string>* missing) {
  for (const Node& n : g.nodes) {
    const OpDef* op = find_op(n.domain, n.op_type);
    int64_t opset = model.opset(n.domain);
    std::string domain = n.domain.empty() ? "ai.onnx" : n.domain;
    if (!op || opset < op->since_opset) missing->insert(domain + "." + n.op_type + " (opset " + std::to_string(opset) + ")");
    for (const Attribute& a : n.attributes) {
      if (a.g) find_missing(*a.g, model, missing);
      for (const auto& sg : a.graphs) if (sg) find_missing(*sg, model, missing);
    }
  }
}

Status check_ops(const Graph& g, const Model& model, bool top, std::vector<const OpDef*>* defs) {
  int64_t onnx_opset = model.opset("");
  OW_CHECK(onnx_opset <= kMaxOnnxOpset, UNSUPPORTED_OP,
           "the model imports ai.onnx opset %lld; this build supports opsets 1 to %lld",
           static_cast<long long>(onnx_opset), static_cast<long long>(kMaxOnnxOpset));
  std::set<std::string> missing;
  if (top) find_missing(g, model, &missing);  // subgraphs were checked with their parent
  for (const Node& n : g.nodes) defs->push_back(find_op(n.domain, n.op_type));
  if (missing.empty()) {
    // Kernels rely on their first output, except the recurrent ops, whose Y is optional
    // (their kernels check); every node must produce something.
    for (const Node& n : g.nodes) {
      bool optional_first = n.domain.empty() && (n.op_type == "RNN" || n.op_type == "GRU" || n.op_type == "LSTM");
      bool any = false;
      for (const std::string& o : n.outputs) any |= !o.empty();
      OW_CHECK(any && (optional_first || !n.outputs[0].empty()), INVALID_MODEL, "%s has no output", n.describe().c_str());
    }
    return Status::ok();
  }
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  return make_status(Code::UNSUPPORTED_OP, "%zu operator%s not supported by this build: %s",
                     missing.size(), missing.size() == 1 ? " is" : "s are", list.c_str());
}

ValueType type_of(const ValueInfo& vi, const CompileOptions& options, ValueInfo* resolved) {
  *resolved = vi;
  ValueType t{vi.dtype, vi.dims, vi.has_shape};
  if (vi.kind == ValueInfo::Kind::kSequence || vi.kind == ValueInfo::Kind::kOptional) {
    t.kind = vi.kind == ValueInfo::Kind::kSequence || vi.optional_of_sequence ? ValueKind::kSequence : ValueKind::kTensor;
    t.optional = vi.kind == ValueInfo::Kind::kOptional;
    if (t.kind == ValueKind::kSequence) t.has_rank = false;  // element dims are not declared here
    return t;
  }
  auto given = options.input_dims.find(vi.name);
  if (given != options.input_dims.end()) {
    t.dims = given->second;
    t.has_rank = true;
    return t;  // metadata (resolved) keeps the model's symbolic dims
  }
  for (size_t i = 0; i < vi.dims.size(); i++) {
    if (vi.dims[i] >= 0) continue;
    auto it = options.free_dims.find(vi.dim_names[i]);
    if (it != options.free_dims.end()) t.dims[i] = resolved->dims[i] = it->second;
  }
  return t;
}

// Compiles each graph attribute of `n` (If branches, Loop/Scan bodies) with the node's outer
// values as extra inputs, so every subgraph takes (formal inputs, outer values).
Status compile_subgraphs(const Node& n, const Model& model, const CompileOptions& options, ProgramNode* pn) {
  bool any = false;
  for (const Attribute& a : n.attributes) any |= a.g != nullptr || !a.graphs.empty();
  if (!any) return Status::ok();
  OW_CHECK(pn->op->any_value, INVALID_MODEL, "%s: this op takes no graph attribute", n.describe().c_str());
  CompileOptions sub;
  sub.free_dims = options.free_dims;
  sub.outer_values = outer_values(n);
  sub.depth = options.depth + 1;
  for (const Attribute& a : n.attributes) {
    if (!a.g) continue;
    Result<Program> body = compile_graph(*a.g, model, sub);
    OW_RETURN_IF_ERROR(body.status().with_context(n.describe() + ", attribute '" + a.name + "'"));
    pn->subgraphs.push_back(std::make_shared<const Program>(body.take()));
  }
  return Status::ok();
}

}  // namespace

Status infer_node(const ProgramNode& pn, const std::vector<const ValueType*>& in_types,
                  const std::vector<const Tensor*>& in_values, std::vector<ValueType>* out) {
  if (!pn.op->any_value) {
    for (size_t i = 0; i < in_types.size(); i++) {
      const ValueType* t = in_types[i];
      OW_CHECK(!t || (t->kind == ValueKind::kTensor && !t->optional), INVALID_MODEL, "%s: input %zu ('%s') is %s; this op takes tensors",
               pn.node->describe().c_str(), i, pn.node->inputs[i].c_str(),
               t->kind == ValueKind::kNone ? "an empty optional" : t->kind == ValueKind::kSequence ? "a sequence" : "an optional");
    }
  }
  InferContext ctx{*pn.node, pn.opset, pn.state.get(), in_types, in_values, {}};
  ctx.outputs.resize(pn.node->outputs.size());
  OW_RETURN_IF_ERROR(pn.op->infer(ctx));
  *out = std::move(ctx.outputs);
  return Status::ok();
}

Status fold_node(const ProgramNode& pn, const std::vector<const Tensor*>& in_values, const std::vector<Tensor*>& outs) {
  ThreadPool serial(1);
  KernelContext kc{*pn.node, pn.opset, pn.state.get(), in_values, outs, &serial};
  return pn.op->run(kc).with_context(pn.node->describe());
}

Result<Program> compile_program(const Model& model, const CompileOptions& options) {
  return compile_graph(model.graph, model, options);
}

Result<Program> compile_graph(const Graph& g, const Model& model, const CompileOptions& options) {
  std::vector<const OpDef*> defs;
  OW_RETURN_IF_ERROR(check_ops(g, model, options.depth == 0, &defs));
  OW_ASSIGN_OR_RETURN(std::vector<size_t> order, topological_order(g, options.outer_values));

  Program p;
  std::unordered_map<std::string, int> ids;
  std::vector<int> forward;  // value id -> id it forwards to (Identity/Dropout), or itself
  auto value_id = [&](const std::string& name) {
    auto it = ids.find(name);
    if (it != ids.end()) return it->second;
    int id = static_cast<int>(p.values.size());
    p.values.push_back(untyped_value(name));
    forward.push_back(id);
    ids.emplace(name, id);
    return id;
  };
  for (const auto& kv : g.initializers) {
    int id = value_id(kv.first);
    p.values[id].constant = kv.second;
    p.values[id].type = ValueType{kv.second->dtype(), kv.second->dims(), true};
  }
  for (const ValueInfo& vi : g.inputs) {
    OW_CHECK(vi.kind == ValueInfo::Kind::kTensor || vi.kind == ValueInfo::Kind::kSequence ||
                 vi.kind == ValueInfo::Kind::kOptional || (options.depth > 0 && vi.kind == ValueInfo::Kind::kUnknown),
             UNSUPPORTED_OP, "graph input '%s': maps and sparse tensors are not supported by this build", vi.name.c_str());
    OW_CHECK(!ids.count(vi.name), INVALID_MODEL, "graph input '%s' is declared twice", vi.name.c_str());
    int id = value_id(vi.name);
    ValueInfo resolved;
    p.values[id].type = type_of(vi, options, &resolved);
    p.inputs.push_back(id);
    p.input_infos.push_back(resolved);
  }
  for (const std::string& name : options.outer_values) {  // typeless: known when the subgraph runs
    // A name this graph defines itself (read by a sibling subgraph) gets an unused slot.
    int id = static_cast<int>(p.values.size());
    if (ids.count(name)) {
      p.values.push_back(untyped_value(""));
      forward.push_back(id);
    } else {
      id = value_id(name);
    }
    p.inputs.push_back(id);
    ValueInfo vi;
    vi.name = name;
    vi.kind = ValueInfo::Kind::kUnknown;
    p.input_infos.push_back(vi);
  }

  auto resolve = [&](int id) {
    while (id >= 0 && forward[id] != id) id = forward[id];
    return id;
  };
  std::set<std::string> graph_outputs;
  for (const ValueInfo& vi : g.outputs) graph_outputs.insert(vi.name);
  // Values read only as the weights (input 1) of Conv, ConvTranspose, Gemm or MatMul.
  std::set<std::string> weights_only, read_otherwise;
  if (options.keep_quantized_weights) {
    for (const Node& n : g.nodes) {
      const bool packs = n.domain.empty() && (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
                                              n.op_type == "MatMul");
      for (size_t i = 0; i < n.inputs.size(); i++) (packs && i == 1 ? weights_only : read_otherwise).insert(n.inputs[i]);
      for (const std::string& outer : outer_values(n)) read_otherwise.insert(outer);
    }
  }

  // One node of the main graph, or of an If branch inlined into it.
  std::function<Status(const Node&, const OpDef*)> process;
  // If with a condition known at creation: the chosen branch's nodes join the program and its
  // outputs stand for the If's. (Otherwise If is a node whose kernel runs a compiled branch.)
  auto inline_if = [&](const Node& n) -> Status {
    OW_CHECK(n.inputs.size() == 1 && !n.inputs[0].empty(), INVALID_MODEL, "%s: If takes one condition input",
             n.describe().c_str());
    const Tensor* c = p.values[resolve(value_id(n.inputs[0]))].constant.get();
    OW_CHECK(c && c->size() == 1, INVALID_MODEL, "%s: the condition has %lld values", n.describe().c_str(),
             static_cast<long long>(c ? c->size() : 0));
    const Attribute* a = n.attr(c->int_at(0) != 0 ? "then_branch" : "else_branch");
    OW_CHECK(a && a->kind == Attribute::Kind::kGraph && a->g, INVALID_MODEL, "%s: a branch is missing", n.describe().c_str());
    const Graph& b = *a->g;
    OW_CHECK(b.outputs.size() == n.outputs.size() && b.inputs.empty(), INVALID_MODEL,
             "%s: the branch has %zu inputs and %zu outputs; If has %zu outputs", n.describe().c_str(), b.inputs.size(),
             b.outputs.size(), n.outputs.size());
    for (const auto& kv : b.initializers) {
      OW_CHECK(!ids.count(kv.first), INVALID_MODEL, "%s: branch initializer '%s' shadows a value", n.describe().c_str(),
               kv.first.c_str());
      int id = value_id(kv.first);
      p.values[id].constant = kv.second;
      p.values[id].type = ValueType{kv.second->dtype(), kv.second->dims(), true};
    }
    std::vector<std::string> outer;
    for (const auto& kv : ids) outer.push_back(kv.first);
    OW_ASSIGN_OR_RETURN(std::vector<size_t> branch_order, topological_order(b, outer));
    for (size_t i : branch_order) {
      const Node& bn = b.nodes[i];
      const OpDef* def = find_op(bn.domain, bn.op_type);
      int64_t opset = model.opset(bn.domain);
      OW_CHECK(def && opset >= def->since_opset, UNSUPPORTED_OP, "%s (in a branch of %s) is not supported by this build",
               bn.describe().c_str(), n.describe().c_str());
      OW_CHECK(!bn.outputs.empty() && !bn.outputs[0].empty(), INVALID_MODEL, "%s has no output", bn.describe().c_str());
      OW_RETURN_IF_ERROR(process(bn, def));
    }
    for (size_t i = 0; i < n.outputs.size(); i++) {
      if (n.outputs[i].empty()) continue;
      OW_CHECK(!ids.count(n.outputs[i]), INVALID_MODEL, "%s: output '%s' is already defined", n.describe().c_str(),
               n.outputs[i].c_str());
      int out = value_id(n.outputs[i]);
      forward[out] = resolve(value_id(b.outputs[i].name));
    }
    return Status::ok();
  };
  process = [&](const Node& n, const OpDef* def) -> Status {
    if (n.op_type == "If" && n.domain.empty() && n.inputs.size() == 1 && !n.inputs[0].empty() &&
        p.values[resolve(value_id(n.inputs[0]))].constant)
      return inline_if(n);
    ProgramNode pn{&n, def, model.opset(n.domain), nullptr, {}, {}, {}};
    if (pn.op->prepare) OW_RETURN_IF_ERROR(pn.op->prepare(n, pn.opset, &pn.state));
    for (const std::string& in : n.inputs) pn.inputs.push_back(in.empty() ? -1 : resolve(value_id(in)));
    OW_RETURN_IF_ERROR(compile_subgraphs(n, model, options, &pn));
    for (const std::string& outer : outer_values(n)) {
      OW_CHECK(ids.count(outer), INVALID_MODEL, "%s: a subgraph reads '%s', which nothing produces", n.describe().c_str(),
               outer.c_str());
      pn.inputs.push_back(resolve(ids[outer]));
    }
    for (const std::string& out : n.outputs) {
      if (out.empty()) { pn.outputs.push_back(-1); continue; }
      OW_CHECK(!ids.count(out) || (p.values[ids[out]].type.dtype == DType::kUndefined && !p.values[ids[out]].constant),
               INVALID_MODEL, "%s: output '%s' is already defined", n.describe().c_str(), out.c_str());
      pn.outputs.push_back(value_id(out));
    }

    std::vector<const ValueType*> in_types;
    std::vector<const Tensor*> in_values;
    bool all_const = true, all_typed = true;
    for (int id : pn.inputs) {
      in_types.push_back(id < 0 ? nullptr : &p.values[id].type);
      in_values.push_back(id < 0 ? nullptr : p.values[id].constant.get());
      if (id >= 0 && !p.values[id].constant) all_const = false;
      if (id >= 0 && (!p.values[id].type.has_rank || p.values[id].type.dtype == DType::kUndefined)) all_typed = false;
    }
    // Shape and Size read only their input's dims: with static dims they fold like constants.
    Tensor dims_only;
    if ((n.op_type == "Shape" || n.op_type == "Size") && n.domain.empty() && !all_const && all_typed && pn.inputs.size() == 1 &&
        pn.inputs[0] >= 0 && dims_known(p.values[pn.inputs[0]].type.dims)) {
      dims_only = Tensor::view(p.values[pn.inputs[0]].type.dtype, p.values[pn.inputs[0]].type.dims, nullptr);
      in_values[0] = &dims_only;
      all_const = true;
    }
    std::vector<ValueType> out_types(n.outputs.size(), ValueType{DType::kUndefined, {}, false});
    if (all_typed) {
      Status st = infer_node(pn, in_types, in_values, &out_types);
      // Before any input is given, a shape conflict is the model's own (INVALID_MODEL); in a
      // plan specialized to given input dims it is the input's (INVALID_INPUT).
      if (!st.is_ok() && st.code() == Code::INVALID_INPUT && options.input_dims.empty())
        st = Status(Code::INVALID_MODEL, st.message());
      OW_RETURN_IF_ERROR(st.with_context(options.input_dims.empty() ? "at session creation" : "for the given input shapes"));
    }
    for (size_t i = 0; i < pn.outputs.size(); i++)
      if (pn.outputs[i] >= 0) p.values[pn.outputs[i]].type = out_types[i];

    // Where a DequantizeLinear of constants came from: the integer weights XNNPACK can take.
    auto quant_origin = [&]() {
      const int64_t rank = static_cast<int64_t>(p.values[pn.inputs[0]].type.dims.size());
      int64_t axis = attr_int(n, "axis", 1);
      if (axis < 0) axis += rank;
      return std::make_shared<QuantOrigin>(QuantOrigin{p.values[pn.inputs[0]].constant, p.values[pn.inputs[1]].constant,
                                                       pn.inputs.size() > 2 && pn.inputs[2] >= 0 ? p.values[pn.inputs[2]].constant
                                                                                                : nullptr,
                                                       axis});
    };
    const bool dequantize = n.op_type == "DequantizeLinear" && n.domain.empty() && pn.outputs[0] >= 0;
    if (dequantize && all_const && all_typed && weights_only.count(n.outputs[0]) && !read_otherwise.count(n.outputs[0]) &&
        !graph_outputs.count(n.outputs[0]) && (pn.opset < 21 || attr_int(n, "block_size", 0) == 0)) {
      p.values[pn.outputs[0]].quant = quant_origin();
      p.nodes.push_back(std::move(pn));
      return Status::ok();
    }
    const Attribute* value = n.op_type == "Constant" && n.domain.empty() ? n.attr("value") : nullptr;
    if (value && value->kind == Attribute::Kind::kTensor && value->t && pn.outputs.size() == 1 && pn.outputs[0] >= 0 &&
        out_types[0].dtype == value->t->dtype() && out_types[0].dims == value->t->dims()) {
      // The node's own tensor, shared like an initializer (a copy would double the weights of
      // models that keep them in Constant nodes).
      p.values[pn.outputs[0]].constant = value->t;
      return Status::ok();
    }
    if (all_const && all_typed && foldable(n.op_type) && !pn.op->any_value) {
      // Fold: run the reference kernel now; its outputs become constants.
      std::vector<Tensor*> outs;
      std::vector<TensorPtr> made;
      for (size_t i = 0; i < pn.outputs.size(); i++) {
        if (pn.outputs[i] < 0) { outs.push_back(nullptr); continue; }
        OW_ASSIGN_OR_RETURN(Tensor t, Tensor::make(out_types[i].dtype, out_types[i].dims));
        made.push_back(std::make_shared<Tensor>(std::move(t)));
        outs.push_back(made.back().get());
        p.values[pn.outputs[i]].constant = made.back();
      }
      OW_RETURN_IF_ERROR(fold_node(pn, in_values, outs));
      if (dequantize) p.values[pn.outputs[0]].quant = quant_origin();
      return Status::ok();
    }
    bool passthrough = (n.op_type == "Identity" || n.op_type == "Dropout") && n.domain.empty() &&
                       pn.inputs.size() >= 1 && pn.inputs[0] >= 0 && !graph_outputs.count(n.outputs[0]) &&
                       (pn.outputs.size() < 2 || pn.outputs[1] < 0) &&
                       (pn.inputs.size() < 3 || pn.inputs[2] < 0);  // no training_mode input
    // A Cast to the type its input already has (QDQ exports put one after every Quantize).
    passthrough |= n.op_type == "Cast" && n.domain.empty() && pn.inputs.size() == 1 && pn.inputs[0] >= 0 &&
                   !graph_outputs.count(n.outputs[0]) && all_typed && p.values[pn.inputs[0]].type.kind == ValueKind::kTensor &&
                   p.values[pn.inputs[0]].type.dtype == out_types[0].dtype;
    if (passthrough) {
      forward[pn.outputs[0]] = pn.inputs[0];
      return Status::ok();
    }
    p.nodes.push_back(std::move(pn));
    return Status::ok();
  };
  for (size_t idx : order) OW_RETURN_IF_ERROR(process(g.nodes[idx], defs[idx]));

  for (const ValueInfo& vi : g.outputs) {
    OW_CHECK(ids.count(vi.name), INVALID_MODEL, "graph output '%s' is never produced", vi.name.c_str());
    int id = resolve(ids[vi.name]);  // an If's output stands for its branch's
    p.outputs.push_back(id);
    ValueInfo info = vi;
    const ValueType& t = p.values[id].type;
    // Inferred types fill in what the model left out.
    if (info.dtype == DType::kUndefined) info.dtype = t.dtype;
    if (!info.has_shape && t.has_rank) {
      info.has_shape = true;
      info.dims = t.dims;
      info.dim_names.assign(t.dims.size(), "");
    }
    p.output_infos.push_back(info);
  }
  for (size_t i = 0; i < p.nodes.size(); i++) {
    for (int id : p.nodes[i].inputs) if (id >= 0) p.values[id].users.push_back(static_cast<int>(i));
    for (int id : p.nodes[i].outputs) if (id >= 0) p.values[id].producer = static_cast<int>(i);
  }
  for (int id : p.outputs) p.values[id].users.push_back(-1);
  return p;
}

}  // namespace onnxwasm
