// SPDX-License-Identifier: MIT
#include "runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "model/load.h"
#include "runtime/execute.h"
#ifdef ONNXWASM_HAVE_XNNPACK
#include "xnn/region.h"
#else
namespace onnxwasm {
// Native builds have no XNNPACK; the plan is empty and every node runs its reference kernel.
struct XnnPlan {};
}  // namespace onnxwasm
#endif

namespace onnxwasm {

namespace {
// Every graph input has known dims: the program is never compiled again for other shapes.
bool inputs_static(const Program& p) {
  for (int id : p.inputs)
    if (!dims_known(p.values[id].type.dims)) return false;
  return true;
}
}  // namespace

bool operator==(const SessionOptions& a, const SessionOptions& b) {
  return a.num_threads == b.num_threads && a.use_xnnpack == b.use_xnnpack && a.xnn_strict == b.xnn_strict &&
         a.serial_work == b.serial_work && a.free_dims == b.free_dims;
}

Session::~Session() = default;
Session::Plan::~Plan() = default;

Result<std::unique_ptr<Session>> Session::create(const uint8_t* data, size_t size, const SessionOptions& options) {
  OW_ASSIGN_OR_RETURN(Model model, load_model(data, size));
  return create(std::move(model), options);
}

Result<std::unique_ptr<Session>> Session::create(Model model, const SessionOptions& options) {
  OW_CHECK(options.num_threads >= 1 && options.num_threads <= 64, INVALID_ARGUMENT,
           "numThreads must be between 1 and 64, got %d", options.num_threads);
  std::unique_ptr<Session> s(new Session());
  s->model_ = std::make_unique<Model>(std::move(model));
  s->options_ = options;
  s->pool_ = ThreadPool::shared(options.num_threads);
  CompileOptions co;
  co.free_dims = options.free_dims;
  OW_ASSIGN_OR_RETURN(s->generic_, s->build_plan(co));
  const Program& g = s->generic_->program;
  s->specialize_ = !inputs_static(g);
  if (!s->specialize_) s->drop_copied_constants();
  s->last_ = s->generic_.get();
  return s;
}

Result<std::unique_ptr<Session::Plan>> Session::build_plan(const CompileOptions& options) {
  auto plan = std::make_unique<Plan>();
  CompileOptions co = options;
#ifdef ONNXWASM_HAVE_XNNPACK
  co.keep_quantized_weights = options_.use_xnnpack;
#endif
  OW_ASSIGN_OR_RETURN(plan->program, compile_program(*model_, co));
  const Program& program = plan->program;
  plan->xnn = std::make_unique<XnnPlan>();
#ifdef ONNXWASM_HAVE_XNNPACK
  if (options_.use_xnnpack) {
    // A static session never compiles again: each constant is freed as soon as XNNPACK has
    // packed every read of it, so the weights are not held twice while the rest pack.
    const bool fixed = co.input_dims.empty() && inputs_static(program);
    ConstantHandoff handoff;
    handoff.release = [this, values = &plan->program.values](int id) {
      forget_model_constant((*values)[id].name);
      (*values)[id].constant.reset();
      (*values)[id].quant.reset();
    };
    // Held only by the program and the session's model: no caller shares it.
    handoff.exclusive = [this, values = &plan->program.values](int id) {
      const TensorPtr& c = (*values)[id].constant;
      return c.use_count() == 1 + (model_holds((*values)[id].name, c) ? 1 : 0);
    };
    OW_ASSIGN_OR_RETURN(XnnPlan xnn, plan_xnn(program, pool_->handle(), options_.xnn_strict, options_.serial_work, fixed ? &handoff : nullptr));
    *plan->xnn = std::move(xnn);
  }
#endif
  // Steps in program order; a region runs where its first node was.
  std::vector<Step>& steps = plan->steps;
  std::vector<int> last_step(program.values.size(), -1);
  for (size_t i = 0; i < program.nodes.size(); i++) {
    Step step;
#ifdef ONNXWASM_HAVE_XNNPACK
    int r = plan->xnn->region_of_node.empty() ? -1 : plan->xnn->region_of_node[i];
    if (r >= 0) {
      if (plan->xnn->regions[r]->nodes().front() != static_cast<int>(i)) continue;
      step.region = r;
      for (int id : plan->xnn->regions[r]->inputs()) last_step[id] = static_cast<int>(steps.size());
      steps.push_back(std::move(step));
      continue;
    }
#endif
    step.node = static_cast<int>(i);
    for (int id : program.nodes[i].inputs) if (id >= 0) last_step[id] = static_cast<int>(steps.size());
    steps.push_back(std::move(step));
  }
  std::set<int> keep(program.outputs.begin(), program.outputs.end());
  for (size_t id = 0; id < last_step.size(); id++)
    if (last_step[id] >= 0 && !keep.count(static_cast<int>(id)) && !program.values[id].constant)
      steps[last_step[id]].release.push_back(static_cast<int>(id));
  return plan;
}

// A static session never compiles again, so constants that only XNNPACK regions read, and
// that they copied (conv weights reordered to OHWI, then packed), are freed: without this a
// session holds three copies of its conv weights.
void Session::drop_copied_constants() {
  Program& p = generic_->program;
  std::vector<bool> keep(p.values.size(), false);
  for (int id : p.outputs) keep[id] = true;
  for (size_t i = 0; i < p.nodes.size(); i++) {
    bool on_xnn = false;
#ifdef ONNXWASM_HAVE_XNNPACK
    on_xnn = !generic_->xnn->region_of_node.empty() && generic_->xnn->region_of_node[i] >= 0;
#endif
    if (!on_xnn)
      for (int id : p.nodes[i].inputs) if (id >= 0) keep[id] = true;
  }
#ifdef ONNXWASM_HAVE_XNNPACK
  for (const auto& r : generic_->xnn->regions)
    for (int id : r->referenced_constants()) keep[id] = true;
#endif
  for (size_t id = 0; id < p.values.size(); id++) {
    p.values[id].quant.reset();  // the integer weights a qint8 convolution packed
    if (keep[id] || !p.values[id].constant) continue;
    p.values[id].constant.reset();
    forget_model_constant(p.values[id].name);
  }
}

// The model's own holder of constant `name`: its initializer, or its Constant node's value.
TensorPtr* Session::model_constant(const std::string& name) {
  auto init = model_->graph.initializers.find(name);
  if (init != model_->graph.initializers.end()) return &init->second;
  if (!constant_nodes_indexed_) {  // once: every constant the handoff frees is looked up here
    for (Node& n : model_->graph.nodes)
      if (n.op_type == "Constant" && n.domain.empty() && n.outputs.size() == 1) constant_nodes_[n.outputs[0]] = &n;
    constant_nodes_indexed_ = true;
  }
  auto it = constant_nodes_.find(name);
  if (it == constant_nodes_.end()) return nullptr;
  for (Attribute& a : it->second->attributes)
    if (a.name == "value" && a.kind == Attribute::Kind::kTensor) return &a.t;
  return nullptr;
}

bool Session::model_holds(const std::string& name, const TensorPtr& c) {
  TensorPtr* held = model_constant(name);
  return held && *held == c;
}

void Session::forget_model_constant(const std::string& name) {
  if (TensorPtr* held = model_constant(name)) held->reset();
  model_->graph.initializers.erase(name);
}

// With symbolic input dims, each new set of concrete input dims gets its own plan (a few
// are kept), built on first use: the price of packing weights again buys XNNPACK's speed.
Result<Session::Plan*> Session::plan_for(const std::vector<const Tensor*>& inputs) {
  if (!specialize_) return generic_.get();
  CompileOptions co;
  co.free_dims = options_.free_dims;
  std::string key;
  for (size_t i = 0; i < inputs.size(); i++) {
    if (!inputs[i]->is_tensor()) continue;  // sequences and optionals stay typed at run time
    co.input_dims[generic_->program.input_infos[i].name] = inputs[i]->dims();
    key += dims_to_string(inputs[i]->dims()) + ";";
  }
  auto it = specialized_.find(key);
  if (it != specialized_.end()) return it->second.get();
  OW_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, build_plan(co));
  if (specialized_.size() >= kMaxSpecializedPlans) specialized_.clear();
  return (specialized_[key] = std::move(plan)).get();
}

