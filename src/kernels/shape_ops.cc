// SPDX-License-Identifier: MIT
// Ops that only move or re-label data, any dtype: Reshape (opsets 1-14; 0 copies a dim unless
// allowzero, -1 infers), Flatten, Squeeze/Unsqueeze (axes as attribute before opset 13, input
// after), Identity, Dropout (inference: identity; mask output all true), Shape (start/end from
// opset 15), Size, Transpose.
#include <algorithm>
#include <cstring>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status run_copy(KernelContext& ctx) {
  if (ctx.out(0).raw() != ctx.in(0).raw()) copy_elements(ctx.in(0), 0, ctx.out(0), 0, ctx.in(0).size());
  if (ctx.outputs.size() > 1 && ctx.outputs[1]) memset(ctx.out(1).raw(), 1, ctx.out(1).byte_size());
  return Status::ok();
}

Status infer_identity(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 3));
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  if (ctx.outputs.size() > 1) ctx.set_output(1, DType::kBool, ctx.in(0).dims);  // Dropout mask
  return Status::ok();
}

// Identity passes any value: a tensor, a sequence or an optional.
Status infer_identity_any(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  ctx.set_output(0, ctx.in(0));
  return Status::ok();
}

Status run_identity(KernelContext& ctx) {
  OW_ASSIGN_OR_RETURN(ctx.out(0), ctx.in(0).clone());
  return Status::ok();
}

// Dropout at inference is the identity. In training mode (input 2, opset 12) with a non-zero
// ratio it is random: refused rather than silently run as the identity.
Status run_dropout(KernelContext& ctx) {
  bool training = ctx.has_input(2) && ctx.in(2).size() == 1 && static_cast<const uint8_t*>(ctx.in(2).raw())[0] != 0;
  float ratio = ctx.has_input(1) && ctx.in(1).size() == 1 ? ctx.in(1).float_at(0) : 0.5f;
  // (The runtime prefixes the node's name.)
  OW_CHECK(!training || ratio == 0.f, UNSUPPORTED_OP,
           "training-mode Dropout with ratio %g is random; this engine runs inference only", ratio);
  return run_copy(ctx);
}

// Reshape's target shape, resolved against the input's dims.
Status infer_reshape(InferContext& ctx) {
  const std::string where = ctx.node.describe();
  Dims target;
  bool allowzero = attr_int(ctx.node, "allowzero", 0) != 0;
  if (ctx.opset < 5) {
    OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
    target = attr_ints(ctx.node, "shape");
  } else {
    OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
    OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
    const Tensor* shape = ctx.value(1);
    if (!shape) {
      int64_t r = ctx.in(1).dims.size() == 1 ? ctx.in(1).dims[0] : -1;
      if (r < 0) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
      ctx.set_output(0, ctx.in(0).dtype, Dims(static_cast<size_t>(r), kUnknownDim));
      return Status::ok();
    }
    OW_CHECK(shape->rank() == 1, INVALID_MODEL, "%s: shape input must be 1-D", where.c_str());
    target.assign(shape->data<int64_t>(), shape->data<int64_t>() + shape->size());
  }
  const Dims& in = ctx.in(0).dims;
  int64_t known = 1, infer_at = -1;
  Dims out(target.size());
  for (size_t i = 0; i < target.size(); i++) {
    int64_t d = target[i];
    if (d == 0 && !allowzero) {
      OW_CHECK(i < in.size(), INVALID_MODEL, "%s: shape %s copies dim %zu, but the input is %s",
               where.c_str(), dims_to_string(target).c_str(), i, dims_to_string(in).c_str());
      d = in[i];
    }
    if (d == -1) {
      OW_CHECK(infer_at < 0, INVALID_MODEL, "%s: shape %s has more than one -1", where.c_str(),
               dims_to_string(target).c_str());
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    OW_CHECK(d >= -1, INVALID_MODEL, "%s: shape %s has a negative dim", where.c_str(), dims_to_string(target).c_str());
    out[i] = d;
    if (d >= 0 && known >= 0) known = (d == 0 || known <= kMaxElements / d) ? known * d : -1;
  }
  int64_t total = num_elements(in);
  if (infer_at >= 0) {
    if (total < 0 || known < 0) out[infer_at] = kUnknownDim;
    else {
      OW_CHECK(known != 0 && total % known == 0, INVALID_INPUT,
               "%s: cannot reshape %s (%lld elements) to %s", where.c_str(), dims_to_string(in).c_str(),
               static_cast<long long>(total), dims_to_string(target).c_str());
      out[infer_at] = total / known;
    }
  } else if (total >= 0 && dims_known(out)) {
    OW_CHECK(num_elements(out) == total, INVALID_INPUT, "%s: cannot reshape %s (%lld elements) to %s",
             where.c_str(), dims_to_string(in).c_str(), static_cast<long long>(total),
             dims_to_string(out).c_str());
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status infer_flatten(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  const Dims& in = ctx.in(0).dims;
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 1),
                                                   static_cast<int64_t>(in.size()), true));
  Dims a(in.begin(), in.begin() + axis), b(in.begin() + axis, in.end());
  ctx.set_output(0, ctx.in(0).dtype, {num_elements(a), num_elements(b)});
  return Status::ok();
}

