// SPDX-License-Identifier: MIT
// Resize (opsets 10-19) and Upsample (7-9): nearest (four rounding modes), linear and cubic
// (cubic_coeff_a, exclude_outside, antialias), every coordinate_transformation_mode,
// tf_crop_and_resize's roi and extrapolation_value, axes and keep_aspect_ratio_policy
// (opset 18), sizes or scales. Separable: each output coordinate of each axis gets its input
// taps and weights once, as the ONNX reference computes them (ties prefer the left pixel).
#include <cmath>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct Plan {
  Dims out;
  std::vector<double> scales;  // per axis
  std::vector<double> roi;     // 2 * rank: starts then ends (tf_crop_and_resize)
};

const Tensor* present(const Tensor* t) { return t && t->size() > 0 ? t : nullptr; }

// Output dims and per-axis scales from scales or sizes (and axes, keep_aspect_ratio_policy).
Result<Plan> plan_resize(const Node& node, int64_t opset, const Dims& in, const Tensor* roi, const Tensor* scales,
                         const Tensor* sizes) {
  const std::string where = node.describe();
  size_t r = in.size();
  std::vector<int64_t> axes = attr_ints(node, "axes");
  if (axes.empty()) for (size_t i = 0; i < r; i++) axes.push_back(static_cast<int64_t>(i));
  for (int64_t& a : axes) { OW_ASSIGN_OR_RETURN(a, normalize_axis(node, "axes", a, static_cast<int64_t>(r))); }
  Plan p;
  p.out = in;
  p.scales.assign(r, 1.0);
  p.roi.assign(2 * r, 0.0);
  for (size_t i = 0; i < r; i++) p.roi[r + i] = 1.0;
  if (roi) {
    OW_CHECK(roi->size() == static_cast<int64_t>(2 * axes.size()), INVALID_INPUT, "%s: roi has %lld values, expected %zu",
             where.c_str(), static_cast<long long>(roi->size()), 2 * axes.size());
    for (size_t i = 0; i < axes.size(); i++) {
      p.roi[axes[i]] = roi->float_at(static_cast<int64_t>(i));
      p.roi[r + axes[i]] = roi->float_at(static_cast<int64_t>(axes.size() + i));
    }
  }
  OW_CHECK((scales != nullptr) != (sizes != nullptr), INVALID_MODEL, "%s: exactly one of scales and sizes must be given",
           where.c_str());
  if (scales) {
    OW_CHECK(scales->size() == static_cast<int64_t>(axes.size()), INVALID_INPUT, "%s: %lld scales for %zu axes",
             where.c_str(), static_cast<long long>(scales->size()), axes.size());
    for (size_t i = 0; i < axes.size(); i++) {
      double s = scales->float_at(static_cast<int64_t>(i));
      OW_CHECK(s > 0 && std::isfinite(s), INVALID_INPUT, "%s: scale %g must be positive", where.c_str(), s);
      p.scales[axes[i]] = s;
      double o = std::floor(s * static_cast<double>(in[axes[i]]));
      OW_CHECK(o < static_cast<double>(kMaxElements), OUT_OF_MEMORY, "%s: scale %g is too large", where.c_str(), s);
      p.out[axes[i]] = static_cast<int64_t>(o);
    }
    return p;
  }
  OW_CHECK(sizes->size() == static_cast<int64_t>(axes.size()), INVALID_INPUT, "%s: %lld sizes for %zu axes",
           where.c_str(), static_cast<long long>(sizes->size()), axes.size());
  std::string policy = opset >= 18 ? attr_string(node, "keep_aspect_ratio_policy", "stretch") : "stretch";
  OW_CHECK(policy == "stretch" || policy == "not_larger" || policy == "not_smaller", INVALID_MODEL,
           "%s: keep_aspect_ratio_policy '%s'", where.c_str(), policy.c_str());
  double keep = policy == "not_larger" ? INFINITY : 0;
  for (size_t i = 0; i < axes.size(); i++) {
    int64_t s = sizes->int_at(static_cast<int64_t>(i));
    OW_CHECK(s >= 0, INVALID_INPUT, "%s: negative size %lld", where.c_str(), static_cast<long long>(s));
    p.out[axes[i]] = s;
    p.scales[axes[i]] = in[axes[i]] ? static_cast<double>(s) / static_cast<double>(in[axes[i]]) : 1.0;
    if (policy == "not_larger") keep = std::min(keep, p.scales[axes[i]]);
    if (policy == "not_smaller") keep = std::max(keep, p.scales[axes[i]]);
  }
  if (policy != "stretch")
    for (int64_t a : axes) {
      p.scales[a] = keep;
      p.out[a] = static_cast<int64_t>(keep * static_cast<double>(in[a]) + 0.5);
    }
  return p;
}

struct Inputs { const Tensor *roi = nullptr, *scales = nullptr, *sizes = nullptr; bool known = true; };

