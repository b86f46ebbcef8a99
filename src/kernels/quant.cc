// SPDX-License-Identifier: MIT
// Quantization: QuantizeLinear / DequantizeLinear (per tensor, per axis (opset 13), blocked
// (opset 21); int8, uint8, int16, uint16, int4, uint4 and the float8 types (opset 19,
// `saturate`)), DynamicQuantizeLinear, MatMulInteger and QLinearMatMul. Rounding is half to
// even, as the spec says. Reference kernels; in QDQ models XNNPACK takes the common cases
// (src/xnn/rules_quant.cc).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/small_float.h"
#include "kernels/dispatch.h"
#include "kernels/op.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace onnxwasm {
namespace {

// Element i of a float-like tensor (float32/float64/float16/bfloat16) as double.
double real_at(const Tensor& t, int64_t i) {
  if (t.dtype() == DType::kFloat16) return half_to_float(t.data<uint16_t>()[i]);
  if (t.dtype() == DType::kBFloat16) return bfloat16_to_float(t.data<uint16_t>()[i]);
  if (dtype_is_float8(t.dtype())) return float8_to_float(t.dtype(), t.data<uint8_t>()[i]);
  return t.float_at(i);
}

// Maps element i of x to its scale/zero-point element: per tensor, per axis or blocked.
struct ParamIndex {
  int64_t axis_stride = 1, axis_len = 1, block = 0;
  Dims x_dims, s_dims;
  bool scalar = true;
  int64_t operator()(int64_t i) const {
    if (scalar) return 0;
    if (!block) return (i / axis_stride) % axis_len;
    // Blocked: the same multi-index with the axis coordinate divided by the block size.
    int64_t s_index = 0, rest = i, mult = 1;
    for (size_t d = x_dims.size(); d-- > 0;) {
      int64_t c = rest % x_dims[d];
      rest /= x_dims[d];
      if (static_cast<int64_t>(d) == axis_index) c /= block;
      s_index += c * mult;
      mult *= s_dims[d];
    }
    return s_index;
  }
  int64_t axis_index = 0;
};

Result<ParamIndex> param_index(const Node& node, int64_t opset, const Dims& x, const Dims& s, const Tensor* zp) {
  // (Run time only: the runtime names the node.)
  OW_CHECK(!zp || zp->size() == num_elements(s), INVALID_INPUT, "zero point %s and scale %s differ in size",
           dims_to_string(zp->dims()).c_str(), dims_to_string(s).c_str());
  OW_CHECK(num_elements(s) >= 1, INVALID_INPUT, "%s: the scale is empty", node.describe().c_str());
  ParamIndex p;
  if (num_elements(s) == 1 && (s.empty() || opset < 21 || attr_int(node, "block_size", 0) == 0)) return p;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(node, "axis", attr_int(node, "axis", 1), static_cast<int64_t>(x.size())));
  p.scalar = false;
  p.axis_index = axis;
  for (size_t d = axis + 1; d < x.size(); d++) p.axis_stride *= x[d];
  p.axis_len = x[axis];
  int64_t block = opset >= 21 ? attr_int(node, "block_size", 0) : 0;
  if (block > 0) {
    OW_CHECK(s.size() == x.size(), INVALID_INPUT, "%s: blocked scale must have the input's rank", node.describe().c_str());
    for (size_t d = 0; d < x.size(); d++)
      OW_CHECK(static_cast<int64_t>(d) == axis ? s[d] == (x[d] + block - 1) / block : s[d] == x[d], INVALID_INPUT,
               "%s: scale %s does not block input %s by %lld", node.describe().c_str(), dims_to_string(s).c_str(),
               dims_to_string(x).c_str(), static_cast<long long>(block));
    p.block = block;
    p.x_dims = x;
    p.s_dims = s;
    return p;
  }
  OW_CHECK(s.size() == 1 && s[0] == x[axis], INVALID_INPUT, "%s: scale %s for axis %lld of %s",
           node.describe().c_str(), dims_to_string(s).c_str(), static_cast<long long>(axis), dims_to_string(x).c_str());
  return p;
}

