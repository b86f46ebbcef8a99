// SPDX-License-Identifier: MIT
#include "kernels/axis_slices.h"

namespace onnxwasm {

Result<std::shared_ptr<const Tensor>> share_copy(const Tensor& t) {
  OW_ASSIGN_OR_RETURN(Tensor copy, t.clone());
  return std::make_shared<const Tensor>(std::move(copy));
}

Result<Tensor> slice_along(const Tensor& x, int64_t axis, int64_t start, int64_t len) {
  Dims d = x.dims();
  int64_t n = d[axis];
  d[axis] = len;
  OW_ASSIGN_OR_RETURN(Tensor out, Tensor::make(x.dtype(), d));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; i++) outer *= d[i];
  for (size_t i = static_cast<size_t>(axis) + 1; i < d.size(); i++) inner *= d[i];
  for (int64_t o = 0; o < outer; o++) copy_elements(x, (o * n + start) * inner, out, o * len * inner, len * inner);
  return out;
}

Result<Tensor> join_along(const Node& node, const std::vector<const Tensor*>& parts, int64_t axis, bool new_axis) {
  const Tensor& first = *parts[0];
  Dims out = first.dims();
  if (new_axis) out.insert(out.begin() + axis, 0);
  for (size_t k = 0; k < parts.size(); k++) {
    const Tensor& t = *parts[k];
    bool same = t.dtype() == first.dtype() && t.rank() == first.rank();
    for (size_t i = 0; same && i < t.rank(); i++) same = t.dims()[i] == first.dims()[i] || (!new_axis && static_cast<int64_t>(i) == axis);
    OW_CHECK(same, INVALID_INPUT, "%s: item %zu (%s %s) cannot be joined with item 0 (%s %s) along axis %lld",
             node.describe().c_str(), k, dtype_name(t.dtype()), dims_to_string(t.dims()).c_str(), dtype_name(first.dtype()),
             dims_to_string(first.dims()).c_str(), static_cast<long long>(axis));
    if (!new_axis) out[axis] += k ? t.dims()[axis] : 0;
  }
  if (new_axis) out[axis] = static_cast<int64_t>(parts.size());
  OW_ASSIGN_OR_RETURN(Tensor y, Tensor::make(first.dtype(), out));
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; i++) outer *= out[i];
  int64_t out_row = outer ? y.size() / outer : 0, offset = 0;
  for (const Tensor* t : parts) {
    int64_t row = outer ? t->size() / outer : 0;
    for (int64_t o = 0; o < outer; o++) copy_elements(*t, o * row, y, o * out_row + offset, row);
    offset += row;
  }
  return y;
}

}  // namespace onnxwasm
