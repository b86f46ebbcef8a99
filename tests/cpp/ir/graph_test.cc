// SPDX-License-Identifier: MIT
#include "ir/graph.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

TEST_CASE("topological_order sorts nodes given out of order", "[ir]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2});
  std::string a = g.node("Relu", {"x"});
  std::string b = g.node("Neg", {a});
  g.output(b);
  std::swap(g.model().graph.nodes[0], g.model().graph.nodes[1]);
  auto order = topological_order(g.model().graph);
  REQUIRE(order.is_ok());
  CHECK(g.model().graph.nodes[order.value()[0]].op_type == "Relu");
}

TEST_CASE("topological_order names a cycle and a missing producer", "[ir]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2});
  g.node("Add", {"x", "Neg_1_out0"});
  g.node("Neg", {"Add_0_out0"});
  auto order = topological_order(g.model().graph);
  REQUIRE_FALSE(order.is_ok());
  CHECK(order.status().code() == Code::INVALID_MODEL);
  CHECK_THAT(order.status().message(), Catch::Matchers::ContainsSubstring("cycle"));

  GraphBuilder h;
  h.input("x", DType::kFloat32, {2});
  h.node("Add", {"x", "nowhere"});
  auto o2 = topological_order(h.model().graph);
  REQUIRE_FALSE(o2.is_ok());
  CHECK_THAT(o2.status().message(), Catch::Matchers::ContainsSubstring("'nowhere'"));
}

TEST_CASE("a value produced twice is refused", "[ir]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2});
  g.node("Relu", {"x"});
  g.model().graph.nodes.push_back(g.model().graph.nodes[0]);
  auto order = topological_order(g.model().graph);
  REQUIRE_FALSE(order.is_ok());
  CHECK_THAT(order.status().message(), Catch::Matchers::ContainsSubstring("produced twice"));
}

TEST_CASE("Tensor::make refuses absurd sizes without allocating", "[ir]") {
  auto t = Tensor::make(DType::kFloat32, {int64_t(1) << 40, int64_t(1) << 20});
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().code() == Code::OUT_OF_MEMORY);
}
