// SPDX-License-Identifier: MIT
// MelWeightMatrix (opset 17): the [dft_length/2 + 1, num_mel_bins] matrix of triangular
// filters, spaced evenly on the mel scale between the edge frequencies, that maps a one-sided
// magnitude spectrum to mel bands. Computed as the ONNX reference does: mel edges in float32,
// bin positions floored to whole FFT bins.
#include <cmath>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

constexpr int64_t kMaxBins = int64_t{1} << 20;

Status infer_mel_weight_matrix(InferContext& ctx) {
  const std::string who = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 5, 5));
  for (size_t i = 0; i < 3; i++) OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kInt32, DType::kInt64}));
  for (size_t i = 3; i < 5; i++)
    OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}));
  int64_t dt = attr_int(ctx.node, "output_datatype", 1);
  OW_CHECK(dt == 1 || dt == 10 || dt == 11 || dt == 16, UNSUPPORTED_OP,
           "%s: output_datatype %lld (float32, float16, float64 and bfloat16 are supported)", who.c_str(), static_cast<long long>(dt));
  for (size_t i = 0; i < 5; i++)
    OW_CHECK(!ctx.value(i) || ctx.value(i)->size() == 1, INVALID_INPUT, "%s: input %zu must be a single value", who.c_str(), i);
  int64_t mel = ctx.value(0) ? ctx.value(0)->int_at(0) : kUnknownDim;
  int64_t dft = ctx.value(1) ? ctx.value(1)->int_at(0) : kUnknownDim;
  if (ctx.value(0)) OW_CHECK(mel >= 1 && mel <= kMaxBins, INVALID_INPUT, "%s: num_mel_bins %lld", who.c_str(), static_cast<long long>(mel));
  if (ctx.value(1)) OW_CHECK(dft >= 1 && dft <= kMaxBins, INVALID_INPUT, "%s: dft_length %lld", who.c_str(), static_cast<long long>(dft));
  ctx.set_output(0, static_cast<DType>(dt), {dft < 0 ? kUnknownDim : dft / 2 + 1, mel});  // [spectrum bins, mel bins]
  return Status::ok();
}

Status run_mel_weight_matrix(KernelContext& ctx) {
  const std::string who = ctx.node.describe();
  const int64_t mel = ctx.in(0).int_at(0), dft = ctx.in(1).int_at(0), rate = ctx.in(2).int_at(0);
  const float lower = static_cast<float>(ctx.in(3).float_at(0)), upper = static_cast<float>(ctx.in(4).float_at(0));
  const int64_t spectrum = dft / 2 + 1;
  OW_CHECK(rate > 0, INVALID_INPUT, "%s: sample_rate %lld", who.c_str(), static_cast<long long>(rate));
  OW_CHECK(lower >= 0 && lower <= upper, INVALID_INPUT, "%s: edges %g..%g Hz", who.c_str(), lower, upper);
  const float low_mel = 2595.f * std::log10(1.f + lower / 700.f), high_mel = 2595.f * std::log10(1.f + upper / 700.f);
  const float step = (high_mel - low_mel) / static_cast<float>(mel + 2);
  std::vector<int64_t> bin(static_cast<size_t>(mel + 2));
  for (int64_t i = 0; i < mel + 2; i++) {
    double hz = 700 * (std::pow(10.0, (static_cast<double>(i) * step + low_mel) / 2595) - 1);
    bin[i] = static_cast<int64_t>(std::floor(static_cast<double>(dft + 1) * hz / static_cast<double>(rate)));
    OW_CHECK(bin[i] >= 0 && bin[i] < spectrum, INVALID_INPUT,
             "%s: upper_edge_hertz %g is above what dft_length %lld at sample_rate %lld resolves", who.c_str(), upper,
             static_cast<long long>(dft), static_cast<long long>(rate));
  }
  Tensor& y = ctx.out(0);
  for (int64_t i = 0; i < y.size(); i++) y.set_float_at(i, 0);
  for (int64_t m = 0; m < mel; m++) {
    const int64_t left = bin[m], center = bin[m + 1], right = bin[m + 2];
    if (center == left) y.set_float_at(center * mel + m, 1);
    else
      for (int64_t j = left; j <= center; j++)
        y.set_float_at(j * mel + m, static_cast<double>(j - left) / static_cast<double>(center - left));
    for (int64_t j = center; j < right; j++)
      y.set_float_at(j * mel + m, static_cast<double>(right - j) / static_cast<double>(right - center));
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kMelWeightMatrix = {"MelWeightMatrix", "", 17, infer_mel_weight_matrix, nullptr, run_mel_weight_matrix};

}  // namespace onnxwasm
