// SPDX-License-Identifier: MIT
// Weights given as constants take rnn.cc's panel paths (packed once, kept in the node's state:
// W's for the input projection of four steps at a time, R's for the recurrence); given as
// graph inputs, the row-by-row paths. Both must agree, with and without B, for RNN, GRU
// (both linear_before_reset: its candidate's product covers rows 2h..3h, a panel boundary
// only when 2h is a multiple of 16) and LSTM, bidirectional, over sizes that leave partial
// panels, on the second run too (the panels reused), at 1 and 2 threads.
#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

TEST_CASE("RNN, GRU and LSTM agree whether W and R are constants (panels) or inputs", "[kernels]") {
  struct Case { const char* op; int gates; int64_t hidden; int64_t lbr; bool bias = true; };
  const Case cases[] = {{"RNN", 1, 20, 0}, {"GRU", 3, 12, 0}, {"GRU", 3, 36, 1}, {"LSTM", 4, 9, 0}, {"LSTM", 4, 40, 0},
                        {"LSTM", 4, 32, 0},  // 32: a step in one pass (whole panels of units)
                        {"LSTM", 4, 5, 0, false}, {"GRU", 3, 16, 0, false}};
  uint32_t seed = 11;
  for (const Case& c : cases) {
    INFO(c.op << " hidden " << c.hidden << (c.bias ? "" : ", no B"));
    const int64_t seq = 5, batch = 2, in = 7, rows = c.gates * c.hidden;
    Tensor x = random_tensor({seq, batch, in}, seed++), w = random_tensor({2, rows, in}, seed++, -0.5f, 0.5f);
    Tensor r = random_tensor({2, rows, c.hidden}, seed++, -0.5f, 0.5f), b = random_tensor({2, 2 * rows}, seed++);
    auto model = [&](bool constant) {
      GraphBuilder g;
      g.input("x", DType::kFloat32, x.dims());
      if (constant) g.constant("w", w.clone().take()), g.constant("r", r.clone().take());
      else g.input("w", DType::kFloat32, w.dims()), g.input("r", DType::kFloat32, r.dims());
      g.constant("b", c.bias ? b.clone().take() : Tensor::make(DType::kFloat32, {0}).take());
      std::vector<Attribute> attrs = {attr_i("hidden_size", c.hidden), attr_s("direction", "bidirectional")};
      if (c.lbr) attrs.push_back(attr_i("linear_before_reset", 1));
      g.output(g.node(c.op, {"x", "w", "r", "b"}, attrs));
      return std::move(g.model());
    };
    for (int threads : {1, 2}) {
      auto rows_path = make_session(model(false), false, threads);
      auto panels_path = make_session(model(true), false, threads);
      auto expected = run_session(*rows_path, {feed("x", x), feed("w", w), feed("r", r)});
      for (int run = 0; run < 2; run++) {
        auto got = run_session(*panels_path, {feed("x", x)});
        REQUIRE(got.size() == 1);
        expect_close(got[0], expected[0], 1e-5f, 1e-6f);
      }
    }
  }
}
