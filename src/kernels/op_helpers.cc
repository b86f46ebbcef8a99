// SPDX-License-Identifier: MIT
// Attribute access and the small checks every op's infer uses.
#include <string>

#include "kernels/op.h"

namespace onnxwasm {

int64_t attr_int(const Node& n, std::string_view name, int64_t def) {
  const Attribute* a = n.attr(name);
  return a && a->kind == Attribute::Kind::kInt ? a->i : def;
}

float attr_float(const Node& n, std::string_view name, float def) {
  const Attribute* a = n.attr(name);
  if (a && a->kind == Attribute::Kind::kFloat) return a->f;
  if (a && a->kind == Attribute::Kind::kInt) return static_cast<float>(a->i);
  return def;
}

std::string attr_string(const Node& n, std::string_view name, const std::string& def) {
  const Attribute* a = n.attr(name);
  return a && a->kind == Attribute::Kind::kString ? a->s : def;
}

std::vector<int64_t> attr_ints(const Node& n, std::string_view name, std::vector<int64_t> def) {
  const Attribute* a = n.attr(name);
  return a && a->kind == Attribute::Kind::kInts ? a->ints : def;
}

Status check_attr_kind(const Node& n, std::string_view name, Attribute::Kind kind) {
  const Attribute* a = n.attr(name);
  if (!a || a->kind == kind) return Status::ok();
  return make_status(Code::INVALID_MODEL, "%s: attribute '%s' must be %s, got %s",
                     n.describe().c_str(), std::string(name).c_str(), attribute_kind_name(kind),
                     attribute_kind_name(a->kind));
}

Result<int64_t> normalize_axis(const Node& n, const char* what, int64_t axis, int64_t rank,
                               bool allow_end) {
  int64_t hi = allow_end ? rank + 1 : rank;
  if (axis < -rank || axis >= hi)
    return make_status(Code::INVALID_MODEL, "%s: %s %lld is out of range for rank %lld",
                       n.describe().c_str(), what, static_cast<long long>(axis),
                       static_cast<long long>(rank));
  return axis < 0 ? axis + rank : axis;  // with allow_end, -rank is 0 and rank is the end
}

Status check_input_count(const InferContext& ctx, size_t min, size_t max) {
  size_t n = ctx.num_inputs();
  while (n > 0 && !ctx.has_input(n - 1)) n--;  // trailing omitted optionals
  OW_CHECK(n >= min && n <= max, INVALID_MODEL, "%s: expected %zu to %zu inputs, got %zu",
           ctx.node.describe().c_str(), min, max, n);
  for (size_t i = 0; i < min; i++)
    OW_CHECK(ctx.has_input(i), INVALID_MODEL, "%s: required input %zu is missing",
             ctx.node.describe().c_str(), i);
  return Status::ok();
}

Status check_variadic_inputs(const InferContext& ctx, size_t min, size_t max) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, min, max));
  for (size_t i = 0; i < ctx.num_inputs(); i++)
    OW_CHECK(ctx.has_input(i), INVALID_MODEL, "%s: input %zu is omitted, which this op does not allow",
             ctx.node.describe().c_str(), i);
  return Status::ok();
}

Status check_dtype(const InferContext& ctx, size_t i, std::initializer_list<DType> allowed) {
  OW_CHECK(ctx.has_input(i), INVALID_MODEL, "%s: required input %zu is missing", ctx.node.describe().c_str(), i);
  DType t = ctx.in(i).dtype;
  for (DType a : allowed)
    if (a == t) return Status::ok();
  std::string names;
  for (DType a : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(a);
  return make_status(Code::UNSUPPORTED_OP, "%s: input %zu ('%s') has dtype %s; supported: %s",
                     ctx.node.describe().c_str(), i, ctx.node.inputs[i].c_str(), dtype_name(t),
                     names.c_str());
}

Status check_rank(const InferContext& ctx, size_t i, size_t min, size_t max) {
  OW_CHECK(ctx.has_input(i), INVALID_MODEL, "%s: required input %zu is missing", ctx.node.describe().c_str(), i);
  size_t r = ctx.in(i).dims.size();
  OW_CHECK(r >= min && r <= max, INVALID_MODEL,
           "%s: input %zu ('%s') must have rank %zu to %zu, got shape %s",
           ctx.node.describe().c_str(), i, ctx.node.inputs[i].c_str(), min, max,
           dims_to_string(ctx.in(i).dims).c_str());
  return Status::ok();
}

Result<Dims> broadcast_dims(const Node& n, const Dims& a, const Dims& b) {
  size_t r = a.size() > b.size() ? a.size() : b.size();
  Dims out(r);
  for (size_t i = 0; i < r; i++) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (da < 0 || db < 0) out[i] = da < 0 ? db : da;
    else if (da == db) out[i] = da;
    else
      return make_status(Code::INVALID_INPUT, "%s: shapes %s and %s cannot be broadcast",
                         n.describe().c_str(), dims_to_string(a).c_str(), dims_to_string(b).c_str());
  }
  return out;
}

ValueType type_of_value(const Tensor& v) {
  ValueType t{v.dtype(), v.dims(), true};
  t.kind = v.kind();
  if (v.kind() == ValueKind::kSequence) {
    // Element dims when every item has the same ones.
    t.has_rank = !v.items().empty();
    for (const auto& item : v.items()) t.has_rank = t.has_rank && item->dims() == v.items()[0]->dims();
    t.dims = t.has_rank ? v.items()[0]->dims() : Dims{};
  }
  return t;
}

InferContext infer_context_for(const KernelContext& ctx, std::vector<ValueType>* types,
                               std::vector<const ValueType*>* ptrs) {
  types->clear();
  ptrs->clear();
  for (const Tensor* t : ctx.inputs) types->push_back(t ? type_of_value(*t) : ValueType{});
  for (size_t i = 0; i < ctx.inputs.size(); i++) ptrs->push_back(ctx.inputs[i] ? &(*types)[i] : nullptr);
  return InferContext{ctx.node, ctx.opset, ctx.state, *ptrs, ctx.inputs, {}};
}

}  // namespace onnxwasm