// A sequence input takes a sequence of tensors of its dtype; an optional one also takes none.
static Status check_feed_kind(const ValueInfo& info, const Tensor& v) {
  const char* name = info.name.c_str();
  bool sequence = info.kind == ValueInfo::Kind::kSequence || (info.kind == ValueInfo::Kind::kOptional && info.optional_of_sequence);
  const char* want = sequence ? "a sequence of tensors" : "a tensor";
  if (v.kind() == ValueKind::kNone) {
    OW_CHECK(info.kind == ValueInfo::Kind::kOptional, INVALID_INPUT, "input '%s': expected %s, got nothing (null)", name, want);
    return Status::ok();
  }
  OW_CHECK((v.kind() == ValueKind::kSequence) == sequence, INVALID_INPUT, "input '%s': expected %s, got %s", name, want,
           v.kind() == ValueKind::kSequence ? "a sequence" : "a tensor");
  if (sequence)
    for (size_t k = 0; k < v.items().size(); k++)
      OW_CHECK(info.dtype == DType::kUndefined || v.items()[k]->dtype() == info.dtype, INVALID_INPUT,
               "input '%s': item %zu has dtype %s, expected %s", name, k, dtype_name(v.items()[k]->dtype()), dtype_name(info.dtype));
  return Status::ok();
}

