// SPDX-License-Identifier: MIT
// MaxPool, AveragePool (count_include_pad) and LpPool, float32, 1D to 3D (NC...) with
// strides, pads, auto_pad, ceil_mode and dilations; GlobalAveragePool and
// GlobalMaxPool over any number of spatial dims. MaxPool's optional Indices output is not
// supported yet (UNSUPPORTED_OP).
#include <algorithm>
#include <cmath>
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
};

template <PoolKind K>
Status prepare_pool(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<PoolState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(node, true));
  OW_CHECK(!s->win.kernel.empty(), INVALID_MODEL, "%s: attribute 'kernel_shape' is required",
           node.describe().c_str());
  OW_CHECK(node.outputs.size() < 2 || node.outputs[1].empty(), UNSUPPORTED_OP,
           "%s: MaxPool's Indices output is not supported", node.describe().c_str());
  OW_CHECK(attr_int(node, "storage_order", 0) == 0, UNSUPPORTED_OP,
           "%s: storage_order=1 is not supported", node.describe().c_str());
  s->kind = K;
  s->count_include_pad = attr_int(node, "count_include_pad", 0) != 0;
  s->p = static_cast<double>(attr_int(node, "p", 2));
  *state = s;
  return Status::ok();
}

Status infer_pool(InferContext& ctx) {
  const auto* s = state_as<PoolState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
  const Dims& x = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(Window w, resolve_window(ctx.node, s->win, Dims(x.begin() + 2, x.end()), s->win.kernel));
  Dims out = {x[0], x[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  ctx.set_output(0, DType::kFloat32, out);
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
  ctx.pool->parallel_for(static_cast<size_t>(planes), [&](size_t p) {
    const float* in = x.data<float>() + static_cast<int64_t>(p) * g.in_size();
    float* out = y.data<float>() + static_cast<int64_t>(p) * g.out_size();
    for (int64_t oz = 0; oz < g.out[0]; oz++)
      for (int64_t oy = 0; oy < g.out[1]; oy++)
        for (int64_t ox = 0; ox < g.out[2]; ox++) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0;
          int64_t count = 0;
          for (int64_t kz = 0; kz < g.k[0]; kz++) {
            int64_t iz = oz * g.s[0] - g.pb[0] + kz * g.d[0];
            for (int64_t ky = 0; ky < g.k[1]; ky++) {
              int64_t iy = oy * g.s[1] - g.pb[1] + ky * g.d[1];
              for (int64_t kx = 0; kx < g.k[2]; kx++) {
                int64_t ix = ox * g.s[2] - g.pb[2] + kx * g.d[2];
                if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1] || ix < 0 || ix >= g.in[2]) {
                  // Padding counts toward the average only inside the declared pads.
                  if (s->count_include_pad && iz < g.in[0] + g.pe[0] && iy < g.in[1] + g.pe[1] &&
                      ix < g.in[2] + g.pe[2])
                    count++;
                  continue;
                }
                double v = in[(iz * g.in[1] + iy) * g.in[2] + ix];
                if (max) acc = v > acc || std::isnan(v) ? v : acc;
                else if (lp) acc += std::pow(std::fabs(v), s->p);
                else acc += v;
                count++;
              }
            }
          }
          double r = max ? acc : lp ? std::pow(acc, 1 / s->p) : (count ? acc / count : 0);
          out[(oz * g.out[1] + oy) * g.out[2] + ox] = static_cast<float>(r);
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

}  // namespace

extern const OpDef kMaxPool = {"MaxPool", "", 1, infer_pool, prepare_pool<PoolKind::kMax>, run_pool};
extern const OpDef kAveragePool = {"AveragePool", "", 1, infer_pool, prepare_pool<PoolKind::kAverage>, run_pool};
extern const OpDef kLpPool = {"LpPool", "", 1, infer_pool, prepare_pool<PoolKind::kLp>, run_pool};
extern const OpDef kGlobalAveragePool = {"GlobalAveragePool", "", 1, infer_global, prepare_global<false>, run_global};
extern const OpDef kGlobalMaxPool = {"GlobalMaxPool", "", 1, infer_global, prepare_global<true>, run_global};

}  // namespace onnxwasm
