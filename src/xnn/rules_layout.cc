// SPDX-License-Identifier: MIT
// Ops that only move data: Reshape, Squeeze, Unsqueeze -> xnn_define_static_reshape
// (output dims are static, so the shape/axes inputs are not read); Transpose ->
// xnn_define_static_transpose. Inside a region they keep the activations in XNNPACK instead of
// ending the region (a transpose back to NCHW, a reference kernel, a transpose to NHWC again).
// An NHWC input is used as it is where its bytes allow: a Transpose composes its permutation
// with NHWC's; a reshape of [N, C, 1, 1] or [N, 1, H, W] reads the same bytes in either layout;
// ShuffleNet's channel shuffle (Reshape to [N, g, C/g, H, W], Transpose [0, 2, 1, 3, 4],
// Reshape back) is one transpose of the channel axis in NHWC.
#include "xnn/rules.h"

namespace onnxwasm {
namespace {

// Value `id`, read only by node `user`, stays inside the region.
bool internal_to_region(const XnnBuilder& b, int id, int user) { return user >= 0 && b.in_region(user) && !b.is_output(id); }

std::vector<size_t> sizes(const Dims& d) { return std::vector<size_t>(d.begin(), d.end()); }

// Reshape [N, C, H, W] -> [N, g, C/g, H, W] -> Transpose [0, 2, 1, 3, 4] -> Reshape [N, C, H, W]
// starting at `pn` with an NHWC input: defined as [N, H, W, g, C/g] -> [N, H, W, C/g, g] and
// the last Reshape's output in NHWC; the Transpose and the last Reshape are marked fused.
Result<bool> lower_channel_shuffle(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims &x = p.values[pn.inputs[0]].type.dims, &split = p.values[pn.outputs[0]].type.dims;
  if (x.size() != 4 || b->layout_of(pn.inputs[0]) != Layout::kNHWC || split.size() != 5) return false;
  if (split[0] != x[0] || split[1] * split[2] != x[1] || split[3] != x[2] || split[4] != x[3]) return false;
  const int tr = sole_reader(p, pn.outputs[0], "Transpose", 1);
  if (!internal_to_region(*b, pn.outputs[0], tr) || attr_ints(*p.nodes[tr].node, "perm") != std::vector<int64_t>{0, 2, 1, 3, 4})
    return false;
  const int back = sole_reader(p, p.nodes[tr].outputs[0], "Reshape", 0);
  if (!internal_to_region(*b, p.nodes[tr].outputs[0], back) || p.values[p.nodes[back].outputs[0]].type.dims != x) return false;

  const size_t grouped[5] = {static_cast<size_t>(x[0]), static_cast<size_t>(x[2]), static_cast<size_t>(x[3]),
                             static_cast<size_t>(split[1]), static_cast<size_t>(split[2])};
  const size_t swapped[5] = {grouped[0], grouped[1], grouped[2], grouped[4], grouped[3]};
  const size_t perm[5] = {0, 1, 2, 4, 3};
  xnn_subgraph_t s = b->subgraph();
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], Layout::kNHWC, n));
  uint32_t g = XNN_INVALID_VALUE_ID, t = XNN_INVALID_VALUE_ID;
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_tensor_value(s, xnn_datatype_fp32, 5, grouped, nullptr, XNN_INVALID_VALUE_ID, 0, &g),
                               "xnn_define_tensor_value", n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_reshape(s, 5, grouped, in, g, 0), "xnn_define_static_reshape", n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_tensor_value(s, xnn_datatype_fp32, 5, swapped, nullptr, XNN_INVALID_VALUE_ID, 0, &t),
                               "xnn_define_tensor_value", n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_transpose(s, 5, perm, g, t, 0), "xnn_define_static_transpose", n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(p.nodes[back].outputs[0], Layout::kNHWC, *p.nodes[back].node));
  std::vector<size_t> nhwc = sizes(dims_in_layout(x, Layout::kNHWC));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_static_reshape(s, 4, nhwc.data(), t, out, 0), "xnn_define_static_reshape", n));
  b->mark_fused(tr);
  b->mark_fused(back);
  return true;
}

}  // namespace

Status lower_reshape(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  OW_XNN_REQUIRE(xnn_static_f32(p, pn.inputs[0]) && xnn_static_f32(p, pn.outputs[0]), "not float32 with a static shape");
  if (!b) return Status::ok();
  OW_ASSIGN_OR_RETURN(bool shuffled, lower_channel_shuffle(pn, p, b));
  if (shuffled) return Status::ok();
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  // NHWC and NCHW hold [N, C, 1, 1] and [N, 1, H, W] in the same order.
  bool same_bytes = x.size() == 4 && (x[1] == 1 || x[2] * x[3] == 1);
  Layout layout = same_bytes ? b->layout_of(pn.inputs[0]) : Layout::kNative;
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNative, n));
  std::vector<size_t> d = sizes(p.values[pn.outputs[0]].type.dims);
  return xnn_check(xnn_define_static_reshape(b->subgraph(), d.size(), d.data(), in, out, 0), "xnn_define_static_reshape", n);
}

Status lower_transpose(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const Node& n = *pn.node;
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  std::vector<int64_t> perm = attr_ints(n, "perm");
  if (perm.empty())
    for (size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  OW_XNN_REQUIRE(perm.size() == x.size(), "perm has %zu axes for rank %zu", perm.size(), x.size());
  if (!b) return Status::ok();
  Layout layout = x.size() == 4 ? b->layout_of(pn.inputs[0]) : Layout::kNative;
  // Output axis i is input axis perm[i], which an NHWC input holds at nhwc_axis(perm[i]).
  std::vector<size_t> q;
  for (int64_t a : perm) q.push_back(static_cast<size_t>(layout == Layout::kNHWC ? nhwc_axis(a) : a));
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(pn.inputs[0], layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(pn.outputs[0], Layout::kNative, n));
  return xnn_check(xnn_define_static_transpose(b->subgraph(), q.size(), q.data(), in, out, 0), "xnn_define_static_transpose", n);
}

}  // namespace onnxwasm
