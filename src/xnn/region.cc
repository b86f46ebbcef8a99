// SPDX-License-Identifier: MIT
#include "xnn/region.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <string>

#include <xnnpack.h>

#include "xnn/allocator.h"
#include "xnn/builder.h"
#include "xnn/conv_qs8.h"
#include "xnn/gemm_kernels.h"
#include "xnn/gemm_order.h"
#include "xnn/packed_weights.h"
#include "xnn/packing_threads.h"
#include "xnn/rules.h"
#include "xnn/winograd.h"
#include "xnn/winograd_qs8.h"
#include "xnnpack/operator-type.h"
#include "xnnpack/operator.h"
#include "xnnpack/subgraph.h"

namespace onnxwasm {
namespace {

// XNNPACK's activation memory (its workspace) is one for every region of every session: a
// region's internal values live only while it runs, and sessions of a module never run at the
// same time in a browser or Node (the one JS thread calls in), so a second session of a model
// takes no new activation memory. Where several threads call in (native hosts), runs, memory
// planning and deletions take turns on this lock: a workspace that grows moves under every
// runtime sharing it. Recursive: a region that fails while planning is deleted under it.
std::recursive_mutex& workspace_lock() {
  static auto* m = new std::recursive_mutex;  // never destroyed: regions may outlive statics
  return *m;
}

// The shared workspace while any plan holds it, else a new one.
Result<std::shared_ptr<xnn_workspace>> shared_workspace() {
  static auto* shared = new std::weak_ptr<xnn_workspace>;
  std::shared_ptr<xnn_workspace> w = shared->lock();
  if (w) return w;
  xnn_workspace_t raw = nullptr;
  OW_CHECK(xnn_create_workspace(&raw) == xnn_status_success, OUT_OF_MEMORY, "xnn_create_workspace failed");
  w.reset(raw, [](xnn_workspace* x) {
    std::lock_guard<std::recursive_mutex> hold(workspace_lock());
    xnn_release_workspace(x);
  });
  *shared = w;
  return w;
}

}  // namespace

XnnRegion::~XnnRegion() {
  std::lock_guard<std::recursive_mutex> hold(workspace_lock());
  if (runtime_) xnn_delete_runtime(runtime_);
}

Status XnnRegion::reshape() {
  const size_t before = xnn_live_bytes();  // the shared workspace grows if this region needs more
  xnn_status st = xnn_reshape_runtime(runtime_);
  if (st != xnn_status_success)
    return make_status(st == xnn_status_out_of_memory ? Code::OUT_OF_MEMORY : Code::INTERNAL,
           "xnn_reshape_runtime for the XNNPACK region starting at %s failed (status %d)", first_node_.c_str(), static_cast<int>(st));
  column_ordered_ = order_gemm_tiles(runtime_);
  const size_t after = xnn_live_bytes();
  activation_bytes_ = after > before ? after - before : 0;
  return Status::ok();
}

size_t XnnRegion::packed_bytes() const { return weights_ ? weights_->bytes() : 0; }
int XnnRegion::fully_connected_packed() const { return weights_ ? weights_->fully_connected_packed() : 0; }

// Milliseconds between two of XNNPACK's profiling timestamps.
static double ms_between(const xnn_timestamp& a, const xnn_timestamp& b) {
#ifdef __EMSCRIPTEN__
  return b - a;  // emscripten_get_now(): milliseconds
#else
  return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) * 1e-6;
#endif
}

Status XnnRegion::run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out,
                      std::vector<XnnOpTime>* times) const {
  std::lock_guard<std::recursive_mutex> hold(workspace_lock());
  std::vector<xnn_external_value> ext;
  for (size_t i = 0; i < in.size(); i++) ext.push_back({static_cast<uint32_t>(i), const_cast<void*>(in[i]->raw())});
  for (size_t i = 0; i < out.size(); i++) ext.push_back({static_cast<uint32_t>(in.size() + i), out[i]->raw()});
  // XNNPACK's flag for XNN_FLAG_BASIC_PROFILING, set per run: profiling needs no rebuilt runtime.
  runtime_->profiling = times != nullptr;
  xnn_status st = xnn_setup_runtime_v2(runtime_, ext.size(), ext.data());
  if (st == xnn_status_success) st = xnn_invoke_runtime(runtime_);
  runtime_->profiling = false;
  OW_CHECK(st == xnn_status_success, INTERNAL, "XNNPACK region starting at %s failed to run (status %d)",
           first_node_.c_str(), static_cast<int>(st));
  if (!times) return Status::ok();
  // Operators run in subgraph order, each ending where the next starts (as XNNPACK's own
  // xnn_get_runtime_profiling_info counts); nodes fused into another have no operator.
  xnn_timestamp previous = runtime_->start_ts;
  for (size_t i = 0; i < runtime_->num_ops; i++) {
    const xnn_operator_data& op = runtime_->opdata[i];
    if (!op.operator_objects[0]) continue;
    double ms = 0;
    for (size_t j = 0; j < XNN_MAX_OPERATOR_OBJECTS && op.operator_objects[j]; j++) {
      ms += ms_between(previous, op.end_ts[j]);
      previous = op.end_ts[j];
    }
    std::string kind = xnn_operator_type_to_string(op.operator_objects[0]->type);
    int stride = 1;
    if (const int tile = winograd_tile_of(op.operator_objects[0]))
      kind += tile == 4 ? " Winograd F(4x4,3x3)" : " Winograd F(2x2,3x3)";
    else if (const int qs8_tile = winograd_qs8_tile_of(op.operator_objects[0], &stride))
      kind += " Winograd F(" + std::to_string(qs8_tile) + "x" + std::to_string(qs8_tile) + ",3x3)" +
              (stride == 2 ? " stride 2" : "");
    else if (is_conv_qs8(op.operator_objects[0]))
      kind += " over 16-bit patches";
    else if (op.operator_objects[0]->ukernel.type != xnn_microkernel_type_default)
      kind += std::string(" ") + xnn_microkernel_type_to_string(op.operator_objects[0]->ukernel.type);
    times->push_back({(i < op_nodes_.size() ? op_nodes_[i] : first_node_) + ": " + kind, ms});
  }
  return Status::ok();
}

