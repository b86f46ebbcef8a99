// SPDX-License-Identifier: MIT
// Run-time input checks and the "session still works after an error" contract.
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

static std::unique_ptr<Session> relu_session(bool xnn) {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2, 3});
  g.output(g.node("Relu", {"x"}));
  return make_session(std::move(g.model()), xnn);
}

TEST_CASE("wrong feeds are INVALID_INPUT with expected and received, then the session runs", "[runtime]") {
  auto s = relu_session(false);
  Tensor good = random_tensor({2, 3}, 1);
  std::vector<Tensor> out;

  Status st = try_run(*s, {feed("y", good)}, &out);
  CHECK(st.code() == Code::INVALID_INPUT);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("unknown input 'y'"));

  st = try_run(*s, {}, &out);
  CHECK(st.code() == Code::INVALID_INPUT);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("missing input 'x'"));

  Tensor ints = Tensor::make(DType::kInt32, {2, 3}).take();
  st = try_run(*s, {feed("x", ints)}, &out);
  CHECK(st.code() == Code::INVALID_INPUT);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("expected dtype float32, got int32"));

  Tensor rank3 = random_tensor({2, 3, 1}, 2);
  st = try_run(*s, {feed("x", rank3)}, &out);
  CHECK(st.code() == Code::INVALID_INPUT);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("expected shape [2,3], got [2,3,1]"));

  auto ok = run_session(*s, {feed("x", good)});
  for (int i = 0; i < 6; i++) CHECK(ok[0].data<float>()[i] == std::max(0.f, good.data<float>()[i]));
}

TEST_CASE("a graph output listed twice and a constant output are both returned", "[runtime]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {2});
  std::string r = g.node("Relu", {"x"});
  g.output(r);
  g.output(r);
  g.output(g.constant("k", random_tensor({3}, 4)));
  auto s = make_session(std::move(g.model()), false);
  Tensor x = random_tensor({2}, 5);
  auto out = run_session(*s, {feed("x", x)});
  REQUIRE(out.size() == 3);
  expect_close(out[0], out[1], 0, 0);
  CHECK(out[2].size() == 3);
}

TEST_CASE("symbolic input dims get a plan per concrete shape, XNNPACK included", "[runtime]") {
  auto build = [] {
    GraphBuilder g;
    g.input("x", DType::kFloat32, {-1, 3, 7, 7}, {"batch", "", "", ""});
    g.constant("w", random_tensor({5, 3, 3, 3}, 1));
    g.output(g.node("Relu", {g.node("Conv", {"x", "w"}, {attr_ints("pads", {1, 1, 1, 1})})}));
    return std::move(g.model());
  };
  auto ref = make_session(build(), false);
  auto fast = make_session(build(), true);
  for (int64_t batch : {1, 3, 1, 2}) {
    Tensor x = random_tensor({batch, 3, 7, 7}, static_cast<uint32_t>(batch));
    auto a = run_session(*ref, {feed("x", x)});
    auto b = run_session(*fast, {feed("x", x)});
    REQUIRE(b[0].dims() == Dims{batch, 5, 7, 7});
    expect_close(b[0], a[0], 1e-4f, 1e-5f);
#ifdef ONNXWASM_HAVE_XNNPACK
    CHECK(fast->xnn_node_count() == 2);
#endif
  }
  // The metadata keeps the symbolic dim.
  CHECK(fast->inputs()[0].dim_names[0] == "batch");
  CHECK(fast->inputs()[0].dims[0] == -1);
}
