// SPDX-License-Identifier: MIT
// Signal processing: DFT (opset 17: axis attribute; opset 20: axis input; inverse, onesided,
// dft_length padding/truncation), STFT (frame_step, window, frame_length, onesided), and the
// Hann, Hamming and Blackman windows. Transforms are direct sums accumulated in double.
#include <cmath>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

constexpr double kPi = 3.14159265358979323846;

// --- DFT ---

struct DftGeom { int64_t axis, length, out_len; };

Result<DftGeom> dft_geom(const Node& node, int64_t opset, const Dims& x, const Tensor* len_t, const Tensor* axis_t,
                         bool* known) {
  *known = true;
  int64_t r = static_cast<int64_t>(x.size());
  OW_CHECK((!len_t || len_t->size() == 1) && (!axis_t || axis_t->size() == 1), INVALID_INPUT,
           "%s: dft_length and axis must be single values", node.describe().c_str());
  int64_t axis = opset >= 20 ? (axis_t ? axis_t->int_at(0) : -2) : attr_int(node, "axis", 1);
  OW_CHECK(axis >= -r && axis < r - 1 && !(axis < 0 && axis + r == r - 1), INVALID_MODEL,
           "%s: axis %lld must name a signal axis (not the last, complex one) of rank %lld", node.describe().c_str(),
           static_cast<long long>(axis), static_cast<long long>(r));
  axis = ((axis % r) + r) % r;
  DftGeom g{axis, x[axis], 0};
  if (len_t) g.length = len_t->int_at(0);
  OW_CHECK(g.length < 0 || (g.length >= 1 && g.length <= (1 << 24)), INVALID_INPUT, "%s: dft_length %lld",
           node.describe().c_str(), static_cast<long long>(g.length));
  if (g.length < 0) *known = false;
  g.out_len = attr_int(node, "onesided", 0) ? g.length / 2 + 1 : g.length;
  return g;
}

Status infer_dft(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  const Dims& x = ctx.in(0).dims;
  OW_CHECK(x.size() >= 2 && (x.back() == 1 || x.back() == 2 || x.back() < 0), INVALID_INPUT,
           "%s: the last axis must hold 1 (real) or 2 (complex) values, got %s", ctx.node.describe().c_str(),
           dims_to_string(x).c_str());
  bool has_len = ctx.has_input(1), has_axis = ctx.has_input(2);
  if ((has_len && !ctx.value(1)) || (has_axis && !ctx.value(2))) {
    ctx.set_output(0, ctx.in(0).dtype, Dims(x.size(), kUnknownDim));
    return Status::ok();
  }
  bool known;
  OW_ASSIGN_OR_RETURN(DftGeom g, dft_geom(ctx.node, ctx.opset, x, has_len ? ctx.value(1) : nullptr,
                                          has_axis ? ctx.value(2) : nullptr, &known));
  Dims out = x;
  out[g.axis] = known ? g.out_len : kUnknownDim;
  out.back() = 2;
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

// y[k] = sum_n x[n] e^(-+2 pi i k n / len), over the axis; `scale` 1/len for the inverse.
void dft_axis(const Tensor& x, Tensor& y, int64_t axis, int64_t len, int64_t out_len, bool inverse) {
  const Dims& d = x.dims();
  int64_t in_len = d[axis], comps = d.back(), outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; i++) outer *= d[i];
  for (size_t i = axis + 1; i + 1 < d.size(); i++) inner *= d[i];
  int64_t n_used = std::min(in_len, len);
  double sign = inverse ? 1 : -1, scale = inverse ? 1.0 / static_cast<double>(len) : 1.0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++)
      for (int64_t k = 0; k < out_len; k++) {
        double re = 0, im = 0;
        for (int64_t n = 0; n < n_used; n++) {
          int64_t at = ((o * in_len + n) * inner + j) * comps;
          double xr = x.float_at(at), xi = comps == 2 ? x.float_at(at + 1) : 0;
          double ang = sign * 2 * kPi * static_cast<double>((k * n) % len) / static_cast<double>(len);
          re += xr * std::cos(ang) - xi * std::sin(ang);
          im += xr * std::sin(ang) + xi * std::cos(ang);
        }
        int64_t out = ((o * out_len + k) * inner + j) * 2;
        y.set_float_at(out, re * scale);
        y.set_float_at(out + 1, im * scale);
      }
}

Status run_dft(KernelContext& ctx) {
  bool known;
  OW_ASSIGN_OR_RETURN(DftGeom g, dft_geom(ctx.node, ctx.opset, ctx.in(0).dims(), ctx.has_input(1) ? &ctx.in(1) : nullptr,
                                          ctx.has_input(2) ? &ctx.in(2) : nullptr, &known));
  dft_axis(ctx.in(0), ctx.out(0), g.axis, g.length, g.out_len, attr_int(ctx.node, "inverse", 0) != 0);
  return Status::ok();
}

// --- STFT ---

