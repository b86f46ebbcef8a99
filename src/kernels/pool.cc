// SPDX-License-Identifier: MIT
// MaxPool (opsets 1-12), AveragePool (1-11, count_include_pad), float32, 1D and 2D NCHW with
// strides, pads, auto_pad, ceil_mode, and MaxPool dilations; GlobalAveragePool and
// GlobalMaxPool over any number of spatial dims. MaxPool's optional Indices output is not
// supported yet (UNSUPPORTED_OP).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/op.h"
#include "kernels/spatial.h"

namespace onnxwasm {
namespace {

struct PoolState {
  WindowAttrs win;
  bool max;
  bool count_include_pad;
};

template <bool kMax>
Status prepare_pool(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<PoolState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(node, true));
  OW_CHECK(!s->win.kernel.empty(), INVALID_MODEL, "%s: attribute 'kernel_shape' is required",
           node.describe().c_str());
  OW_CHECK(kMax || s->win.dilations.empty() ||
               std::all_of(s->win.dilations.begin(), s->win.dilations.end(), [](int64_t d) { return d == 1; }),
           UNSUPPORTED_OP, "%s: AveragePool with dilations is not supported", node.describe().c_str());
  OW_CHECK(node.outputs.size() < 2 || node.outputs[1].empty(), UNSUPPORTED_OP,
           "%s: MaxPool's Indices output is not supported", node.describe().c_str());
  OW_CHECK(attr_int(node, "storage_order", 0) == 0, UNSUPPORTED_OP,
           "%s: storage_order=1 is not supported", node.describe().c_str());
  s->max = kMax;
  s->count_include_pad = attr_int(node, "count_include_pad", 0) != 0;
  *state = s;
  return Status::ok();
}

Status infer_pool(InferContext& ctx) {
  const auto* s = state_as<PoolState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 4));
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
  bool one_d = x.rank() == 3;
  OW_ASSIGN_OR_RETURN(Window w, resolve_window(ctx.node, s->win, Dims(x.dims().begin() + 2, x.dims().end()), s->win.kernel));
  int64_t planes = x.dims()[0] * x.dims()[1];
  int64_t ih = one_d ? 1 : x.dims()[2], iw = x.dims().back();
  int64_t oh = one_d ? 1 : y.dims()[2], ow = y.dims().back();
  int64_t kh = one_d ? 1 : w.kernel[0], kw = w.kernel.back();
  int64_t sh = one_d ? 1 : w.strides[0], sw = w.strides.back();
  int64_t dh = one_d ? 1 : w.dilations[0], dw = w.dilations.back();
  int64_t ph = one_d ? 0 : w.pad_begin[0], pw = w.pad_begin.back();
  int64_t peh = one_d ? 0 : w.pad_end[0], pew = w.pad_end.back();
  ctx.pool->parallel_for(static_cast<size_t>(planes), [&](size_t p) {
    const float* in = x.data<float>() + static_cast<int64_t>(p) * ih * iw;
    float* out = y.data<float>() + static_cast<int64_t>(p) * oh * ow;
    for (int64_t oy = 0; oy < oh; oy++) {
      for (int64_t ox = 0; ox < ow; ox++) {
        double acc = s->max ? -std::numeric_limits<double>::infinity() : 0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < kh; ky++) {
          int64_t iy = oy * sh - ph + ky * dh;
          for (int64_t kx = 0; kx < kw; kx++) {
            int64_t ix = ox * sw - pw + kx * dw;
            if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) {
              // Padding counts toward the average only inside the declared pads.
              if (!s->max && s->count_include_pad && iy < ih + peh && ix < iw + pew) count++;
              continue;
            }
            double v = in[iy * iw + ix];
            if (s->max) acc = v > acc || std::isnan(v) ? v : acc;
            else acc += v;
            count++;
          }
        }
        out[oy * ow + ox] = static_cast<float>(s->max ? acc : (count ? acc / count : 0));
      }
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

extern const OpDef kMaxPool = {"MaxPool", "", 1, infer_pool, prepare_pool<true>, run_pool};
extern const OpDef kAveragePool = {"AveragePool", "", 1, infer_pool, prepare_pool<false>, run_pool};
extern const OpDef kGlobalAveragePool = {"GlobalAveragePool", "", 1, infer_global, prepare_global<false>, run_global};
extern const OpDef kGlobalMaxPool = {"GlobalMaxPool", "", 1, infer_global, prepare_global<true>, run_global};

}  // namespace onnxwasm
