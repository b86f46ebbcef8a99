// SPDX-License-Identifier: MIT
// RoiAlign (opset 10; opset 16 adds coordinate_transformation_mode, default half_pixel): each
// region of interest is cut into output_height x output_width bins, each bin averaged (or
// maxed) over a grid of bilinear samples, as onnxruntime and the ONNX reference compute it
// (samples more than one pixel outside the image read 0; the max mode takes the largest
// weighted corner).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

constexpr double kMaxGrid = 1 << 12;     // samples per bin side when sampling_ratio is adaptive
constexpr double kMaxSamples = 1 << 26;  // samples per roi, so a hostile roi cannot run for hours

struct RoiAlignState {
  bool max_mode, half_pixel;
  int64_t out_h, out_w, sampling_ratio;
  double scale;
};

Status prepare_roi_align(const Node& n, int64_t opset, OpState* state) {
  auto s = std::make_shared<RoiAlignState>();
  const std::string who = n.describe();
  std::string mode = attr_string(n, "mode", "avg");
  std::string ctm = attr_string(n, "coordinate_transformation_mode", opset >= 16 ? "half_pixel" : "output_half_pixel");
  OW_CHECK(mode == "avg" || mode == "max", INVALID_MODEL, "%s: mode '%s' (avg or max)", who.c_str(), mode.c_str());
  OW_CHECK(ctm == "half_pixel" || ctm == "output_half_pixel", INVALID_MODEL,
           "%s: coordinate_transformation_mode '%s' (half_pixel or output_half_pixel)", who.c_str(), ctm.c_str());
  s->max_mode = mode == "max";
  s->half_pixel = ctm == "half_pixel";
  s->out_h = attr_int(n, "output_height", 1);
  s->out_w = attr_int(n, "output_width", 1);
  s->sampling_ratio = attr_int(n, "sampling_ratio", 0);
  s->scale = attr_float(n, "spatial_scale", 1.f);
  OW_CHECK(s->out_h >= 1 && s->out_w >= 1 && s->out_h <= (1 << 16) && s->out_w <= (1 << 16), INVALID_MODEL,
           "%s: output size %lldx%lld", who.c_str(), static_cast<long long>(s->out_h), static_cast<long long>(s->out_w));
  OW_CHECK(s->sampling_ratio >= 0 && s->sampling_ratio <= kMaxGrid, INVALID_MODEL, "%s: sampling_ratio %lld", who.c_str(),
           static_cast<long long>(s->sampling_ratio));
  *state = s;
  return Status::ok();
}

Status infer_roi_align(InferContext& ctx) {
  const auto* s = state_as<RoiAlignState>(ctx.state);
  const std::string who = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {ctx.in(0).dtype}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 2, {DType::kInt64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 4, 4));
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 2, 2));
  OW_RETURN_IF_ERROR(check_rank(ctx, 2, 1, 1));
  const Dims &x = ctx.in(0).dims, &rois = ctx.in(1).dims, &idx = ctx.in(2).dims;
  OW_CHECK(rois[1] < 0 || rois[1] == 4, INVALID_INPUT, "%s: rois must be [num_rois, 4], got %s", who.c_str(),
           dims_to_string(rois).c_str());
  OW_CHECK(rois[0] < 0 || idx[0] < 0 || rois[0] == idx[0], INVALID_INPUT, "%s: %lld rois but %lld batch_indices", who.c_str(),
           static_cast<long long>(rois[0]), static_cast<long long>(idx[0]));
  if (const Tensor* b = ctx.value(2); b && x[0] >= 0)
    for (int64_t i = 0; i < b->size(); i++)
      OW_CHECK(b->int_at(i) >= 0 && b->int_at(i) < x[0], INVALID_INPUT, "%s: batch index %lld is out of range for batch %lld",
               who.c_str(), static_cast<long long>(b->int_at(i)), static_cast<long long>(x[0]));
  ctx.set_output(0, ctx.in(0).dtype, {rois[0] >= 0 ? rois[0] : idx[0], x[1], s->out_h, s->out_w});
  return Status::ok();
}

// One bilinear sample: four pixel offsets and their weights (all zero outside the image).
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

Sample sample_at(double y, double x, int64_t height, int64_t width) {
  Sample p;
  if (y < -1.0 || y > height || x < -1.0 || x > width) return p;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x), y1, x1;
  if (y0 >= height - 1) y = static_cast<double>(y0 = y1 = height - 1);
  else y1 = y0 + 1;
  if (x0 >= width - 1) x = static_cast<double>(x0 = x1 = width - 1);
  else x1 = x0 + 1;
  const double ly = y - static_cast<double>(y0), lx = x - static_cast<double>(x0), hy = 1 - ly, hx = 1 - lx;
  p = {{y0 * width + x0, y0 * width + x1, y1 * width + x0, y1 * width + x1}, {hy * hx, hy * lx, ly * hx, ly * lx}};
  return p;
}

