// SPDX-License-Identifier: MIT
// TreeEnsemble beyond the two backend tests: aggregation and post transforms, and trees a
// hostile model could use to loop forever or read outside the node arrays.
#include "passes/program.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

Attribute tensor_attr(const std::string& name, DType dtype, std::vector<double> values) {
  Tensor t = Tensor::make(dtype, {static_cast<int64_t>(values.size())}).take();
  for (size_t i = 0; i < values.size(); i++) t.set_float_at(static_cast<int64_t>(i), values[i]);
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kTensor;
  a.t = std::make_shared<Tensor>(std::move(t));
  return a;
}

// Two stumps on feature 0 (x <= 0.5 / x < 2) with leaves for targets 0 and 1.
struct Trees {
  std::vector<int64_t> true_ids{0, 2}, false_ids{1, 3}, true_leafs{1, 1}, false_leafs{1, 1}, roots{0, 1};
  std::vector<double> modes{0, 1}, splits{0.5, 2}, weights{1, 2, 10, 20};
  std::vector<int64_t> targets{0, 1, 0, 1};
  int64_t aggregate = 1, post = 0, n_targets = 2;

  Model model() const {
    GraphBuilder g(13);
    g.model().opsets["ai.onnx.ml"] = 5;
    g.input("x", DType::kFloat32, {3, 1});
    g.output(g.node("TreeEnsemble", {"x"},
                    {attr_ints("nodes_truenodeids", true_ids), attr_ints("nodes_falsenodeids", false_ids),
                     attr_ints("nodes_trueleafs", true_leafs), attr_ints("nodes_falseleafs", false_leafs),
                     attr_ints("nodes_featureids", std::vector<int64_t>(splits.size(), 0)), attr_ints("tree_roots", roots),
                     tensor_attr("nodes_modes", DType::kUint8, modes), tensor_attr("nodes_splits", DType::kFloat32, splits),
                     tensor_attr("leaf_weights", DType::kFloat32, weights), attr_ints("leaf_targetids", targets),
                     attr_i("n_targets", n_targets), attr_i("aggregate_function", aggregate), attr_i("post_transform", post)},
                    1, "ai.onnx.ml"));
    return std::move(g.model());
  }
  Tensor run() const {
    auto s = make_session(model(), false);
    Tensor x = Tensor::make(DType::kFloat32, {3, 1}).take();
    float v[3] = {0.f, 1.f, 3.f};
    std::copy(v, v + 3, x.data<float>());
    return std::move(run_session(*s, {feed("x", x)})[0]);
  }
  Status compile_status() const { return compile_program(model(), {}).status(); }
};

std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.size(); i++) v.push_back(t.float_at(i));
  return v;
}

}  // namespace

TEST_CASE("TreeEnsemble aggregates leaves per target", "[kernels]") {
  Trees t;
  // x=0: leaves 0 (t0 += 1) and 2 (t0 += 10); x=1: 1 (t1 += 2), 2; x=3: 1, 3 (t1 += 20).
  CHECK(values(t.run()) == std::vector<double>{11, 0, 10, 2, 0, 22});
  t.aggregate = 0;  // average over the 2 trees
  CHECK(values(t.run()) == std::vector<double>{5.5, 0, 5, 1, 0, 11});
  t.aggregate = 3;  // max; a target no leaf reached is 0
  CHECK(values(t.run()) == std::vector<double>{10, 0, 10, 2, 0, 20});
  t.aggregate = 1;
  t.post = 2;  // logistic
  CHECK(t.run().float_at(1) == Catch::Approx(0.5));
  t.post = 1;  // softmax per row
  Tensor y = t.run();
  CHECK(y.float_at(0) + y.float_at(1) == Catch::Approx(1.0));
  CHECK(y.float_at(2) == Catch::Approx(1 / (1 + std::exp(-8.0))));
}

TEST_CASE("TreeEnsemble refuses cycles and out-of-range indices at creation", "[kernels]") {
  Trees cycle;
  cycle.true_leafs = {0, 1};
  cycle.true_ids = {1, 0};  // 0 -> 1 -> 0
  cycle.false_leafs = {1, 0};
  cycle.false_ids = {1, 0};
  Status st = cycle.compile_status();
  CHECK(st.code() == Code::INVALID_MODEL);
  CHECK_THAT(st.message(), Catch::Matchers::ContainsSubstring("cycle"));

  Trees far;
  far.false_ids = {1, 99};
  CHECK(far.compile_status().code() == Code::INVALID_MODEL);
  Trees target;
  target.targets = {0, 1, 0, 5};
  CHECK_THAT(target.compile_status().message(), Catch::Matchers::ContainsSubstring("not below n_targets"));
  Trees lengths;
  lengths.modes = {0};
  CHECK(lengths.compile_status().code() == Code::INVALID_MODEL);
  Trees member;
  member.modes = {6, 1};  // set membership without membership_values
  CHECK_THAT(member.compile_status().message(), Catch::Matchers::ContainsSubstring("membership_values"));
}