Status Session::check_feeds(const std::vector<Feed>& feeds, std::vector<const Tensor*>* by_input) const {
  const Program& program = generic_->program;
  by_input->assign(program.inputs.size(), nullptr);
  for (const Feed& f : feeds) {
    size_t i = 0;
    while (i < program.input_infos.size() && program.input_infos[i].name != f.name) i++;
    if (i == program.input_infos.size()) {
      std::string names;
      for (const ValueInfo& v : program.input_infos) names += (names.empty() ? "'" : ", '") + v.name + "'";
      return make_status(Code::INVALID_INPUT, "unknown input '%s'; the model's inputs are %s", f.name.c_str(),
                         names.c_str());
    }
    OW_CHECK(!(*by_input)[i], INVALID_INPUT, "input '%s' is given twice", f.name.c_str());
    const ValueInfo& info = program.input_infos[i];
    OW_RETURN_IF_ERROR(check_feed_kind(info, f.tensor));
    OW_CHECK(info.dtype == f.tensor.dtype() || info.dtype == DType::kUndefined || !f.tensor.is_tensor() , INVALID_INPUT,
             "input '%s': expected dtype %s, got %s", f.name.c_str(), dtype_name(info.dtype), dtype_name(f.tensor.dtype()));
    if (info.has_shape && f.tensor.is_tensor()) {
      bool ok = info.dims.size() == f.tensor.rank();
      for (size_t d = 0; ok && d < info.dims.size(); d++) ok = info.dims[d] < 0 || info.dims[d] == f.tensor.dims()[d];
      OW_CHECK(ok, INVALID_INPUT, "input '%s': expected shape %s, got %s", f.name.c_str(),
               dims_to_string(info.dims).c_str(), dims_to_string(f.tensor.dims()).c_str());
    }
    (*by_input)[i] = &f.tensor;
  }
  for (size_t i = 0; i < by_input->size(); i++)
    OW_CHECK((*by_input)[i], INVALID_INPUT, "missing input '%s' (%s %s)", program.input_infos[i].name.c_str(),
             dtype_name(program.input_infos[i].dtype), dims_to_string(program.input_infos[i].dims).c_str());
  return Status::ok();
}

Status Session::run(const std::vector<Feed>& feeds, std::vector<Tensor>* outputs, RunProfile* profile) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::vector<const Tensor*> inputs;
  OW_RETURN_IF_ERROR(check_feeds(feeds, &inputs));
  OW_ASSIGN_OR_RETURN(Plan* plan, plan_for(inputs));
  last_ = plan;
  return execute(*plan, inputs, outputs, profile);
}

Status Session::execute(const Plan& plan, const std::vector<const Tensor*>& inputs, std::vector<Tensor>* outputs,
                        RunProfile* profile) {
  const Program& program = plan.program;
  size_t nv = program.values.size();
  std::vector<const Tensor*> cur(nv, nullptr);
  std::vector<Tensor> owned(nv);
  for (size_t id = 0; id < nv; id++) cur[id] = program.values[id].constant.get();
  for (size_t i = 0; i < inputs.size(); i++) cur[program.inputs[i]] = inputs[i];

#ifdef ONNXWASM_HAVE_XNNPACK
  std::vector<XnnOpTime> op_times;
#endif
  for (const Step& step : plan.steps) {
    const auto start = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
#ifdef ONNXWASM_HAVE_XNNPACK
    if (step.region >= 0) {
      const XnnRegion& r = *plan.xnn->regions[step.region];
      std::vector<const Tensor*> in;
      std::vector<Tensor*> out;
      for (int id : r.inputs()) in.push_back(cur[id]);
      for (int id : r.outputs()) {
        const ValueType& t = program.values[id].type;
        OW_ASSIGN_OR_RETURN(owned[id], Tensor::make(t.dtype, t.dims));
        cur[id] = &owned[id];
        out.push_back(&owned[id]);
      }
      OW_RETURN_IF_ERROR(r.run(in, out, profile ? &op_times : nullptr));
    }
#endif
    if (step.node >= 0) OW_RETURN_IF_ERROR(run_node(program, program.nodes[step.node], cur, owned, pool_.get()));
    for (int id : step.release) owned[id] = Tensor();
    if (profile) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::string name, kind = "reference";
#ifdef ONNXWASM_HAVE_XNNPACK
      if (step.region >= 0) {
        const XnnRegion& r = *plan.xnn->regions[step.region];
        kind = "xnnpack";
        name = "region of " + std::to_string(r.nodes().size()) + " nodes from " + r.first_node();
      }
#endif
      if (step.node >= 0) name = program.nodes[step.node].node->describe();
      RunProfile::Entry& e = profile->entries_[name];
      e.kind = kind;
      e.calls++;
      e.ms += ms;
    }
  }
