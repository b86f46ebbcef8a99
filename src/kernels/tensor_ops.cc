// SPDX-License-Identifier: MIT
// Concat (any dtype), Gather (any dtype, int32/int64 indices, negative indices), Constant
// (value / value_float(s) / value_int(s) / value_string(s)), ConstantOfShape.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_concat(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_variadic_inputs(ctx, 1, 4096));
  const std::string where = ctx.node.describe();
  Dims out = ctx.in(0).dims;
  OW_CHECK(!out.empty(), INVALID_INPUT, "%s: Concat inputs must have rank >= 1", where.c_str());
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", ctx.opset < 4 ? 1 : 0),
                                                   static_cast<int64_t>(out.size())));
  for (size_t i = 1; i < ctx.num_inputs(); i++) {
    const Dims& d = ctx.in(i).dims;
    OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: input %zu has dtype %s, input 0 has %s",
             where.c_str(), i, dtype_name(ctx.in(i).dtype), dtype_name(ctx.in(0).dtype));
    OW_CHECK(d.size() == out.size(), INVALID_INPUT, "%s: input %zu has shape %s, input 0 has %s",
             where.c_str(), i, dims_to_string(d).c_str(), dims_to_string(ctx.in(0).dims).c_str());
    for (size_t j = 0; j < d.size(); j++) {
      if (static_cast<int64_t>(j) == axis) {
        out[j] = out[j] < 0 || d[j] < 0 ? kUnknownDim : out[j] + d[j];
      } else {
        OW_CHECK(out[j] < 0 || d[j] < 0 || out[j] == d[j], INVALID_INPUT,
                 "%s: input %zu has shape %s, input 0 has %s (only axis %lld may differ)", where.c_str(), i,
                 dims_to_string(d).c_str(), dims_to_string(ctx.in(0).dims).c_str(), static_cast<long long>(axis));
        if (out[j] < 0) out[j] = d[j];
      }
    }
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_concat(KernelContext& ctx) {
  Tensor& y = ctx.out(0);
  int64_t axis = attr_int(ctx.node, "axis", ctx.opset < 4 ? 1 : 0);
  if (axis < 0) axis += static_cast<int64_t>(y.rank());
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; i++) outer *= y.dims()[i];
  int64_t out_row = outer ? y.size() / outer : 0, offset = 0;
  for (const Tensor* t : ctx.inputs) {
    int64_t row = outer ? t->size() / outer : 0;
    for (int64_t o = 0; o < outer; o++) copy_elements(*t, o * row, y, o * out_row + offset, row);
    offset += row;
  }
  return Status::ok();
}

Status infer_gather(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  const Dims& data = ctx.in(0).dims;
  OW_CHECK(!data.empty(), INVALID_INPUT, "%s: data must have rank >= 1", ctx.node.describe().c_str());
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0),
                                                   static_cast<int64_t>(data.size())));
  Dims out(data.begin(), data.begin() + axis);
  out.insert(out.end(), ctx.in(1).dims.begin(), ctx.in(1).dims.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  if (const Tensor* idx = ctx.value(1); idx && data[axis] >= 0) {
    for (int64_t i = 0; i < idx->size(); i++) {
      int64_t v = idx->int_at(i);
      OW_CHECK(v >= -data[axis] && v < data[axis], INVALID_INPUT,
               "%s: index %lld is out of range for axis %lld of size %lld", ctx.node.describe().c_str(),
               static_cast<long long>(v), static_cast<long long>(axis), static_cast<long long>(data[axis]));
    }
  }
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_gather(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  int64_t axis = attr_int(ctx.node, "axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(data.rank());
  int64_t outer = 1, inner = 1, n = data.dims()[axis];
  for (int64_t i = 0; i < axis; i++) outer *= data.dims()[i];
  for (size_t i = axis + 1; i < data.rank(); i++) inner *= data.dims()[i];
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t k = 0; k < idx.size(); k++) {
      int64_t v = idx.int_at(k);
      if (v < 0) v += n;
      copy_elements(data, (o * n + v) * inner, ctx.out(0), (o * idx.size() + k) * inner, inner);
    }
  }
  return Status::ok();
}

// Constant: the value is built once in prepare and copied out at run.
struct ConstantState { TensorPtr value; };