Result<std::vector<int64_t>> squeeze_axes(InferContext& ctx, bool* known) {
  *known = true;
  if (ctx.opset < 13) return attr_ints(ctx.node, "axes");
  if (!ctx.has_input(1)) return std::vector<int64_t>{};
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  const Tensor* t = ctx.value(1);
  if (!t) { *known = false; return std::vector<int64_t>{}; }
  return std::vector<int64_t>(t->data<int64_t>(), t->data<int64_t>() + t->size());
}

Status infer_unsqueeze(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> axes, squeeze_axes(ctx, &known));
  const Dims& in = ctx.in(0).dims;
  if (!known) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
  int64_t r = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(r), false);
  for (int64_t a : axes) {
    OW_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(ctx.node, "axes", a, r));
    OW_CHECK(!inserted[ax], INVALID_MODEL, "%s: axis %lld repeated", ctx.node.describe().c_str(), static_cast<long long>(a));
    inserted[ax] = true;
  }
  Dims out;
  size_t j = 0;
  for (int64_t i = 0; i < r; i++) out.push_back(inserted[i] ? 1 : in[j++]);
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status infer_squeeze(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  bool known;
  OW_ASSIGN_OR_RETURN(std::vector<int64_t> axes, squeeze_axes(ctx, &known));
  const Dims& in = ctx.in(0).dims;
  if (!known) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
  std::vector<bool> drop(in.size(), false);
  if (axes.empty()) {
    for (size_t i = 0; i < in.size(); i++) {
      if (in[i] < 0) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
      drop[i] = in[i] == 1;
    }
  }
  for (int64_t a : axes) {
    OW_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(ctx.node, "axes", a, static_cast<int64_t>(in.size())));
    OW_CHECK(in[ax] == 1 || in[ax] < 0, INVALID_INPUT, "%s: cannot squeeze axis %lld of shape %s",
             ctx.node.describe().c_str(), static_cast<long long>(a), dims_to_string(in).c_str());
    drop[ax] = true;
  }
  Dims out;
  for (size_t i = 0; i < in.size(); i++) if (!drop[i]) out.push_back(in[i]);
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

void shape_range(const Node& node, int64_t rank, int64_t* start, int64_t* end) {
  *start = attr_int(node, "start", 0);
  *end = attr_int(node, "end", rank);
  if (*start < 0) *start += rank;
  if (*end < 0) *end += rank;
  *start = std::clamp<int64_t>(*start, 0, rank);
  *end = std::clamp<int64_t>(*end, *start, rank);
}

Status infer_shape(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  int64_t s, e;
  shape_range(ctx.node, static_cast<int64_t>(ctx.in(0).dims.size()), &s, &e);
  ctx.set_output(0, DType::kInt64, {e - s});
  return Status::ok();
}

Status run_shape(KernelContext& ctx) {
  const Dims& d = ctx.in(0).dims();
  int64_t s, e;
  shape_range(ctx.node, static_cast<int64_t>(d.size()), &s, &e);
  for (int64_t i = s; i < e; i++) ctx.out(0).data<int64_t>()[i - s] = d[static_cast<size_t>(i)];
  return Status::ok();
}

Status infer_size(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  ctx.set_output(0, DType::kInt64, {});
  return Status::ok();
}

Status run_size(KernelContext& ctx) {
  ctx.out(0).data<int64_t>()[0] = ctx.in(0).size();
  return Status::ok();
}

