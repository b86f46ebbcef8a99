// SPDX-License-Identifier: MIT
// GELU as torch exports it before opset 20: Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5
// (the two multiplications in either order of operands), each intermediate read once. The
// Div defines the whole chain as one xnn_unary_gelu (the others are marked fused); an Erf
// outside the pattern is not claimed, and plan_xnn keeps the chain within one region.
#include <cmath>

#include "xnn/rules.h"

namespace onnxwasm {
namespace {

// Value `id` is a float constant with one element close to `v`.
bool scalar_near(const Program& p, int id, double v) {
  const Tensor* c = id >= 0 ? p.values[id].constant.get() : nullptr;
  return c && c->dtype() == DType::kFloat32 && c->size() == 1 && std::fabs(c->float_at(0) - v) <= 1e-6 * std::fabs(v);
}

// The input of binary node `pn` other than `id`, or -2 when neither or both are `id`.
int other_input(const ProgramNode& pn, int id) {
  if ((pn.inputs[0] == id) == (pn.inputs[1] == id)) return -2;
  return pn.inputs[0] == id ? pn.inputs[1] : pn.inputs[0];
}

}  // namespace

GeluChain match_gelu(const Program& p, int div) {
  GeluChain g;
  const ProgramNode& d = p.nodes[div];
  if (d.node->op_type != "Div" || !d.node->domain.empty() || d.inputs.size() != 2 || !scalar_near(p, d.inputs[1], std::sqrt(2.0)))
    return g;
  const int x = d.inputs[0];
  const int erf = sole_reader(p, d.outputs[0], "Erf", 1);
  if (erf < 0) return g;
  const int add = sole_reader(p, p.nodes[erf].outputs[0], "Add", 2);
  if (add < 0 || !scalar_near(p, other_input(p.nodes[add], p.nodes[erf].outputs[0]), 1.0)) return g;
  // (x * (1 + erf)) * 0.5, the order torch emits.
  const int mul_x = sole_reader(p, p.nodes[add].outputs[0], "Mul", 2);
  if (mul_x < 0 || other_input(p.nodes[mul_x], p.nodes[add].outputs[0]) != x) return g;
  const int half = sole_reader(p, p.nodes[mul_x].outputs[0], "Mul", 2);
  if (half < 0 || !scalar_near(p, other_input(p.nodes[half], p.nodes[mul_x].outputs[0]), 0.5)) return g;
  g.nodes = {erf, add, mul_x, half};
  g.x = x;
  g.y = p.nodes[half].outputs[0];
  return g;
}

Result<bool> lower_gelu(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  GeluChain g = match_gelu(p, static_cast<int>(&pn - p.nodes.data()));
  if (g.nodes.empty()) return false;
  for (int ni : g.nodes) {
    if (!b->in_region(ni)) return false;
    if (ni != g.nodes.back() && b->is_output(p.nodes[ni].outputs[0])) return false;
  }
  const Node& n = *pn.node;
  Layout layout = b->layout_of(g.x);
  OW_ASSIGN_OR_RETURN(uint32_t in, b->input(g.x, layout, n));
  OW_ASSIGN_OR_RETURN(uint32_t out, b->output(g.y, layout, *p.nodes[g.nodes.back()].node));
  OW_RETURN_IF_ERROR(xnn_check(xnn_define_unary(b->subgraph(), xnn_unary_gelu, nullptr, in, out, 0), "xnn_define_unary(gelu)", n));
  for (int ni : g.nodes) b->mark_fused(ni);
  return true;
}

// A GELU chain is defined by its Div: all of it in one region, or the Erf stays out.
std::vector<int> erf_same_run(const Program& p, const ProgramNode& pn) {
  const int div = p.values[pn.inputs[0]].producer;
  std::vector<int> chain = match_gelu(p, div).nodes;
  chain.push_back(div);
  return chain;
}

// Claimed only inside the pattern: defined by the Div that starts it.
Status lower_erf(const ProgramNode& pn, const Program& p, XnnBuilder* b) {
  const int from = p.values[pn.inputs[0]].producer;
  OW_XNN_REQUIRE(from >= 0 && !match_gelu(p, from).nodes.empty(), "Erf outside a GELU pattern");
  OW_CHECK(!b, INTERNAL, "%s: Erf of a GELU pattern lowered apart from its Div", pn.node->describe().c_str());
  return Status::ok();
}

}  // namespace onnxwasm
