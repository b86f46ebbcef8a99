// SPDX-License-Identifier: MIT
// GridSample (opset 16: 2-D, bilinear/nearest/bicubic; opset 20: N-D, linear/nearest/cubic):
// padding_mode zeros / border / reflection, align_corners, as the ONNX reference computes it
// (coordinates in float32, nearest rounds half to even). Float32/float64 data. AffineGrid
// makes such grids from affine matrices.
#include <cmath>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_grid_sample(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kFloat32, DType::kFloat64}));
  const Dims &x = ctx.in(0).dims, &g = ctx.in(1).dims;
  OW_CHECK(x.size() >= 3 && g.size() == x.size() && (g.back() < 0 || g.back() == static_cast<int64_t>(x.size()) - 2) &&
               (g[0] < 0 || x[0] < 0 || g[0] == x[0]),
           INVALID_INPUT, "%s: grid %s does not fit input %s", ctx.node.describe().c_str(), dims_to_string(g).c_str(),
           dims_to_string(x).c_str());
  std::string mode = attr_string(ctx.node, "mode", ctx.opset >= 20 ? "linear" : "bilinear");
  std::string pad = attr_string(ctx.node, "padding_mode", "zeros");
  OW_CHECK(mode == "linear" || mode == "bilinear" || mode == "nearest" || mode == "cubic" || mode == "bicubic",
           INVALID_MODEL, "%s: mode '%s'", ctx.node.describe().c_str(), mode.c_str());
  OW_CHECK(pad == "zeros" || pad == "border" || pad == "reflection", INVALID_MODEL, "%s: padding_mode '%s'",
           ctx.node.describe().c_str(), pad.c_str());
  Dims out = {x[0], x[1]};
  out.insert(out.end(), g.begin() + 1, g.end() - 1);
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

