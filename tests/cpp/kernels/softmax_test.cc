// SPDX-License-Identifier: MIT
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

static Tensor run_softmax(int64_t opset, int64_t axis, const Tensor& x, const char* op = "Softmax") {
  GraphBuilder g(opset);
  g.input("x", DType::kFloat32, x.dims());
  g.output(g.node(op, {"x"}, {attr_i("axis", axis)}));
  return std::move(run_session(*make_session(std::move(g.model()), false), {feed("x", x)})[0]);
}

TEST_CASE("Softmax is stable for large logits and sums to one", "[kernels]") {
  Tensor x = Tensor::make(DType::kFloat32, {1, 3}).take();
  float v[3] = {1000.f, 1001.f, 1002.f};
  std::copy(v, v + 3, x.data<float>());
  Tensor y = run_softmax(13, -1, x);
  CHECK(y.data<float>()[2] == Catch::Approx(0.66524096f));
  CHECK(y.data<float>()[0] + y.data<float>()[1] + y.data<float>()[2] == Catch::Approx(1.f));
  Tensor l = run_softmax(13, -1, x, "LogSoftmax");
  CHECK(l.data<float>()[2] == Catch::Approx(-0.40760596f));
}

TEST_CASE("Softmax before opset 13 normalizes the flattened tail", "[kernels]") {
  Tensor x = random_tensor({2, 3, 4}, 7);
  Tensor y = run_softmax(11, 1, x);
  for (int b = 0; b < 2; b++) {
    double sum = 0;
    for (int i = 0; i < 12; i++) sum += y.data<float>()[b * 12 + i];
    CHECK(sum == Catch::Approx(1.0));
  }
  Tensor z = run_softmax(13, 1, x);  // opset 13: along axis 1 only
  double sum = 0;
  for (int c = 0; c < 3; c++) sum += z.data<float>()[c * 4];
  CHECK(sum == Catch::Approx(1.0));
}