// --- QuantizeLinear ---

Status infer_quantize(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  DType out = ctx.has_input(2) ? ctx.in(2).dtype : DType::kUint8;
  if (ctx.opset >= 21 && !ctx.has_input(2)) {
    int64_t t = attr_int(ctx.node, "output_dtype", 0);
    if (t) out = static_cast<DType>(t);
  }
  OW_CHECK(out == DType::kUint8 || out == DType::kInt8 || out == DType::kUint16 || out == DType::kInt16 ||
               out == DType::kUint4 || out == DType::kInt4 || dtype_is_float8(out), UNSUPPORTED_OP,
           "%s: quantizing to %s is not supported", ctx.node.describe().c_str(), dtype_name(out));
  ctx.set_output(0, out, ctx.in(0).dims);
  return Status::ok();
}

// Elements per task when the common cases (float32 <-> int8/uint8, one scale) are split over
// the pool.
constexpr int64_t kChunk = 1 << 14;

template <class Q>
void quantize_fast(KernelContext& ctx, float scale, int32_t zp) {
  const float* x = ctx.in(0).data<float>();
  Q* y = ctx.out(0).data<Q>();
  const int64_t n = ctx.in(0).size();
  constexpr float lo = std::is_signed<Q>::value ? -128.f : 0.f, hi = std::is_signed<Q>::value ? 127.f : 255.f;
  ctx.pool->parallel_for(static_cast<size_t>((n + kChunk - 1) / kChunk), [&](size_t c) {
    const int64_t end = std::min(n, static_cast<int64_t>(c + 1) * kChunk);
    int64_t i = static_cast<int64_t>(c) * kChunk;
#ifdef __wasm_simd128__
    // 16 at a time; pmax/pmin send NaN to `lo` as the scalar loop below does.
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_f32x4_splat(static_cast<float>(zp));
    const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
    auto q4 = [&](int64_t at) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + at), vs)), vz);
      return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, v)));
    };
    for (; i + 16 <= end; i += 16) {
      v128_t a = wasm_i16x8_narrow_i32x4(q4(i), q4(i + 4)), b = wasm_i16x8_narrow_i32x4(q4(i + 8), q4(i + 12));
      wasm_v128_store(y + i, std::is_signed<Q>::value ? wasm_i8x16_narrow_i16x8(a, b) : wasm_u8x16_narrow_i16x8(a, b));
    }
#endif
    for (; i < end; i++)
      y[i] = static_cast<Q>(std::min(hi, std::max(lo, std::nearbyint(x[i] / scale) + static_cast<float>(zp))));
  });
}

template <class Q>
void dequantize_fast(KernelContext& ctx, float scale, int32_t zp) {
  const Q* x = ctx.in(0).data<Q>();
  float* y = ctx.out(0).data<float>();
  const int64_t n = ctx.in(0).size();
  ctx.pool->parallel_for(static_cast<size_t>((n + kChunk - 1) / kChunk), [&](size_t c) {
    const int64_t end = std::min(n, static_cast<int64_t>(c + 1) * kChunk);
    for (int64_t i = static_cast<int64_t>(c) * kChunk; i < end; i++) y[i] = static_cast<float>(x[i] - zp) * scale;
  });
}

// One float32 scale and an 8-bit zero point (or none): the QDQ models' case.
bool one_scale_8bit(const KernelContext& ctx, DType q) {
  const Tensor& s = ctx.in(1);
  const Tensor* zp = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  return (q == DType::kInt8 || q == DType::kUint8) && s.dtype() == DType::kFloat32 && s.size() == 1 &&
         (s.rank() == 0 || ctx.opset < 21 || attr_int(ctx.node, "block_size", 0) == 0) && (!zp || (zp->size() == 1 && zp->dtype() == q));
}

