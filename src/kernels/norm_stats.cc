// SPDX-License-Identifier: MIT
// Normalizations by statistics computed at run time: LayerNormalization (axis, epsilon;
// optional Mean and InvStdDev outputs), InstanceNormalization, GroupNormalization (scale and
// bias per group (opset 18) or per channel (21)). Float32/float64, in double.
#include <cmath>

#include "kernels/broadcast.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

// Mean and 1/sqrt(var + eps) of x[start, start + len).
void stats(const Tensor& x, int64_t start, int64_t len, double eps, double* mean, double* inv_std) {
  double s = 0, sq = 0;
  for (int64_t i = 0; i < len; i++) s += x.float_at(start + i);
  *mean = len ? s / static_cast<double>(len) : 0;
  for (int64_t i = 0; i < len; i++) {
    double d = x.float_at(start + i) - *mean;
    sq += d * d;
  }
  *inv_std = 1 / std::sqrt((len ? sq / static_cast<double>(len) : 0) + eps);
}

// --- LayerNormalization ---

Status infer_layer_norm(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  const Dims& x = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", -1),
                                                   static_cast<int64_t>(x.size())));
  Dims norm(x.begin() + axis, x.end());
  for (size_t i = 1; i < ctx.num_inputs(); i++) {
    if (!ctx.has_input(i)) continue;
    OW_ASSIGN_OR_RETURN(Dims b, broadcast_dims(ctx.node, norm, ctx.in(i).dims));
    OW_CHECK(b == norm || !dims_known(b), INVALID_INPUT, "%s: input %zu %s does not broadcast to %s",
             ctx.node.describe().c_str(), i, dims_to_string(ctx.in(i).dims).c_str(), dims_to_string(norm).c_str());
  }
  ctx.set_output(0, ctx.in(0).dtype, x);
  Dims stat = x;
  for (size_t i = axis; i < stat.size(); i++) stat[i] = 1;
  ctx.set_output(1, DType::kFloat32, stat);  // stash_type float32
  ctx.set_output(2, DType::kFloat32, stat);
  return Status::ok();
}

Status run_layer_norm(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", -1),
                                                   static_cast<int64_t>(x.rank())));
  double eps = attr_float(ctx.node, "epsilon", 1e-5f);
  Dims norm(x.dims().begin() + axis, x.dims().end());
  int64_t len = num_elements(norm), rows = len ? x.size() / len : 0;
  const Tensor* scale = &ctx.in(1);
  const Tensor* bias = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  Tensor& y = ctx.out(0);
  const bool stats_out = (ctx.outputs.size() > 1 && ctx.outputs[1]) || (ctx.outputs.size() > 2 && ctx.outputs[2]);
  if (x.dtype() == DType::kFloat32 && scale->size() == len && (!bias || bias->size() == len) && !stats_out) {
    // The transformer case: float32, a full-length scale and bias; rows split over the pool.
    const float *xs = x.data<float>(), *g = scale->data<float>(), *b = bias ? bias->data<float>() : nullptr;
    float* ys = y.data<float>();
    ctx.pool->parallel_for(static_cast<size_t>(rows), [&](size_t row) {
      const float* in = xs + row * len;
      float* out = ys + row * len;
      double s = 0, sq = 0;
      for (int64_t i = 0; i < len; i++) s += in[i];
      const double mean = s / static_cast<double>(len);
      for (int64_t i = 0; i < len; i++) sq += (in[i] - mean) * (in[i] - mean);
      const double inv = 1 / std::sqrt(sq / static_cast<double>(len) + eps);
      for (int64_t i = 0; i < len; i++) out[i] = static_cast<float>((in[i] - mean) * inv * g[i] + (b ? b[i] : 0.f));
    });
    return Status::ok();
  }
  for (int64_t r = 0; r < rows; r++) {
    double mean, inv;
    stats(x, r * len, len, eps, &mean, &inv);
    BroadcastIter<2> it(norm, {&scale->dims(), bias ? &bias->dims() : &scale->dims()});
    for (int64_t i = 0; i < len; i++, it.next()) {
      double v = (x.float_at(r * len + i) - mean) * inv * scale->float_at(it.offset(0));
      if (bias) v += bias->float_at(it.offset(1));
      y.set_float_at(r * len + i, v);
    }
    if (ctx.outputs.size() > 1 && ctx.outputs[1]) ctx.out(1).set_float_at(r, mean);
    if (ctx.outputs.size() > 2 && ctx.outputs[2]) ctx.out(2).set_float_at(r, inv);
  }
  return Status::ok();
}