Status infer_stft(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 4));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 3, 3));
  const Dims& x = ctx.in(0).dims;
  if (ctx.has_input(2)) OW_RETURN_IF_ERROR(check_rank(ctx, 2, 1, 1));
  const Tensor *step = ctx.value(1), *flen = ctx.has_input(3) ? ctx.value(3) : nullptr;
  OW_CHECK((!step || step->size() == 1) && (!flen || flen->size() == 1), INVALID_INPUT,
           "%s: frame_step and frame_length must be single values", ctx.node.describe().c_str());
  OW_CHECK(x[2] < 0 || x[2] == 1 || x[2] == 2, INVALID_INPUT, "%s: the signal's last axis must hold 1 or 2 values",
           ctx.node.describe().c_str());
  int64_t frame = flen ? flen->int_at(0) : ctx.has_input(2) ? ctx.in(2).dims[0] : kUnknownDim;
  OW_CHECK(frame < 0 || (frame >= 1 && frame <= (1 << 24)), INVALID_INPUT, "%s: frame length %lld",
           ctx.node.describe().c_str(), static_cast<long long>(frame));
  bool onesided = attr_int(ctx.node, "onesided", 1) != 0;
  int64_t frames = kUnknownDim, bins = frame < 0 ? kUnknownDim : (onesided ? frame / 2 + 1 : frame);
  if (step && frame > 0 && x[1] >= 0) {
    OW_CHECK(step->int_at(0) >= 1 && frame <= x[1], INVALID_INPUT, "%s: frame_step must be >= 1 and the frame fit the signal",
             ctx.node.describe().c_str());
    frames = (x[1] - frame) / step->int_at(0) + 1;
  }
  ctx.set_output(0, ctx.in(0).dtype, {x[0], frames, bins, 2});
  return Status::ok();
}

Status run_stft(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  const Tensor* window = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  int64_t step = ctx.in(1).int_at(0), frames = y.dims()[1], bins = y.dims()[2];
  int64_t frame = ctx.has_input(3) ? ctx.in(3).int_at(0) : window->size();
  OW_CHECK(!window || window->size() == frame, INVALID_INPUT, "window has %lld values, frame_length is %lld",
           static_cast<long long>(window ? window->size() : 0), static_cast<long long>(frame));
  int64_t len = x.dims()[1], comps = x.dims()[2];
  for (int64_t b = 0; b < x.dims()[0]; b++)
    for (int64_t f = 0; f < frames; f++)
      for (int64_t k = 0; k < bins; k++) {
        double re = 0, im = 0;
        for (int64_t n = 0; n < frame; n++) {
          int64_t at = (b * len + f * step + n) * comps;
          double w = window ? window->float_at(n) : 1.0;
          double xr = x.float_at(at) * w, xi = comps == 2 ? x.float_at(at + 1) * w : 0;
          double ang = -2 * kPi * static_cast<double>((k * n) % frame) / static_cast<double>(frame);
          re += xr * std::cos(ang) - xi * std::sin(ang);
          im += xr * std::sin(ang) + xi * std::cos(ang);
        }
        int64_t out = ((b * frames + f) * bins + k) * 2;
        y.set_float_at(out, re);
        y.set_float_at(out + 1, im);
      }
  return Status::ok();
}

// --- Windows ---

Status infer_window(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt32, DType::kInt64}));
  int64_t dt = attr_int(ctx.node, "output_datatype", 1);
  OW_CHECK(dt == 1 || dt == 11, UNSUPPORTED_OP, "%s: output_datatype %lld (float32 and float64 are supported)",
           ctx.node.describe().c_str(), static_cast<long long>(dt));
  const Tensor* size = ctx.value(0);
  OW_CHECK(!size || size->size() == 1, INVALID_INPUT, "%s: size must be a single value", ctx.node.describe().c_str());
  int64_t n = size ? size->int_at(0) : kUnknownDim;
  OW_CHECK(n < 0 || n <= (1 << 26), INVALID_INPUT, "%s: window size %lld", ctx.node.describe().c_str(), static_cast<long long>(n));
  if (size) OW_CHECK(n >= 0, INVALID_INPUT, "%s: negative window size", ctx.node.describe().c_str());
  ctx.set_output(0, static_cast<DType>(dt), {n});
  return Status::ok();
}

Status run_window(KernelContext& ctx) {
  Tensor& y = ctx.out(0);
  int64_t size = y.size();
  double n = attr_int(ctx.node, "periodic", 1) ? static_cast<double>(size) : static_cast<double>(size - 1);
  const std::string& op = ctx.node.op_type;
  for (int64_t i = 0; i < size; i++) {
    double a = 2 * kPi * static_cast<double>(i) / n, v;
    if (op == "HannWindow") v = 0.5 - 0.5 * std::cos(a);
    else if (op == "HammingWindow") v = 25.0 / 46 - (1 - 25.0 / 46) * std::cos(a);
    else v = 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2 * a);
    y.set_float_at(i, v);
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kDFT = {"DFT", "", 17, infer_dft, nullptr, run_dft};
extern const OpDef kSTFT = {"STFT", "", 17, infer_stft, nullptr, run_stft};
extern const OpDef kHannWindow = {"HannWindow", "", 17, infer_window, nullptr, run_window};
extern const OpDef kHammingWindow = {"HammingWindow", "", 17, infer_window, nullptr, run_window};
extern const OpDef kBlackmanWindow = {"BlackmanWindow", "", 17, infer_window, nullptr, run_window};

}  // namespace onnxwasm
