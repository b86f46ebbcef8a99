// SPDX-License-Identifier: MIT
// XNNPACK's activation memory plan, as patched (cmake/xnnpack_patches.cmake): two bottleneck
// blocks, each Add read by the next block's two branches, fit in what is live at once.
#include <catch_amalgamated.hpp>

#include <regex>
#include <string>

#include "testing/graph_builder.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

int64_t activation_bytes(const Session& s) {
  std::smatch m;
  const std::string info = s.debug_info();
  REQUIRE(std::regex_search(info, m, std::regex("activations (\\d+) bytes")));
  return std::stoll(m[1]);
}

}  // namespace

// x [1, 4c, h, w] -> two blocks of y = Add(Conv1x1 4c->c (Relu) -> Conv1x1 c->4c, y_prev). With
// t = c*h*w floats, NHWC inside the region: the input's transposed copy (4t), each block's
// narrow (t) and wide (4t) products and its sum (4t). Most live at once: 9t (a block's input,
// its narrow and its wide product). Upstream's plan took 12t: the sum, read twice, got a third
// wide buffer beside the two it adds, and a value never went below a live block at offset 4t.
TEST_CASE("XNNPACK plans a bottleneck block's activations in what is live at once", "[xnn]") {
  const int64_t c = 16, h = 16, w = 16, t = c * h * w * 4;
  GraphBuilder g(13);
  const std::string x = g.input("x", DType::kFloat32, {1, 4 * c, h, w});
  std::string y = x;
  for (int block = 0; block < 2; block++) {
    const std::string tag = std::to_string(block);
    std::string narrow = g.node("Conv", {y, g.constant("n" + tag, random_tensor({c, 4 * c, 1, 1}, 10 + block))});
    narrow = g.node("Relu", {narrow});
    const std::string wide = g.node("Conv", {narrow, g.constant("w" + tag, random_tensor({4 * c, c, 1, 1}, 20 + block))});
    y = g.node("Add", {wide, y});
  }
  g.output(y);
  const Tensor input = random_tensor({1, 4 * c, h, w}, 7);
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    Model ref_model = g.model(), xnn_model = g.model();
    auto ref = make_session(std::move(ref_model), false);
    auto xnn = make_session(std::move(xnn_model), true, threads);
    REQUIRE(xnn->xnn_node_count() == xnn->plan_node_count());
    const int64_t bytes = activation_bytes(*xnn);
    INFO("activations " << bytes << " bytes, t = " << t);
    CHECK(bytes >= 9 * t);
    CHECK(bytes < 10 * t);  // 9t and XNNPACK's rounding
    // The sums written over the products they add still read right.
    expect_close(run_session(*xnn, {feed("x", input)})[0], run_session(*ref, {feed("x", input)})[0]);
  }
}