Status run_quantize(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &scale = ctx.in(1);
  const Tensor* zp = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  Tensor& y = ctx.out(0);
  if (x.dtype() == DType::kFloat32 && one_scale_8bit(ctx, y.dtype())) {
    const float s = scale.data<float>()[0];
    const int32_t z = zp ? static_cast<int32_t>(zp->int_at(0)) : 0;
    if (y.dtype() == DType::kInt8) quantize_fast<int8_t>(ctx, s, z);
    else quantize_fast<uint8_t>(ctx, s, z);
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(ParamIndex pi, param_index(ctx.node, ctx.opset, x.dims(), scale.dims(), zp));
  bool saturate = attr_int(ctx.node, "saturate", 1) != 0;
  DType t = y.dtype();
  double lo = 0, hi = 0;
  switch (t) {
    case DType::kUint8: hi = 255; break;
    case DType::kInt8: lo = -128; hi = 127; break;
    case DType::kUint16: hi = 65535; break;
    case DType::kInt16: lo = -32768; hi = 32767; break;
    case DType::kUint4: hi = 15; break;
    case DType::kInt4: lo = -8; hi = 7; break;
    default: break;
  }
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t p = pi(i);
    // The division in the input's precision (float32 for float32 input, as onnxruntime and
    // the ONNX function body do): a quotient that float32 rounds to .5 then rounds to even.
    double v = x.dtype() == DType::kFloat64
                   ? real_at(x, i) / real_at(scale, p)
                   : static_cast<double>(static_cast<float>(real_at(x, i)) / static_cast<float>(real_at(scale, p)));
    if (dtype_is_float8(t)) {
      y.data<uint8_t>()[i] = float_to_float8(t, static_cast<float>(v + (zp ? real_at(*zp, p) : 0)), saturate);
      continue;
    }
    double q = std::nearbyint(v) + (zp ? static_cast<double>(zp->int_at(p)) : 0);
    q = std::min(hi, std::max(lo, q));
    switch (t) {
      case DType::kUint8: case DType::kUint4: y.data<uint8_t>()[i] = static_cast<uint8_t>(q); break;
      case DType::kInt8: case DType::kInt4: y.data<int8_t>()[i] = static_cast<int8_t>(q); break;
      case DType::kUint16: y.data<uint16_t>()[i] = static_cast<uint16_t>(q); break;
      default: y.data<int16_t>()[i] = static_cast<int16_t>(q); break;
    }
  }
  return Status::ok();
}

// --- DequantizeLinear ---

Status infer_dequantize(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  DType s = ctx.in(1).dtype;
  OW_CHECK(s == DType::kFloat32 || s == DType::kFloat16 || s == DType::kBFloat16 || s == DType::kFloat64, UNSUPPORTED_OP,
           "%s: scale of dtype %s", ctx.node.describe().c_str(), dtype_name(s));
  ctx.set_output(0, s, ctx.in(0).dims);
  return Status::ok();
}

Status run_dequantize(KernelContext& ctx) {
  const Tensor &x = ctx.in(0), &scale = ctx.in(1);
  const Tensor* zp = ctx.has_input(2) ? &ctx.in(2) : nullptr;
  if (ctx.out(0).dtype() == DType::kFloat32 && one_scale_8bit(ctx, x.dtype())) {
    const int32_t z = zp ? static_cast<int32_t>(zp->int_at(0)) : 0;
    if (x.dtype() == DType::kInt8) dequantize_fast<int8_t>(ctx, scale.data<float>()[0], z);
    else dequantize_fast<uint8_t>(ctx, scale.data<float>()[0], z);
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(ParamIndex pi, param_index(ctx.node, ctx.opset, x.dims(), scale.dims(), zp));
  bool real = dtype_is_float8(x.dtype());
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t p = pi(i);
    double v = real ? real_at(x, i) - (zp ? real_at(*zp, p) : 0)
                    : static_cast<double>(x.int_at(i) - (zp ? zp->int_at(p) : 0));
    ctx.out(0).set_float_at(i, v * real_at(scale, p));
  }
  return Status::ok();
}

// --- DynamicQuantizeLinear ---

Status infer_dynamic_quantize(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32}));
  ctx.set_output(0, DType::kUint8, ctx.in(0).dims);
  ctx.set_output(1, DType::kFloat32, {});
  ctx.set_output(2, DType::kUint8, {});
  return Status::ok();
}

