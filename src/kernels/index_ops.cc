// SPDX-License-Identifier: MIT
// Indexed reads and writes, any dtype for the data: GatherElements, GatherND (batch_dims),
// ScatterElements / Scatter (reduction none, add, mul, max, min), ScatterND (same reductions),
// OneHot, Compress, NonZero. Indices may be negative (counted from the end); out-of-range indices are
// INVALID_INPUT naming the index.
#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

Result<int64_t> checked_index(int64_t v, int64_t dim, const char* what) {
  if (v < 0) v += dim;
  OW_CHECK(v >= 0 && v < dim, INVALID_INPUT, "%s index %lld is out of range for a dimension of %lld", what,
           static_cast<long long>(v < 0 ? v - dim : v), static_cast<long long>(dim));
  return v;
}

// --- GatherElements, ScatterElements ---

Status infer_gather_elements(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  OW_CHECK(ctx.in(0).dims.size() == ctx.in(1).dims.size() && !ctx.in(0).dims.empty(), INVALID_INPUT,
           "%s: data and indices must have the same rank (>= 1)", ctx.node.describe().c_str());
  OW_RETURN_IF_ERROR(normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                    static_cast<int64_t>(ctx.in(0).dims.size())).status());
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(1).dims);
  return Status::ok();
}

Status run_gather_elements(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &idx = ctx.in(1);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(x.rank())));
  Dims xs = row_major_strides(x.dims()), is = row_major_strides(idx.dims());
  size_t es = dtype_size(x.dtype());
  for (int64_t i = 0; i < idx.size(); i++) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.rank(); d++) {
      int64_t c = (i / is[d]) % idx.dims()[d];
      if (static_cast<int64_t>(d) == axis) { OW_ASSIGN_OR_RETURN(c, checked_index(idx.int_at(i), x.dims()[d], "GatherElements")); }
      else OW_CHECK(c < x.dims()[d], INVALID_INPUT, "indices are larger than data on axis %zu", d);
      src += c * xs[d];
    }
    memcpy(static_cast<char*>(ctx.out(0).raw()) + i * es, static_cast<const char*>(x.raw()) + src * es, es);
  }
  return Status::ok();
}

enum class Reduce { kNone, kAdd, kMul, kMax, kMin };

Result<Reduce> reduction_of(const Node& n) {
  std::string r = attr_string(n, "reduction", "none");
  if (r == "none") return Reduce::kNone;
  if (r == "add") return Reduce::kAdd;
  if (r == "mul") return Reduce::kMul;
  if (r == "max") return Reduce::kMax;
  if (r == "min") return Reduce::kMin;
  return make_status(Code::INVALID_MODEL, "%s: unknown reduction '%s'", n.describe().c_str(), r.c_str());
}

// out[dst] (op)= upd[src], typed.
Status combine_at(Reduce r, Tensor& out, int64_t dst, const Tensor& upd, int64_t src) {
  if (r == Reduce::kNone) {
    size_t es = dtype_size(out.dtype());
    memcpy(static_cast<char*>(out.raw()) + dst * es, static_cast<const char*>(upd.raw()) + src * es, es);
    return Status::ok();
  }
  return visit_numeric(out.dtype(), [&](auto t) {
    using T = decltype(t);
    T& a = out.data<T>()[dst];
    T b = upd.data<T>()[src];
    if (r == Reduce::kAdd) a = static_cast<T>(a + b);
    else if (r == Reduce::kMul) a = static_cast<T>(a * b);
    else if (r == Reduce::kMax) a = a < b ? b : a;
    else a = b < a ? b : a;
    return Status::ok();
  }, true);
}

Status infer_scatter_elements(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  OW_CHECK(ctx.in(2).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: updates and data differ in dtype",
           ctx.node.describe().c_str());
  OW_RETURN_IF_ERROR(reduction_of(ctx.node).status());
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

Status run_scatter_elements(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &idx = ctx.in(1), &upd = ctx.in(2);
  Tensor& y = ctx.out(0);
  OW_CHECK(idx.dims() == upd.dims() && idx.rank() == x.rank(), INVALID_INPUT,
           "indices %s and updates %s must have one shape, of data's rank", dims_to_string(idx.dims()).c_str(),
           dims_to_string(upd.dims()).c_str());
  OW_ASSIGN_OR_RETURN(Reduce r, reduction_of(ctx.node));
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(x.rank())));
  copy_elements(x, 0, y, 0, x.size());
  Dims xs = row_major_strides(x.dims()), is = row_major_strides(idx.dims());
  for (int64_t i = 0; i < idx.size(); i++) {
    int64_t dst = 0;
    for (size_t d = 0; d < idx.rank(); d++) {
      int64_t c = (i / is[d]) % idx.dims()[d];
      if (static_cast<int64_t>(d) == axis) { OW_ASSIGN_OR_RETURN(c, checked_index(idx.int_at(i), x.dims()[d], "ScatterElements")); }
      else OW_CHECK(c < x.dims()[d], INVALID_INPUT, "indices are larger than data on axis %zu", d);
      dst += c * xs[d];
    }
    OW_RETURN_IF_ERROR(combine_at(r, y, dst, upd, i));
  }
  return Status::ok();
}

