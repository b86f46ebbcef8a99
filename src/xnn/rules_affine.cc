// SPDX-License-Identifier: MIT
// Per-channel affine nodes: BatchNormalization (inference), and Mul, Add or Sub of a constant
// with one value per channel (or one value), as Caffe2 exports write a "scale" layer. A chain
// of them right after a Conv folds into it (rules_conv.cc); one starting on an NHWC activation
// (DenseNet's and pre-activation ResNets' BN -> scale -> Relu before each conv) runs as one 1x1
// depthwise convolution, XNNPACK's per-channel multiply-add with the Relu after it fused: one
// pass over the activations instead of one per node.
#include <cmath>

#include "xnn/rules.h"

namespace onnxwasm {
namespace {

// The per-channel values of constant `id` for the m channels of an NCHW tensor: [m,1,1],
// [1,m,1,1], or a single value; empty otherwise.
std::vector<float> per_channel(const Program& p, int id, int64_t m) {
  const Tensor* c = id >= 0 ? p.values[id].constant.get() : nullptr;
  if (!c || c->dtype() != DType::kFloat32) return {};
  const Dims& d = c->dims();
  const bool one = c->size() == 1 && d.size() <= 4;
  const bool channels = (d == Dims{m, 1, 1}) || (d == Dims{1, m, 1, 1});
  if (!one && !channels) return {};
  return one ? std::vector<float>(static_cast<size_t>(m), c->data<float>()[0])
             : std::vector<float>(c->data<float>(), c->data<float>() + m);
}

// Node `pn` as y = x * mul + add per channel of its first input (m channels, rank 4, the
// output's dims the input's); false if it is not such a node.
bool affine_of(const ProgramNode& pn, const Program& p, int64_t m, std::vector<float>* mul, std::vector<float>* add) {
  const std::string& op = pn.node->op_type;
  if (!pn.node->domain.empty() || pn.inputs.empty() || pn.inputs[0] < 0 || pn.outputs.empty() || pn.outputs[0] < 0) return false;
  for (size_t i = 1; i < pn.outputs.size(); i++)
    if (pn.outputs[i] >= 0) return false;  // a batch norm's training outputs
  const Dims& x = p.values[pn.inputs[0]].type.dims;
  if (x.size() != 4 || x[1] != m || p.values[pn.outputs[0]].type.dims != x) return false;
  mul->assign(static_cast<size_t>(m), 1.f);
  add->assign(static_cast<size_t>(m), 0.f);
  if (op == "BatchNormalization") return batch_norm_affine(pn, p, mul, add).is_ok();
  if ((op != "Mul" && op != "Add" && op != "Sub") || pn.inputs.size() != 2) return false;
  std::vector<float> c = per_channel(p, pn.inputs[1], m);
  if (c.empty()) return false;
  if (op == "Mul") *mul = std::move(c);
  for (int64_t o = 0; op != "Mul" && o < m; o++) (*add)[o] = op == "Add" ? c[o] : -c[o];
  return true;
}

}  // namespace

AffineChain affine_chain(const Program& p, const XnnBuilder& b, int value, int64_t m) {
  AffineChain f;
  f.mul.assign(static_cast<size_t>(m), 1.f);
  f.add.assign(static_cast<size_t>(m), 0.f);
  std::vector<float> mul, add;
  for (int v = value;;) {
    const std::vector<int>& users = p.values[v].users;
    if (users.size() != 1 || users[0] < 0 || !b.in_region(users[0])) return f;
    const ProgramNode& next = p.nodes[users[0]];
    if (next.inputs[0] != v || !affine_of(next, p, m, &mul, &add)) return f;
    for (int64_t o = 0; o < m; o++) f.mul[o] *= mul[o], f.add[o] = f.add[o] * mul[o] + add[o];
    f.nodes.push_back(users[0]);
    v = next.outputs[0];
  }
}

Result<bool> lower_affine_chain(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const int x = pn.inputs[0];
  if (x < 0 || b->layout_of(x) != Layout::kNHWC || p.values[x].type.dims.size() != 4) return false;
  const int64_t m = p.values[x].type.dims[1];
  std::vector<float> mul, add;
  if (!affine_of(pn, p, m, &mul, &add)) return false;
  AffineChain rest = affine_chain(p, *b, pn.outputs[0], m);
  for (int64_t o = 0; o < m; o++) mul[o] *= rest.mul[o], add[o] = add[o] * rest.mul[o] + rest.add[o];
  const Node& n = *pn.node;
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(x, Layout::kNHWC, n));
  OW_ASSIGN_OR_RETURN(uint32_t filter, b->packed_tensor(std::move(mul), {1, 1, 1, m}, -1, n));
  OW_ASSIGN_OR_RETURN(uint32_t bias, b->packed_tensor(std::move(add), {m}, -1, n));
  for (int ni : rest.nodes) b->mark_fused(ni);
  const int y = rest.nodes.empty() ? pn.outputs[0] : p.nodes[rest.nodes.back()].outputs[0];
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(y, Layout::kNHWC, n));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_depthwise_convolution_2d(b->subgraph(), 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1,
                                                                   static_cast<size_t>(m), -INFINITY, INFINITY, in, filter,
                                                                   bias, out, 0),
                               "xnn_define_depthwise_convolution_2d", n));
  return true;
}

}  // namespace onnxwasm
