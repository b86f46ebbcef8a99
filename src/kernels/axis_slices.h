// SPDX-License-Identifier: MIT
// Cutting tensors along an axis and joining them back: SplitToSequence / ConcatFromSequence,
// and the per-iteration slices and stacked outputs of Loop and Scan.
#pragma once
#include <memory>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {

// A copy of `t` that a sequence can hold.
Result<std::shared_ptr<const Tensor>> share_copy(const Tensor& t);
// Elements [start, start + len) of `x` along `axis` (the axis is kept, of size len).
Result<Tensor> slice_along(const Tensor& x, int64_t axis, int64_t start, int64_t len);
// `parts` (same dtype; same dims except along `axis`) concatenated along `axis`, or, with
// `new_axis`, stacked along a new axis inserted at `axis` (then all dims must match).
Result<Tensor> join_along(const Node& node, const std::vector<const Tensor*>& parts, int64_t axis, bool new_axis);

}  // namespace onnxwasm
