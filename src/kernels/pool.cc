// SPDX-License-Identifier: MIT
// MaxPool (float and 8-bit integer types, with its optional Indices output in either
// storage_order), AveragePool (count_include_pad) and LpPool (float types), 1D to 3D (NC...)
// with strides, pads, auto_pad, ceil_mode and dilations; GlobalAveragePool and GlobalMaxPool
// over any number of spatial dims.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/op.h"
#include "kernels/spatial3.h"

namespace onnxwasm {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

struct PoolState {
  WindowAttrs win;
  PoolKind kind;
  bool count_include_pad;
  double p;  // LpPool's norm
  bool column_major;  // MaxPool's Indices count spatial positions column-major
};

template <PoolKind K>
Status prepare_pool(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<PoolState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(node, true));
  OW_CHECK(!s->win.kernel.empty(), INVALID_MODEL, "%s: attribute 'kernel_shape' is required",
           node.describe().c_str());
  s->kind = K;
  s->column_major = attr_int(node, "storage_order", 0) != 0;
  s->count_include_pad = attr_int(node, "count_include_pad", 0) != 0;
  s->p = static_cast<double>(attr_int(node, "p", 2));
  *state = s;
  return Status::ok();
}

Status infer_pool(InferContext& ctx) {
  const auto* s = state_as<PoolState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  if (s->kind == PoolKind::kMax)
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8, DType::kUint8}));
  else
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
  const Dims& x = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(Window w, resolve_window(ctx.node, s->win, Dims(x.begin() + 2, x.end()), s->win.kernel));
  Dims out = {x[0], x[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  ctx.set_output(0, ctx.in(0).dtype, out);
  ctx.set_output(1, DType::kInt64, out);
  return Status::ok();
}

Status run_pool(KernelContext& ctx) {
  const auto* s = state_as<PoolState>(ctx.state);
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  OW_ASSIGN_OR_RETURN(Window w, resolve_window(ctx.node, s->win, Dims(x.dims().begin() + 2, x.dims().end()), s->win.kernel));
  Geom3 g = geom3(w, x.dims(), y.dims());
  int64_t planes = x.dims()[0] * x.dims()[1];
  bool max = s->kind == PoolKind::kMax, lp = s->kind == PoolKind::kLp;
  int64_t* indices = ctx.outputs.size() > 1 && ctx.outputs[1] ? ctx.out(1).data<int64_t>() : nullptr;
  ctx.pool->parallel_for(static_cast<size_t>(planes), [&](size_t p) {
    int64_t in_base = static_cast<int64_t>(p) * g.in_size(), out_base = static_cast<int64_t>(p) * g.out_size();
    for (int64_t oz = 0; oz < g.out[0]; oz++)
      for (int64_t oy = 0; oy < g.out[1]; oy++)
        for (int64_t ox = 0; ox < g.out[2]; ox++) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0;
          int64_t count = 0, arg = 0;
          for_each_tap(g, oz, oy, ox, [&](int64_t, int64_t iz, int64_t iy, int64_t ix, bool inside) {
            if (!inside) {
              // Padding counts toward the average only inside the declared pads.
              if (s->count_include_pad && iz < g.in[0] + g.pe[0] && iy < g.in[1] + g.pe[1] && ix < g.in[2] + g.pe[2])
                count++;
              return;
            }
            int64_t at = (iz * g.in[1] + iy) * g.in[2] + ix;
            double v = x.float_at(in_base + at);
            if (max) {
              if (v > acc || std::isnan(v) || count == 0) {
                acc = v;
                arg = s->column_major ? (ix * g.in[1] + iy) * g.in[0] + iz : at;
              }
            } else if (lp) acc += std::pow(std::fabs(v), s->p);
            else acc += v;
            count++;
          });
          double r = max ? acc : lp ? std::pow(acc, 1 / s->p) : (count ? acc / count : 0);
          int64_t o = out_base + (oz * g.out[1] + oy) * g.out[2] + ox;
          y.set_float_at(o, r);
          if (indices) indices[o] = in_base + arg;
        }
  });
  return Status::ok();
}

struct GlobalState { bool max; };

template <bool kMax>
Status prepare_global(const Node&, int64_t, OpState* state) {
  *state = std::make_shared<GlobalState>(GlobalState{kMax});
  return Status::ok();
}

Status infer_global(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 8));
  Dims out = ctx.in(0).dims;
  for (size_t i = 2; i < out.size(); i++) out[i] = 1;
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

template <class T>
void global_pool(const Tensor& x, Tensor& y, bool max) {
  int64_t planes = x.dims()[0] * x.dims()[1];
  int64_t len = planes ? x.size() / planes : 0;
  for (int64_t p = 0; p < planes; p++) {
    const T* in = x.data<T>() + p * len;
    double acc = max ? -std::numeric_limits<double>::infinity() : 0;
    for (int64_t i = 0; i < len; i++) acc = max ? (in[i] > acc || std::isnan(in[i]) ? in[i] : acc) : acc + in[i];
    y.data<T>()[p] = static_cast<T>(max ? acc : acc / static_cast<double>(len));
  }
}

