// SPDX-License-Identifier: MIT
// Control flow: If, Loop, SequenceMap. Their graph attributes are compiled with the node
// (src/passes/compile.cc) and run through ctx.run_subgraph with the outer-scope values they
// read, which follow the node's own inputs. (If whose condition is known at session creation
// never gets here: the compiler inlines the chosen branch.) Scan is in scan.cc.
#include "kernels/axis_slices.h"
#include "kernels/control_flow.h"
#include "kernels/op.h"
#include "passes/program.h"  // a body's declared output types

namespace onnxwasm {

const Program* subgraph(const KernelContext& ctx, std::string_view name) {
  size_t k = 0;
  for (const Attribute& a : ctx.node.attributes) {
    if (!a.g) continue;
    if (a.name == name) return k < ctx.subgraphs->size() ? (*ctx.subgraphs)[k].get() : nullptr;
    k++;
  }
  return nullptr;
}

Status run_body(const KernelContext& ctx, const Program& body, std::vector<const Tensor*> inputs, size_t num_outputs,
                std::vector<Tensor>* outputs) {
  for (size_t i = ctx.node.inputs.size(); i < ctx.inputs.size(); i++) inputs.push_back(ctx.inputs[i]);
  OW_RETURN_IF_ERROR(ctx.run_subgraph(body, inputs, outputs, ctx.pool));
  OW_CHECK(outputs->size() == num_outputs, INVALID_MODEL, "%s: the subgraph gives %zu outputs, %zu are needed",
           ctx.node.describe().c_str(), outputs->size(), num_outputs);
  return Status::ok();
}

Status check_graph_attr(const Node& n, const char* name, size_t num_inputs, size_t num_outputs) {
  const Attribute* a = n.attr(name);
  OW_CHECK(a && a->kind == Attribute::Kind::kGraph && a->g, INVALID_MODEL, "%s: graph attribute '%s' is missing",
           n.describe().c_str(), name);
  OW_CHECK((num_inputs == SIZE_MAX || a->g->inputs.size() == num_inputs) && a->g->outputs.size() == num_outputs,
           INVALID_MODEL, "%s: '%s' has %zu inputs and %zu outputs; %s%zu outputs are needed", n.describe().c_str(), name,
           a->g->inputs.size(), a->g->outputs.size(),
           num_inputs == SIZE_MAX ? "" : (std::to_string(num_inputs) + " inputs and ").c_str(), num_outputs);
  return Status::ok();
}

Status infer_unknown_outputs(InferContext& ctx) {
  for (size_t i = 0; i < ctx.outputs.size(); i++) ctx.set_output(i, ValueType{DType::kUndefined, {}, false});
  return Status::ok();
}

namespace {

// --- If ---

Status prepare_if(const Node& n, int64_t, OpState*) {
  OW_RETURN_IF_ERROR(check_graph_attr(n, "then_branch", 0, n.outputs.size()));
  return check_graph_attr(n, "else_branch", 0, n.outputs.size());
}

Status infer_if(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, SIZE_MAX));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kBool}));
  return infer_unknown_outputs(ctx);
}

Status run_if(KernelContext& ctx) {
  OW_CHECK(ctx.in(0).is_tensor() && ctx.in(0).size() == 1, INVALID_INPUT, "%s: the condition must be one bool, got %s",
           ctx.node.describe().c_str(), dims_to_string(ctx.in(0).dims()).c_str());
  const Program* branch = subgraph(ctx, ctx.in(0).data<bool>()[0] ? "then_branch" : "else_branch");
  std::vector<Tensor> outs;
  OW_RETURN_IF_ERROR(run_body(ctx, *branch, {}, ctx.outputs.size(), &outs));
  for (size_t i = 0; i < outs.size(); i++) if (ctx.outputs[i]) ctx.out(i) = std::move(outs[i]);
  return Status::ok();
}

// --- Loop ---

// A Loop with neither a trip count nor a condition that ever turns false would never end.
constexpr int64_t kMaxLoopIterations = int64_t{1} << 24;

