// SPDX-License-Identifier: MIT
// Pad (constant / reflect / edge / wrap; pads as attribute before opset 11, as input after; opset
// 18 axes) and Slice (starts/ends/axes/steps as attributes before opset 10, inputs after;
// negative steps), any dtype.
#include <algorithm>
#include <cstring>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

// The per-axis begin/end pads, or unknown (empty) when they come from a missing value.
Result<std::vector<int64_t>> read_pads(const InferContext& ctx, size_t rank, bool* known) {
  *known = true;
  std::vector<int64_t> raw;
  std::vector<int64_t> axes;
  if (ctx.opset < 11) {
    raw = attr_ints(ctx.node, "pads");
  } else {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
    const Tensor* p = ctx.value(1);
    if (!p) { *known = false; return std::vector<int64_t>{}; }
    raw.assign(p->data<int64_t>(), p->data<int64_t>() + p->size());
    if (ctx.has_input(3)) {
      const Tensor* a = ctx.value(3);
      if (!a) { *known = false; return std::vector<int64_t>{}; }
      for (int64_t i = 0; i < a->size(); i++) {
        OW_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(ctx.node, "axes", a->int_at(i), static_cast<int64_t>(rank)));
        axes.push_back(ax);
      }
    }
  }
  if (axes.empty()) for (size_t i = 0; i < rank; i++) axes.push_back(static_cast<int64_t>(i));
  OW_CHECK(raw.size() == 2 * axes.size(), INVALID_MODEL, "%s: pads has %zu values, expected %zu",
           ctx.node.describe().c_str(), raw.size(), 2 * axes.size());
  std::vector<int64_t> pads(2 * rank, 0);
  for (size_t i = 0; i < axes.size(); i++) {
    pads[axes[i]] = raw[i];
    pads[axes[i] + rank] = raw[i + axes.size()];
  }
  return pads;
}

Status infer_pad(InferContext& ctx) {
  // Before opset 11 the pads are an attribute; from 11 on they are input 1.
  OW_RETURN_IF_ERROR(ctx.opset < 11 ? check_input_count(ctx, 1, 1) : check_input_count(ctx, 2, 4));
  std::string mode = attr_string(ctx.node, "mode", "constant");
  OW_CHECK(mode == "constant" || mode == "reflect" || mode == "edge" || mode == "wrap", UNSUPPORTED_OP,
           "%s: mode '%s' is not supported", ctx.node.describe().c_str(), mode.c_str());
  const Dims& in = ctx.in(0).dims;
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> pads, read_pads(ctx, in.size(), &known));
  if (!known) { ctx.set_output(0, ctx.in(0).dtype, Dims(in.size(), kUnknownDim)); return Status::ok(); }
  Dims out(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    out[i] = in[i] < 0 ? kUnknownDim : in[i] + pads[i] + pads[i + in.size()];
    OW_CHECK(in[i] < 0 || out[i] >= 0, INVALID_MODEL, "%s: pads remove more than axis %zu holds",
             ctx.node.describe().c_str(), i);
    if (mode != "constant" && in[i] >= 0)
      OW_CHECK(in[i] > 0 && (mode == "edge" || mode == "wrap" || (pads[i] < in[i] && pads[i + in.size()] < in[i])), INVALID_INPUT,
               "%s: %s padding of %lld on axis %zu of size %lld", ctx.node.describe().c_str(), mode.c_str(),
               static_cast<long long>(std::max(pads[i], pads[i + in.size()])), i, static_cast<long long>(in[i]));
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_pad(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  size_t r = x.rank();
  std::string mode = attr_string(ctx.node, "mode", "constant");
  // The begin pads, read again from the inputs as infer did.
  std::vector<ValueType> vt;
  std::vector<const ValueType*> types;
  InferContext ic = infer_context_for(ctx, &vt, &types);
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> pads, read_pads(ic, r, &known));
  std::vector<int64_t> begin(pads.begin(), pads.begin() + static_cast<int64_t>(r));
  size_t es = dtype_size(x.dtype());
  // Constant value: the optional input 2 (opset >= 11) or the `value` attribute.
  std::vector<char> fill(es, 0);
  if (mode == "constant") {
    if (ctx.opset >= 11 && ctx.has_input(2) && ctx.in(2).size() == 1) memcpy(fill.data(), ctx.in(2).raw(), es);
    else if (ctx.opset < 11 && x.dtype() == DType::kFloat32) { float v = attr_float(ctx.node, "value", 0.f); memcpy(fill.data(), &v, 4); }
  }
  Dims idx(r, 0), in_strides(r, 1);
  for (size_t i = r; i-- > 1;) in_strides[i - 1] = in_strides[i] * x.dims()[i];
  char* out = static_cast<char*>(y.raw());
  const char* in = static_cast<const char*>(x.raw());
  for (int64_t o = 0; o < y.size(); o++) {
    int64_t src = 0;
    bool inside = true;
    for (size_t i = 0; i < r; i++) {
      int64_t v = idx[i] - begin[i], n = x.dims()[i];
      if (v < 0 || v >= n) {
        if (mode == "constant") { inside = false; break; }
        if (mode == "edge") v = v < 0 ? 0 : n - 1;
        else if (mode == "wrap") v = ((v % n) + n) % n;
        else v = v < 0 ? -v : 2 * (n - 1) - v;  // reflect
      }
      src += v * in_strides[i];
    }
    memcpy(out + o * es, inside ? in + src * es : fill.data(), es);
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < y.dims()[i]) break;
      idx[i] = 0;
    }
  }
  return Status::ok();
}

