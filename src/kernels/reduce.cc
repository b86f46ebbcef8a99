// SPDX-License-Identifier: MIT
// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (axes as attribute before opset 13 for
// ReduceSum and 18 for the rest, as input 1 after; keepdims; noop_with_empty_axes), and
// ArgMax / ArgMin (axis, keepdims, select_last_index). Floats accumulate in double;
// LogSumExp subtracts the maximum first. An empty reduction gives the op's identity (0 for
// sums, 1 for Prod, -inf/+inf or the type's lowest/highest for Max/Min).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class RKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

struct ReduceState {
  RKind kind;
  bool keepdims, noop_with_empty_axes, axes_from_input;
  std::vector<int64_t> attr_axes;
};

template <RKind K>
Status prepare_reduce(const Node& node, int64_t opset, OpState* state) {
  auto s = std::make_shared<ReduceState>();
  s->kind = K;
  s->keepdims = attr_int(node, "keepdims", 1) != 0;
  s->noop_with_empty_axes = attr_int(node, "noop_with_empty_axes", 0) != 0;
  s->axes_from_input = opset >= (K == RKind::kSum ? 13 : 18);
  s->attr_axes = attr_ints(node, "axes");
  *state = s;
  return Status::ok();
}

// Which axes of a rank-r input are reduced (a flag per axis), or an empty vector for "none"
// (noop_with_empty_axes with no axes).
Result<std::vector<bool>> reduced_axes(const Node& node, const ReduceState& s, const Tensor* axes_input, size_t r) {
  std::vector<int64_t> axes = s.axes_from_input ? std::vector<int64_t>{} : s.attr_axes;
  if (s.axes_from_input && axes_input)
    for (int64_t i = 0; i < axes_input->size(); i++) axes.push_back(axes_input->int_at(i));
  if (axes.empty()) {
    if (s.noop_with_empty_axes) return std::vector<bool>{};
    return std::vector<bool>(r, true);
  }
  std::vector<bool> flags(r, false);
  for (int64_t a : axes) {
    OW_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(node, "axes", a, static_cast<int64_t>(r)));
    flags[ax] = true;
  }
  return flags;
}

Dims reduced_dims(const Dims& in, const std::vector<bool>& flags, bool keepdims) {
  if (flags.empty()) return in;
  Dims out;
  for (size_t i = 0; i < in.size(); i++) {
    if (!flags[i]) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

Status infer_reduce(InferContext& ctx) {
  const auto* s = state_as<ReduceState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, s->axes_from_input ? 2 : 1));
  if (s->kind == RKind::kMax || s->kind == RKind::kMin)  // of bools: any / all
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES, DType::kBool}));
  else
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  const Tensor* axes = nullptr;
  if (s->axes_from_input && ctx.has_input(1)) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
    axes = ctx.value(1);
    if (!axes) {  // axes known only at run time
      if (s->keepdims) ctx.set_output(0, ctx.in(0).dtype, Dims(ctx.in(0).dims.size(), kUnknownDim));
      else ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false};
      return Status::ok();
    }
  }
  OW_ASSIGN_OR_RETURN(std::vector<bool> flags, reduced_axes(ctx.node, *s, axes, ctx.in(0).dims.size()));
  ctx.set_output(0, ctx.in(0).dtype, reduced_dims(ctx.in(0).dims, flags, s->keepdims));
  return Status::ok();
}

// For each input element, the index of the output element it reduces into.
std::vector<int64_t> output_index(const Dims& in, const std::vector<bool>& flags) {
  size_t r = in.size();
  std::vector<int64_t> out_stride(r, 0);
  int64_t s = 1;
  for (size_t i = r; i-- > 0;) {
    if (!flags[i]) { out_stride[i] = s; s *= in[i]; }
  }
  int64_t n = num_elements(in);
  std::vector<int64_t> map(static_cast<size_t>(n));
  Dims idx(r, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < n; i++) {
    map[i] = o;
    for (size_t d = r; d-- > 0;) {
      o += out_stride[d];
      if (++idx[d] < in[d]) break;
      o -= out_stride[d] * in[d];
      idx[d] = 0;
    }
  }
  return map;
}