Status run_dynamic_quantize(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const float* in = x.data<float>();
  float lo = 0, hi = 0;  // the range always includes 0
  for (int64_t i = 0; i < x.size(); i++) { lo = std::min(lo, in[i]); hi = std::max(hi, in[i]); }
  float scale = (hi - lo) / 255.f;
  float zp = scale == 0 ? 0.f : std::min(255.f, std::max(0.f, std::nearbyint(0 - lo / scale)));
  for (int64_t i = 0; i < x.size(); i++) {
    float q = scale == 0 ? zp : std::nearbyint(in[i] / scale) + zp;
    ctx.out(0).data<uint8_t>()[i] = static_cast<uint8_t>(std::min(255.f, std::max(0.f, q)));
  }
  if (ctx.outputs.size() > 1 && ctx.outputs[1]) ctx.out(1).data<float>()[0] = scale;
  if (ctx.outputs.size() > 2 && ctx.outputs[2]) ctx.out(2).data<uint8_t>()[0] = static_cast<uint8_t>(zp);
  return Status::ok();
}

// --- MatMulInteger, QLinearMatMul ---

// Batched matmul dims (numpy rules, 1-D operands promoted); the batch is broadcast.
Result<Dims> matmul_dims(const Node& n, Dims a, Dims b) {
  OW_CHECK(!a.empty() && !b.empty(), INVALID_INPUT, "%s: matmul operands must have rank >= 1", n.describe().c_str());
  bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  OW_CHECK(a.back() < 0 || b[b.size() - 2] < 0 || a.back() == b[b.size() - 2], INVALID_INPUT,
           "%s: inner dims %lld and %lld differ", n.describe().c_str(), static_cast<long long>(a.back()),
           static_cast<long long>(b[b.size() - 2]));
  OW_ASSIGN_OR_RETURN(Dims batch, broadcast_dims(n, Dims(a.begin(), a.end() - 2), Dims(b.begin(), b.end() - 2)));
  if (!a1) batch.push_back(a[a.size() - 2]);
  if (!b1) batch.push_back(b.back());
  return batch;
}

// y[batch, m, n] = sum_k f(a[batch, m, k], b[batch, k, n]) with numpy broadcasting.
template <class F>
void matmul_loop(const Tensor& a, const Tensor& b, Tensor& y, F f) {
  Dims ad = a.dims(), bd = b.dims();
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  Dims ab(ad.begin(), ad.end() - 2), bb(bd.begin(), bd.end() - 2);
  Dims ob = ab.size() >= bb.size() ? ab : bb;
  for (size_t i = 0; i < ob.size(); i++) {
    int64_t x = i + ab.size() >= ob.size() ? ab[i + ab.size() - ob.size()] : 1;
    int64_t z = i + bb.size() >= ob.size() ? bb[i + bb.size() - ob.size()] : 1;
    ob[i] = std::max(x, z);
  }
  int64_t batches = num_elements(ob);
  Dims ab_full(ob.size(), 1), bb_full(ob.size(), 1);
  for (size_t i = 0; i < ab.size(); i++) ab_full[ob.size() - ab.size() + i] = ab[i];
  for (size_t i = 0; i < bb.size(); i++) bb_full[ob.size() - bb.size() + i] = bb[i];
  for (int64_t bi = 0; bi < batches; bi++) {
    int64_t rest = bi, ao = 0, bo = 0, am = 1, bm = 1;
    for (size_t d = ob.size(); d-- > 0;) {
      int64_t c = rest % ob[d];
      rest /= ob[d];
      ao += (ab_full[d] == 1 ? 0 : c) * am;
      bo += (bb_full[d] == 1 ? 0 : c) * bm;
      am *= ab_full[d];
      bm *= bb_full[d];
    }
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double acc = 0;
        for (int64_t p = 0; p < k; p++) acc += f(ao * m * k + i * k + p, bo * k * n + p * n + j);
        f.store(bi * m * n + i * n + j, acc);
      }
  }
  (void)y;
}