template <class T>
Status run_typed(KernelContext& ctx, const RoiAlignState& s) {
  const std::string who = ctx.node.describe();
  const Tensor& xt = ctx.in(0);
  const T *x = xt.data<T>(), *rois = ctx.in(1).data<T>();
  const int64_t* batch = ctx.in(2).data<int64_t>();
  T* y = ctx.out(0).data<T>();
  const int64_t channels = xt.dims()[1], height = xt.dims()[2], width = xt.dims()[3], n_rois = ctx.in(1).dims()[0];
  const double offset = s.half_pixel ? 0.5 : 0.0;
  std::vector<double> acc(static_cast<size_t>(channels));
  for (int64_t r = 0; r < n_rois; r++) {
    const T* roi = rois + r * 4;
    const double start_w = roi[0] * s.scale - offset, start_h = roi[1] * s.scale - offset;
    double roi_w = roi[2] * s.scale - offset - start_w, roi_h = roi[3] * s.scale - offset - start_h;
    if (!s.half_pixel) roi_w = std::max(roi_w, 1.0), roi_h = std::max(roi_h, 1.0);
    const double bin_h = roi_h / static_cast<double>(s.out_h), bin_w = roi_w / static_cast<double>(s.out_w);
    const double grid_hd = s.sampling_ratio > 0 ? static_cast<double>(s.sampling_ratio) : std::ceil(bin_h);
    const double grid_wd = s.sampling_ratio > 0 ? static_cast<double>(s.sampling_ratio) : std::ceil(bin_w);
    OW_CHECK(std::isfinite(start_w) && std::isfinite(start_h) && grid_hd <= kMaxGrid && grid_wd <= kMaxGrid, INVALID_INPUT,
             "%s: roi %lld (%g, %g, %g, %g) is not finite or too large to sample", who.c_str(), static_cast<long long>(r),
             static_cast<double>(roi[0]), static_cast<double>(roi[1]), static_cast<double>(roi[2]), static_cast<double>(roi[3]));
    const int64_t grid_h = std::max<int64_t>(static_cast<int64_t>(grid_hd), 0), grid_w = std::max<int64_t>(static_cast<int64_t>(grid_wd), 0);
    const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
    OW_CHECK(static_cast<double>(grid_h * grid_w) * static_cast<double>(s.out_h * s.out_w) <= kMaxSamples, INVALID_INPUT,
             "%s: roi %lld needs %lld x %lld samples in each of %lld bins", who.c_str(), static_cast<long long>(r),
             static_cast<long long>(grid_h), static_cast<long long>(grid_w), static_cast<long long>(s.out_h * s.out_w));
    const T* image = x + batch[r] * channels * height * width;
    T* out = y + r * channels * s.out_h * s.out_w;
    for (int64_t ph = 0; ph < s.out_h; ph++)
      for (int64_t pw = 0; pw < s.out_w; pw++) {
        // One bin for every channel at once: a sample's position is the same in each.
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t iy = 0, k = 0; iy < grid_h; iy++) {
          const double yy = start_h + static_cast<double>(ph) * bin_h + (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
          for (int64_t ix = 0; ix < grid_w; ix++, k++) {
            const double xx = start_w + static_cast<double>(pw) * bin_w + (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
            const Sample p = sample_at(yy, xx, height, width);
            for (int64_t c = 0; c < channels; c++) {
              const T* plane = image + c * height * width;
              if (s.max_mode) {
                double m = std::max({p.w[0] * plane[p.pos[0]], p.w[1] * plane[p.pos[1]], p.w[2] * plane[p.pos[2]],
                                     p.w[3] * plane[p.pos[3]]});
                acc[c] = k == 0 ? m : std::max(acc[c], m);
              } else {
                for (int j = 0; j < 4; j++) acc[c] += p.w[j] * plane[p.pos[j]];
              }
            }
          }
        }
        for (int64_t c = 0; c < channels; c++)
          out[(c * s.out_h + ph) * s.out_w + pw] = static_cast<T>(s.max_mode ? acc[c] : acc[c] / count);
      }
  }
  return Status::ok();
}

Status run_roi_align(KernelContext& ctx) {
  const auto* s = state_as<RoiAlignState>(ctx.state);
  if (ctx.in(0).dtype() == DType::kFloat64) return run_typed<double>(ctx, *s);
  return run_typed<float>(ctx, *s);
}

}  // namespace

extern const OpDef kRoiAlign = {"RoiAlign", "", 10, infer_roi_align, prepare_roi_align, run_roi_align};

}  // namespace onnxwasm
