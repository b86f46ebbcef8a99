// SPDX-License-Identifier: MIT
// Linear algebra: Det over the last two (square) axes, by LU decomposition with partial
// pivoting in double.
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_det(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 64));
  const Dims& d = ctx.in(0).dims;
  int64_t m = d[d.size() - 2], n = d.back();
  OW_CHECK(m < 0 || n < 0 || m == n, INVALID_INPUT, "%s: matrices must be square, got %s", ctx.node.describe().c_str(),
           dims_to_string(d).c_str());
  ctx.set_output(0, ctx.in(0).dtype, Dims(d.begin(), d.end() - 2));
  return Status::ok();
}

Status run_det(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  int64_t n = x.dims().back(), count = n ? x.size() / (n * n) : 0;
  std::vector<double> a(static_cast<size_t>(n * n));
  for (int64_t b = 0; b < count; b++) {
    for (int64_t i = 0; i < n * n; i++) a[i] = x.float_at(b * n * n + i);
    double det = 1;
    for (int64_t c = 0; c < n && det != 0; c++) {
      int64_t p = c;
      for (int64_t r = c + 1; r < n; r++) if (std::fabs(a[r * n + c]) > std::fabs(a[p * n + c])) p = r;
      if (a[p * n + c] == 0) { det = 0; break; }
      if (p != c) {
        for (int64_t k = 0; k < n; k++) std::swap(a[p * n + k], a[c * n + k]);
        det = -det;
      }
      det *= a[c * n + c];
      for (int64_t r = c + 1; r < n; r++) {
        double f = a[r * n + c] / a[c * n + c];
        for (int64_t k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      }
    }
    ctx.out(0).set_float_at(b, det);
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kDet = {"Det", "", 11, infer_det, nullptr, run_det};

}  // namespace onnxwasm