// Where roi / scales / sizes are for this opset and op (Upsample: scales input from 9, else attr).
template <class Get>
Inputs inputs_of(const Node& node, int64_t opset, size_t count, Get get) {
  Inputs in;
  auto take = [&](size_t i, const Tensor** t) {
    if (i >= count || node.inputs[i].empty()) return;
    const Tensor* v = get(i);
    if (!v) in.known = false;
    *t = present(v);
  };
  if (node.op_type == "Upsample" || opset < 11) {
    take(1, &in.scales);
  } else {
    take(1, &in.roi);
    take(2, &in.scales);
    take(3, &in.sizes);
  }
  return in;
}

Status infer_resize(InferContext& ctx) {
  bool upsample = ctx.node.op_type == "Upsample";
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, upsample || ctx.opset < 11 ? 2 : 4));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {OW_NUMERIC_DTYPES}));
  Inputs in = inputs_of(ctx.node, ctx.opset, ctx.num_inputs(), [&](size_t i) { return ctx.value(i); });
  const Dims& d = ctx.in(0).dims;
  if (!in.known || !dims_known(d)) { ctx.set_output(0, ctx.in(0).dtype, Dims(d.size(), kUnknownDim)); return Status::ok(); }
  if (upsample && ctx.opset < 9) return make_status(Code::UNSUPPORTED_OP, "%s: Upsample before opset 9 is not supported",
                                                    ctx.node.describe().c_str());
  OW_ASSIGN_OR_RETURN(Plan p, plan_resize(ctx.node, ctx.opset, d, in.roi, in.scales, in.sizes));
  OW_CHECK(num_elements(p.out) >= 0, OUT_OF_MEMORY, "%s: output %s is too large", ctx.node.describe().c_str(),
           dims_to_string(p.out).c_str());
  ctx.set_output(0, ctx.in(0).dtype, p.out);
  return Status::ok();
}

struct Tap { int64_t index; double weight; };