// Resolved slice: for each axis, start and step, with the output length.
struct SliceSpec {
  std::vector<int64_t> start, step;
  Dims out;
};

Result<SliceSpec> resolve_slice(const InferContext& ctx, const Dims& in, bool* known) {
  *known = true;
  size_t r = in.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = attr_ints(ctx.node, "starts");
    ends = attr_ints(ctx.node, "ends");
    axes = attr_ints(ctx.node, "axes");
  } else {
    for (size_t i = 1; i < 5 && i < ctx.num_inputs(); i++) {
      if (!ctx.has_input(i)) continue;
      OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kInt32, DType::kInt64}));
      const Tensor* t = ctx.value(i);
      if (!t) { *known = false; return SliceSpec{}; }
      std::vector<int64_t>& dst = i == 1 ? starts : i == 2 ? ends : i == 3 ? axes : steps;
      for (int64_t k = 0; k < t->size(); k++) dst.push_back(t->int_at(k));
    }
  }
  if (axes.empty()) for (size_t i = 0; i < starts.size(); i++) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  OW_CHECK(starts.size() == ends.size() && axes.size() == starts.size() && steps.size() == starts.size(), INVALID_MODEL,
           "%s: starts, ends, axes and steps must have the same length", ctx.node.describe().c_str());
  SliceSpec s;
  s.start.assign(r, 0);
  s.step.assign(r, 1);
  s.out = in;
  for (size_t k = 0; k < axes.size(); k++) {
    OW_ASSIGN_OR_RETURN(int64_t a, normalize_axis(ctx.node, "axes", axes[k], static_cast<int64_t>(r)));
    OW_CHECK(steps[k] != 0, INVALID_MODEL, "%s: a step of 0", ctx.node.describe().c_str());
    int64_t n = in[a];
    if (n < 0) { s.out[a] = kUnknownDim; continue; }
    int64_t st = starts[k], en = ends[k];
    if (st < 0) st += n;
    if (en < 0) en += n;
    if (steps[k] > 0) {
      st = std::clamp<int64_t>(st, 0, n);
      en = std::clamp<int64_t>(en, 0, n);
      s.out[a] = en > st ? (en - st + steps[k] - 1) / steps[k] : 0;
    } else {
      st = std::clamp<int64_t>(st, 0, n - 1);
      en = std::clamp<int64_t>(en, -1, n - 1);
      s.out[a] = st > en ? (st - en - steps[k] - 1) / -steps[k] : 0;
    }
    s.start[a] = st;
    s.step[a] = steps[k];
  }
  return s;
}