Status run_global(KernelContext& ctx) {
  bool max = state_as<GlobalState>(ctx.state)->max;
  if (ctx.in(0).dtype() == DType::kFloat32) global_pool<float>(ctx.in(0), ctx.out(0), max);
  else global_pool<double>(ctx.in(0), ctx.out(0), max);
  return Status::ok();
}

// --- MaxUnpool: X scattered by MaxPool's Indices into the pooled input's shape; a larger
// output_shape holds that at its origin (as the ONNX reference does), zeros elsewhere. ---

Result<Dims> unpooled_dims(const Node& n, const Dims& x) {
  std::vector<int64_t> k = attr_ints(n, "kernel_shape"), st = attr_ints(n, "strides"), pads = attr_ints(n, "pads");
  size_t r = x.size() - 2;
  OW_CHECK(k.size() == r && (st.empty() || st.size() == r) && (pads.empty() || pads.size() == 2 * r), INVALID_MODEL,
           "%s: kernel_shape, strides and pads must match the %zu spatial dims", n.describe().c_str(), r);
  Dims out = {x[0], x[1]};
  for (size_t i = 0; i < r; i++) {
    int64_t s = st.empty() ? 1 : st[i], pb = pads.empty() ? 0 : pads[i], pe = pads.empty() ? 0 : pads[r + i];
    OW_CHECK(k[i] > 0 && s > 0 && k[i] <= (int64_t{1} << 20) && s <= (int64_t{1} << 20), INVALID_MODEL,
             "%s: kernel and strides must be positive", n.describe().c_str());
    out.push_back(x[2 + i] < 0 ? kUnknownDim : (x[2 + i] - 1) * s + k[i] - pb - pe);
    OW_CHECK(out.back() == kUnknownDim || out.back() >= 0, INVALID_MODEL, "%s: pads exceed the output", n.describe().c_str());
  }
  return out;
}

Status infer_unpool(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
  OW_ASSIGN_OR_RETURN(Dims inferred, unpooled_dims(ctx.node, ctx.in(0).dims));
  if (!ctx.has_input(2)) { ctx.set_output(0, ctx.in(0).dtype, inferred); return Status::ok(); }
  OW_RETURN_IF_ERROR(check_dtype(ctx, 2, {DType::kInt64}));
  const Tensor* shape = ctx.value(2);
  if (!shape) { ctx.set_output(0, ctx.in(0).dtype, Dims(inferred.size(), kUnknownDim)); return Status::ok(); }
  OW_CHECK(shape->size() == static_cast<int64_t>(inferred.size()), INVALID_INPUT, "%s: output_shape has %lld values for rank %zu",
           ctx.node.describe().c_str(), static_cast<long long>(shape->size()), inferred.size());
  Dims out;
  for (int64_t i = 0; i < shape->size(); i++) {
    out.push_back(shape->int_at(i));
    OW_CHECK(inferred[i] < 0 || out[i] >= inferred[i], INVALID_INPUT, "%s: output_shape %s is smaller than the unpooled %s",
             ctx.node.describe().c_str(), dims_to_string(out).c_str(), dims_to_string(inferred).c_str());
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_unpool(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  Tensor& y = ctx.out(0);
  OW_CHECK(idx.size() == x.size(), INVALID_INPUT, "%s: %lld indices for %lld values", ctx.node.describe().c_str(),
           static_cast<long long>(idx.size()), static_cast<long long>(x.size()));
  OW_ASSIGN_OR_RETURN(Dims inferred, unpooled_dims(ctx.node, x.dims()));
  int64_t total = num_elements(inferred);
  memset(y.raw(), 0, y.byte_size());
  Dims in_strides = row_major_strides(inferred), out_strides = row_major_strides(y.dims());
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t at = idx.data<int64_t>()[i];
    OW_CHECK(at >= 0 && at < total, INVALID_INPUT, "%s: index %lld is outside the unpooled shape %s", ctx.node.describe().c_str(),
             static_cast<long long>(at), dims_to_string(inferred).c_str());
    int64_t o = 0;
    for (size_t d = 0; d < inferred.size(); d++) o += (at / in_strides[d] % inferred[d]) * out_strides[d];
    y.set_float_at(o, x.float_at(i));
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kMaxUnpool = {"MaxUnpool", "", 9, infer_unpool, nullptr, run_unpool};
extern const OpDef kMaxPool = {"MaxPool", "", 1, infer_pool, prepare_pool<PoolKind::kMax>, run_pool};
extern const OpDef kAveragePool = {"AveragePool", "", 1, infer_pool, prepare_pool<PoolKind::kAverage>, run_pool};
extern const OpDef kLpPool = {"LpPool", "", 1, infer_pool, prepare_pool<PoolKind::kLp>, run_pool};
extern const OpDef kGlobalAveragePool = {"GlobalAveragePool", "", 1, infer_global, prepare_global<false>, run_global};
extern const OpDef kGlobalMaxPool = {"GlobalMaxPool", "", 1, infer_global, prepare_global<true>, run_global};

}  // namespace onnxwasm