Status prepare_loop(const Node& n, int64_t, OpState*) {
  OW_CHECK(n.inputs.size() >= 2, INVALID_MODEL, "%s: Loop takes (M, cond, v_initial...)", n.describe().c_str());
  size_t carried = n.inputs.size() - 2;
  OW_CHECK(n.outputs.size() >= carried, INVALID_MODEL, "%s: %zu loop-carried values but %zu outputs", n.describe().c_str(),
           carried, n.outputs.size());
  return check_graph_attr(n, "body", 2 + carried, 1 + n.outputs.size());
}

Status infer_loop(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, SIZE_MAX));
  if (ctx.has_input(0)) OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt64}));
  if (ctx.has_input(1)) OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kBool}));
  return infer_unknown_outputs(ctx);
}

Result<Tensor> scalar_of(DType dtype, int64_t v) {
  OW_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dtype, {}));
  if (dtype == DType::kBool) t.data<bool>()[0] = v != 0;
  else t.data<int64_t>()[0] = v;
  return t;
}

Status run_loop(KernelContext& ctx) {
  const Program& body = *subgraph(ctx, "body");
  size_t carried = ctx.node.inputs.size() - 2, scans = ctx.outputs.size() - carried;
  auto one = [&](size_t i, DType dt) -> Result<int64_t> {
    const Tensor& t = ctx.in(i);
    OW_CHECK(t.is_tensor() && t.dtype() == dt && t.size() == 1, INVALID_INPUT, "%s: input %zu must be one %s",
             ctx.node.describe().c_str(), i, dtype_name(dt));
    return t.int_at(0);
  };
  int64_t trips = kMaxLoopIterations;
  if (ctx.has_input(0)) { OW_ASSIGN_OR_RETURN(trips, one(0, DType::kInt64)); }
  bool cond = true;
  if (ctx.has_input(1)) { OW_ASSIGN_OR_RETURN(int64_t c, one(1, DType::kBool)); cond = c != 0; }
  std::vector<Tensor> state(carried);
  for (size_t i = 0; i < carried; i++) {
    OW_CHECK(ctx.has_input(2 + i), INVALID_MODEL, "%s: loop-carried input %zu is missing", ctx.node.describe().c_str(), i);
    OW_ASSIGN_OR_RETURN(state[i], ctx.in(2 + i).clone());
  }
  std::vector<std::vector<Tensor>> scanned(scans);
  int64_t i = 0;
  for (; i < trips && cond; i++) {
    OW_CHECK(i < kMaxLoopIterations, INVALID_INPUT, "%s: more than %lld iterations", ctx.node.describe().c_str(),
             static_cast<long long>(kMaxLoopIterations));
    OW_ASSIGN_OR_RETURN(Tensor iter, scalar_of(DType::kInt64, i));
    OW_ASSIGN_OR_RETURN(Tensor c, scalar_of(DType::kBool, cond));
    std::vector<const Tensor*> in = {&iter, &c};
    for (const Tensor& t : state) in.push_back(&t);
    std::vector<Tensor> outs;
    OW_RETURN_IF_ERROR(run_body(ctx, body, in, 1 + carried + scans, &outs));
    OW_CHECK(outs[0].is_tensor() && outs[0].dtype() == DType::kBool && outs[0].size() == 1, INVALID_MODEL,
             "%s: the body's condition output must be one bool", ctx.node.describe().c_str());
    cond = outs[0].data<bool>()[0];
    for (size_t k = 0; k < carried; k++) state[k] = std::move(outs[1 + k]);
    for (size_t k = 0; k < scans; k++) scanned[k].push_back(std::move(outs[1 + carried + k]));
  }
  for (size_t k = 0; k < carried; k++) if (ctx.outputs[k]) ctx.out(k) = std::move(state[k]);
  for (size_t k = 0; k < scans; k++) {
    if (!ctx.outputs[carried + k]) continue;
    if (scanned[k].empty()) {  // no iteration: an empty stack of the body's declared element type
      const ValueType& t = body.values[body.outputs[1 + carried + k]].type;
      Dims d = {0};
      if (t.has_rank && dims_known(t.dims)) d.insert(d.end(), t.dims.begin(), t.dims.end());
      DType dt = t.dtype == DType::kUndefined ? DType::kFloat32 : t.dtype;
      OW_ASSIGN_OR_RETURN(ctx.out(carried + k), Tensor::make(dt, d));
      continue;
    }
    std::vector<const Tensor*> parts;
    for (const Tensor& t : scanned[k]) {
      OW_CHECK(t.is_tensor(), INVALID_MODEL, "%s: scan output %zu is not a tensor", ctx.node.describe().c_str(), k);
      parts.push_back(&t);
    }
    OW_ASSIGN_OR_RETURN(ctx.out(carried + k), join_along(ctx.node, parts, 0, true));
  }
  return Status::ok();
}

