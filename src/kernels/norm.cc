// SPDX-License-Identifier: MIT
// BatchNormalization (opsets 1-15; with training_mode=1 or its running-statistics outputs it
// normalizes by the batch's own mean and variance and updates the running ones by momentum)
// and LRN (opset 1-13), float32, NC... layout.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct BnState { float epsilon, momentum; bool training; };

Status prepare_bn(const Node& node, int64_t opset, OpState* state) {
  bool stats_out = node.outputs.size() > 1 &&
                   std::any_of(node.outputs.begin() + 1, node.outputs.end(), [](const std::string& o) { return !o.empty(); });
  bool training = attr_int(node, "training_mode", 0) != 0 || (opset >= 14 && stats_out);
  OW_CHECK(!stats_out || opset >= 14, UNSUPPORTED_OP, "%s: the training outputs of BatchNormalization before opset 14 are not supported",
           node.describe().c_str());
  *state = std::make_shared<BnState>(BnState{attr_float(node, "epsilon", 1e-5f), attr_float(node, "momentum", 0.9f), training});
  return Status::ok();
}

Status infer_bn(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 5, 5));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 8));
  int64_t c = ctx.in(0).dims[1];
  for (size_t i = 1; i < 5; i++) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kFloat32}));
    const Dims& d = ctx.in(i).dims;
    OW_CHECK(d.size() == 1 && (d[0] == c || d[0] < 0 || c < 0), INVALID_INPUT,
             "%s: input %zu ('%s') must have shape [%lld], got %s", ctx.node.describe().c_str(), i,
             ctx.node.inputs[i].c_str(), static_cast<long long>(c), dims_to_string(d).c_str());
  }
  ctx.set_output(0, DType::kFloat32, ctx.in(0).dims);
  ctx.set_output(1, DType::kFloat32, {c});  // training: running mean, running var
  ctx.set_output(2, DType::kFloat32, {c});
  return Status::ok();
}

Status run_bn(KernelContext& ctx) {
  const auto* st = state_as<BnState>(ctx.state);
  float eps = st->epsilon;
  const Tensor& x = ctx.in(0);
  int64_t n = x.dims()[0], c = x.dims()[1];
  int64_t inner = n * c != 0 ? x.size() / (n * c) : 0;
  const float *scale = ctx.in(1).data<float>(), *bias = ctx.in(2).data<float>();
  const float *mean = ctx.in(3).data<float>(), *var = ctx.in(4).data<float>();
  std::vector<float> batch_mean, batch_var;
  if (st->training) {  // the batch's statistics (population variance), per channel
    batch_mean.assign(static_cast<size_t>(c), 0.f);
    batch_var.assign(static_cast<size_t>(c), 0.f);
    for (int64_t ch = 0; ch < c; ch++) {
      double sum = 0, sq = 0, count = static_cast<double>(n * inner);
      for (int64_t b = 0; b < n; b++)
        for (int64_t i = 0; i < inner; i++) sum += x.data<float>()[(b * c + ch) * inner + i];
      double m = count ? sum / count : 0;
      for (int64_t b = 0; b < n; b++)
        for (int64_t i = 0; i < inner; i++) {
          double d = x.data<float>()[(b * c + ch) * inner + i] - m;
          sq += d * d;
        }
      batch_mean[ch] = static_cast<float>(m);
      batch_var[ch] = static_cast<float>(count ? sq / count : 0);
      for (size_t k = 1; k < 3; k++)
        if (ctx.outputs.size() > k && ctx.outputs[k])
          ctx.out(k).data<float>()[ch] = (k == 1 ? mean[ch] : var[ch]) * st->momentum +
                                         (k == 1 ? batch_mean[ch] : batch_var[ch]) * (1 - st->momentum);
    }
    mean = batch_mean.data();
    var = batch_var.data();
  }
  for (int64_t b = 0; b < n; b++) {
    for (int64_t ch = 0; ch < c; ch++) {
      float a = scale[ch] / std::sqrt(var[ch] + eps);
      float off = bias[ch] - mean[ch] * a;
      const float* in = x.data<float>() + (b * c + ch) * inner;
      float* out = ctx.out(0).data<float>() + (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; i++) out[i] = in[i] * a + off;
    }
  }
  return Status::ok();
}

struct LrnState { float alpha, beta, bias; int64_t size; };

Status prepare_lrn(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<LrnState>();
  s->alpha = attr_float(node, "alpha", 1e-4f);
  s->beta = attr_float(node, "beta", 0.75f);
  s->bias = attr_float(node, "bias", 1.0f);
  s->size = attr_int(node, "size", 0);
  OW_CHECK(s->size >= 1, INVALID_MODEL, "%s: attribute 'size' must be >= 1, got %lld",
           node.describe().c_str(), static_cast<long long>(s->size));
  *state = s;
  return Status::ok();
}

Status infer_lrn(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 8));
  ctx.set_output(0, DType::kFloat32, ctx.in(0).dims);
  return Status::ok();
}

// square_sum over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].
Status run_lrn(KernelContext& ctx) {
  const auto& s = *state_as<LrnState>(ctx.state);
  const Tensor& x = ctx.in(0);
  int64_t n = x.dims()[0], c = x.dims()[1];
  int64_t inner = n * c != 0 ? x.size() / (n * c) : 0;
  int64_t lo = (s.size - 1) / 2, hi = s.size - 1 - lo;
  const float* in = x.data<float>();
  float* out = ctx.out(0).data<float>();
  const float k = static_cast<float>(s.alpha / s.size), bias = static_cast<float>(s.bias), beta = static_cast<float>(s.beta);
  // One (batch, channel) plane per task, in passes over whole planes that the compiler turns
  // into SIMD loops: the squares summed plane by plane, then the scaling; x^0.75 (AlexNet,
  // GoogLeNet) as sqrt(x * sqrt(x)).
  ctx.pool->parallel_for(static_cast<size_t>(n * c), [&](size_t plane) {
    const int64_t b = static_cast<int64_t>(plane) / c, ch = static_cast<int64_t>(plane) % c;
    const int64_t from = std::max<int64_t>(0, ch - lo), to = std::min<int64_t>(c - 1, ch + hi);
    const float* xc = in + (b * c + ch) * inner;
    float* yc = out + (b * c + ch) * inner;
    std::vector<float> sq(static_cast<size_t>(inner), 0.f);
    for (int64_t j = from; j <= to; j++) {
      const float* xj = in + (b * c + j) * inner;
      for (int64_t i = 0; i < inner; i++) sq[i] += xj[i] * xj[i];
    }
    if (beta == 0.75f) {
      for (int64_t i = 0; i < inner; i++) {
        const float a = bias + k * sq[i];
        yc[i] = xc[i] / std::sqrt(a * std::sqrt(a));
      }
    } else {
      for (int64_t i = 0; i < inner; i++) yc[i] = xc[i] / std::pow(bias + k * sq[i], beta);
    }
  });
  return Status::ok();
}

}  // namespace

extern const OpDef kBatchNormalization = {"BatchNormalization", "", 1, infer_bn, prepare_bn, run_bn};
extern const OpDef kLRN = {"LRN", "", 1, infer_lrn, prepare_lrn, run_lrn};

}  // namespace onnxwasm