// --- InstanceNormalization, GroupNormalization ---

Status infer_channel_norm(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 3, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 64));
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 1, 1));
  OW_RETURN_IF_ERROR(check_rank(ctx, 2, 1, 1));
  if (ctx.node.op_type == "GroupNormalization") {
    int64_t g = attr_int(ctx.node, "num_groups", 0), c = ctx.in(0).dims[1];
    OW_CHECK(g > 0 && (c < 0 || c % g == 0), INVALID_MODEL, "%s: num_groups %lld does not divide %lld channels",
             ctx.node.describe().c_str(), static_cast<long long>(g), static_cast<long long>(c));
  }
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

Status run_channel_norm(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  bool group = ctx.node.op_type == "GroupNormalization";
  int64_t n = x.dims()[0], c = x.dims()[1], inner = n * c != 0 ? x.size() / (n * c) : 0;
  int64_t groups = group ? attr_int(ctx.node, "num_groups", 1) : c, per = c / groups;
  double eps = attr_float(ctx.node, "epsilon", 1e-5f);
  const Tensor &scale = ctx.in(1), &bias = ctx.in(2);
  OW_CHECK(scale.size() == c || (group && scale.size() == groups), INVALID_INPUT,
           "scale has %lld entries for %lld channels", static_cast<long long>(scale.size()), static_cast<long long>(c));
  OW_CHECK(bias.size() == scale.size(), INVALID_INPUT, "bias and scale differ in size");
  bool per_channel = scale.size() == c;
  for (int64_t b = 0; b < n; b++)
    for (int64_t g = 0; g < groups; g++) {
      int64_t start = (b * c + g * per) * inner;
      double mean, inv;
      stats(x, start, per * inner, eps, &mean, &inv);
      for (int64_t k = 0; k < per; k++) {
        int64_t ch = g * per + k, p = per_channel ? ch : g;
        for (int64_t i = 0; i < inner; i++) {
          int64_t at = start + k * inner + i;
          ctx.out(0).set_float_at(at, (x.float_at(at) - mean) * inv * scale.float_at(p) + bias.float_at(p));
        }
      }
    }
  return Status::ok();
}

// --- MeanVarianceNormalization ---

Status infer_mvn(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

// (x - mean) / sqrt(var) over `axes` (default N, H, W), as the ONNX function body computes it.
Status run_mvn(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  size_t r = x.rank();
  std::vector<int64_t> axes = attr_ints(ctx.node, "axes", {0, 2, 3});
  std::vector<bool> red(r, false);
  for (int64_t a : axes) {
    OW_ASSIGN_OR_RETURN(int64_t n, normalize_axis(ctx.node, "axes", a, static_cast<int64_t>(r)));
    red[n] = true;
  }
  Dims st(r, 1);
  for (size_t a = r; a-- > 1;) st[a - 1] = st[a] * x.dims()[a];
  // Group id of each element: its coordinates on the kept axes.
  std::vector<int64_t> group(static_cast<size_t>(x.size()));
  int64_t groups = 1;
  for (size_t a = 0; a < r; a++) if (!red[a]) groups *= x.dims()[a];
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t g = 0;
    for (size_t a = 0; a < r; a++) if (!red[a]) g = g * x.dims()[a] + (i / st[a]) % x.dims()[a];
    group[i] = g;
  }
  std::vector<double> sum(groups, 0), sq(groups, 0), cnt(groups, 0);
  for (int64_t i = 0; i < x.size(); i++) {
    double v = x.float_at(i);
    sum[group[i]] += v;
    sq[group[i]] += v * v;
    cnt[group[i]] += 1;
  }
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t g = group[i];
    double mean = sum[g] / cnt[g], var = sq[g] / cnt[g] - mean * mean;
    ctx.out(0).set_float_at(i, (x.float_at(i) - mean) / std::sqrt(var < 0 ? 0 : var));
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kMeanVarianceNormalization = {"MeanVarianceNormalization", "", 9, infer_mvn, nullptr, run_mvn};
extern const OpDef kLayerNormalization = {"LayerNormalization", "", 17, infer_layer_norm, nullptr, run_layer_norm};
extern const OpDef kInstanceNormalization = {"InstanceNormalization", "", 1, infer_channel_norm, nullptr, run_channel_norm};
extern const OpDef kGroupNormalization = {"GroupNormalization", "", 18, infer_channel_norm, nullptr, run_channel_norm};

}  // namespace onnxwasm
