// SPDX-License-Identifier: MIT
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

TEST_CASE("Gemm with transposes, alpha, beta and a broadcast C matches a naive product", "[kernels]") {
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      int64_t m = 5, k = 7, n = 3;
      Tensor a = random_tensor(ta ? Dims{k, m} : Dims{m, k}, 1);
      Tensor b = random_tensor(tb ? Dims{n, k} : Dims{k, n}, 2);
      Tensor c = random_tensor({n}, 3);
      GraphBuilder g;
      g.input("a", DType::kFloat32, a.dims());
      g.constant("b", b.clone().take());
      g.constant("c", c.clone().take());
      g.output(g.node("Gemm", {"a", "b", "c"}, {attr_i("transA", ta), attr_i("transB", tb), attr_f("alpha", 0.5f),
                                               attr_f("beta", 2.f)}));
      auto out = run_session(*make_session(std::move(g.model()), false), {feed("a", a)});
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
          double acc = 0;
          for (int64_t p = 0; p < k; p++)
            acc += double(ta ? a.data<float>()[p * m + i] : a.data<float>()[i * k + p]) *
                   (tb ? b.data<float>()[j * k + p] : b.data<float>()[p * n + j]);
          CHECK(out[0].data<float>()[i * n + j] == Catch::Approx(0.5 * acc + 2 * c.data<float>()[j]).margin(1e-5));
        }
    }
}

TEST_CASE("MatMul broadcasts batch dims and promotes vectors", "[kernels]") {
  GraphBuilder g;
  g.input("a", DType::kFloat32, {2, 1, 3, 4});
  g.input("b", DType::kFloat32, {3, 4, 5});
  g.output(g.node("MatMul", {"a", "b"}));
  Tensor a = random_tensor({2, 1, 3, 4}, 1), b = random_tensor({3, 4, 5}, 2);
  auto out = run_session(*make_session(std::move(g.model()), false), {feed("a", a), feed("b", b)});
  REQUIRE(out[0].dims() == Dims{2, 3, 3, 5});
  // element [1, 2, 0, 4] = a[1,0,0,:] . b[2,:,4]
  double acc = 0;
  for (int p = 0; p < 4; p++) acc += double(a.data<float>()[12 + p]) * b.data<float>()[2 * 20 + p * 5 + 4];
  CHECK(out[0].data<float>()[((1 * 3 + 2) * 3 + 0) * 5 + 4] == Catch::Approx(acc).margin(1e-5));
}