Status infer_matmul_integer(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 4));
  OW_ASSIGN_OR_RETURN(Dims d, matmul_dims(ctx.node, ctx.in(0).dims, ctx.in(1).dims));
  ctx.set_output(0, DType::kInt32, d);
  return Status::ok();
}

Status run_matmul_integer(KernelContext& ctx) {
  const Tensor &a = ctx.in(0), &b = ctx.in(1);
  int64_t azp = ctx.has_input(2) ? ctx.in(2).int_at(0) : 0, bzp = ctx.has_input(3) ? ctx.in(3).int_at(0) : 0;
  OW_CHECK(!ctx.has_input(2) || ctx.in(2).size() == 1, UNSUPPORTED_OP, "per-row zero points are not supported");
  OW_CHECK(!ctx.has_input(3) || ctx.in(3).size() == 1, UNSUPPORTED_OP, "per-column zero points are not supported");
  struct F {
    const Tensor &a, &b;
    Tensor& y;
    int64_t azp, bzp;
    double operator()(int64_t i, int64_t j) const { return static_cast<double>((a.int_at(i) - azp) * (b.int_at(j) - bzp)); }
    void store(int64_t o, double v) const { y.data<int32_t>()[o] = static_cast<int32_t>(v); }
  } f{a, b, ctx.out(0), azp, bzp};
  matmul_loop(a, b, ctx.out(0), f);
  return Status::ok();
}

Status infer_qlinear_matmul(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 8, 8));
  OW_ASSIGN_OR_RETURN(Dims d, matmul_dims(ctx.node, ctx.in(0).dims, ctx.in(3).dims));
  ctx.set_output(0, ctx.in(7).dtype, d);
  return Status::ok();
}

Status run_qlinear_matmul(KernelContext& ctx) {
  const Tensor &a = ctx.in(0), &b = ctx.in(3);
  for (size_t i : {1, 2, 4, 5, 6, 7})
    OW_CHECK(ctx.in(i).size() == 1, UNSUPPORTED_OP, "per-axis QLinearMatMul parameters are not supported");
  double as = real_at(ctx.in(1), 0), bs = real_at(ctx.in(4), 0), ys = real_at(ctx.in(6), 0);
  int64_t azp = ctx.in(2).int_at(0), bzp = ctx.in(5).int_at(0), yzp = ctx.in(7).int_at(0);
  bool u8 = ctx.out(0).dtype() == DType::kUint8;
  struct F {
    const Tensor &a, &b;
    Tensor& y;
    int64_t azp, bzp, yzp;
    double scale;
    bool u8;
    double operator()(int64_t i, int64_t j) const { return static_cast<double>((a.int_at(i) - azp) * (b.int_at(j) - bzp)); }
    void store(int64_t o, double v) const {
      double q = std::nearbyint(v * scale) + static_cast<double>(yzp);
      if (u8) y.data<uint8_t>()[o] = static_cast<uint8_t>(std::min(255.0, std::max(0.0, q)));
      else y.data<int8_t>()[o] = static_cast<int8_t>(std::min(127.0, std::max(-128.0, q)));
    }
  } f{a, b, ctx.out(0), azp, bzp, yzp, as * bs / ys, u8};
  matmul_loop(a, b, ctx.out(0), f);
  return Status::ok();
}

}  // namespace

extern const OpDef kQuantizeLinear = {"QuantizeLinear", "", 10, infer_quantize, nullptr, run_quantize};
extern const OpDef kDequantizeLinear = {"DequantizeLinear", "", 10, infer_dequantize, nullptr, run_dequantize};
extern const OpDef kDynamicQuantizeLinear = {"DynamicQuantizeLinear", "", 11, infer_dynamic_quantize, nullptr, run_dynamic_quantize};
extern const OpDef kMatMulInteger = {"MatMulInteger", "", 10, infer_matmul_integer, nullptr, run_matmul_integer};
extern const OpDef kQLinearMatMul = {"QLinearMatMul", "", 10, infer_qlinear_matmul, nullptr, run_qlinear_matmul};

}  // namespace onnxwasm
