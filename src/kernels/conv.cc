// SPDX-License-Identifier: MIT
// Conv, opsets 1-11, float32, 1D and 2D (NCHW), with groups, strides, dilations, explicit or
// auto pads and optional bias. The XNNPACK path (xnn/rules_conv.cc) is the fast one; this is
// the oracle: direct loops, one output plane per task.
#include "kernels/op.h"
#include "kernels/spatial.h"

namespace onnxwasm {
namespace {

struct ConvState {
  WindowAttrs win;
  int64_t group;
};

Status prepare_conv(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<ConvState>();
  OW_ASSIGN_OR_RETURN(s->win, parse_window_attrs(node, false));
  OW_RETURN_IF_ERROR(check_attr_kind(node, "group", Attribute::Kind::kInt));
  s->group = attr_int(node, "group", 1);
  OW_CHECK(s->group >= 1, INVALID_MODEL, "%s: attribute 'group' must be >= 1, got %lld",
           node.describe().c_str(), static_cast<long long>(s->group));
  *state = s;
  return Status::ok();
}

Status infer_conv(InferContext& ctx) {
  const auto* s = state_as<ConvState>(ctx.state);
  const std::string where = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 4));
  const Dims& x = ctx.in(0).dims;
  const Dims& w = ctx.in(1).dims;
  OW_CHECK(w.size() == x.size(), INVALID_MODEL, "%s: weight rank %zu does not match input rank %zu",
           where.c_str(), w.size(), x.size());
  int64_t c = x[1], m = w[0], cg = w[1];
  OW_CHECK(m < 0 || m % s->group == 0, INVALID_MODEL,
           "%s: %lld output channels are not divisible by group %lld", where.c_str(),
           static_cast<long long>(m), static_cast<long long>(s->group));
  OW_CHECK(c < 0 || cg < 0 || c == cg * s->group, INVALID_INPUT,
           "%s: input has %lld channels, weights expect %lld (group %lld x %lld)", where.c_str(),
           static_cast<long long>(c), static_cast<long long>(cg * s->group),
           static_cast<long long>(s->group), static_cast<long long>(cg));
  if (ctx.has_input(2)) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 2, {DType::kFloat32}));
    const Dims& b = ctx.in(2).dims;
    OW_CHECK(b.size() == 1 && (b[0] < 0 || m < 0 || b[0] == m), INVALID_MODEL,
             "%s: bias must have shape [%lld], got %s", where.c_str(), static_cast<long long>(m),
             dims_to_string(b).c_str());
  }
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (!s->win.kernel.empty()) {
    OW_CHECK(s->win.kernel == kernel || !dims_known(kernel), INVALID_MODEL,
             "%s: kernel_shape %s does not match the weights %s", where.c_str(),
             dims_to_string(s->win.kernel).c_str(), dims_to_string(w).c_str());
    kernel = s->win.kernel;
  }
  if (!dims_known(kernel)) {
    ctx.set_output(0, DType::kFloat32, Dims(x.size(), kUnknownDim));
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(ctx.node, s->win, Dims(x.begin() + 2, x.end()), kernel));
  Dims out = {x[0], m};
  out.insert(out.end(), win.out.begin(), win.out.end());
  ctx.set_output(0, DType::kFloat32, out);
  return Status::ok();
}

Status run_conv(KernelContext& ctx) {
  const auto* s = state_as<ConvState>(ctx.state);
  const Tensor& x = ctx.in(0);
  const Tensor& w = ctx.in(1);
  const float* bias = ctx.has_input(2) ? ctx.in(2).data<float>() : nullptr;
  Tensor& y = ctx.out(0);
  bool one_d = x.rank() == 3;
  // 1D runs as 2D with height 1.
  int64_t n = x.dims()[0], c = x.dims()[1], ih = one_d ? 1 : x.dims()[2], iw = x.dims().back();
  int64_t m = w.dims()[0], cg = w.dims()[1], kh = one_d ? 1 : w.dims()[2], kw = w.dims().back();
  int64_t oh = one_d ? 1 : y.dims()[2], ow = y.dims().back();
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(ctx.node, s->win, Dims(x.dims().begin() + 2, x.dims().end()),
                                                 std::vector<int64_t>(w.dims().begin() + 2, w.dims().end())));
  int64_t sh = one_d ? 1 : win.strides[0], sw = win.strides.back();
  int64_t dh = one_d ? 1 : win.dilations[0], dw = win.dilations.back();
  int64_t ph = one_d ? 0 : win.pad_begin[0], pw = win.pad_begin.back();
  int64_t mg = m / s->group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  (void)c;
  ctx.pool->parallel_for(static_cast<size_t>(n * m), [&](size_t task) {
    int64_t b = static_cast<int64_t>(task) / m, oc = static_cast<int64_t>(task) % m;
    int64_t g = oc / mg;
    float* out = yd + (b * m + oc) * oh * ow;
    for (int64_t i = 0; i < oh * ow; i++) out[i] = bias ? bias[oc] : 0.f;
    for (int64_t icg = 0; icg < cg; icg++) {
      const float* in = xd + (b * c + g * cg + icg) * ih * iw;
      for (int64_t ky = 0; ky < kh; ky++) {
        for (int64_t kx = 0; kx < kw; kx++) {
          float wv = wd[((oc * cg + icg) * kh + ky) * kw + kx];
          for (int64_t oy = 0; oy < oh; oy++) {
            int64_t iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= ih) continue;
            const float* row = in + iy * iw;
            float* orow = out + oy * ow;
            for (int64_t ox = 0; ox < ow; ox++) {
              int64_t ix = ox * sw - pw + kx * dw;
              if (ix >= 0 && ix < iw) orow[ox] += wv * row[ix];
            }
          }
        }
      }
    }
  });
  return Status::ok();
}

}  // namespace

extern const OpDef kConv = {"Conv", "", 1, infer_conv, prepare_conv, run_conv};

}  // namespace onnxwasm