// --- GatherND, ScatterND ---

Status infer_gather_nd(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  const Dims &d = ctx.in(0).dims, &q = ctx.in(1).dims;
  int64_t b = attr_int(ctx.node, "batch_dims", 0);
  OW_CHECK(!q.empty() && b >= 0 && b < static_cast<int64_t>(std::min(d.size(), q.size())), INVALID_MODEL,
           "%s: batch_dims %lld does not fit ranks %zu and %zu", ctx.node.describe().c_str(), static_cast<long long>(b),
           d.size(), q.size());
  int64_t last = q.back();
  OW_CHECK(last < 0 || (last >= 1 && last <= static_cast<int64_t>(d.size()) - b), INVALID_INPUT,
           "%s: index tuples of length %lld for data of rank %zu", ctx.node.describe().c_str(), static_cast<long long>(last), d.size());
  if (last < 0) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
  Dims out(q.begin(), q.end() - 1);
  out.insert(out.end(), d.begin() + b + last, d.end());
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_gather_nd(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &q = ctx.in(1);
  int64_t b = attr_int(ctx.node, "batch_dims", 0), last = q.dims().back();
  int64_t batch = 1;
  for (int64_t i = 0; i < b; i++) batch *= x.dims()[i];
  Dims xs = row_major_strides(x.dims());
  int64_t slice = 1;
  for (size_t i = b + last; i < x.rank(); i++) slice *= x.dims()[i];
  int64_t tuples = q.size() / last, per_batch = batch ? tuples / batch : 0;
  int64_t batch_stride = b ? xs[b - 1] : 0;
  for (int64_t t = 0; t < tuples; t++) {
    int64_t src = (per_batch ? t / per_batch : 0) * batch_stride;
    for (int64_t k = 0; k < last; k++) {
      OW_ASSIGN_OR_RETURN(int64_t c, checked_index(q.int_at(t * last + k), x.dims()[b + k], "GatherND"));
      src += c * xs[b + k];
    }
    copy_elements(x, src, ctx.out(0), t * slice, slice);
  }
  return Status::ok();
}

Status run_scatter_nd(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &q = ctx.in(1), &upd = ctx.in(2);
  Tensor& y = ctx.out(0);
  OW_ASSIGN_OR_RETURN(Reduce r, reduction_of(ctx.node));
  OW_CHECK(q.rank() >= 1, INVALID_INPUT, "indices must have rank >= 1");
  int64_t last = q.dims().back();
  OW_CHECK(last >= 1 && last <= static_cast<int64_t>(x.rank()), INVALID_INPUT, "index tuples of length %lld for rank %zu",
           static_cast<long long>(last), x.rank());
  Dims xs = row_major_strides(x.dims());
  int64_t slice = 1;
  for (size_t i = last; i < x.rank(); i++) slice *= x.dims()[i];
  int64_t tuples = q.size() / last;
  OW_CHECK(upd.size() == tuples * slice, INVALID_INPUT, "updates have %lld elements, expected %lld",
           static_cast<long long>(upd.size()), static_cast<long long>(tuples * slice));
  copy_elements(x, 0, y, 0, x.size());
  for (int64_t t = 0; t < tuples; t++) {
    int64_t dst = 0;
    for (int64_t k = 0; k < last; k++) {
      OW_ASSIGN_OR_RETURN(int64_t c, checked_index(q.int_at(t * last + k), x.dims()[k], "ScatterND"));
      dst += c * xs[k];
    }
    for (int64_t e = 0; e < slice; e++) OW_RETURN_IF_ERROR(combine_at(r, y, dst + e, upd, t * slice + e));
  }
  return Status::ok();
}

Status infer_scatter_nd(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  OW_RETURN_IF_ERROR(reduction_of(ctx.node).status());
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

// --- OneHot ---

// The new axis's position in the output (rank + 1 dims): -1 is the last.
Result<int64_t> one_hot_axis(const Node& n, int64_t rank) {
  int64_t axis = attr_int(n, "axis", -1);
  OW_CHECK(axis >= -rank - 1 && axis <= rank, INVALID_MODEL, "%s: axis %lld is out of range for rank %lld",
           n.describe().c_str(), static_cast<long long>(axis), static_cast<long long>(rank));
  return axis < 0 ? axis + rank + 1 : axis;
}

Status infer_one_hot(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  const Tensor* depth = ctx.value(1);
  Dims out = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, one_hot_axis(ctx.node, static_cast<int64_t>(out.size())));
  int64_t d = kUnknownDim;
  if (depth) {
    OW_CHECK(depth->size() == 1, INVALID_INPUT, "%s: depth must be a scalar", ctx.node.describe().c_str());
    d = static_cast<int64_t>(depth->float_at(0));
    OW_CHECK(d >= 1, INVALID_INPUT, "%s: depth %lld must be positive", ctx.node.describe().c_str(), static_cast<long long>(d));
  }
  out.insert(out.begin() + axis, d);
  ctx.set_output(0, ctx.in(2).dtype, out);
  return Status::ok();
}

Status run_one_hot(KernelContext& ctx) {
  const Tensor &idx = ctx.in(0), &values = ctx.in(2);
  Tensor& y = ctx.out(0);
  OW_CHECK(values.size() == 2, INVALID_INPUT, "values must hold [off, on]");
  OW_ASSIGN_OR_RETURN(int64_t axis, one_hot_axis(ctx.node, static_cast<int64_t>(idx.rank())));
  int64_t depth = y.dims()[axis], inner = 1;
  for (size_t i = axis + 1; i < y.rank(); i++) inner *= y.dims()[i];
  for (int64_t i = 0; i < y.size(); i++) copy_elements(values, 0, y, i, 1);
  for (int64_t i = 0; i < idx.size(); i++) {
    int64_t v = static_cast<int64_t>(idx.float_at(i));
    if (v < 0) v += depth;
    if (v < 0 || v >= depth) continue;  // out of range: all "off"
    int64_t outer = i / inner, in = i % inner;
    copy_elements(values, 1, y, (outer * depth + v) * inner + in, 1);
  }
  return Status::ok();
}

// --- Compress ---

Status infer_compress(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kBool}));
  const Tensor* cond = ctx.value(1);
  const Attribute* ax = ctx.node.attr("axis");
  int64_t kept = kUnknownDim;
  if (cond) {
    kept = 0;
    for (int64_t i = 0; i < cond->size(); i++) kept += static_cast<const uint8_t*>(cond->raw())[i] != 0;
  }
  if (!ax) { ctx.set_output(0, ctx.in(0).dtype, {kept}); return Status::ok(); }
  Dims out = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(out.size())));
  out[axis] = kept;
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_compress(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &cond = ctx.in(1);
  const uint8_t* c = static_cast<const uint8_t*>(cond.raw());
  bool has_axis = ctx.node.attr("axis") != nullptr;
  int64_t axis = 0, outer = 1, inner = 1, len = x.size();
  if (has_axis) {
    OW_ASSIGN_OR_RETURN(axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0), static_cast<int64_t>(x.rank())));
    len = x.dims()[axis];
    for (int64_t i = 0; i < axis; i++) outer *= x.dims()[i];
    for (size_t i = axis + 1; i < x.rank(); i++) inner *= x.dims()[i];
  }
  OW_CHECK(cond.size() <= len, INVALID_INPUT, "condition has %lld entries, the axis %lld", static_cast<long long>(cond.size()),
           static_cast<long long>(len));
  int64_t kept = 0;
  for (int64_t i = 0; i < cond.size(); i++) kept += c[i] != 0;
  int64_t at = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < cond.size(); i++)
      if (c[i]) { copy_elements(x, (o * len + i) * inner, ctx.out(0), at, inner); at += inner; }
  (void)kept;
  return Status::ok();
}