Status prepare_constant(const Node& node, int64_t, OpState* state) {
  auto s = std::make_shared<ConstantState>();
  const std::string where = node.describe();
  OW_CHECK(node.attributes.size() == 1, INVALID_MODEL, "%s: exactly one value attribute is required, got %zu",
           where.c_str(), node.attributes.size());
  const Attribute& a = node.attributes[0];
  auto make = [&](DType t, Dims d) -> Status {
    OW_ASSIGN_OR_RETURN(Tensor v, Tensor::make(t, std::move(d)));
    s->value = std::make_shared<Tensor>(std::move(v));
    return Status::ok();
  };
  if (a.name == "value" && a.kind == Attribute::Kind::kTensor) {
    s->value = a.t;
  } else if (a.name == "value_float" && a.kind == Attribute::Kind::kFloat) {
    OW_RETURN_IF_ERROR(make(DType::kFloat32, {}));
    *s->value->data<float>() = a.f;
  } else if (a.name == "value_floats" && a.kind == Attribute::Kind::kFloats) {
    OW_RETURN_IF_ERROR(make(DType::kFloat32, {static_cast<int64_t>(a.floats.size())}));
    if (!a.floats.empty()) memcpy(s->value->raw(), a.floats.data(), a.floats.size() * 4);
  } else if (a.name == "value_int" && a.kind == Attribute::Kind::kInt) {
    OW_RETURN_IF_ERROR(make(DType::kInt64, {}));
    *s->value->data<int64_t>() = a.i;
  } else if (a.name == "value_ints" && a.kind == Attribute::Kind::kInts) {
    OW_RETURN_IF_ERROR(make(DType::kInt64, {static_cast<int64_t>(a.ints.size())}));
    if (!a.ints.empty()) memcpy(s->value->raw(), a.ints.data(), a.ints.size() * 8);
  } else if (a.name == "value_string" && a.kind == Attribute::Kind::kString) {
    OW_RETURN_IF_ERROR(make(DType::kString, {}));
    *s->value->data<std::string>() = a.s;
  } else if (a.name == "value_strings" && a.kind == Attribute::Kind::kStrings) {
    OW_RETURN_IF_ERROR(make(DType::kString, {static_cast<int64_t>(a.strings.size())}));
    for (size_t i = 0; i < a.strings.size(); i++) s->value->data<std::string>()[i] = a.strings[i];
  } else {
    return make_status(Code::UNSUPPORTED_OP, "%s: attribute '%s' of kind %s is not supported", where.c_str(),
                       a.name.c_str(), attribute_kind_name(a.kind));
  }
  *state = s;
  return Status::ok();
}

Status infer_constant(InferContext& ctx) {
  const Tensor& v = *state_as<ConstantState>(ctx.state)->value;
  ctx.set_output(0, v.dtype(), v.dims());
  return Status::ok();
}

Status run_constant(KernelContext& ctx) {
  const Tensor& v = *state_as<ConstantState>(ctx.state)->value;
  copy_elements(v, 0, ctx.out(0), 0, v.size());
  return Status::ok();
}

Status infer_constant_of_shape(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt64}));
  const Attribute* a = ctx.node.attr("value");
  DType t = a && a->kind == Attribute::Kind::kTensor && a->t ? a->t->dtype() : DType::kFloat32;
  if (a) OW_CHECK(a->kind == Attribute::Kind::kTensor && a->t && a->t->size() == 1, INVALID_MODEL,
                  "%s: attribute 'value' must be a one-element tensor", ctx.node.describe().c_str());
  const Tensor* shape = ctx.value(0);
  if (!shape) {
    int64_t r = ctx.in(0).dims.size() == 1 ? ctx.in(0).dims[0] : -1;
    ctx.outputs[0] = r < 0 ? ValueType{t, {}, false} : ValueType{t, Dims(static_cast<size_t>(r), kUnknownDim), true};
    return Status::ok();
  }
  Dims out(shape->data<int64_t>(), shape->data<int64_t>() + shape->size());
  for (int64_t d : out)
    OW_CHECK(d >= 0, INVALID_INPUT, "%s: shape %s has a negative dim", ctx.node.describe().c_str(),
             dims_to_string(out).c_str());
  OW_CHECK(num_elements(out) >= 0, OUT_OF_MEMORY, "%s: shape %s is too large", ctx.node.describe().c_str(),
           dims_to_string(out).c_str());
  ctx.set_output(0, t, out);
  return Status::ok();
}

Status run_constant_of_shape(KernelContext& ctx) {
  const Attribute* a = ctx.node.attr("value");
  Tensor& y = ctx.out(0);
  if (!a) {
    memset(y.raw(), 0, y.byte_size());
    return Status::ok();
  }
  if (y.size() == 0) return Status::ok();
  copy_elements(*a->t, 0, y, 0, 1);
  if (y.dtype() == DType::kString) {
    for (int64_t i = 1; i < y.size(); i++) copy_elements(*a->t, 0, y, i, 1);
    return Status::ok();
  }
  // Fill by doubling the filled prefix: log2(n) memcpy calls.
  size_t es = dtype_size(y.dtype()), filled = es, total = y.byte_size();
  char* p = static_cast<char*>(y.raw());
  while (filled < total) {
    size_t n = std::min(filled, total - filled);
    memcpy(p + filled, p, n);
    filled += n;
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kConcat = {"Concat", "", 1, infer_concat, nullptr, run_concat};
extern const OpDef kGather = {"Gather", "", 1, infer_gather, nullptr, run_gather};
extern const OpDef kConstant = {"Constant", "", 1, infer_constant, prepare_constant, run_constant};
extern const OpDef kConstantOfShape = {"ConstantOfShape", "", 9, infer_constant_of_shape, nullptr, run_constant_of_shape};

}  // namespace onnxwasm
