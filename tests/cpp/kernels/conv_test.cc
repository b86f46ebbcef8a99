// SPDX-License-Identifier: MIT
// The reference Conv and pools against a naive double-precision recomputation on random
// shapes that hit SIMD tails (odd channel counts, odd spatial sizes, strides, dilations,
// groups, asymmetric pads), plus golden corners. The seed is printed for replay.
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr;
};

Tensor naive_conv(const Tensor& x, const Tensor& wt, const Tensor& b, const ConvCase& k) {
  int64_t oh = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
  int64_t ow = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
  Tensor y = Tensor::make(DType::kFloat32, {k.n, k.m, oh, ow}).take();
  int64_t cg = k.c / k.group, mg = k.m / k.group;
  for (int64_t n = 0; n < k.n; n++)
    for (int64_t m = 0; m < k.m; m++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          double acc = b.data<float>()[m];
          int64_t g = m / mg;
          for (int64_t c = 0; c < cg; c++)
            for (int64_t u = 0; u < k.kh; u++)
              for (int64_t v = 0; v < k.kw; v++) {
                int64_t y0 = i * k.sh - k.pt + u * k.dh, x0 = j * k.sw - k.pl + v * k.dw;
                if (y0 < 0 || y0 >= k.h || x0 < 0 || x0 >= k.w) continue;
                acc += double(x.data<float>()[((n * k.c + g * cg + c) * k.h + y0) * k.w + x0]) *
                       wt.data<float>()[((m * cg + c) * k.kh + u) * k.kw + v];
              }
          y.data<float>()[((n * k.m + m) * oh + i) * ow + j] = static_cast<float>(acc);
        }
  return y;
}

}  // namespace

TEST_CASE("reference Conv matches a naive recomputation on random shapes", "[kernels]") {
  std::mt19937 rng(1234);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 40; iter++) {
    ConvCase k{};
    k.group = iter % 5 == 0 ? pick(2, 3) : 1;
    k.n = pick(1, 2);
    k.c = k.group * pick(1, 7);
    k.m = k.group * pick(1, 9);
    k.kh = pick(1, 4); k.kw = pick(1, 4);
    k.sh = pick(1, 3); k.sw = pick(1, 3);
    k.dh = pick(1, 2); k.dw = pick(1, 2);
    k.pt = pick(0, 2); k.pl = pick(0, 2); k.pb = pick(0, 2); k.pr = pick(0, 2);
    k.h = (k.kh - 1) * k.dh + 1 + pick(0, 9);
    k.w = (k.kw - 1) * k.dw + 1 + pick(0, 9);
    INFO("iteration " << iter << " (seed 1234)");
    GraphBuilder g;
    g.input("x", DType::kFloat32, {k.n, k.c, k.h, k.w});
    Tensor wt = random_tensor({k.m, k.c / k.group, k.kh, k.kw}, 100 + iter);
    Tensor b = random_tensor({k.m}, 200 + iter);
    Tensor expect = naive_conv(random_tensor({k.n, k.c, k.h, k.w}, iter), wt, b, k);
    g.constant("w", wt.clone().take());
    g.constant("b", b.clone().take());
    g.output(g.node("Conv", {"x", "w", "b"},
                    {attr_i("group", k.group), attr_ints("strides", {k.sh, k.sw}),
                     attr_ints("dilations", {k.dh, k.dw}), attr_ints("pads", {k.pt, k.pl, k.pb, k.pr})}));
    auto s = make_session(std::move(g.model()), false);
    Tensor x = random_tensor({k.n, k.c, k.h, k.w}, iter);
    auto out = run_session(*s, {feed("x", x)});
    expect_close(out[0], expect, 1e-4f, 1e-4f);
  }
}

TEST_CASE("Conv auto_pad SAME_UPPER keeps the spatial size at stride 1", "[kernels]") {
  GraphBuilder g;
  g.input("x", DType::kFloat32, {1, 1, 5, 6});
  g.constant("w", random_tensor({2, 1, 3, 3}, 1));
  g.output(g.node("Conv", {"x", "w"}, {attr_s("auto_pad", "SAME_UPPER")}));
  auto s = make_session(std::move(g.model()), false);
  auto out = run_session(*s, {feed("x", random_tensor({1, 1, 5, 6}, 2))});
  CHECK(out[0].dims() == Dims{1, 2, 5, 6});
}

TEST_CASE("MaxPool and AveragePool golden values with pads and ceil_mode", "[kernels]") {
  Tensor x = Tensor::make(DType::kFloat32, {1, 1, 3, 3}).take();
  for (int i = 0; i < 9; i++) x.data<float>()[i] = static_cast<float>(i + 1);  // 1..9
  {
    GraphBuilder g;
    g.input("x", DType::kFloat32, {1, 1, 3, 3});
    g.output(g.node("MaxPool", {"x"}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2}),
                                         attr_i("ceil_mode", 1)}));
    auto out = run_session(*make_session(std::move(g.model()), false), {feed("x", x)});
    REQUIRE(out[0].dims() == Dims{1, 1, 2, 2});
    CHECK(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 4) == std::vector<float>{5, 6, 8, 9});
  }
  {
    GraphBuilder g;
    g.input("x", DType::kFloat32, {1, 1, 3, 3});
    g.output(g.node("AveragePool", {"x"}, {attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {1, 1, 0, 0})}));
    auto out = run_session(*make_session(std::move(g.model()), false), {feed("x", x)});
    REQUIRE(out[0].dims() == Dims{1, 1, 3, 3});
    // Top-left window holds only x[0][0]=1 (padding excluded); centre-right holds 2,3,5,6.
    CHECK(out[0].data<float>()[0] == 1.f);
    CHECK(out[0].data<float>()[5] == Catch::Approx(4.f));
  }
}
