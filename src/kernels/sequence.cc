// SPDX-License-Identifier: MIT
// Sequence ops: SequenceEmpty, SequenceConstruct, SequenceAt, SequenceInsert, SequenceErase,
// SequenceLength, ConcatFromSequence, SplitToSequence. A sequence's items are immutable and
// shared, so inserting or erasing copies pointers, not tensors.
#include <cstring>

#include "kernels/op.h"
#include "kernels/axis_slices.h"

namespace onnxwasm {
namespace {

using Item = std::shared_ptr<const Tensor>;

Status check_sequence(const InferContext& ctx, size_t i) {
  OW_CHECK(ctx.in(i).kind == ValueKind::kSequence, INVALID_MODEL, "%s: input %zu ('%s') must be a sequence",
           ctx.node.describe().c_str(), i, ctx.node.inputs[i].c_str());
  return Status::ok();
}

Status check_tensor(const InferContext& ctx, size_t i) {
  OW_CHECK(ctx.in(i).kind == ValueKind::kTensor && !ctx.in(i).optional, INVALID_MODEL, "%s: input %zu ('%s') must be a tensor",
           ctx.node.describe().c_str(), i, ctx.node.inputs[i].c_str());
  return Status::ok();
}

ValueType sequence_of(DType elem) {
  ValueType t{elem, {}, false};
  t.kind = ValueKind::kSequence;
  return t;
}

// A position input (a scalar int32/int64, negative from the end) in [-n, n) (or [-n, n] to insert).
Result<int64_t> position(const KernelContext& ctx, size_t i, int64_t n, bool allow_end, int64_t def) {
  if (!ctx.has_input(i)) return def;
  const Tensor& p = ctx.in(i);
  OW_CHECK(p.is_tensor() && p.size() == 1 && (p.dtype() == DType::kInt32 || p.dtype() == DType::kInt64), INVALID_INPUT,
           "%s: position must be one int32 or int64", ctx.node.describe().c_str());
  int64_t v = p.int_at(0);
  OW_CHECK(v >= -n && (allow_end ? v <= n : v < n), INVALID_INPUT, "%s: position %lld is out of range for a sequence of %lld",
           ctx.node.describe().c_str(), static_cast<long long>(v), static_cast<long long>(n));
  return v < 0 ? v + n : v;
}

Status infer_empty(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 0, 0));
  int64_t dt = attr_int(ctx.node, "dtype", static_cast<int64_t>(DType::kFloat32));
  OW_CHECK(dtype_is_valid(static_cast<int32_t>(dt)) && dtype_size(static_cast<DType>(dt)) > 0, INVALID_MODEL,
           "%s: invalid dtype %lld", ctx.node.describe().c_str(), static_cast<long long>(dt));
  ctx.set_output(0, sequence_of(static_cast<DType>(dt)));
  return Status::ok();
}

Status run_empty(KernelContext& ctx) {
  ctx.out(0) = Tensor::sequence(static_cast<DType>(attr_int(ctx.node, "dtype", static_cast<int64_t>(DType::kFloat32))), {});
  return Status::ok();
}

Status infer_construct(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_variadic_inputs(ctx, 1, 4096));
  for (size_t i = 0; i < ctx.num_inputs(); i++) {
    OW_RETURN_IF_ERROR(check_tensor(ctx, i));
    OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: input %zu has dtype %s, input 0 has %s",
             ctx.node.describe().c_str(), i, dtype_name(ctx.in(i).dtype), dtype_name(ctx.in(0).dtype));
  }
  ctx.set_output(0, sequence_of(ctx.in(0).dtype));
  return Status::ok();
}

Status run_construct(KernelContext& ctx) {
  std::vector<Item> items;
  for (const Tensor* t : ctx.inputs) {
    OW_ASSIGN_OR_RETURN(Item item, share_copy(*t));
    items.push_back(std::move(item));
  }
  ctx.out(0) = Tensor::sequence(ctx.in(0).dtype(), std::move(items));
  return Status::ok();
}

Status infer_at(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_sequence(ctx, 0));
  ctx.set_output(0, ValueType{ctx.in(0).dtype, ctx.in(0).dims, ctx.in(0).has_rank});
  return Status::ok();
}

Status run_at(KernelContext& ctx) {
  const auto& items = ctx.in(0).items();
  OW_ASSIGN_OR_RETURN(int64_t i, position(ctx, 1, static_cast<int64_t>(items.size()), false, 0));
  OW_ASSIGN_OR_RETURN(ctx.out(0), items[i]->clone());
  return Status::ok();
}

Status infer_insert(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 3));
  OW_RETURN_IF_ERROR(check_sequence(ctx, 0));
  OW_RETURN_IF_ERROR(check_tensor(ctx, 1));
  OW_CHECK(ctx.in(1).dtype == ctx.in(0).dtype || ctx.in(0).dtype == DType::kUndefined, INVALID_MODEL,
           "%s: inserting a %s tensor into a sequence of %s", ctx.node.describe().c_str(), dtype_name(ctx.in(1).dtype),
           dtype_name(ctx.in(0).dtype));
  ctx.set_output(0, sequence_of(ctx.in(1).dtype));
  return Status::ok();
}

Status run_insert(KernelContext& ctx) {
  std::vector<Item> items = ctx.in(0).items();
  OW_ASSIGN_OR_RETURN(int64_t i, position(ctx, 2, static_cast<int64_t>(items.size()), true, static_cast<int64_t>(items.size())));
  OW_ASSIGN_OR_RETURN(Item item, share_copy(ctx.in(1)));
  items.insert(items.begin() + i, std::move(item));
  ctx.out(0) = Tensor::sequence(ctx.in(1).dtype(), std::move(items));
  return Status::ok();
}

