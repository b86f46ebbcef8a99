// SPDX-License-Identifier: MIT
// DeformConv (opset 19), 2-D: a convolution whose kernel taps are moved by per-output offsets
// (input 2) and optionally scaled by a mask (input 4). Each tap reads the input bilinearly,
// with zeros outside it, as the ONNX reference's GridSample(align_corners=1) does. Per batch
// and group the taps are gathered into columns, then multiplied by the weights.
#include <cmath>
#include <vector>

#include "kernels/op.h"
#include "kernels/spatial.h"

namespace onnxwasm {
namespace {

struct DeformConvState {
  WindowAttrs win;
  int64_t group, offset_group;
};

Status prepare_deform_conv(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<DeformConvState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(n, false));
  s->group = attr_int(n, "group", 1);
  s->offset_group = attr_int(n, "offset_group", 1);
  OW_CHECK(s->group >= 1 && s->offset_group >= 1, INVALID_MODEL, "%s: group and offset_group must be at least 1",
           n.describe().c_str());
  *state = s;
  return Status::ok();
}

// Output geometry from X and W (kernel from the weights unless kernel_shape says).
Result<Window> deform_window(const InferContext& ctx, const DeformConvState& s) {
  const Dims &x = ctx.in(0).dims, &w = ctx.in(1).dims;
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (!s.win.kernel.empty()) {
    OW_CHECK(s.win.kernel == kernel || !dims_known(kernel), INVALID_MODEL, "%s: kernel_shape %s does not match the weights %s",
             ctx.node.describe().c_str(), dims_to_string(s.win.kernel).c_str(), dims_to_string(w).c_str());
    kernel = s.win.kernel;
  }
  if (!dims_known(kernel)) return Window{kernel, {}, {}, {}, {}, {kUnknownDim, kUnknownDim}};
  return resolve_window(ctx.node, s.win, Dims(x.begin() + 2, x.end()), kernel);
}

Status infer_deform_conv(InferContext& ctx) {
  const auto* s = state_as<DeformConvState>(ctx.state);
  const std::string who = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 5));
  for (size_t i = 0; i < 5; i++)
    if (ctx.has_input(i)) OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kFloat32, DType::kFloat64}));
  for (size_t i = 1; i < 5; i++)
    OW_CHECK(!ctx.has_input(i) || ctx.in(i).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: input %zu is %s, X is %s",
             who.c_str(), i, dtype_name(ctx.in(i).dtype), dtype_name(ctx.in(0).dtype));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
  OW_CHECK(ctx.in(0).dims.size() == 4, UNSUPPORTED_OP, "%s: only 2-D DeformConv is supported (X is %s)", who.c_str(),
           dims_to_string(ctx.in(0).dims).c_str());
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 4, 4));
  OW_RETURN_IF_ERROR(check_rank(ctx, 2, 4, 4));
  const Dims &x = ctx.in(0).dims, &w = ctx.in(1).dims, &off = ctx.in(2).dims;
  OW_CHECK(w[0] < 0 || w[0] % s->group == 0, INVALID_MODEL, "%s: %lld output channels are not divisible by group %lld",
           who.c_str(), static_cast<long long>(w[0]), static_cast<long long>(s->group));
  OW_CHECK(x[1] < 0 || w[1] < 0 || x[1] == w[1] * s->group, INVALID_INPUT,
           "%s: X has %lld channels, the weights expect %lld x group %lld", who.c_str(), static_cast<long long>(x[1]),
           static_cast<long long>(w[1]), static_cast<long long>(s->group));
  OW_CHECK(x[1] < 0 || x[1] % s->offset_group == 0, INVALID_INPUT, "%s: %lld channels are not divisible by offset_group %lld",
           who.c_str(), static_cast<long long>(x[1]), static_cast<long long>(s->offset_group));
  OW_ASSIGN_OR_RETURN(Window win, deform_window(ctx, *s));
  Dims out = {x[0], w[0], win.out[0], win.out[1]};
  auto fits = [](int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; };
  if (dims_known(win.kernel)) {
    int64_t taps = win.kernel[0] * win.kernel[1];
    OW_CHECK(fits(off[0], x[0]) && fits(off[1], s->offset_group * taps * 2) && fits(off[2], out[2]) && fits(off[3], out[3]),
             INVALID_INPUT, "%s: offset %s does not fit [N, offset_group*kh*kw*2, out_h, out_w] = [%lld, %lld, %lld, %lld]",
             who.c_str(), dims_to_string(off).c_str(), static_cast<long long>(x[0]),
             static_cast<long long>(s->offset_group * taps * 2), static_cast<long long>(out[2]), static_cast<long long>(out[3]));
    if (ctx.has_input(4)) {
      const Dims& m = ctx.in(4).dims;
      OW_CHECK(m.size() == 4 && fits(m[0], x[0]) && fits(m[1], s->offset_group * taps) && fits(m[2], out[2]) && fits(m[3], out[3]),
               INVALID_INPUT, "%s: mask %s does not fit the offsets %s", who.c_str(), dims_to_string(m).c_str(),
               dims_to_string(off).c_str());
    }
  }
  if (ctx.has_input(3))
    OW_CHECK(ctx.in(3).dims.size() == 1 && fits(ctx.in(3).dims[0], w[0]), INVALID_MODEL, "%s: bias must have shape [%lld], got %s",
             who.c_str(), static_cast<long long>(w[0]), dims_to_string(ctx.in(3).dims).c_str());
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