Status infer_slice(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 5));
  bool known;
  OW_ASSIGN_OR_RETURN(SliceSpec s, resolve_slice(ctx, ctx.in(0).dims, &known));
  if (!known) s.out = Dims(ctx.in(0).dims.size(), kUnknownDim);
  ctx.set_output(0, ctx.in(0).dtype, s.out);
  return Status::ok();
}

Status run_slice(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  std::vector<ValueType> vt;
  std::vector<const ValueType*> types;
  InferContext ic = infer_context_for(ctx, &vt, &types);
  bool known;
  OW_ASSIGN_OR_RETURN(SliceSpec s, resolve_slice(ic, x.dims(), &known));
  size_t r = x.rank();
  Dims in_strides(r, 1), idx(r, 0);
  for (size_t i = r; i-- > 1;) in_strides[i - 1] = in_strides[i] * x.dims()[i];
  for (int64_t o = 0; o < y.size(); o++) {
    int64_t src = 0;
    for (size_t i = 0; i < r; i++) src += (s.start[i] + idx[i] * s.step[i]) * in_strides[i];
    copy_elements(x, src, y, o, 1);
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < y.dims()[i]) break;
      idx[i] = 0;
    }
  }
  return Status::ok();
}

// --- CenterCropPad ---

// Per axis: the output length and the offset of the output's start in the input (negative:
// the output starts with padding).
Status infer_center_crop_pad(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  Dims out = ctx.in(0).dims;
  const Tensor* shape = ctx.value(1);
  std::vector<int64_t> axes = attr_ints(ctx.node, "axes");
  if (axes.empty()) for (size_t i = 0; i < out.size(); i++) axes.push_back(static_cast<int64_t>(i));
  for (size_t i = 0; i < axes.size(); i++) {
    OW_ASSIGN_OR_RETURN(int64_t a, normalize_axis(ctx.node, "axes", axes[i], static_cast<int64_t>(out.size())));
    if (!shape) { out[a] = kUnknownDim; continue; }
    OW_CHECK(shape->size() == static_cast<int64_t>(axes.size()), INVALID_INPUT, "%s: %lld sizes for %zu axes",
             ctx.node.describe().c_str(), static_cast<long long>(shape->size()), axes.size());
    out[a] = shape->int_at(static_cast<int64_t>(i));
    OW_CHECK(out[a] >= 0, INVALID_INPUT, "%s: negative size", ctx.node.describe().c_str());
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_center_crop_pad(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  size_t r = x.rank(), es = dtype_size(x.dtype());
  std::vector<int64_t> start(r);
  for (size_t a = 0; a < r; a++) {
    int64_t in = x.dims()[a], out = y.dims()[a];
    start[a] = in >= out ? (in - out) / 2 : -((out - in) / 2);
  }
  Dims in_st(r, 1);
  for (size_t a = r; a-- > 1;) in_st[a - 1] = in_st[a] * x.dims()[a];
  Dims idx(r, 0);
  char* out = static_cast<char*>(y.raw());
  for (int64_t o = 0; o < y.size(); o++) {
    int64_t src = 0;
    bool inside = true;
    for (size_t a = 0; a < r; a++) {
      int64_t c = idx[a] + start[a];
      if (c < 0 || c >= x.dims()[a]) { inside = false; break; }
      src += c * in_st[a];
    }
    if (inside) memcpy(out + o * es, static_cast<const char*>(x.raw()) + src * es, es);
    else memset(out + o * es, 0, es);
    for (size_t a = r; a-- > 0;) {
      if (++idx[a] < y.dims()[a]) break;
      idx[a] = 0;
    }
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kPad = {"Pad", "", 1, infer_pad, nullptr, run_pad};
extern const OpDef kCenterCropPad = {"CenterCropPad", "", 18, infer_center_crop_pad, nullptr, run_center_crop_pad};
extern const OpDef kSlice = {"Slice", "", 1, infer_slice, nullptr, run_slice};

}  // namespace onnxwasm
