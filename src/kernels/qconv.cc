// SPDX-License-Identifier: MIT
// Integer convolutions, 1-D to 3-D with groups, strides, dilations and pads: ConvInteger
// (int32 sums of (x - x_zero_point) * (w - w_zero_point); padding adds zero after the shift)
// and QLinearConv (the same sums plus an int32 bias, rescaled by x_scale * w_scale / y_scale,
// per output channel when w_scale is, rounded to nearest even and saturated).
#include <cmath>

#include "kernels/op.h"
#include "kernels/spatial3.h"

namespace onnxwasm {
namespace {

struct QConvState {
  WindowAttrs win;
  int64_t group;
  bool qlinear;  // QLinearConv's input order: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B
};

template <bool kQLinear>
Status prepare_qconv(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<QConvState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(n, false));
  s->group = attr_int(n, "group", 1);
  OW_CHECK(s->group >= 1, INVALID_MODEL, "%s: group must be >= 1", n.describe().c_str());
  s->qlinear = kQLinear;
  *state = s;
  return Status::ok();
}

size_t x_at(const QConvState& s) { return 0; }
size_t w_at(const QConvState& s) { return s.qlinear ? 3 : 1; }

Status infer_qconv(InferContext& ctx) {
  const auto* s = state_as<QConvState>(ctx.state);
  OW_RETURN_IF_ERROR(s->qlinear ? check_input_count(ctx, 8, 9) : check_input_count(ctx, 2, 4));
  OW_RETURN_IF_ERROR(check_dtype(ctx, x_at(*s), {DType::kUint8, DType::kInt8}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, w_at(*s), {DType::kUint8, DType::kInt8}));
  OW_RETURN_IF_ERROR(check_rank(ctx, x_at(*s), 3, 5));
  const Dims& x = ctx.in(x_at(*s)).dims;
  const Dims& w = ctx.in(w_at(*s)).dims;
  OW_CHECK(w.size() == x.size(), INVALID_MODEL, "%s: weights of rank %zu for an input of rank %zu", ctx.node.describe().c_str(),
           w.size(), x.size());
  OW_CHECK(x[1] < 0 || w[1] < 0 || x[1] == w[1] * s->group, INVALID_INPUT, "%s: %lld input channels, weights expect %lld x %lld",
           ctx.node.describe().c_str(), static_cast<long long>(x[1]), static_cast<long long>(s->group), static_cast<long long>(w[1]));
  OW_CHECK(w[0] < 0 || w[0] % s->group == 0, INVALID_MODEL, "%s: output channels not divisible by group", ctx.node.describe().c_str());
  std::vector<int64_t> kernel = s->win.kernel.empty() ? std::vector<int64_t>(w.begin() + 2, w.end()) : s->win.kernel;
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(ctx.node, s->win, Dims(x.begin() + 2, x.end()), kernel));
  Dims out = {x[0], w[0]};
  out.insert(out.end(), win.out.begin(), win.out.end());
  DType dt = DType::kInt32;
  if (s->qlinear) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 7, {DType::kUint8, DType::kInt8}));
    dt = ctx.in(7).dtype;
  }
  ctx.set_output(0, dt, out);
  return Status::ok();
}

// Zero point(s) of input i: one value, or one per output channel (weights); 0 when omitted.
int64_t zero_point(const KernelContext& ctx, size_t i, int64_t m) {
  if (!ctx.has_input(i) || ctx.in(i).size() == 0) return 0;
  return ctx.in(i).int_at(ctx.in(i).size() == 1 ? 0 : m);
}

Status run_qconv(KernelContext& ctx) {
  const auto* s = state_as<QConvState>(ctx.state);
  const Tensor& x = ctx.in(x_at(*s));
  const Tensor& w = ctx.in(w_at(*s));
  Tensor& y = ctx.out(0);
  std::vector<int64_t> kernel = s->win.kernel.empty() ? std::vector<int64_t>(w.dims().begin() + 2, w.dims().end()) : s->win.kernel;
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(ctx.node, s->win, Dims(x.dims().begin() + 2, x.dims().end()), kernel));
  Geom3 g = geom3(win, x.dims(), y.dims());
  int64_t n = x.dims()[0], c = x.dims()[1], m = w.dims()[0], cg = w.dims()[1], mg = m / s->group;
  int64_t xzp = zero_point(ctx, 2, 0);  // input 2 in both ops
  size_t wzp_at = s->qlinear ? 5 : 3;
  for (int64_t ch = 0; ch < m; ch++) {
    int64_t wzp = zero_point(ctx, wzp_at, ch);
    double scale = 1;
    int64_t bias = 0, yzp = 0;
    if (s->qlinear) {
      const Tensor& ws = ctx.in(4);
      scale = ctx.in(1).float_at(0) * ws.float_at(ws.size() == 1 ? 0 : ch) / ctx.in(6).float_at(0);
      bias = ctx.has_input(8) ? ctx.in(8).int_at(ch) : 0;
      yzp = zero_point(ctx, 7, 0);
    }
    int64_t grp = ch / mg;
    for (int64_t b = 0; b < n; b++)
      for (int64_t oz = 0; oz < g.out[0]; oz++)
        for (int64_t oy = 0; oy < g.out[1]; oy++)
          for (int64_t ox = 0; ox < g.out[2]; ox++) {
            int64_t acc = 0;
            for (int64_t ci = 0; ci < cg; ci++) {
              int64_t xc = (b * c + grp * cg + ci) * g.in_size(), wc = (ch * cg + ci) * g.k_size();
              for_each_tap(g, oz, oy, ox, [&](int64_t tap, int64_t iz, int64_t iy, int64_t ix, bool inside) {
                if (!inside) return;
                acc += (x.int_at(xc + (iz * g.in[1] + iy) * g.in[2] + ix) - xzp) * (w.int_at(wc + tap) - wzp);
              });
            }
            int64_t o = ((b * m + ch) * g.out[0] + oz) * g.out[1] * g.out[2] + oy * g.out[2] + ox;
            if (!s->qlinear) {
              y.data<int32_t>()[o] = static_cast<int32_t>(acc);
              continue;
            }
            double q = std::nearbyint(static_cast<double>(acc + bias) * scale) + static_cast<double>(yzp);
            if (y.dtype() == DType::kUint8) y.data<uint8_t>()[o] = static_cast<uint8_t>(std::fmin(255, std::fmax(0, q)));
            else y.data<int8_t>()[o] = static_cast<int8_t>(std::fmin(127, std::fmax(-128, q)));
          }
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kConvInteger = {"ConvInteger", "", 10, infer_qconv, prepare_qconv<false>, run_qconv};
extern const OpDef kQLinearConv = {"QLinearConv", "", 10, infer_qconv, prepare_qconv<true>, run_qconv};

}  // namespace onnxwasm
