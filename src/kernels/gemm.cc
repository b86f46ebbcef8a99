// SPDX-License-Identifier: MIT
// Gemm (opsets 1-13: alpha, beta, transA, transB, C broadcast to [M, N]) and MatMul (numpy
// semantics: 1D operands promoted, batch dims broadcast), float32/float64. Float32 products
// accumulate in float, as XNNPACK does.
#include "kernels/broadcast.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct GemmState {
  float alpha, beta;
  bool trans_a, trans_b;
};

Status prepare_gemm(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<GemmState>();
  s->alpha = attr_float(node, "alpha", 1.f);
  s->beta = attr_float(node, "beta", 1.f);
  s->trans_a = attr_int(node, "transA", 0) != 0;
  s->trans_b = attr_int(node, "transB", 0) != 0;
  *state = s;
  return Status::ok();
}

Status infer_gemm(InferContext& ctx) {
  const auto* s = state_as<GemmState>(ctx.state);
  const std::string where = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 2, 2));
  OW_RETURN_IF_ERROR(check_rank(ctx, 1, 2, 2));
  const Dims& a = ctx.in(0).dims;
  const Dims& b = ctx.in(1).dims;
  int64_t m = s->trans_a ? a[1] : a[0], k = s->trans_a ? a[0] : a[1];
  int64_t kb = s->trans_b ? b[1] : b[0], n = s->trans_b ? b[0] : b[1];
  OW_CHECK(ctx.in(1).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: A and B dtypes differ", where.c_str());
  OW_CHECK(k < 0 || kb < 0 || k == kb, INVALID_INPUT,
           "%s: inner dimensions differ: A is %s (transA=%d), B is %s (transB=%d)", where.c_str(),
           dims_to_string(a).c_str(), s->trans_a, dims_to_string(b).c_str(), s->trans_b);
  if (ctx.has_input(2)) {
    OW_ASSIGN_OR_RETURN(Dims bc, broadcast_dims(ctx.node, {m, n}, ctx.in(2).dims));
    OW_CHECK(bc.size() == 2 && (bc[0] == m || m < 0) && (bc[1] == n || n < 0), INVALID_INPUT,
             "%s: C of shape %s does not broadcast to [M, N] = %s", where.c_str(),
             dims_to_string(ctx.in(2).dims).c_str(), dims_to_string({m, n}).c_str());
  }
  ctx.set_output(0, ctx.in(0).dtype, {m, n});
  return Status::ok();
}

template <class T>
void gemm_typed(KernelContext& ctx, const GemmState& s) {
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  Tensor& y = ctx.out(0);
  int64_t m = y.dims()[0], n = y.dims()[1];
  int64_t k = s.trans_a ? a.dims()[0] : a.dims()[1];
  const T* A = a.data<T>();
  const T* B = b.data<T>();
  T* Y = y.data<T>();
  Dims mn = {m, n};
  if (ctx.has_input(2) && s.beta != 0) {
    BroadcastIter<1> it(mn, {&ctx.in(2).dims()});
    for (int64_t i = 0; i < m * n; i++, it.next()) Y[i] = static_cast<T>(s.beta) * ctx.in(2).data<T>()[it.offset(0)];
  } else {
    for (int64_t i = 0; i < m * n; i++) Y[i] = 0;
  }
  ctx.pool->parallel_for(static_cast<size_t>(m), [&](size_t row) {
    int64_t i = static_cast<int64_t>(row);
    for (int64_t j = 0; j < n; j++) {
      T acc = 0;
      for (int64_t p = 0; p < k; p++) {
        T av = s.trans_a ? A[p * m + i] : A[i * k + p];
        T bv = s.trans_b ? B[j * k + p] : B[p * n + j];
        acc += av * bv;
      }
      Y[i * n + j] += static_cast<T>(s.alpha) * acc;
    }
  });
}

Status run_gemm(KernelContext& ctx) {
  const auto& s = *state_as<GemmState>(ctx.state);
  if (ctx.in(0).dtype() == DType::kFloat32) gemm_typed<float>(ctx, s);
  else gemm_typed<double>(ctx, s);
  return Status::ok();
}

Status infer_matmul(InferContext& ctx) {
  const std::string where = ctx.node.describe();
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64}));
  OW_CHECK(ctx.in(1).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: A and B dtypes differ", where.c_str());
  Dims a = ctx.in(0).dims, b = ctx.in(1).dims;
  OW_CHECK(!a.empty() && !b.empty(), INVALID_INPUT, "%s: MatMul inputs must have rank >= 1", where.c_str());
  bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  int64_t k = a.back(), kb = b[b.size() - 2];
  OW_CHECK(k < 0 || kb < 0 || k == kb, INVALID_INPUT, "%s: inner dimensions differ: %s x %s",
           where.c_str(), dims_to_string(ctx.in(0).dims).c_str(), dims_to_string(ctx.in(1).dims).c_str());
  OW_ASSIGN_OR_RETURN(Dims batch, broadcast_dims(ctx.node, Dims(a.begin(), a.end() - 2), Dims(b.begin(), b.end() - 2)));
  Dims out = batch;
  if (!a1) out.push_back(a[a.size() - 2]);
  if (!b1) out.push_back(b.back());
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

template <class T>
void matmul_typed(KernelContext& ctx) {
  Dims a = ctx.in(0).dims(), b = ctx.in(1).dims();
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  Dims ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  Dims batch = broadcast_dims(ctx.node, ab, bb).take();
  int64_t nb = num_elements(batch);
  const T* A = ctx.in(0).data<T>();
  const T* B = ctx.in(1).data<T>();
  T* Y = ctx.out(0).data<T>();
  BroadcastIter<2> it(batch, {&ab, &bb});
  for (int64_t bi = 0; bi < nb; bi++, it.next()) {
    const T* Ab = A + it.offset(0) * m * k;
    const T* Bb = B + it.offset(1) * k * n;
    T* Yb = Y + bi * m * n;
    ctx.pool->parallel_for(static_cast<size_t>(m), [&](size_t row) {
      T* yr = Yb + row * n;
      for (int64_t j = 0; j < n; j++) yr[j] = 0;
      for (int64_t p = 0; p < k; p++) {
        T av = Ab[static_cast<int64_t>(row) * k + p];
        const T* br = Bb + p * n;
        for (int64_t j = 0; j < n; j++) yr[j] += av * br[j];
      }
    });
  }
}

Status run_matmul(KernelContext& ctx) {
  if (ctx.in(0).dtype() == DType::kFloat32) matmul_typed<float>(ctx);
  else matmul_typed<double>(ctx);
  return Status::ok();
}

}  // namespace

extern const OpDef kGemm = {"Gemm", "", 1, infer_gemm, prepare_gemm, run_gemm};
extern const OpDef kMatMul = {"MatMul", "", 1, infer_matmul, nullptr, run_matmul};

}  // namespace onnxwasm