template <class T>
Status reduce_typed(RKind k, const Tensor& x, const std::vector<bool>& flags, Tensor& y) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                                 std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;
  const T* in = x.data<T>();
  T* out = y.data<T>();
  int64_t n = x.size(), m = y.size();
  if (flags.empty()) {  // noop_with_empty_axes
    std::copy(in, in + n, out);
    return Status::ok();
  }
  std::vector<int64_t> map = output_index(x.dims(), flags);
  std::vector<Acc> acc(static_cast<size_t>(m));
  Acc init = 0;
  if (k == RKind::kProd) init = 1;
  if (k == RKind::kMax || k == RKind::kLogSumExp)
    init = std::is_floating_point_v<T> ? -std::numeric_limits<Acc>::infinity() : static_cast<Acc>(std::numeric_limits<T>::lowest());
  if (k == RKind::kMin)
    init = std::is_floating_point_v<T> ? std::numeric_limits<Acc>::infinity() : static_cast<Acc>(std::numeric_limits<T>::max());
  std::fill(acc.begin(), acc.end(), init);
  std::vector<Acc> shift;
  if (k == RKind::kLogSumExp) {  // maxima first, so exp never overflows
    for (int64_t i = 0; i < n; i++) acc[map[i]] = std::max<Acc>(acc[map[i]], static_cast<Acc>(in[i]));
    shift = acc;
    for (Acc& a : shift) if (std::isinf(static_cast<double>(a))) a = 0;
    std::fill(acc.begin(), acc.end(), Acc(0));
  }
  std::vector<int64_t> count(k == RKind::kMean ? static_cast<size_t>(m) : 0);
  for (int64_t i = 0; i < n; i++) {
    Acc v = static_cast<Acc>(in[i]);
    Acc& a = acc[map[i]];
    switch (k) {
      case RKind::kSum: case RKind::kMean: case RKind::kLogSum: a += v; break;
      case RKind::kMax: a = (v != v || a != a) ? v + a : std::max(a, v); break;  // NaN propagates
      case RKind::kMin: a = (v != v || a != a) ? v + a : std::min(a, v); break;
      case RKind::kProd: a *= v; break;
      case RKind::kL1: a += v < 0 ? Acc(0) - v : v; break;
      case RKind::kL2: case RKind::kSumSquare: a += v * v; break;
      case RKind::kLogSumExp: a += static_cast<Acc>(std::exp(static_cast<double>(v - shift[map[i]]))); break;
    }
    if (k == RKind::kMean) count[map[i]]++;
  }
  for (int64_t j = 0; j < m; j++) {
    double a = static_cast<double>(acc[j]);
    switch (k) {
      case RKind::kMean: a = count[j] ? a / static_cast<double>(count[j]) : std::nan(""); break;
      case RKind::kL2: a = std::sqrt(a); break;
      case RKind::kLogSum: a = std::log(a); break;
      case RKind::kLogSumExp: a = std::log(a) + static_cast<double>(shift[j]); break;
      default: break;
    }
    out[j] = (k == RKind::kMean || k == RKind::kL2 || k == RKind::kLogSum || k == RKind::kLogSumExp)
                 ? static_cast<T>(a) : static_cast<T>(acc[j]);
  }
  return Status::ok();
}

Status run_reduce(KernelContext& ctx) {
  const auto* s = state_as<ReduceState>(ctx.state);
  const Tensor* axes = s->axes_from_input && ctx.has_input(1) ? &ctx.in(1) : nullptr;
  OW_ASSIGN_OR_RETURN(std::vector<bool> flags, reduced_axes(ctx.node, *s, axes, ctx.in(0).rank()));
  return visit_numeric(ctx.in(0).dtype(), [&](auto t) {
    return reduce_typed<decltype(t)>(s->kind, ctx.in(0), flags, ctx.out(0));
  }, /*with_bool=*/true);
}

// --- ArgMax / ArgMin ---

struct ArgState {
  bool max, keepdims, last;
  int64_t axis;
};

template <bool Max>
Status prepare_arg(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<ArgState>();
  s->max = Max;
  s->keepdims = attr_int(node, "keepdims", 1) != 0;
  s->last = attr_int(node, "select_last_index", 0) != 0;
  s->axis = attr_int(node, "axis", 0);
  *state = s;
  return Status::ok();
}

Status infer_arg(InferContext& ctx) {
  const auto* s = state_as<ArgState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  const Dims& in = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", s->axis, static_cast<int64_t>(in.size())));
  std::vector<bool> flags(in.size(), false);
  flags[axis] = true;
  OW_CHECK(in[axis] != 0, INVALID_INPUT, "%s: axis %lld has no elements to choose from", ctx.node.describe().c_str(),
           static_cast<long long>(axis));
  ctx.set_output(0, DType::kInt64, reduced_dims(in, flags, s->keepdims));
  return Status::ok();
}

template <class T>
Status arg_typed(const ArgState& s, int64_t axis, const Tensor& x, Tensor& y) {
  const Dims& d = x.dims();
  int64_t outer = 1, inner = 1, len = d[axis];
  for (int64_t i = 0; i < axis; i++) outer *= d[i];
  for (size_t i = axis + 1; i < d.size(); i++) inner *= d[i];
  const T* in = x.data<T>();
  int64_t* out = y.data<int64_t>();
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++) {
      const T* p = in + o * len * inner + j;
      int64_t best = 0;
      for (int64_t i = 1; i < len; i++) {
        T v = p[i * inner], b = p[best * inner];
        bool better = s.max ? (v > b || (s.last && v == b)) : (v < b || (s.last && v == b));
        if (better) best = i;
      }
      out[o * inner + j] = best;
    }
  return Status::ok();
}

Status run_arg(KernelContext& ctx) {
  const auto* s = state_as<ArgState>(ctx.state);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", s->axis, static_cast<int64_t>(ctx.in(0).rank())));
  return visit_numeric(ctx.in(0).dtype(), [&](auto t) { return arg_typed<decltype(t)>(*s, axis, ctx.in(0), ctx.out(0)); });
}

}  // namespace

#define OW_REDUCE(Name, Kind) \
  extern const OpDef k##Name = {#Name, "", 1, infer_reduce, prepare_reduce<RKind::Kind>, run_reduce};
OW_REDUCE(ReduceSum, kSum)
OW_REDUCE(ReduceMean, kMean)
OW_REDUCE(ReduceMax, kMax)
OW_REDUCE(ReduceMin, kMin)
OW_REDUCE(ReduceProd, kProd)
OW_REDUCE(ReduceL1, kL1)
OW_REDUCE(ReduceL2, kL2)
OW_REDUCE(ReduceLogSum, kLogSum)
OW_REDUCE(ReduceLogSumExp, kLogSumExp)
OW_REDUCE(ReduceSumSquare, kSumSquare)
extern const OpDef kArgMax = {"ArgMax", "", 1, infer_arg, prepare_arg<true>, run_arg};
extern const OpDef kArgMin = {"ArgMin", "", 1, infer_arg, prepare_arg<false>, run_arg};

}  // namespace onnxwasm