#ifdef ONNXWASM_HAVE_XNNPACK
  // Each XNNPACK operator once per run, its time summed where a node has several of one kind.
  std::map<std::string, double> per_op;
  for (const XnnOpTime& t : op_times) per_op[t.name] += t.ms;
  for (const auto& [name, ms] : per_op) {
    RunProfile::Entry& e = profile->entries_[name];
    e.kind = "xnnpack-op";
    e.calls++;
    e.ms += ms;
  }
#endif

  return collect_outputs(program, cur, owned, outputs);
}

size_t Session::xnn_node_count() const {
#ifdef ONNXWASM_HAVE_XNNPACK
  size_t n = 0;
  for (const auto& r : last_->xnn->regions) n += r->nodes().size();
  return n;
#else
  return 0;
#endif
}

size_t Session::xnn_region_count() const {
#ifdef ONNXWASM_HAVE_XNNPACK
  return last_->xnn->regions.size();
#else
  return 0;
#endif
}

std::string RunProfile::take() {
  std::vector<std::pair<std::string, Entry>> rows(entries_.begin(), entries_.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  std::string out;
  char ms[32];
  for (const auto& [name, e] : rows) {
    snprintf(ms, sizeof ms, "%.3f", e.ms);
    out += e.kind + "\t" + name + "\t" + std::to_string(e.calls) + "\t" + ms + "\n";
  }
  entries_.clear();
  return out;
}

std::string Session::debug_info() const {
  std::string s = "nodes: " + std::to_string(last_->program.nodes.size()) + ", on XNNPACK: " +
                  std::to_string(xnn_node_count()) + " in " + std::to_string(xnn_region_count()) + " regions";
#ifdef ONNXWASM_HAVE_XNNPACK
  int q8 = 0, patches = 0, q8_winograd = 0, other = 0, winograd = 0, by_columns = 0, fully_connected = 0;
  for (const auto& r : last_->xnn->regions)
    q8 += r->qint8_convolutions(), patches += r->qint8_patches(), q8_winograd += r->qint8_winograd(), other += r->qint8_other(),
        winograd += r->winograd_convolutions(), by_columns += r->column_ordered_products(),
        fully_connected += r->fully_connected_packed();
  if (q8)
    s += " (" + std::to_string(q8) + " convolutions in int8" +
         (patches ? ", " + std::to_string(patches) + " of them over 16-bit patches" : "") +
         (q8_winograd ? ", " + std::to_string(q8_winograd) + " of them as Winograd" : "") + ")";
  if (other) s += " (" + std::to_string(other) + " other ops in int8)";
  if (winograd) s += " (" + std::to_string(winograd) + " convolutions as Winograd)";
  if (by_columns) s += " (" + std::to_string(by_columns) + " products by column blocks)";
  if (fully_connected) s += " (" + std::to_string(fully_connected) + " fully-connected weights packed by the region)";
  size_t packed = 0, activations = 0;
  for (const auto& r : last_->xnn->regions) packed += r->packed_bytes(), activations += r->activation_bytes();
  if (!last_->xnn->regions.empty())
    s += "\nXNNPACK memory: packed weights " + std::to_string(packed) + " bytes, activations " + std::to_string(activations) +
         " bytes";
  if (!last_->xnn->fallbacks.empty()) s += "\nXNNPACK fallbacks:\n" + last_->xnn->fallbacks;
#endif
  return s;
}

}  // namespace onnxwasm
