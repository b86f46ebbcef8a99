// SPDX-License-Identifier: MIT
// Optional values: Optional (wraps a value, or makes an empty one of attribute `type`),
// OptionalHasElement, OptionalGetElement. At run time an optional holding a value is that
// value; an empty one is ValueKind::kNone.
#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_optional(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 0, 1));
  if (ctx.has_input(0)) {
    ValueType t = ctx.in(0);
    OW_CHECK(!t.optional, INVALID_MODEL, "%s: the input is already an optional", ctx.node.describe().c_str());
    t.optional = true;
    ctx.set_output(0, t);
    return Status::ok();
  }
  const Attribute* type = ctx.node.attr("type");
  OW_CHECK(type && type->kind == Attribute::Kind::kTypeProto, INVALID_MODEL,
           "%s: an Optional without input needs its 'type' attribute", ctx.node.describe().c_str());
  ValueType t{DType::kUndefined, {}, false};
  t.optional = true;
  ctx.set_output(0, t);
  return Status::ok();
}

Status run_optional(KernelContext& ctx) {
  if (!ctx.has_input(0)) {
    ctx.out(0) = Tensor::none();
    return Status::ok();
  }
  OW_ASSIGN_OR_RETURN(ctx.out(0), ctx.in(0).clone());
  return Status::ok();
}

Status infer_has_element(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 0, 1));
  ctx.set_output(0, DType::kBool, {});
  return Status::ok();
}

Status run_has_element(KernelContext& ctx) {
  OW_ASSIGN_OR_RETURN(ctx.out(0), Tensor::make(DType::kBool, {}));
  ctx.out(0).data<bool>()[0] = ctx.has_input(0) && ctx.in(0).kind() != ValueKind::kNone;
  return Status::ok();
}

Status infer_get_element(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_CHECK(ctx.in(0).kind != ValueKind::kNone, INVALID_INPUT, "%s: the optional is empty", ctx.node.describe().c_str());
  ValueType t = ctx.in(0);
  t.optional = false;
  ctx.set_output(0, t);
  return Status::ok();
}

Status run_get_element(KernelContext& ctx) {
  OW_CHECK(ctx.in(0).kind() != ValueKind::kNone, INVALID_INPUT, "%s: the optional is empty", ctx.node.describe().c_str());
  OW_ASSIGN_OR_RETURN(ctx.out(0), ctx.in(0).clone());
  return Status::ok();
}

}  // namespace

extern const OpDef kOptional = {"Optional", "", 15, infer_optional, nullptr, run_optional, /*any_value=*/true};
extern const OpDef kOptionalHasElement = {"OptionalHasElement", "", 15, infer_has_element, nullptr, run_has_element, true};
extern const OpDef kOptionalGetElement = {"OptionalGetElement", "", 15, infer_get_element, nullptr, run_get_element, true};

}  // namespace onnxwasm