double cubic_w(double x, double a) {
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

struct Options {
  std::string mode, coord, nearest;
  double cubic_a, extrapolation;
  bool exclude_outside, antialias;
};

// The taps of output coordinate x on an axis of `len` inputs; `outside` for tf_crop_and_resize.
std::vector<Tap> taps_for(const Options& o, int64_t x, int64_t len, int64_t out_len, double scale, double roi0,
                          double roi1, bool* outside) {
  double out_w = scale * static_cast<double>(len), xo = 0;
  *outside = false;
  if (o.coord == "align_corners") xo = out_w == 1 ? 0 : x * (len - 1.0) / (out_w - 1);
  else if (o.coord == "asymmetric") xo = x / scale;
  else if (o.coord == "tf_crop_and_resize") {
    xo = out_w == 1 ? (roi1 - roi0) * (len - 1) / 2.0 : x * (roi1 - roi0) * (len - 1) / (out_w - 1);
    xo += roi0 * (len - 1);
    if (xo < 0 || xo > len - 1) { *outside = true; return {}; }
  } else if (o.coord == "pytorch_half_pixel") xo = out_w == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  else if (o.coord == "half_pixel_symmetric") {
    double adjustment = out_len / out_w, center = len / 2.0;
    xo = center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  } else xo = (x + 0.5) / scale - 0.5;  // half_pixel
  // The left pixel f and ratio r in (0, 1]: an integer position counts as r = 1 from its left.
  double fl = std::floor(xo);
  bool whole = xo == fl;
  int64_t f = static_cast<int64_t>(whole ? fl - 1 : fl);
  double r = whole ? 1.0 : xo - fl;
  std::vector<double> w;
  if (o.mode == "nearest") {
    bool right = whole;
    if (!whole) {
      if (o.nearest == "round_prefer_ceil") right = r >= 0.5;
      else if (o.nearest == "floor") right = false;
      else if (o.nearest == "ceil") right = true;
      else right = r > 0.5;  // round_prefer_floor
    }
    w = {right ? 0.0 : 1.0, right ? 1.0 : 0.0};
  } else if (o.mode == "linear") {
    if (o.antialias && scale < 1) {
      int64_t start = static_cast<int64_t>(std::floor(-1 / scale) + 1), n = 2 - 2 * start;
      double sum = 0;
      for (int64_t i = 0; i < n; i++) {
        double v = std::max(0.0, 1 - std::fabs((start + i - r) * scale));
        w.push_back(v);
        sum += v;
      }
      for (double& v : w) v /= sum;
    } else {
      w = {1 - r, r};
    }
  } else {  // cubic
    if (o.antialias && scale < 1) {
      int64_t start = static_cast<int64_t>(std::floor(-2 / scale) + 1), end = 2 - start;
      double sum = 0;
      for (int64_t i = start; i < end; i++) {
        double v = cubic_w(scale * (i - r), o.cubic_a);
        w.push_back(v);
        sum += v;
      }
      for (double& v : w) v /= sum;
    } else {
      for (int i = -1; i <= 2; i++) w.push_back(cubic_w(i - r, o.cubic_a));
    }
  }
  int64_t n = static_cast<int64_t>(w.size());
  std::vector<Tap> taps;
  double kept = 0;
  for (int64_t j = 0; j < n; j++) {
    int64_t idx = f - n / 2 + 1 + j;
    bool in_range = idx >= 0 && idx < len;
    if (o.exclude_outside && !in_range) continue;
    taps.push_back({std::min<int64_t>(std::max<int64_t>(idx, 0), len - 1), w[j]});
    kept += w[j];
  }
  if (o.exclude_outside && kept != 0) for (Tap& t : taps) t.weight /= kept;
  return taps;
}

Status run_resize(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  Inputs in = inputs_of(ctx.node, ctx.opset, ctx.inputs.size(), [&](size_t i) { return ctx.inputs[i]; });
  OW_ASSIGN_OR_RETURN(Plan p, plan_resize(ctx.node, ctx.opset, x.dims(), in.roi, in.scales, in.sizes));
  Options o;
  o.mode = attr_string(ctx.node, "mode", "nearest");
  OW_CHECK(o.mode == "nearest" || o.mode == "linear" || o.mode == "cubic" || o.mode == "bilinear", INVALID_MODEL,
           "unknown mode '%s'", o.mode.c_str());
  if (o.mode == "bilinear") o.mode = "linear";  // Upsample-7's name
  bool legacy = ctx.node.op_type == "Upsample" || ctx.opset < 11;
  o.coord = legacy ? "asymmetric" : attr_string(ctx.node, "coordinate_transformation_mode", "half_pixel");
  o.nearest = legacy ? "floor" : attr_string(ctx.node, "nearest_mode", "round_prefer_floor");
  o.cubic_a = attr_float(ctx.node, "cubic_coeff_a", -0.75f);
  o.extrapolation = attr_float(ctx.node, "extrapolation_value", 0.f);
  o.exclude_outside = attr_int(ctx.node, "exclude_outside", 0) != 0;
  o.antialias = attr_int(ctx.node, "antialias", 0) != 0 && o.mode != "nearest";
  size_t r = x.rank();
  // Per axis: the taps of every output coordinate, as offsets into the input.
  std::vector<std::vector<std::vector<Tap>>> taps(r);
  std::vector<std::vector<char>> outside(r);
  Dims stride(r, 1);
  for (size_t i = r; i-- > 1;) stride[i - 1] = stride[i] * x.dims()[i];
  for (size_t a = 0; a < r; a++) {
    for (int64_t c = 0; c < p.out[a]; c++) {
      bool out_of;
      std::vector<Tap> t = p.out[a] == x.dims()[a] && p.scales[a] == 1.0 && o.coord != "tf_crop_and_resize"
                               ? std::vector<Tap>{{c, 1.0}}
                               : taps_for(o, c, x.dims()[a], p.out[a], p.scales[a], p.roi[a], p.roi[r + a], &out_of);
      if (t.size() == 1 && t[0].index == c && p.out[a] == x.dims()[a]) out_of = false;
      for (Tap& tp : t) tp.index *= stride[a];
      taps[a].push_back(std::move(t));
      outside[a].push_back(out_of);
    }
  }
  return visit_numeric(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in_data = x.data<T>();
    T* out = y.data<T>();
    Dims idx(r, 0);
    std::vector<size_t> k(r, 0);
    for (int64_t e = 0; e < y.size(); e++) {
      bool out_of = false;
      bool empty = false;
      for (size_t a = 0; a < r; a++) {
        out_of |= outside[a][idx[a]] != 0;
        empty |= taps[a][idx[a]].empty();
      }
      double v = 0;
      if (out_of) {
        v = o.extrapolation;
      } else if (empty) {
        v = 0;  // every tap excluded (exclude_outside far outside the input)
      } else {
        // Sum over the cartesian product of the axes' taps.
        std::fill(k.begin(), k.end(), 0);
        while (true) {
          double w = 1;
          int64_t off = 0;
          for (size_t a = 0; a < r; a++) {
            const Tap& t = taps[a][idx[a]][k[a]];
            w *= t.weight;
            off += t.index;
          }
          v += w * static_cast<double>(in_data[off]);
          size_t a = r;
          while (a-- > 0) {
            if (++k[a] < taps[a][idx[a]].size()) break;
            k[a] = 0;
          }
          if (a == static_cast<size_t>(-1)) break;
        }
      }
      out[e] = static_cast<T>(v);
      for (size_t a = r; a-- > 0;) {
        if (++idx[a] < y.dims()[a]) break;
        idx[a] = 0;
      }
    }
    return Status::ok();
  });
}

}  // namespace

extern const OpDef kResize = {"Resize", "", 10, infer_resize, nullptr, run_resize};
extern const OpDef kUpsample = {"Upsample", "", 9, infer_resize, nullptr, run_resize};

}  // namespace onnxwasm