// Rough multiply-adds of a region: convolutions and matrix products by their weights, the
// rest by their outputs.
double region_work(const Program& p, const std::vector<int>& nodes) {
  double work = 0;
  for (int ni : nodes) {
    const ProgramNode& pn = p.nodes[ni];
    double out = 0;
    for (int id : pn.outputs)
      if (id >= 0) out += std::max<int64_t>(0, num_elements(p.values[id].type.dims));
    const std::string& op = pn.node->op_type;
    const Dims* w = pn.inputs.size() > 1 && pn.inputs[1] >= 0 ? &p.values[pn.inputs[1]].type.dims : nullptr;
    if ((op == "Conv" || op == "Gemm" || op == "MatMul") && w && w->size() >= 2 && dims_known(*w)) {
      // Per output element: one multiply-add per weight feeding it.
      int64_t per_out = op == "Conv" ? num_elements(*w) / std::max<int64_t>(1, (*w)[0]) : (*w)[w->size() - 2];
      work += out * static_cast<double>(per_out);
    } else {
      work += out;
    }
  }
  return work;
}

// A region is a contiguous run of nodes, so "read after the region" is a range check.
Result<std::unique_ptr<XnnRegion>> build_region(const Program& p, std::vector<int> nodes, pthreadpool* pool,
                                                const ConstantHandoff* handoff, xnn_workspace* workspace, bool* no_fallback) {
  auto r = std::make_unique<XnnRegion>();
  r->nodes_ = std::move(nodes);
  std::set<int> produced, seen_in;
  for (int ni : r->nodes_)
    for (int id : p.nodes[ni].outputs) if (id >= 0) produced.insert(id);
  for (int ni : r->nodes_)
    for (int id : p.nodes[ni].inputs)
      // Weights kept quantized are read like constants (XnnBuilder::float_values), never fed.
      if (id >= 0 && !produced.count(id) && !p.values[id].constant && !p.values[id].quant && seen_in.insert(id).second)
        r->inputs_.push_back(id);
  // Outputs: values made here and read after the region or by the caller.
  int first_index = r->nodes_.front(), last_index = r->nodes_.back();
  for (int ni : r->nodes_)
    for (int id : p.nodes[ni].outputs) {
      if (id < 0) continue;
      for (int c : p.values[id].users)
        if (c < first_index || c > last_index) {
          r->outputs_.push_back(id);
          break;
        }
    }
  const Node& first = *p.nodes[r->nodes_.front()].node;
  r->first_node_ = first.describe();

  xnn_subgraph_t sg = nullptr;
  OW_RETURN_IF_ERROR(xnn_check(xnn_create_subgraph(static_cast<uint32_t>(r->inputs_.size() + r->outputs_.size()), 0, &sg),
                               "xnn_create_subgraph", first));
  XnnBuilder b(p, sg, r->inputs_, r->outputs_);
  b.set_span(first_index, last_index);
  b.set_handoff(handoff);
  r->weights_ = std::make_unique<PackedWeights>([&b](const void* kernel, const void* bias) { b.packed(kernel, bias); });
  b.set_packed_weights(r->weights_.get());
  Status st;
  // Which node each subgraph node was lowered from, for profiling.
  auto owned_by = [&](int ni) { r->op_nodes_.resize(sg->num_nodes, p.nodes[ni].node->describe()); };
  for (int ni : r->nodes_) {
    if (b.fused(ni)) continue;  // defined with the node before it (a qint8 convolution)
    const ProgramNode& pn = p.nodes[ni];
    st = find_xnn_rule(pn.node->op_type)->lower(pn, p, &b);
    if (!st.is_ok()) break;
    owned_by(ni);
  }
  if (st.is_ok()) st = b.finish(*p.nodes[r->nodes_.back()].node);
  if (st.is_ok()) owned_by(r->nodes_.back());  // the layout changes back at the region's outputs
  // Operators pack their weights as the runtime creates them, on the session's threads.
  PackingThreads packing(pool);
  if (st.is_ok())
    // No XNN_FLAG_YIELD_WORKERS: workers spin on into the next region, not woken again for
    // each (core/threadpool.h says why).
    st = xnn_check(xnn_create_runtime_v4(sg, r->weights_->cache(), workspace, pool, 0, &r->runtime_),
                   "xnn_create_runtime_v4", first);
  if (st.is_ok()) st = r->weights_->finalize();
  xnn_delete_subgraph(sg);
  // Constants already freed: the reference kernels cannot take these nodes back.
  *no_fallback = !st.is_ok() && b.consumed_constants();
  OW_RETURN_IF_ERROR(st);
  b.release_packed();
  r->qint8_convolutions_ = b.qint8_convolutions;
  r->qint8_patches_ = b.qint8_patches;
  r->qint8_winograd_ = b.qint8_winograd;
  r->qint8_other_ = b.qint8_other;
  r->winograd_ = b.winograd_convolutions;
  r->buffers_ = b.take_buffers();
  r->referenced_ = b.referenced_constants();
  return r;
}

