// SPDX-License-Identifier: MIT
// Conv and ConvTranspose (output_padding, output_shape), float32, 1D to 3D (NC...), with
// groups, strides, dilations, explicit or auto pads and optional bias. The XNNPACK path (xnn/rules_conv.cc) is the fast one; this is
// the oracle: direct loops, one output plane per task.
#include "kernels/op.h"
#include "kernels/spatial3.h"

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
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
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
  OW_ASSIGN_OR_RETURN(Window win, resolve_window(ctx.node, s->win, Dims(x.dims().begin() + 2, x.dims().end()),
                                                 std::vector<int64_t>(w.dims().begin() + 2, w.dims().end())));
  Geom3 g = geom3(win, x.dims(), y.dims());
  int64_t n = x.dims()[0], c = x.dims()[1], m = w.dims()[0], cg = w.dims()[1], mg = m / s->group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  ctx.pool->parallel_for(static_cast<size_t>(n * m), [&](size_t task) {
    int64_t b = static_cast<int64_t>(task) / m, oc = static_cast<int64_t>(task) % m;
    int64_t grp = oc / mg;
    float* out = yd + (b * m + oc) * g.out_size();
    for (int64_t i = 0; i < g.out_size(); i++) out[i] = bias ? bias[oc] : 0.f;
    for (int64_t icg = 0; icg < cg; icg++) {
      const float* in = xd + (b * c + grp * cg + icg) * g.in_size();
      const float* wk = wd + (oc * cg + icg) * g.k_size();
      for (int64_t kz = 0; kz < g.k[0]; kz++)
        for (int64_t ky = 0; ky < g.k[1]; ky++)
          for (int64_t kx = 0; kx < g.k[2]; kx++) {
            float wv = wk[(kz * g.k[1] + ky) * g.k[2] + kx];
            for (int64_t oz = 0; oz < g.out[0]; oz++) {
              int64_t iz = oz * g.s[0] - g.pb[0] + kz * g.d[0];
              if (iz < 0 || iz >= g.in[0]) continue;
              for (int64_t oy = 0; oy < g.out[1]; oy++) {
                int64_t iy = oy * g.s[1] - g.pb[1] + ky * g.d[1];
                if (iy < 0 || iy >= g.in[1]) continue;
                const float* row = in + (iz * g.in[1] + iy) * g.in[2];
                float* orow = out + (oz * g.out[1] + oy) * g.out[2];
                for (int64_t ox = 0; ox < g.out[2]; ox++) {
                  int64_t ix = ox * g.s[2] - g.pb[2] + kx * g.d[2];
                  if (ix >= 0 && ix < g.in[2]) orow[ox] += wv * row[ix];
                }
              }
            }
          }
    }
  });
  return Status::ok();
}

// --- ConvTranspose ---

Status infer_conv_transpose(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 5));
  const Dims &x = ctx.in(0).dims, &w = ctx.in(1).dims;
  int64_t group = attr_int(ctx.node, "group", 1);
  OW_CHECK(w.size() == x.size() && group >= 1 && (x[1] < 0 || w[0] < 0 || x[1] == w[0]) &&
               (x[1] < 0 || x[1] % group == 0),
           INVALID_MODEL, "%s: weights %s do not fit input %s with group %lld", ctx.node.describe().c_str(),
           dims_to_string(w).c_str(), dims_to_string(x).c_str(), static_cast<long long>(group));
  OW_ASSIGN_OR_RETURN(ConvTransposeGeom g, conv_transpose_geom(ctx.node, x, w));
  Dims out = {x[0], w[1] < 0 ? kUnknownDim : w[1] * group};
  if (ctx.has_input(2)) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, 2, {DType::kFloat32}));
    const Dims& b = ctx.in(2).dims;
    OW_CHECK(b.size() == 1 && (b[0] < 0 || out[1] < 0 || b[0] == out[1]), INVALID_MODEL, "%s: bias must have shape [%lld], got %s",
             ctx.node.describe().c_str(), static_cast<long long>(out[1]), dims_to_string(b).c_str());
  }
  out.insert(out.end(), g.out.begin(), g.out.end());
  ctx.set_output(0, DType::kFloat32, out);
  return Status::ok();
}

Status run_conv_transpose(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &w = ctx.in(1);
  const float* bias = ctx.has_input(2) ? ctx.in(2).data<float>() : nullptr;
  Tensor& y = ctx.out(0);
  OW_ASSIGN_OR_RETURN(ConvTransposeGeom cg, conv_transpose_geom(ctx.node, x.dims(), w.dims()));
  Window win{cg.kernel, cg.strides, cg.dilations, cg.pad_begin, cg.pad_end, cg.out};
  Geom3 g = geom3(win, x.dims(), y.dims());
  int64_t n = x.dims()[0], c = x.dims()[1], group = attr_int(ctx.node, "group", 1);
  int64_t cpg = c / group, mpg = w.dims()[1], m = mpg * group;
  const float *xd = x.data<float>(), *wd = w.data<float>();
  float* yd = y.data<float>();
  ctx.pool->parallel_for(static_cast<size_t>(n * m), [&](size_t task) {
    int64_t b = static_cast<int64_t>(task) / m, oc = static_cast<int64_t>(task) % m;
    int64_t grp = oc / mpg, ocg = oc % mpg;
    float* out = yd + (b * m + oc) * g.out_size();
    for (int64_t i = 0; i < g.out_size(); i++) out[i] = bias ? bias[oc] : 0.f;
    for (int64_t icg = 0; icg < cpg; icg++) {
      int64_t ic = grp * cpg + icg;
      const float* in = xd + (b * c + ic) * g.in_size();
      const float* wk = wd + (ic * mpg + ocg) * g.k_size();
      for (int64_t iz = 0; iz < g.in[0]; iz++)
        for (int64_t iy = 0; iy < g.in[1]; iy++)
          for (int64_t ix = 0; ix < g.in[2]; ix++) {
            float v = in[(iz * g.in[1] + iy) * g.in[2] + ix];
            for (int64_t kz = 0; kz < g.k[0]; kz++) {
              int64_t oz = iz * g.s[0] + kz * g.d[0] - g.pb[0];
              if (oz < 0 || oz >= g.out[0]) continue;
              for (int64_t ky = 0; ky < g.k[1]; ky++) {
                int64_t oy = iy * g.s[1] + ky * g.d[1] - g.pb[1];
                if (oy < 0 || oy >= g.out[1]) continue;
                for (int64_t kx = 0; kx < g.k[2]; kx++) {
                  int64_t ox = ix * g.s[2] + kx * g.d[2] - g.pb[2];
                  if (ox < 0 || ox >= g.out[2]) continue;
                  out[(oz * g.out[1] + oy) * g.out[2] + ox] += v * wk[(kz * g.k[1] + ky) * g.k[2] + kx];
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
extern const OpDef kConvTranspose = {"ConvTranspose", "", 1, infer_conv_transpose, nullptr, run_conv_transpose};

}  // namespace onnxwasm