// --- NonZero ---

// The number of non-zero elements sizes the output: infer counts when the value is known
// (always at run time).
int64_t count_nonzero(const Tensor& x) {
  int64_t n = 0;
  for (int64_t i = 0; i < x.size(); i++) n += x.float_at(i) != 0;
  return n;
}

Status infer_nonzero(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES, DType::kBool}));
  const Tensor* x = ctx.value(0);
  ctx.set_output(0, DType::kInt64, {static_cast<int64_t>(ctx.in(0).dims.size()), x ? count_nonzero(*x) : kUnknownDim});
  return Status::ok();
}

Status run_nonzero(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  int64_t nnz = ctx.out(0).dims()[1], k = 0;
  Dims st = row_major_strides(x.dims());
  for (int64_t i = 0; i < x.size(); i++) {
    if (x.float_at(i) == 0) continue;
    for (size_t d = 0; d < x.rank(); d++) ctx.out(0).data<int64_t>()[d * nnz + k] = (i / st[d]) % x.dims()[d];
    k++;
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kNonZero = {"NonZero", "", 9, infer_nonzero, nullptr, run_nonzero};
extern const OpDef kGatherElements = {"GatherElements", "", 11, infer_gather_elements, nullptr, run_gather_elements};
extern const OpDef kScatterElements = {"ScatterElements", "", 11, infer_scatter_elements, nullptr, run_scatter_elements};
extern const OpDef kScatter = {"Scatter", "", 9, infer_scatter_elements, nullptr, run_scatter_elements};
extern const OpDef kGatherND = {"GatherND", "", 11, infer_gather_nd, nullptr, run_gather_nd};
extern const OpDef kScatterND = {"ScatterND", "", 11, infer_scatter_nd, nullptr, run_scatter_nd};
extern const OpDef kOneHot = {"OneHot", "", 9, infer_one_hot, nullptr, run_one_hot};
extern const OpDef kCompress = {"Compress", "", 9, infer_compress, nullptr, run_compress};

}  // namespace onnxwasm