Result<XnnPlan> plan_xnn(const Program& p, pthreadpool* pool, bool strict, double serial_work,
                         const ConstantHandoff* handoff) {
  XnnPlan plan;
  plan.region_of_node.assign(p.nodes.size(), -1);
  OW_CHECK(xnn_initialize(counting_xnn_allocator()) == xnn_status_success, INTERNAL, "xnn_initialize failed");
  choose_gemm_kernels();
  std::lock_guard<std::recursive_mutex> hold(workspace_lock());
  OW_ASSIGN_OR_RETURN(plan.workspace, shared_workspace());
  xnn_workspace* workspace = plan.workspace.get();
  std::vector<bool> claim(p.nodes.size());
  for (size_t i = 0; i < p.nodes.size(); i++) claim[i] = xnn_can_claim(p.nodes[i], p).is_ok();
  // Nodes whose rule names others that must share their region (XnnRule::same_run) stay on
  // reference kernels when a run boundary falls between them.
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<int> run_of(p.nodes.size(), -1);
    for (size_t i = 0, run = 0; i < p.nodes.size(); i++) {
      if (claim[i] && (i == 0 || !claim[i - 1])) run++;
      if (claim[i]) run_of[i] = static_cast<int>(run);
    }
    for (size_t i = 0; i < p.nodes.size(); i++) {
      if (!claim[i]) continue;
      const XnnRule* rule = find_xnn_rule(p.nodes[i].node->op_type);
      if (rule->same_run == nullptr) continue;
      bool split = false;
      for (int c : rule->same_run(p, p.nodes[i])) split |= c < 0 || run_of[c] != run_of[i];
      if (split) claim[i] = false, changed = true;
    }
  }
  std::vector<std::vector<int>> runs;
  for (size_t i = 0; i < p.nodes.size();) {
    if (!claim[i]) { i++; continue; }
    std::vector<int> run;
    bool moves_only = true;
    while (i < p.nodes.size() && claim[i]) {
      moves_only = moves_only && find_xnn_rule(p.nodes[i].node->op_type)->moves_only;
      run.push_back(static_cast<int>(i++));
    }
    if (!moves_only) runs.push_back(std::move(run));
  }
  // Regions holding the largest weights pack first: their packed copies take fresh memory
  // while the heap holds the most weights anyway, and the room their weights leave takes
  // later, smaller ones (packing the largest last leaves its copy above everything).
  std::vector<size_t> order(runs.size());
  std::vector<size_t> largest(runs.size(), 0);
  for (size_t k = 0; k < runs.size(); k++) {
    order[k] = k;
    for (int ni : runs[k])
      for (int id : p.nodes[ni].inputs)
        if (id >= 0 && p.values[id].constant) largest[k] = std::max(largest[k], p.values[id].constant->byte_size());
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return largest[a] > largest[b]; });
  std::vector<std::unique_ptr<XnnRegion>> built(runs.size());
  for (size_t k : order) {
    const std::vector<int>& run = runs[k];
    bool no_fallback = false;
    auto region = build_region(p, run, region_work(p, run) < serial_work ? nullptr : pool, handoff, workspace, &no_fallback);
    if (!region.is_ok()) {
      if (strict) return region.status().with_context("XNNPACK region build (ONNXWASM_XNN_STRICT)");
      if (no_fallback) return region.status().with_context("XNNPACK region build, after it took over some of its weights (reordered or freed: no fallback)");
      plan.fallbacks += region.status().message() + "\n";
      continue;
    }
    built[k] = region.take();
  }
  for (size_t k = 0; k < runs.size(); k++) {
    if (!built[k]) continue;
    int index = static_cast<int>(plan.regions.size());
    for (int ni : runs[k]) plan.region_of_node[ni] = index;
    plan.regions.push_back(std::move(built[k]));
  }
  // Shapes are static: reshape (and plan XNNPACK's memory) once, here, after every region has
  // packed its weights: the activation memory then takes the room the model's freed weights
  // left instead of growing the heap while they are still there.
  for (auto& r : plan.regions) OW_RETURN_IF_ERROR(r->reshape());
  return plan;
}

}  // namespace onnxwasm