float reflect(float v, float lo, float hi) {
  float range = hi - lo;
  if (v < lo) {
    float dx = lo - v;
    int n = static_cast<int>(dx / range);
    float r = dx - n * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (v > hi) {
    float dx = v - hi;
    int n = static_cast<int>(dx / range);
    float r = dx - n * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return v;
}

Status run_grid_sample(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &grid = ctx.in(1);
  Tensor& y = ctx.out(0);
  std::string mode = attr_string(ctx.node, "mode", ctx.opset >= 20 ? "linear" : "bilinear");
  if (mode == "bilinear") mode = "linear";
  if (mode == "bicubic") mode = "cubic";
  std::string pad = attr_string(ctx.node, "padding_mode", "zeros");
  bool align = attr_int(ctx.node, "align_corners", 0) != 0;
  size_t r = x.rank() - 2;
  int64_t n = x.dims()[0], c = x.dims()[1], in_size = 1, out_size = 1;
  std::vector<int64_t> dims(r), stride(r, 1);
  for (size_t i = 0; i < r; i++) dims[i] = x.dims()[2 + i];
  for (size_t i = r; i-- > 1;) stride[i - 1] = stride[i] * dims[i];
  for (int64_t d : dims) in_size *= d;
  for (size_t i = 2; i < y.rank(); i++) out_size *= y.dims()[i];
  std::vector<float> lo(r), hi(r);
  for (size_t i = 0; i < r; i++) {
    lo[i] = align ? 0.f : -0.5f;
    hi[i] = align ? static_cast<float>(dims[i] - 1) : static_cast<float>(dims[i]) - 0.5f;
  }
  // The index to read for integer position i on axis a, or -1 for a zero (padding).
  auto pixel = [&](size_t a, int64_t i) -> int64_t {
    if (pad == "zeros") return i >= 0 && i < dims[a] ? i : -1;
    if (pad == "border") return i < 0 ? 0 : (i >= dims[a] ? dims[a] - 1 : i);
    return static_cast<int64_t>(reflect(static_cast<float>(i), lo[a], hi[a]));
  };
  auto cubic = [](float t, float* w) {
    const float a = -0.75f;
    t = std::fabs(t);
    w[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
    w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
    w[2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
    w[3] = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
  };
  std::vector<std::vector<std::pair<int64_t, float>>> taps(r);
  for (int64_t b = 0; b < n; b++)
    for (int64_t o = 0; o < out_size; o++) {
      for (size_t a = 0; a < r; a++) {
        // The grid's last axis lists coordinates innermost-first (x, y[, z]).
        float g = static_cast<float>(grid.float_at((b * out_size + o) * static_cast<int64_t>(r) + (r - 1 - a)));
        float v = align ? (g + 1) / 2.f * static_cast<float>(dims[a] - 1)
                        : ((g + 1) * static_cast<float>(dims[a]) - 1) / 2.f;
        if (mode == "nearest") v = std::nearbyint(v);
        if (v < lo[a] || v > hi[a]) {
          if (pad == "border") v = std::fmin(static_cast<float>(dims[a] - 1), std::fmax(0.f, v));
          else if (pad == "reflection") v = reflect(v, lo[a], hi[a]);
        }
        taps[a].clear();
        if (mode == "nearest") {
          taps[a].push_back({pixel(a, static_cast<int64_t>(v)), 1.f});
        } else {
          int64_t f = static_cast<int64_t>(std::floor(v));
          float t = v - static_cast<float>(f);
          if (mode == "linear") {
            taps[a].push_back({pixel(a, f), 1 - t});
            taps[a].push_back({pixel(a, f + 1), t});
          } else {
            float w[4];
            cubic(t, w);
            for (int k = 0; k < 4; k++) taps[a].push_back({pixel(a, f - 1 + k), w[k]});
          }
        }
      }
      for (int64_t ch = 0; ch < c; ch++) {
        int64_t base = (b * c + ch) * in_size;
        double sum = 0;
        std::vector<size_t> k(r, 0);
        while (true) {
          double w = 1;
          int64_t off = 0;
          bool zero = false;
          for (size_t a = 0; a < r; a++) {
            const auto& t = taps[a][k[a]];
            w *= t.second;
            if (t.first < 0) zero = true;
            else off += t.first * stride[a];
          }
          if (!zero) sum += w * x.float_at(base + off);
          size_t a = r;
          while (a-- > 0) {
            if (++k[a] < taps[a].size()) break;
            k[a] = 0;
          }
          if (a == static_cast<size_t>(-1)) break;
        }
        int64_t at = (b * c + ch) * out_size + o;
        y.set_float_at(at, sum);
      }
    }
  return Status::ok();
}

// --- AffineGrid: theta [N, 2, 3] or [N, 3, 4] and size [N, C, (D,) H, W] -> grid [N, (D,) H, W, r] ---

Status infer_affine_grid(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  const Tensor* size = ctx.value(1);
  if (!size) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
  OW_CHECK(size->size() == 4 || size->size() == 5, INVALID_INPUT, "%s: size must be [N, C, H, W] or [N, C, D, H, W]",
           ctx.node.describe().c_str());
  int64_t r = size->size() - 2;
  const Dims& th = ctx.in(0).dims;
  OW_CHECK((th[1] < 0 || th[1] == r) && (th[2] < 0 || th[2] == r + 1) && (th[0] < 0 || th[0] == size->int_at(0)),
           INVALID_INPUT, "%s: theta %s does not fit size of rank %lld", ctx.node.describe().c_str(),
           dims_to_string(th).c_str(), static_cast<long long>(size->size()));
  Dims out = {size->int_at(0)};
  for (int64_t i = 2; i < size->size(); i++) {
    OW_CHECK(size->int_at(i) >= 0 && size->int_at(i) <= (1 << 20), INVALID_INPUT, "%s: size out of range", ctx.node.describe().c_str());
    out.push_back(size->int_at(i));
  }
  out.push_back(r);
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_affine_grid(KernelContext& ctx) {
  const Tensor& theta = ctx.in(0);
  Tensor& y = ctx.out(0);
  bool align = attr_int(ctx.node, "align_corners", 0) != 0;
  size_t r = y.rank() - 2;
  std::vector<int64_t> dims(y.dims().begin() + 1, y.dims().end() - 1);  // (D,) H, W
  int64_t points = 1;
  for (int64_t d : dims) points *= d;
  auto base = [&](int64_t i, int64_t len) {
    if (align) return len > 1 ? -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(len - 1) : 0.0;
    return (2.0 * static_cast<double>(i) + 1) / static_cast<double>(len) - 1;
  };
  for (int64_t b = 0; b < y.dims()[0]; b++)
    for (int64_t p = 0; p < points; p++) {
      // Homogeneous point (x, y[, z], 1): x runs along the last axis.
      std::vector<double> v(r + 1, 1.0);
      int64_t rest = p;
      for (size_t a = r; a-- > 0;) {
        v[r - 1 - a] = base(rest % dims[a], dims[a]);
        rest /= dims[a];
      }
      for (size_t o = 0; o < r; o++) {
        double s = 0;
        for (size_t k = 0; k <= r; k++) s += theta.float_at((b * static_cast<int64_t>(r) + o) * static_cast<int64_t>(r + 1) + k) * v[k];
        int64_t at = (b * points + p) * static_cast<int64_t>(r) + o;
        y.set_float_at(at, s);
      }
    }
  return Status::ok();
}

}  // namespace

extern const OpDef kAffineGrid = {"AffineGrid", "", 20, infer_affine_grid, nullptr, run_affine_grid};
extern const OpDef kGridSample = {"GridSample", "", 16, infer_grid_sample, nullptr, run_grid_sample};

}  // namespace onnxwasm
