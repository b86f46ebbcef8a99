// SPDX-License-Identifier: MIT
// Softmax, LogSoftmax and Hardmax, opsets 1-13, float32/float64. The canonical example op: read this
// file first when adding one (infer validates, prepare parses attributes once, run is plain).
// Opset < 13 coerces the input to 2D at `axis` (default 1); opset >= 13 normalizes along one
// axis (default -1). Numerically stable: the row max is subtracted before exp.
#include <cmath>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

enum class SoftKind { kSoftmax, kLog, kHard };

struct SoftmaxState {
  int64_t axis;
  SoftKind kind;
};

Status prepare_softmax(const Node& node, int64_t opset, OpState* state, SoftKind kind) {
  OW_RETURN_IF_ERROR(check_attr_kind(node, "axis", Attribute::Kind::kInt));
  auto s = std::make_shared<SoftmaxState>();
  s->axis = attr_int(node, "axis", opset < 13 ? 1 : -1);
  s->kind = kind;
  *state = s;
  return Status::ok();
}
Status prepare_plain(const Node& n, int64_t opset, OpState* s) { return prepare_softmax(n, opset, s, SoftKind::kSoftmax); }
Status prepare_log(const Node& n, int64_t opset, OpState* s) { return prepare_softmax(n, opset, s, SoftKind::kLog); }
Status prepare_hard(const Node& n, int64_t opset, OpState* s) { return prepare_softmax(n, opset, s, SoftKind::kHard); }

Status infer_softmax(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  int64_t rank = static_cast<int64_t>(ctx.in(0).dims.size());
  auto axis = normalize_axis(ctx.node, "axis", state_as<SoftmaxState>(ctx.state)->axis, rank,
                             ctx.opset < 13);
  OW_RETURN_IF_ERROR(axis.status());
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

// Normalizes `n` groups of `len` elements spaced `stride` apart.
template <class T>
void softmax_rows(const T* x, T* y, int64_t outer, int64_t len, int64_t inner, SoftKind kind) {
  bool log = kind == SoftKind::kLog;
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t in = 0; in < inner; in++) {
      const T* xr = x + o * len * inner + in;
      T* yr = y + o * len * inner + in;
      if (kind == SoftKind::kHard) {  // 1 at the first maximum, 0 elsewhere
        int64_t best = 0;
        for (int64_t i = 1; i < len; i++) if (xr[i * inner] > xr[best * inner]) best = i;
        for (int64_t i = 0; i < len; i++) yr[i * inner] = static_cast<T>(i == best ? 1 : 0);
        continue;
      }
      double mx = -INFINITY;
      for (int64_t i = 0; i < len; i++) mx = std::fmax(mx, static_cast<double>(xr[i * inner]));
      double sum = 0;
      for (int64_t i = 0; i < len; i++) sum += std::exp(static_cast<double>(xr[i * inner]) - mx);
      for (int64_t i = 0; i < len; i++) {
        double v = static_cast<double>(xr[i * inner]) - mx;
        yr[i * inner] = static_cast<T>(log ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
  }
}

Status run_softmax(KernelContext& ctx) {
  const auto* s = state_as<SoftmaxState>(ctx.state);
  const Tensor& x = ctx.in(0);
  int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = s->axis < 0 ? s->axis + rank : s->axis;
  int64_t outer = 1, len = 1, inner = 1;
  if (ctx.opset < 13) {
    // Coerced to 2D: [prod(dims[:axis]), prod(dims[axis:])], normalized along dim 1.
    for (int64_t i = 0; i < rank; i++) (i < axis ? outer : len) *= x.dims()[i];
  } else {
    for (int64_t i = 0; i < rank; i++) (i < axis ? outer : i == axis ? len : inner) *= x.dims()[i];
  }
  if (x.dtype() == DType::kFloat32)
    softmax_rows(x.data<float>(), ctx.out(0).data<float>(), outer, len, inner, s->kind);
  else
    softmax_rows(x.data<double>(), ctx.out(0).data<double>(), outer, len, inner, s->kind);
  return Status::ok();
}

}  // namespace

extern const OpDef kSoftmax = {"Softmax", "", 1, infer_softmax, prepare_plain, run_softmax};
extern const OpDef kLogSoftmax = {"LogSoftmax", "", 1, infer_softmax, prepare_log, run_softmax};
extern const OpDef kHardmax = {"Hardmax", "", 1, infer_softmax, prepare_hard, run_softmax};

}  // namespace onnxwasm