// X[c] at (h, w) by bilinear interpolation; taps outside the image read 0.
template <class T>
double sample(const T* plane, int64_t ih, int64_t iw, double h, double w) {
  if (!(h > -1 && h < ih && w > -1 && w < iw)) return 0;  // also catches NaN
  const double h0 = std::floor(h), w0 = std::floor(w), dh = h - h0, dw = w - w0;
  const int64_t y0 = static_cast<int64_t>(h0), x0 = static_cast<int64_t>(w0);
  auto at = [&](int64_t y, int64_t x) -> double { return y >= 0 && y < ih && x >= 0 && x < iw ? plane[y * iw + x] : 0.0; };
  return (1 - dh) * ((1 - dw) * at(y0, x0) + dw * at(y0, x0 + 1)) + dh * ((1 - dw) * at(y0 + 1, x0) + dw * at(y0 + 1, x0 + 1));
}

template <class T>
Status run_typed(KernelContext& ctx, const Window& win, const DeformConvState& s) {
  const Tensor &xt = ctx.in(0), &wt = ctx.in(1), &offt = ctx.in(2);
  const T *x = xt.data<T>(), *wts = wt.data<T>(), *off = offt.data<T>();
  const T* bias = ctx.has_input(3) ? ctx.in(3).data<T>() : nullptr;
  const T* mask = ctx.has_input(4) ? ctx.in(4).data<T>() : nullptr;
  T* y = ctx.out(0).data<T>();
  const int64_t n = xt.dims()[0], c = xt.dims()[1], ih = xt.dims()[2], iw = xt.dims()[3];
  const int64_t m = wt.dims()[0], cg = wt.dims()[1], kh = win.kernel[0], kw = win.kernel[1];
  const int64_t oh = win.out[0], ow = win.out[1], plane = oh * ow, taps = kh * kw;
  const int64_t mg = m / s.group, c_per_offset = c / s.offset_group;
  // Columns for one group: [cg * taps, plane].
  OW_ASSIGN_OR_RETURN(Tensor col_buffer, Tensor::make(DType::kFloat64, {cg * taps, plane}));  // OUT_OF_MEMORY if too large
  double* cols = col_buffer.data<double>();
  for (int64_t b = 0; b < n; b++) {
    for (int64_t g = 0; g < s.group; g++) {
      for (int64_t ci = 0; ci < cg; ci++) {
        const int64_t ch = g * cg + ci, og = ch / c_per_offset;
        const T* xp = x + (b * c + ch) * ih * iw;
        for (int64_t ky = 0; ky < kh; ky++)
          for (int64_t kx = 0; kx < kw; kx++) {
            const int64_t tap = ky * kw + kx;
            const T* dy = off + ((b * s.offset_group + og) * taps * 2 + tap * 2) * plane;
            const T* dx = dy + plane;
            const T* mk = mask ? mask + ((b * s.offset_group + og) * taps + tap) * plane : nullptr;
            double* col = cols + (ci * taps + tap) * plane;
            for (int64_t oy = 0; oy < oh; oy++)
              for (int64_t ox = 0; ox < ow; ox++) {
                const int64_t p = oy * ow + ox;
                double h = static_cast<double>(oy * win.strides[0] - win.pad_begin[0] + ky * win.dilations[0]) + dy[p];
                double w = static_cast<double>(ox * win.strides[1] - win.pad_begin[1] + kx * win.dilations[1]) + dx[p];
                col[p] = sample(xp, ih, iw, h, w) * (mk ? static_cast<double>(mk[p]) : 1.0);
              }
          }
      }
      for (int64_t mi = 0; mi < mg; mi++) {
        const int64_t oc = g * mg + mi;
        const T* wrow = wts + oc * cg * taps;
        T* out = y + (b * m + oc) * plane;
        for (int64_t p = 0; p < plane; p++) {
          double acc = bias ? static_cast<double>(bias[oc]) : 0.0;
          for (int64_t k = 0; k < cg * taps; k++) acc += static_cast<double>(wrow[k]) * cols[k * plane + p];
          out[p] = static_cast<T>(acc);
        }
      }
    }
  }
  return Status::ok();
}

Status run_deform_conv(KernelContext& ctx) {
  const auto* s = state_as<DeformConvState>(ctx.state);
  std::vector<ValueType> types;
  std::vector<const ValueType*> ptrs;
  InferContext ic = infer_context_for(ctx, &types, &ptrs);
  OW_ASSIGN_OR_RETURN(Window win, deform_window(ic, *s));
  if (ctx.in(0).dtype() == DType::kFloat64) return run_typed<double>(ctx, win, *s);
  return run_typed<float>(ctx, win, *s);
}

}  // namespace

extern const OpDef kDeformConv = {"DeformConv", "", 19, infer_deform_conv, prepare_deform_conv, run_deform_conv};

}  // namespace onnxwasm
