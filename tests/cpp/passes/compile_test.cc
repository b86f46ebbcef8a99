// SPDX-License-Identifier: MIT
// compile_program: static shapes through symbolic dims and free-dim overrides, constant
// folding of shape subgraphs, forwarding of Identity/Dropout, and op checks.
#include "passes/program.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

TEST_CASE("static inference keeps unknown dims unknown and applies free-dim overrides", "[passes]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {-1, 3, 8, 8}, {"batch", "", "", ""});
  g.constant("w", random_tensor({4, 3, 3, 3}, 1));
  std::string c = g.node("Conv", {"x", "w"}, {attr_ints("pads", {1, 1, 1, 1})});
  g.output(g.node("Relu", {c}));
  auto p = compile_program(g.model(), {});
  REQUIRE(p.is_ok());
  CHECK(p.value().output_infos[0].dims == Dims{-1, 4, 8, 8});
  CompileOptions o;
  o.free_dims["batch"] = 2;
  auto p2 = compile_program(g.model(), o);
  REQUIRE(p2.is_ok());
  CHECK(p2.value().output_infos[0].dims == Dims{2, 4, 8, 8});
  CHECK(p2.value().input_infos[0].dims == Dims{2, 3, 8, 8});
}

TEST_CASE("shape subgraphs fold to constants; Identity and Dropout are forwarded", "[passes]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2, 3, 4});
  std::string shape = g.node("Shape", {"x"});
  std::string idx = g.constant("idx", int64_tensor({0}));
  std::string first = g.node("Gather", {shape, idx});
  std::string target = g.node("Concat", {first, g.constant("m1", int64_tensor({-1}))}, {attr_i("axis", 0)});
  std::string d = g.node("Dropout", {"x"});
  std::string r = g.node("Reshape", {d, target});
  g.output(r);
  auto p = compile_program(g.model(), {});
  INFO(p.status().to_string());
  REQUIRE(p.is_ok());
  // Shape, Gather, Concat fold; Dropout is forwarded; only Reshape runs.
  REQUIRE(p.value().nodes.size() == 1);
  CHECK(p.value().nodes[0].node->op_type == "Reshape");
  CHECK(p.value().output_infos[0].dims == Dims{2, 12});
}

TEST_CASE("all unsupported ops are named at once with domain and opset", "[passes]") {
  GraphBuilder g(17);
  g.input("x", DType::kFloat32, {2});
  std::string a = g.node("NoSuchOp", {"x"});
  std::string b = g.node("Relu", {a});
  std::string c = g.node("Custom", {b}, {}, 1, "com.example");
  g.model().opsets["com.example"] = 3;
  g.output(c);
  auto p = compile_program(g.model(), {});
  REQUIRE_FALSE(p.is_ok());
  CHECK(p.status().code() == Code::UNSUPPORTED_OP);
  CHECK_THAT(p.status().message(), Catch::Matchers::ContainsSubstring("ai.onnx.NoSuchOp (opset 17)"));
  CHECK_THAT(p.status().message(), Catch::Matchers::ContainsSubstring("com.example.Custom (opset 3)"));
  CHECK_THAT(p.status().message(), Catch::Matchers::ContainsSubstring("2 operators"));
}

TEST_CASE("bad attributes are INVALID_MODEL naming the node and attribute", "[passes]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {1, 1, 4, 4});
  g.constant("w", random_tensor({1, 1, 3, 3}, 1));
  g.output(g.node("Conv", {"x", "w"}, {attr_ints("strides", {0, 1})}));
  auto p = compile_program(g.model(), {});
  REQUIRE_FALSE(p.is_ok());
  CHECK(p.status().code() == Code::INVALID_MODEL);
  CHECK_THAT(p.status().message(), Catch::Matchers::ContainsSubstring("'strides'"));
  CHECK_THAT(p.status().message(), Catch::Matchers::ContainsSubstring("Conv_0"));

  GraphBuilder h;
  h.input("x", DType::kFloat32, {1, 1, 2, 2});
  h.constant("w", random_tensor({1, 1, 3, 3}, 1));
  h.output(h.node("Conv", {"x", "w"}));
  auto q = compile_program(h.model(), {});
  REQUIRE_FALSE(q.is_ok());
  CHECK_THAT(q.status().message(), Catch::Matchers::ContainsSubstring("larger than the padded input"));
}