// --- SequenceMap: the body once per item; sequence inputs give their i-th item, tensors
// are passed whole; each body output collects into an output sequence. ---

Status prepare_sequence_map(const Node& n, int64_t, OpState*) {
  return check_graph_attr(n, "body", n.inputs.size(), n.outputs.size());
}

Status infer_sequence_map(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, SIZE_MAX));
  OW_CHECK(ctx.in(0).kind == ValueKind::kSequence, INVALID_MODEL, "%s: input 0 must be a sequence", ctx.node.describe().c_str());
  for (size_t i = 0; i < ctx.outputs.size(); i++) {
    ValueType t{DType::kUndefined, {}, false};
    t.kind = ValueKind::kSequence;
    ctx.set_output(i, t);
  }
  return Status::ok();
}

Status run_sequence_map(KernelContext& ctx) {
  const Program& body = *subgraph(ctx, "body");
  size_t n = ctx.in(0).items().size(), declared = ctx.node.inputs.size();
  for (size_t j = 1; j < declared; j++)
    OW_CHECK(!ctx.has_input(j) || ctx.in(j).kind() != ValueKind::kSequence || ctx.in(j).items().size() == n, INVALID_INPUT,
             "%s: input %zu has %zu items, input 0 has %zu", ctx.node.describe().c_str(), j, ctx.in(j).items().size(), n);
  std::vector<std::vector<std::shared_ptr<const Tensor>>> results(ctx.outputs.size());
  std::vector<DType> dtypes(ctx.outputs.size(), DType::kUndefined);
  for (size_t i = 0; i < n; i++) {
    std::vector<const Tensor*> in;
    for (size_t j = 0; j < declared; j++) {
      const Tensor* t = ctx.inputs[j];
      in.push_back(t && t->kind() == ValueKind::kSequence ? t->items()[i].get() : t);
    }
    std::vector<Tensor> outs;
    OW_RETURN_IF_ERROR(run_body(ctx, body, in, ctx.outputs.size(), &outs));
    for (size_t k = 0; k < outs.size(); k++) {
      dtypes[k] = outs[k].dtype();
      results[k].push_back(std::make_shared<const Tensor>(std::move(outs[k])));
    }
  }
  for (size_t k = 0; k < results.size(); k++) {
    if (!ctx.outputs[k]) continue;
    DType dt = dtypes[k];
    if (dt == DType::kUndefined) dt = body.values[body.outputs[k]].type.dtype;  // no items: the declared one
    ctx.out(k) = Tensor::sequence(dt == DType::kUndefined ? DType::kFloat32 : dt, std::move(results[k]));
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kIf = {"If", "", 1, infer_if, prepare_if, run_if, /*any_value=*/true};
extern const OpDef kLoop = {"Loop", "", 1, infer_loop, prepare_loop, run_loop, /*any_value=*/true};
extern const OpDef kSequenceMap = {"SequenceMap", "", 17, infer_sequence_map, prepare_sequence_map, run_sequence_map, true};

}  // namespace onnxwasm