Status infer_erase(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  OW_RETURN_IF_ERROR(check_sequence(ctx, 0));
  ctx.set_output(0, sequence_of(ctx.in(0).dtype));
  return Status::ok();
}

Status run_erase(KernelContext& ctx) {
  std::vector<Item> items = ctx.in(0).items();
  int64_t n = static_cast<int64_t>(items.size());
  OW_CHECK(n > 0, INVALID_INPUT, "%s: the sequence is empty", ctx.node.describe().c_str());
  OW_ASSIGN_OR_RETURN(int64_t i, position(ctx, 1, n, false, n - 1));
  items.erase(items.begin() + i);
  ctx.out(0) = Tensor::sequence(ctx.in(0).dtype(), std::move(items));
  return Status::ok();
}

Status infer_length(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_sequence(ctx, 0));
  ctx.set_output(0, DType::kInt64, {});
  return Status::ok();
}

Status run_length(KernelContext& ctx) {
  OW_ASSIGN_OR_RETURN(ctx.out(0), Tensor::make(DType::kInt64, {}));
  ctx.out(0).data<int64_t>()[0] = static_cast<int64_t>(ctx.in(0).items().size());
  return Status::ok();
}

Status infer_concat_seq(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_sequence(ctx, 0));
  ctx.set_output(0, ValueType{ctx.in(0).dtype, {}, false});
  return Status::ok();
}

Status run_concat_seq(KernelContext& ctx) {
  const auto& items = ctx.in(0).items();
  OW_CHECK(!items.empty(), INVALID_INPUT, "%s: the sequence is empty", ctx.node.describe().c_str());
  bool new_axis = attr_int(ctx.node, "new_axis", 0) != 0;
  const Dims& first = items[0]->dims();
  int64_t rank = static_cast<int64_t>(first.size()) + (new_axis ? 1 : 0);
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0), rank));
  std::vector<const Tensor*> parts;
  for (const Item& t : items) parts.push_back(t.get());
  OW_ASSIGN_OR_RETURN(ctx.out(0), join_along(ctx.node, parts, axis, new_axis));
  return Status::ok();
}

Status infer_split_seq(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 2));
  OW_RETURN_IF_ERROR(check_tensor(ctx, 0));
  if (ctx.has_input(1)) OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt32, DType::kInt64}));
  ctx.set_output(0, sequence_of(ctx.in(0).dtype));
  return Status::ok();
}

Status run_split_seq(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  OW_CHECK(x.rank() >= 1, INVALID_INPUT, "%s: the input must have rank >= 1", ctx.node.describe().c_str());
  OW_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.node, "axis", attr_int(ctx.node, "axis", 0), static_cast<int64_t>(x.rank())));
  int64_t len = x.dims()[axis];
  std::vector<int64_t> sizes;
  bool squeeze = false;
  if (!ctx.has_input(1)) {
    sizes.assign(static_cast<size_t>(len), 1);
    squeeze = attr_int(ctx.node, "keepdims", 1) == 0;
  } else if (ctx.in(1).rank() == 0) {  // chunks of this size, the last one smaller
    int64_t k = ctx.in(1).int_at(0);
    OW_CHECK(k > 0, INVALID_INPUT, "%s: split must be positive, got %lld", ctx.node.describe().c_str(), static_cast<long long>(k));
    for (int64_t at = 0; at < len; at += k) sizes.push_back(std::min(k, len - at));
  } else {
    int64_t total = 0;
    for (int64_t i = 0; i < ctx.in(1).size(); i++) {
      sizes.push_back(ctx.in(1).int_at(i));
      OW_CHECK(sizes.back() >= 0, INVALID_INPUT, "%s: negative split", ctx.node.describe().c_str());
      total += sizes.back();
    }
    OW_CHECK(total == len, INVALID_INPUT, "%s: split sums to %lld, axis %lld has %lld", ctx.node.describe().c_str(),
             static_cast<long long>(total), static_cast<long long>(axis), static_cast<long long>(len));
  }
  std::vector<Item> items;
  int64_t at = 0;
  for (int64_t size : sizes) {
    OW_ASSIGN_OR_RETURN(Tensor part, slice_along(x, axis, at, size));
    if (squeeze) {
      Dims d = part.dims();
      d.erase(d.begin() + axis);
      part.reshape(d);
    }
    items.push_back(std::make_shared<const Tensor>(std::move(part)));
    at += size;
  }
  ctx.out(0) = Tensor::sequence(x.dtype(), std::move(items));
  return Status::ok();
}

}  // namespace

#define OW_SEQUENCE_OP(Name, infer, run) \
  extern const OpDef k##Name = {#Name, "", 11, infer, nullptr, run, /*any_value=*/true};
OW_SEQUENCE_OP(SequenceEmpty, infer_empty, run_empty)
OW_SEQUENCE_OP(SequenceConstruct, infer_construct, run_construct)
OW_SEQUENCE_OP(SequenceAt, infer_at, run_at)
OW_SEQUENCE_OP(SequenceInsert, infer_insert, run_insert)
OW_SEQUENCE_OP(SequenceErase, infer_erase, run_erase)
OW_SEQUENCE_OP(SequenceLength, infer_length, run_length)
OW_SEQUENCE_OP(ConcatFromSequence, infer_concat_seq, run_concat_seq)
OW_SEQUENCE_OP(SplitToSequence, infer_split_seq, run_split_seq)

}  // namespace onnxwasm
