// SPDX-License-Identifier: MIT
// Random ops cannot be compared with stored data: their distributions, seeding and the fact
// that each run draws anew (they are never folded into constants) are checked instead.
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

Tensor probabilities(float p, int64_t n) {
  Tensor t = Tensor::make(DType::kFloat32, {n}).take();
  for (int64_t i = 0; i < n; i++) t.data<float>()[i] = p;
  return t;
}

std::unique_ptr<Session> bernoulli_session(std::vector<Attribute> attrs, int64_t n = 10000) {
  GraphBuilder g(15);
  g.input("p", DType::kFloat32, {n});
  g.output(g.node("Bernoulli", {"p"}, std::move(attrs)));
  return make_session(std::move(g.model()), false);
}

double mean(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.size(); i++) s += t.float_at(i);
  return s / static_cast<double>(t.size());
}

}  // namespace

TEST_CASE("Bernoulli draws 0/1 with probability p, in the dtype asked for", "[kernels]") {
  auto s = bernoulli_session({attr_i("dtype", static_cast<int64_t>(DType::kInt32))});
  Tensor p = probabilities(0.3f, 10000);
  Tensor y = std::move(run_session(*s, {feed("p", p)})[0]);
  REQUIRE(y.dtype() == DType::kInt32);
  for (int64_t i = 0; i < y.size(); i++) REQUIRE((y.data<int32_t>()[i] == 0 || y.data<int32_t>()[i] == 1));
  CHECK(mean(y) == Catch::Approx(0.3).margin(0.03));
  Tensor zero = probabilities(0.f, 10000), one = probabilities(1.f, 10000);
  CHECK(mean(run_session(*s, {feed("p", zero)})[0]) == 0.0);
  CHECK(mean(run_session(*s, {feed("p", one)})[0]) == 1.0);
  auto b = bernoulli_session({attr_i("dtype", static_cast<int64_t>(DType::kBool))});
  Tensor yb = std::move(run_session(*b, {feed("p", p)})[0]);
  REQUIRE(yb.dtype() == DType::kBool);
  CHECK(mean(yb) == Catch::Approx(0.3).margin(0.03));
}

TEST_CASE("A seed repeats the sequence across sessions; each run draws anew", "[kernels]") {
  Tensor p = probabilities(0.5f, 256);
  auto a = bernoulli_session({attr_f("seed", 3.f)}, 256), b = bernoulli_session({attr_f("seed", 3.f)}, 256);
  Tensor a1 = std::move(run_session(*a, {feed("p", p)})[0]), a2 = std::move(run_session(*a, {feed("p", p)})[0]);
  Tensor b1 = std::move(run_session(*b, {feed("p", p)})[0]);
  REQUIRE(a1.dtype() == DType::kFloat32);
  CHECK(memcmp(a1.raw(), b1.raw(), a1.byte_size()) == 0);
  CHECK(memcmp(a1.raw(), a2.raw(), a1.byte_size()) != 0);  // 2^-256 chance of a false failure
}

TEST_CASE("RandomUniform and RandomNormal follow their attributes and are not folded", "[kernels]") {
  GraphBuilder g(13);
  std::string u = g.node("RandomUniform", {}, {attr_ints("shape", {100, 100}), attr_f("low", 2.f), attr_f("high", 5.f)});
  std::string n = g.node("RandomNormal", {}, {attr_ints("shape", {100, 100}), attr_f("mean", -1.f), attr_f("scale", 0.5f),
                                              attr_i("dtype", static_cast<int64_t>(DType::kFloat64))});
  g.output(u);
  g.output(n);
  auto s = make_session(std::move(g.model()), false);
  std::vector<Tensor> first = run_session(*s, {}), second = run_session(*s, {});
  const Tensor &uy = first[0], &ny = first[1];
  REQUIRE(uy.dims() == Dims{100, 100});
  REQUIRE(ny.dtype() == DType::kFloat64);
  for (int64_t i = 0; i < uy.size(); i++) REQUIRE((uy.data<float>()[i] >= 2.f && uy.data<float>()[i] <= 5.f));
  CHECK(mean(uy) == Catch::Approx(3.5).margin(0.05));
  CHECK(mean(ny) == Catch::Approx(-1.0).margin(0.03));
  CHECK(memcmp(first[0].raw(), second[0].raw(), first[0].byte_size()) != 0);
}

TEST_CASE("RandomUniformLike takes the input's shape and dtype", "[kernels]") {
  GraphBuilder g(13);
  g.input("x", DType::kFloat64, {3, 7});
  g.output(g.node("RandomUniformLike", {"x"}));
  auto s = make_session(std::move(g.model()), false);
  Tensor x = Tensor::make(DType::kFloat64, {3, 7}).take();
  Tensor y = std::move(run_session(*s, {feed("x", x)})[0]);
  CHECK(y.dtype() == DType::kFloat64);
  CHECK(y.dims() == Dims{3, 7});
  for (int64_t i = 0; i < y.size(); i++) REQUIRE((y.data<double>()[i] >= 0 && y.data<double>()[i] <= 1));
}
