// SPDX-License-Identifier: MIT
// Scan: the body once per position along each scan input's axis (either direction), carrying
// N state values; each of the K per-step outputs is stacked along its output axis. Opset 8's
// form (a leading batch axis on every input, and sequence_lens) runs the same per batch entry.
#include <algorithm>

#include "kernels/axis_slices.h"
#include "kernels/control_flow.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct ScanState {
  int64_t num_scan_inputs;
  std::vector<int64_t> in_axes, in_dirs, out_axes, out_dirs;
};

std::vector<int64_t> ints_or(const Node& n, const char* name, size_t count, int64_t def) {
  std::vector<int64_t> v = attr_ints(n, name);
  if (v.empty()) v.assign(count, def);
  return v;
}

Status prepare_scan(const Node& n, int64_t opset, OpState* state) {
  auto s = std::make_shared<ScanState>();
  s->num_scan_inputs = attr_int(n, "num_scan_inputs", -1);
  size_t lead = opset < 9 ? 1 : 0;  // opset 8: sequence_lens first
  OW_CHECK(s->num_scan_inputs >= 1 && n.inputs.size() >= lead + static_cast<size_t>(s->num_scan_inputs), INVALID_MODEL,
           "%s: num_scan_inputs must be between 1 and the number of inputs", n.describe().c_str());
  size_t m = static_cast<size_t>(s->num_scan_inputs), states = n.inputs.size() - lead - m;
  OW_CHECK(n.outputs.size() >= states, INVALID_MODEL, "%s: %zu state inputs but %zu outputs", n.describe().c_str(), states,
           n.outputs.size());
  size_t k = n.outputs.size() - states;
  s->in_axes = ints_or(n, "scan_input_axes", m, 0);
  s->in_dirs = ints_or(n, opset < 9 ? "directions" : "scan_input_directions", m, 0);
  s->out_axes = ints_or(n, "scan_output_axes", k, 0);
  s->out_dirs = ints_or(n, "scan_output_directions", k, 0);
  OW_CHECK(s->in_axes.size() == m && s->in_dirs.size() == m && s->out_axes.size() == k && s->out_dirs.size() == k,
           INVALID_MODEL, "%s: the axes and directions attributes must have one entry per scan input / output",
           n.describe().c_str());
  OW_RETURN_IF_ERROR(check_graph_attr(n, "body", states + m, n.outputs.size()));
  *state = s;
  return Status::ok();
}

// One scan (opset 9 semantics) over `states` and `xs`; fills `final_states` and `ys`.
Status scan_once(const KernelContext& ctx, const ScanState& s, const Program& body, const std::vector<const Tensor*>& states,
                 const std::vector<const Tensor*>& xs, std::vector<Tensor>* final_states, std::vector<Tensor>* ys) {
  const std::string where = ctx.node.describe();
  std::vector<int64_t> axes(xs.size());
  int64_t len = -1;
  for (size_t j = 0; j < xs.size(); j++) {
    OW_CHECK(xs[j]->is_tensor() && xs[j]->rank() >= 1, INVALID_INPUT, "%s: scan input %zu must be a tensor of rank >= 1",
             where.c_str(), j);
    OW_ASSIGN_OR_RETURN(axes[j], normalize_axis(ctx.node, "scan_input_axes", s.in_axes[j], static_cast<int64_t>(xs[j]->rank())));
    int64_t n = xs[j]->dims()[axes[j]];
    OW_CHECK(len < 0 || n == len, INVALID_INPUT, "%s: scan inputs have %lld and %lld steps", where.c_str(),
             static_cast<long long>(len), static_cast<long long>(n));
    len = n;
  }
  final_states->clear();
  for (const Tensor* t : states) {
    OW_ASSIGN_OR_RETURN(Tensor c, t->clone());
    final_states->push_back(std::move(c));
  }
  size_t k = s.out_axes.size();
  std::vector<std::vector<Tensor>> steps(k);
  for (int64_t t = 0; t < len; t++) {
    std::vector<Tensor> slices;
    slices.reserve(xs.size());
    for (size_t j = 0; j < xs.size(); j++) {
      int64_t at = s.in_dirs[j] ? len - 1 - t : t;
      OW_ASSIGN_OR_RETURN(Tensor slice, slice_along(*xs[j], axes[j], at, 1));
      Dims d = slice.dims();
      d.erase(d.begin() + axes[j]);
      slice.reshape(d);
      slices.push_back(std::move(slice));
    }
    std::vector<const Tensor*> in;
    for (const Tensor& st : *final_states) in.push_back(&st);
    for (const Tensor& sl : slices) in.push_back(&sl);
    std::vector<Tensor> outs;
    OW_RETURN_IF_ERROR(run_body(ctx, body, in, final_states->size() + k, &outs));
    for (size_t i = 0; i < final_states->size(); i++) (*final_states)[i] = std::move(outs[i]);
    for (size_t i = 0; i < k; i++) steps[i].push_back(std::move(outs[final_states->size() + i]));
  }
  ys->clear();
  for (size_t i = 0; i < k; i++) {
    OW_CHECK(!steps[i].empty(), INVALID_INPUT, "%s: a scan of no steps has no outputs to stack", where.c_str());
    std::vector<const Tensor*> parts;
    for (const Tensor& p : steps[i]) parts.push_back(&p);
    if (s.out_dirs[i]) std::reverse(parts.begin(), parts.end());
    OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "scan_output_axes", s.out_axes[i],
                                                     static_cast<int64_t>(parts[0]->rank()) + 1));
    OW_ASSIGN_OR_RETURN(Tensor y, join_along(ctx.node, parts, axis, true));
    ys->push_back(std::move(y));
  }
  return Status::ok();
}

