// SPDX-License-Identifier: MIT
// Selection: TopK (largest/smallest, sorted; ties keep the lower index) and Unique (sorted or
// in order of first occurrence; optional indices, inverse_indices and counts outputs), numeric.
#include <algorithm>
#include <numeric>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

// --- TopK ---

Status infer_topk(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  Dims d = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", -1),
                                                   static_cast<int64_t>(d.size())));
  const Tensor* k = ctx.value(1);
  if (k) {
    OW_CHECK(k->size() == 1 && k->int_at(0) >= 0 && (d[axis] < 0 || k->int_at(0) <= d[axis]), INVALID_INPUT,
             "%s: k must be one value from 0 to the axis size %lld", ctx.node.describe().c_str(), static_cast<long long>(d[axis]));
    d[axis] = k->int_at(0);
  } else {
    d[axis] = kUnknownDim;
  }
  ctx.set_output(0, ctx.in(0).dtype, d);
  ctx.set_output(1, DType::kInt64, d);
  return Status::ok();
}

Status run_topk(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", -1),
                                                   static_cast<int64_t>(x.rank())));
  bool largest = attr_int(ctx.node, "largest", 1) != 0;
  int64_t k = ctx.out(0).dims()[axis], len = x.dims()[axis], outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; i++) outer *= x.dims()[i];
  for (size_t i = axis + 1; i < x.rank(); i++) inner *= x.dims()[i];
  return visit_numeric(x.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* in = x.data<T>();
    std::vector<int64_t> order(static_cast<size_t>(len));
    for (int64_t o = 0; o < outer; o++)
      for (int64_t j = 0; j < inner; j++) {
        const T* base = in + o * len * inner + j;
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return largest ? base[a * inner] > base[b * inner] : base[a * inner] < base[b * inner];
        });
        for (int64_t i = 0; i < k; i++) {
          int64_t at = (o * k + i) * inner + j;
          ctx.out(0).data<T>()[at] = base[order[i] * inner];
          if (ctx.outputs.size() > 1 && ctx.outputs[1]) ctx.out(1).data<int64_t>()[at] = order[i];
        }
      }
    return Status::ok();
  });
}

// --- Unique ---

// Unique's outputs depend on the values: they are computed in infer when the input is known
// and at run time otherwise (shapes then come from the run).
struct UniqueResult {
  std::vector<int64_t> first;    // index (in slices) of each unique slice's first occurrence, output order
  std::vector<int64_t> inverse;  // per input slice: its unique index
  std::vector<int64_t> counts;
  int64_t slice = 1, outer = 1, len = 0;
};

template <class T>
UniqueResult unique_of(const Tensor& x, bool has_axis, int64_t axis, bool sorted) {
  UniqueResult r;
  if (has_axis) {
    r.len = x.dims()[axis];
    for (int64_t i = 0; i < axis; i++) r.outer *= x.dims()[i];
    for (size_t i = axis + 1; i < x.rank(); i++) r.slice *= x.dims()[i];
  } else {
    r.len = x.size();
  }
  const T* d = x.data<T>();
  // Slice s: elements (o * len + s) * slice + e for all o, e; compared lexicographically.
  auto less = [&](int64_t a, int64_t b) {
    for (int64_t o = 0; o < r.outer; o++)
      for (int64_t e = 0; e < r.slice; e++) {
        T va = d[(o * r.len + a) * r.slice + e], vb = d[(o * r.len + b) * r.slice + e];
        if (va < vb) return true;
        if (vb < va) return false;
      }
    return false;
  };
  auto equal = [&](int64_t a, int64_t b) { return !less(a, b) && !less(b, a); };
  std::vector<int64_t> order(static_cast<size_t>(r.len));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<int64_t> group(static_cast<size_t>(r.len));
  std::vector<int64_t> firsts;
  for (size_t i = 0; i < order.size(); i++) {
    if (i == 0 || !equal(order[i - 1], order[i])) firsts.push_back(order[i]);
    group[order[i]] = static_cast<int64_t>(firsts.size()) - 1;
  }
  std::vector<int64_t> rank(firsts.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {  // order of first occurrence
    std::vector<int64_t> by_first(firsts.size());
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) { return firsts[a] < firsts[b]; });
    for (size_t i = 0; i < by_first.size(); i++) rank[by_first[i]] = static_cast<int64_t>(i);
  }
  r.first.assign(firsts.size(), 0);
  r.counts.assign(firsts.size(), 0);
  for (size_t g = 0; g < firsts.size(); g++) r.first[rank[g]] = firsts[g];
  for (int64_t s = 0; s < r.len; s++) {
    r.inverse.push_back(rank[group[s]]);
    r.counts[rank[group[s]]]++;
  }
  return r;
}

Result<UniqueResult> compute_unique(const Node& node, const Tensor& x) {
  bool has_axis = node.attr("axis") != nullptr;
  int64_t axis = 0;
  if (has_axis) { OW_ASSIGN_OR_RETURN(axis, normalize_axis(node, "axis", attr_int(node, "axis", 0), static_cast<int64_t>(x.rank()))); }
  bool sorted = attr_int(node, "sorted", 1) != 0;
  UniqueResult r;
  OW_RETURN_IF_ERROR(visit_numeric(x.dtype(), [&](auto t) {
    r = unique_of<decltype(t)>(x, has_axis, axis, sorted);
    return Status::ok();
  }));
  return r;
}

void set_unique_outputs(InferContext& ctx, const UniqueResult* r) {
  int64_t u = r ? static_cast<int64_t>(r->first.size()) : kUnknownDim;
  bool has_axis = ctx.node.attr("axis") != nullptr;
  Dims y = {u};
  if (has_axis && ctx.value(0)) {
    y = ctx.in(0).dims;
    int64_t axis = attr_int(ctx.node, "axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(y.size());
    y[axis] = u;
  } else if (has_axis) {
    y = Dims(ctx.in(0).dims.size(), kUnknownDim);
  }
  ctx.set_output(0, ctx.in(0).dtype, y);
  ctx.set_output(1, DType::kInt64, {u});
  ctx.set_output(2, DType::kInt64, {r ? r->len : kUnknownDim});
  ctx.set_output(3, DType::kInt64, {u});
}

Status infer_unique(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  if (const Tensor* x = ctx.value(0)) {
    OW_ASSIGN_OR_RETURN(UniqueResult r, compute_unique(ctx.node, *x));
    set_unique_outputs(ctx, &r);
  } else {
    set_unique_outputs(ctx, nullptr);
  }
  return Status::ok();
}

Status run_unique(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_ASSIGN_OR_RETURN(UniqueResult r, compute_unique(ctx.node, x));
  Tensor& y = ctx.out(0);
  for (size_t u = 0; u < r.first.size(); u++)
    for (int64_t o = 0; o < r.outer; o++)
      copy_elements(x, (o * r.len + r.first[u]) * r.slice, y,
                    (o * static_cast<int64_t>(r.first.size()) + static_cast<int64_t>(u)) * r.slice, r.slice);
  auto put = [&](size_t i, const std::vector<int64_t>& v) {
    if (i < ctx.outputs.size() && ctx.outputs[i])
      for (size_t k = 0; k < v.size(); k++) ctx.out(i).data<int64_t>()[k] = v[k];
  };
  put(1, r.first);
  put(2, r.inverse);
  put(3, r.counts);
  return Status::ok();
}

}  // namespace

extern const OpDef kTopK = {"TopK", "", 10, infer_topk, nullptr, run_topk};
extern const OpDef kUnique = {"Unique", "", 11, infer_unique, nullptr, run_unique};

}  // namespace onnxwasm