Status infer_transpose(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  const Dims& in = ctx.in(0).dims;
  std::vector<int64_t> perm = attr_ints(ctx.node, "perm");
  if (perm.empty()) for (size_t i = in.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  OW_CHECK(perm.size() == in.size(), INVALID_MODEL, "%s: perm has %zu entries for rank %zu",
           ctx.node.describe().c_str(), perm.size(), in.size());
  std::vector<bool> seen(in.size(), false);
  Dims out;
  for (int64_t p : perm) {
    OW_CHECK(p >= 0 && p < static_cast<int64_t>(in.size()) && !seen[p], INVALID_MODEL,
             "%s: perm is not a permutation of 0..%zu", ctx.node.describe().c_str(), in.size() - 1);
    seen[p] = true;
    out.push_back(in[p]);
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

// Walks y in order, the source offset following perm; element copies by size (any dtype but
// strings), whole rows at once when the last axis stays last.
template <class T>
void transpose_elements(const T* x, T* y, const Dims& y_dims, const std::vector<int64_t>& src_strides, int64_t row) {
  const size_t r = y_dims.size();
  const int64_t n = num_elements(y_dims);
  Dims idx(r, 0);
  int64_t src = 0;
  const size_t last = row > 1 ? r - 1 : r;  // axes the walk steps through
  for (int64_t o = 0; o < n; o += row) {
    if (row > 1) std::copy(x + src, x + src + row, y + o);
    else y[o] = x[src];
    for (size_t i = last; i-- > 0;) {
      src += src_strides[i];
      if (++idx[i] < y_dims[i]) break;
      src -= src_strides[i] * y_dims[i];
      idx[i] = 0;
    }
  }
}

Status run_transpose(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  size_t r = x.rank();
  std::vector<int64_t> perm = attr_ints(ctx.node, "perm");
  if (perm.empty()) for (size_t i = r; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  Dims in_strides(r, 1);
  for (size_t i = r; i-- > 1;) in_strides[i - 1] = in_strides[i] * x.dims()[i];
  std::vector<int64_t> src_strides(r);
  for (size_t i = 0; i < r; i++) src_strides[i] = in_strides[perm[i]];
  if (y.size() == 0) return Status::ok();
  const int64_t row = r > 0 && perm[r - 1] == static_cast<int64_t>(r) - 1 ? y.dims()[r - 1] : 1;
  struct Bytes16 { uint64_t lo, hi; };  // complex128
  switch (x.dtype() == DType::kString ? 0 : dtype_size(x.dtype())) {
    case 1: transpose_elements(x.data<uint8_t>(), y.data<uint8_t>(), y.dims(), src_strides, row); break;
    case 2: transpose_elements(x.data<uint16_t>(), y.data<uint16_t>(), y.dims(), src_strides, row); break;
    case 4: transpose_elements(x.data<uint32_t>(), y.data<uint32_t>(), y.dims(), src_strides, row); break;
    case 8: transpose_elements(x.data<uint64_t>(), y.data<uint64_t>(), y.dims(), src_strides, row); break;
    case 16: transpose_elements(x.data<Bytes16>(), y.data<Bytes16>(), y.dims(), src_strides, row); break;
    default: transpose_elements(x.data<std::string>(), y.data<std::string>(), y.dims(), src_strides, row); break;
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kIdentity = {"Identity", "", 1, infer_identity_any, nullptr, run_identity, /*any_value=*/true};
extern const OpDef kDropout = {"Dropout", "", 1, infer_identity, nullptr, run_dropout};
extern const OpDef kReshape = {"Reshape", "", 1, infer_reshape, nullptr, run_copy};
extern const OpDef kFlatten = {"Flatten", "", 1, infer_flatten, nullptr, run_copy};
extern const OpDef kSqueeze = {"Squeeze", "", 1, infer_squeeze, nullptr, run_copy};
extern const OpDef kUnsqueeze = {"Unsqueeze", "", 1, infer_unsqueeze, nullptr, run_copy};
extern const OpDef kShape = {"Shape", "", 1, infer_shape, nullptr, run_shape};
extern const OpDef kSize = {"Size", "", 1, infer_size, nullptr, run_size};
extern const OpDef kTranspose = {"Transpose", "", 1, infer_transpose, nullptr, run_transpose};

}  // namespace onnxwasm