Status run_scan(KernelContext& ctx) {
  const auto* s = state_as<ScanState>(ctx.state);
  const Program& body = *subgraph(ctx, "body");
  size_t lead = ctx.opset < 9 ? 1 : 0, m = static_cast<size_t>(s->num_scan_inputs);
  size_t n = ctx.node.inputs.size() - lead - m;
  std::vector<const Tensor*> states, xs;
  for (size_t i = 0; i < n + m; i++) {
    OW_CHECK(ctx.has_input(lead + i), INVALID_MODEL, "%s: input %zu is missing", ctx.node.describe().c_str(), lead + i);
    (i < n ? states : xs).push_back(ctx.inputs[lead + i]);
  }
  std::vector<Tensor> finals, ys;
  if (lead == 0) {
    OW_RETURN_IF_ERROR(scan_once(ctx, *s, body, states, xs, &finals, &ys));
  } else {
    // Opset 8: every input has a batch axis 0; scan axes count after it.
    int64_t batch = xs[0]->rank() ? xs[0]->dims()[0] : 0;
    std::vector<const Tensor*> all = states;
    all.insert(all.end(), xs.begin(), xs.end());
    for (const Tensor* t : all)
      OW_CHECK(t->is_tensor() && t->rank() >= 1 && t->dims()[0] == batch, INVALID_INPUT,
               "%s: every input needs the batch axis of %lld", ctx.node.describe().c_str(), static_cast<long long>(batch));
    if (ctx.has_input(0))
      for (int64_t b = 0; b < ctx.in(0).size(); b++)
        OW_CHECK(ctx.in(0).int_at(b) == xs[0]->dims()[1], UNSUPPORTED_OP,
                 "%s: sequence_lens shorter than the scan axis are not supported", ctx.node.describe().c_str());
    std::vector<std::vector<Tensor>> batched(ctx.outputs.size());
    for (int64_t b = 0; b < batch; b++) {
      std::vector<Tensor> owned;
      owned.reserve(all.size());
      for (const Tensor* t : all) {
        OW_ASSIGN_OR_RETURN(Tensor sl, slice_along(*t, 0, b, 1));
        sl.reshape(Dims(sl.dims().begin() + 1, sl.dims().end()));
        owned.push_back(std::move(sl));
      }
      std::vector<const Tensor*> bs, bx;
      for (size_t i = 0; i < owned.size(); i++) (i < n ? bs : bx).push_back(&owned[i]);
      std::vector<Tensor> f, y;
      OW_RETURN_IF_ERROR(scan_once(ctx, *s, body, bs, bx, &f, &y));
      for (size_t i = 0; i < f.size(); i++) batched[i].push_back(std::move(f[i]));
      for (size_t i = 0; i < y.size(); i++) batched[n + i].push_back(std::move(y[i]));
    }
    OW_CHECK(batch > 0, INVALID_INPUT, "%s: a batch of 0", ctx.node.describe().c_str());
    for (size_t i = 0; i < batched.size(); i++) {
      std::vector<const Tensor*> parts;
      for (const Tensor& t : batched[i]) parts.push_back(&t);
      OW_ASSIGN_OR_RETURN(Tensor joined, join_along(ctx.node, parts, 0, true));
      (i < n ? finals : ys).push_back(std::move(joined));
    }
  }
  for (size_t i = 0; i < finals.size(); i++) if (ctx.outputs[i]) ctx.out(i) = std::move(finals[i]);
  for (size_t i = 0; i < ys.size(); i++) if (ctx.outputs[n + i]) ctx.out(n + i) = std::move(ys[i]);
  return Status::ok();
}

}  // namespace

extern const OpDef kScan = {"Scan", "", 8, infer_unknown_outputs, prepare_scan, run_scan, /*any_value=*/true};

}  // namespace onnxwasm
