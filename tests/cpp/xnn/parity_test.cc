// SPDX-License-Identifier: MIT
// XNNPACK vs reference for every row of the rules table (a row without a case here fails),
// on random shapes that hit SIMD tails: channels not a multiple of 4/8/16, odd spatial
// sizes, strides, dilations, groups, asymmetric pads; at 1 and 2 threads. Each case is also
// checked to have really been claimed by XNNPACK.
#include <algorithm>
#include <functional>
#include <map>

#include "testing/graph_builder.h"
#include "xnn/conv_qs8.h"
#include "xnn/block_split.h"
#include "xnn/packed_weights.h"
#include "xnn/rules.h"
#include "xnn/winograd.h"
#include "xnn/winograd_qs8.h"

using namespace onnxwasm;
using namespace onnxwasm::testing;

namespace {

using CaseFn = std::function<void(GraphBuilder&, std::mt19937&, std::vector<std::pair<std::string, Tensor>>&)>;

int pick(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

std::string feed_input(GraphBuilder& g, std::vector<std::pair<std::string, Tensor>>& feeds, const std::string& name,
                       Dims dims, uint32_t seed) {
  g.input(name, DType::kFloat32, dims);
  feeds.emplace_back(name, random_tensor(dims, seed));
  return name;
}

// A conv in front makes the following op run in NHWC inside the region.
std::string conv_front(GraphBuilder& g, std::mt19937& rng, std::vector<std::pair<std::string, Tensor>>& feeds,
                       int64_t* c_out, Dims* out_dims) {
  int64_t c = pick(rng, 1, 7), m = pick(rng, 1, 19), h = pick(rng, 5, 13), w = pick(rng, 5, 13);
  std::string x = feed_input(g, feeds, "x", {1, c, h, w}, rng());
  g.constant("cw", random_tensor({m, c, 1, 1}, rng()));
  *c_out = m;
  *out_dims = {1, m, h, w};
  return g.node("Conv", {x, "cw"});
}

// A scalar constant of `t` (float32, int8 or uint8) holding `v`.
Tensor scalar_tensor(DType t, double v) {
  Tensor s = Tensor::make(t, {}).take();
  if (t == DType::kFloat32) s.data<float>()[0] = static_cast<float>(v);
  else if (t == DType::kUint8) s.data<uint8_t>()[0] = static_cast<uint8_t>(v);
  else s.data<int8_t>()[0] = static_cast<int8_t>(v);
  return s;
}

// Graph `g` (one output) on the reference kernels and wholly on XNNPACK at 1 and 2 threads:
// XNNPACK's debugInfo contains `info` (or, with `present` false, does not) and its output is
// within `rtol`/`atol` of the reference's. int8 graphs: an int8 op rounds once where the
// reference rounds a float result, so atol is one quantization step; `most_off`: the fraction of
// outputs that may differ at all (a float sum lands on the other side of a rounding boundary
// rarely: a bias or rounding off by one step would move most).
void check_xnn_graph(GraphBuilder& g, const std::vector<std::pair<std::string, Tensor>>& feeds, const std::string& info,
                     float rtol, float atol, bool present = true, double most_off = 1.0) {
  // 2 threads first: a 1-thread session packed into the same buffers would leave a block the
  // 2-thread packing missed holding the right values.
  for (int threads : {2, 1}) {
    INFO("threads " << threads);
    Model model_copy = g.model(), xnn_copy = g.model();
    auto ref = make_session(std::move(model_copy), false);
    auto xnn = make_session(std::move(xnn_copy), true, threads);
    REQUIRE(xnn->xnn_node_count() == xnn->plan_node_count());
    if (present) REQUIRE_THAT(xnn->debug_info(), Catch::Matchers::ContainsSubstring(info));
    else REQUIRE_THAT(xnn->debug_info(), !Catch::Matchers::ContainsSubstring(info));
    std::vector<FeedRef> fs;
    for (auto& [name, t] : feeds) fs.push_back(feed(name, t));
    auto expected = run_session(*ref, fs);
    auto got = run_session(*xnn, fs);
    REQUIRE(got.size() == 1);
    expect_close(got[0], expected[0], rtol, atol);
    int64_t off = 0;
    for (int64_t i = 0; i < got[0].size(); i++) off += got[0].float_at(i) != expected[0].float_at(i);
    CHECK(off <= most_off * static_cast<double>(got[0].size()));
  }
}

// x (random, `dims`) -> QuantizeLinear/DequantizeLinear (scale 0.01, zero point z1) -> Conv
// with int8 weights [m, c / group, kh, kw] dequantized per output channel and a float bias
// (or none) (`attrs`) -> [Relu] -> QuantizeLinear/DequantizeLinear (scale 0.05, zero point
// z2): the graph output.
void qdq_conv_graph(GraphBuilder& g, std::mt19937& rng, std::vector<std::pair<std::string, Tensor>>& feeds, const Dims& dims,
                    int64_t m, int64_t kh, int64_t kw, std::vector<Attribute> attrs, bool relu, int z1, int z2,
                    bool bias = true, int64_t group = 1) {
  std::string x = feed_input(g, feeds, "x", dims, rng());
  g.constant("s1", scalar_tensor(DType::kFloat32, 0.01));
  g.constant("z1", scalar_tensor(DType::kInt8, z1));
  std::string a = g.node("DequantizeLinear", {g.node("QuantizeLinear", {x, "s1", "z1"}), "s1", "z1"});
  Tensor w = Tensor::make(DType::kInt8, {m, dims[1] / group, kh, kw}).take();
  for (int64_t i = 0; i < w.size(); i++) w.data<int8_t>()[i] = static_cast<int8_t>(pick(rng, -127, 127));
  g.constant("wq", std::move(w));
  g.constant("ws", random_tensor({m}, rng(), 0.002f, 0.01f));
  g.constant("cb", random_tensor({m}, rng()));
  std::string wf = g.node("DequantizeLinear", {"wq", "ws"}, {attr_i("axis", 0)});
  if (group != 1) attrs.push_back(attr_i("group", group));
  std::string y = g.node("Conv", bias ? std::vector<std::string>{a, wf, "cb"} : std::vector<std::string>{a, wf}, std::move(attrs));
  if (relu) y = g.node("Relu", {y});
  g.constant("s2", scalar_tensor(DType::kFloat32, 0.05));
  g.constant("z2", scalar_tensor(DType::kInt8, z2));
  g.output(g.node("DequantizeLinear", {g.node("QuantizeLinear", {y, "s2", "z2"}), "s2", "z2"}));
}

std::map<std::string, CaseFn> cases() {
  std::map<std::string, CaseFn> c;
  c["Conv"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t group = pick(rng, 0, 3) == 0 ? pick(rng, 2, 3) : 1;
    bool depthwise = pick(rng, 0, 3) == 0;
    int64_t cin = depthwise ? pick(rng, 3, 21) : group * pick(rng, 1, 9);
    if (depthwise) group = cin;
    int64_t m = depthwise ? cin : group * pick(rng, 1, 19);  // up to two blocks of 8 and a tail
    int64_t kh = pick(rng, 1, 3), kw = pick(rng, 1, 3), dh = pick(rng, 1, 2), dw = pick(rng, 1, 2);
    int64_t h = (kh - 1) * dh + pick(rng, 1, 12), w = (kw - 1) * dw + pick(rng, 1, 12);
    std::string x = feed_input(g, feeds, "x", {pick(rng, 1, 2), cin, h, w}, rng());
    g.constant("w", random_tensor({m, cin / group, kh, kw}, rng()));
    const bool bias = pick(rng, 0, 3) != 0;
    if (bias) g.constant("b", random_tensor({m}, rng()));
    std::string y = g.node("Conv", {x, "w", bias ? "b" : ""},
                           {attr_i("group", group), attr_ints("strides", {pick(rng, 1, 2), pick(rng, 1, 3)}),
                            attr_ints("dilations", {dh, dw}),
                            attr_ints("pads", {pick(rng, 0, 2), pick(rng, 0, 1), pick(rng, 0, 1), pick(rng, 0, 2)})});
    // Per-channel affine nodes after it, folded into it (BatchNormalization, Mul/Add/Sub by
    // one value per channel or one value), and maybe a Relu.
    for (int k = 0, count = pick(rng, 0, 1) * pick(rng, 1, 3); k < count; k++) {
      const std::string i = std::to_string(k);
      switch (pick(rng, 0, 3)) {
        case 0:
          y = g.node("BatchNormalization",
                     {y, g.constant("s" + i, random_tensor({m}, rng())), g.constant("bb" + i, random_tensor({m}, rng())),
                      g.constant("mu" + i, random_tensor({m}, rng())), g.constant("v" + i, random_tensor({m}, rng(), 0.5f, 2.f))},
                     {attr_f("epsilon", 1e-3f)});
          break;
        case 1: y = g.node("Mul", {y, g.constant("c" + i, random_tensor({m, 1, 1}, rng()))}); break;
        case 2: y = g.node("Add", {y, g.constant("c" + i, random_tensor({1, m, 1, 1}, rng()))}); break;
        default: y = g.node("Sub", {y, g.constant("c" + i, random_tensor({1}, rng()))}); break;
      }
    }
    if (pick(rng, 0, 1)) y = g.node("Relu", {y});
    g.output(y);
  };
  c["ConvTranspose"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t group = pick(rng, 0, 3) == 0 ? 2 : 1, ig = pick(rng, 1, 7), og = pick(rng, 1, 9);
    int64_t kh = pick(rng, 1, 3), kw = pick(rng, 1, 4), sh = pick(rng, 1, 3), sw = pick(rng, 1, 2);
    std::string x = feed_input(g, feeds, "x", {pick(rng, 1, 2), group * ig, pick(rng, 2, 9), pick(rng, 2, 9)}, rng());
    g.constant("w", random_tensor({group * ig, og, kh, kw}, rng()));
    g.constant("b", random_tensor({group * og}, rng()));
    g.output(g.node("ConvTranspose", {x, "w", "b"},
                    {attr_i("group", group), attr_ints("strides", {sh, sw}),
                     attr_ints("dilations", {pick(rng, 1, 2), 1}),
                     attr_ints("output_padding", {pick(rng, 0, static_cast<int>(sh) - 1), 0}),
                     attr_ints("pads", {pick(rng, 0, 1), 0, 0, pick(rng, 0, 1)})}));
  };
  c["Resize"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    Tensor scales = Tensor::make(DType::kFloat32, {4}).take();
    float sc[4] = {1.f, 1.f, static_cast<float>(pick(rng, 1, 3)), pick(rng, 0, 1) ? 0.5f : 2.f};
    if (d[3] % 2) sc[3] = 2.f;  // the scale must be exactly output/input
    std::copy(sc, sc + 4, scales.data<float>());
    g.constant("scales", std::move(scales));
    const char* modes[] = {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"};
    g.output(g.node("Resize", {x, "", "scales"},
                    {attr_s("mode", "linear"), attr_s("coordinate_transformation_mode", modes[pick(rng, 0, 3)])}));
  };
  // QDQ: Conv -> Q -> DQ -> Conv (int8 weights, a qint8 convolution) -> Relu -> Q -> DQ. The
  // int8 convolution rounds once where the reference rounds a float result: one step apart.
  auto qdq = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    bool u8 = pick(rng, 0, 1) == 1;
    auto scalar = scalar_tensor;
    DType q = u8 ? DType::kUint8 : DType::kInt8;
    g.constant("s1", scalar(DType::kFloat32, 0.02));
    g.constant("z1", scalar(q, u8 ? 128 : 3));
    std::string a = g.node("DequantizeLinear", {g.node("QuantizeLinear", {x, "s1", "z1"}), "s1", "z1"});
    int64_t m = pick(rng, 1, 13), k = pick(rng, 1, 3);
    Tensor w = Tensor::make(DType::kInt8, {m, ch, k, k}).take();
    for (int64_t i = 0; i < w.size(); i++) w.data<int8_t>()[i] = static_cast<int8_t>(pick(rng, -127, 127));
    g.constant("wq", std::move(w));
    g.constant("ws", scalar(DType::kFloat32, 0.01));
    g.constant("cb", random_tensor({m}, rng()));
    std::string wf = g.node("DequantizeLinear", {"wq", "ws"});
    std::string y = g.node("Relu", {g.node("Conv", {a, wf, "cb"}, {attr_ints("pads", {1, 1, 1, 1})})});
    g.constant("s2", scalar(DType::kFloat32, 0.05));
    g.constant("z2", scalar(q, u8 ? 10 : -100));
    g.output(g.node("DequantizeLinear", {g.node("QuantizeLinear", {y, "s2", "z2"}), "s2", "z2"}));
  };
  c["QuantizeLinear"] = qdq;
  c["DequantizeLinear"] = qdq;
  auto pool = [](const char* op, bool max) {
    return [op, max](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
      int64_t c; Dims d;
      std::string x = conv_front(g, rng, feeds, &c, &d);
      int64_t k = pick(rng, 2, 3);
      std::vector<Attribute> attrs = {attr_ints("kernel_shape", {k, k}),
                                      attr_ints("strides", {pick(rng, 1, 2), pick(rng, 1, 2)}),
                                      attr_ints("pads", {pick(rng, 0, 1), 0, pick(rng, 0, 1), pick(rng, 0, 1)}),
                                      attr_i("ceil_mode", pick(rng, 0, 1))};
      // Dilated pools are claimed only without padding (see rules_pool.cc).
      if (max && pick(rng, 0, 2) == 0) {
        attrs = {attr_ints("kernel_shape", {k, k}), attr_ints("strides", {pick(rng, 1, 2), pick(rng, 1, 2)}),
                 attr_ints("dilations", {pick(rng, 1, 2), 2})};
      }
      g.output(g.node(op, {x}, attrs));
    };
  };
  c["MaxPool"] = pool("MaxPool", true);
  c["AveragePool"] = pool("AveragePool", false);
  c["GlobalAveragePool"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    g.output(g.node("GlobalAveragePool", {conv_front(g, rng, feeds, &ch, &d)}));
  };
  c["GlobalMaxPool"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    g.output(g.node("GlobalMaxPool", {conv_front(g, rng, feeds, &ch, &d)}));
  };
  c["Gemm"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t m = pick(rng, 1, 5), k = pick(rng, 1, 37), n = pick(rng, 1, 29);
    int tb = pick(rng, 0, 1);
    std::string a = feed_input(g, feeds, "a", {m, k}, rng());
    g.constant("b", random_tensor(tb ? Dims{n, k} : Dims{k, n}, rng()));
    g.constant("c", random_tensor({n}, rng()));
    g.output(g.node("Gemm", {a, "b", "c"}, {attr_i("transB", tb), attr_f("alpha", 0.75f), attr_f("beta", 1.5f)}));
  };
  c["MatMul"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t k = pick(rng, 1, 33), n = pick(rng, 1, 17);
    std::string a = feed_input(g, feeds, "a", {pick(rng, 1, 3), pick(rng, 1, 5), k}, rng());
    g.constant("b", random_tensor({k, n}, rng()));
    g.output(g.node("MatMul", {a, "b"}));
  };
  // A computed B (attention's products): batch dims broadcast, B of rank 2 to 4.
  c["MatMul/dynamic"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t k = pick(rng, 1, 33), n = pick(rng, 1, 17), batch = pick(rng, 1, 3);
    std::string a = feed_input(g, feeds, "a", {batch, pick(rng, 1, 5), k}, rng());
    Dims bd = pick(rng, 0, 1) ? Dims{k, n} : pick(rng, 0, 1) ? Dims{batch, k, n} : Dims{2, 1, k, n};
    std::string b = feed_input(g, feeds, "b", bd, rng());
    g.output(g.node("MatMul", {g.node("Relu", {a}), b}));
  };
  // Data movement after a Conv (NHWC inside the region), then a Relu so the run is not only
  // moves (those are left to the reference kernels).
  c["Reshape"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t groups = pick(rng, 2, 4), per = pick(rng, 2, 5), c = pick(rng, 1, 7), h = pick(rng, 1, 9), w = pick(rng, 1, 9);
    int64_t m = groups * per;
    std::string x = feed_input(g, feeds, "x", {1, c, h, w}, rng());
    g.constant("cw", random_tensor({m, c, 1, 1}, rng()));
    std::string y = g.node("Conv", {x, "cw"});
    if (pick(rng, 0, 2)) {  // ShuffleNet's channel shuffle
      std::string split = g.node("Reshape", {y, g.constant("s1", int64_tensor({1, groups, per, h, w}))});
      std::string swapped = g.node("Transpose", {split}, {attr_ints("perm", {0, 2, 1, 3, 4})});
      y = g.node("Reshape", {swapped, g.constant("s2", int64_tensor({1, m, h, w}))});
    } else {
      y = g.node("Reshape", {y, g.constant("s1", int64_tensor({m, h * w}))});
    }
    g.output(g.node("Relu", {y}));
  };
  c["Squeeze"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    g.output(g.node("Relu", {g.node("Squeeze", {x, g.constant("axes", int64_tensor({0}))})}));
  };
  c["Unsqueeze"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    g.output(g.node("Relu", {g.node("Unsqueeze", {x, g.constant("axes", int64_tensor({pick(rng, 0, 4)}))})}));
  };
  c["Transpose"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    std::vector<int64_t> perm = {0, 1, 2, 3};
    std::shuffle(perm.begin(), perm.end(), rng);
    g.output(g.node("Relu", {g.node("Transpose", {x}, {attr_ints("perm", perm)})}));
  };
  // torch's GELU export: x * (1 + erf(x / sqrt 2)) * 0.5, as one xnn_unary_gelu.
  c["Erf"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    auto scalar = [&](const char* name, float v) {
      Tensor t = Tensor::make(DType::kFloat32, {}).take();
      *t.data<float>() = v;
      return g.constant(name, std::move(t));
    };
    std::string e = g.node("Erf", {g.node("Div", {x, scalar("sqrt2", 1.4142135f)})});
    std::string y = g.node("Mul", {x, g.node("Add", {e, scalar("one", 1.f)})});
    g.output(g.node("Mul", {y, scalar("half", 0.5f)}));
  };
  for (const char* op : {"Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Exp", "Abs", "Neg", "Floor", "Ceil",
                         "Round", "HardSwish"}) {
    c[op] = [op](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
      int64_t ch; Dims d;
      g.output(g.node(op, {conv_front(g, rng, feeds, &ch, &d)}));
    };
  }
  for (const char* op : {"Log", "Sqrt"}) {  // positive inputs
    c[op] = [op](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
      Dims d = {1, pick(rng, 1, 7), pick(rng, 1, 9), pick(rng, 1, 9)};
      g.input("x", DType::kFloat32, d);
      feeds.emplace_back("x", random_tensor(d, rng(), 0.1f, 4.f));
      g.output(g.node(op, {"x"}));
    };
  }
  c["Clip"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    Tensor lo = Tensor::make(DType::kFloat32, {}).take(), hi = Tensor::make(DType::kFloat32, {}).take();
    *lo.data<float>() = -0.5f;
    *hi.data<float>() = 0.75f;
    g.output(g.node("Clip", {x, g.constant("lo", std::move(lo)), g.constant("hi", std::move(hi))}));
  };
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum"}) {
    c[op] = [op](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
      int64_t ch; Dims d;
      std::string x = conv_front(g, rng, feeds, &ch, &d);
      // Mix operand kinds: a per-channel constant, a full dynamic tensor in NCHW, a scalar.
      std::string other;
      switch (pick(rng, 0, 2)) {
        case 0: other = g.constant("k", random_tensor({ch, 1, 1}, rng(), 0.5f, 2.f)); break;
        case 1: other = feed_input(g, feeds, "y", d, rng()); break;
        default: other = g.constant("k", random_tensor({1}, rng(), 0.5f, 2.f)); break;
      }
      std::vector<std::string> ins = {x, other};
      if (std::string(op) == "Sum") ins.push_back(x);
      g.output(g.node(op, ins));
    };
  }
  // On an NCHW input (a multiply and an add), right after a Conv (folded into it), or on an
  // NHWC activation that no Conv made (one 1x1 depthwise convolution with the per-channel
  // scale after it and a Relu).
  c["BatchNormalization"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    const int where = pick(rng, 0, 2);
    std::string x = where == 0 ? feed_input(g, feeds, "x", {1, ch = pick(rng, 1, 13), 5, 3}, rng())
                               : conv_front(g, rng, feeds, &ch, &d);
    if (where == 2) x = g.node("Relu", {x});
    std::string y = g.node("BatchNormalization",
                           {x, g.constant("s", random_tensor({ch}, rng())), g.constant("b", random_tensor({ch}, rng())),
                            g.constant("m", random_tensor({ch}, rng())), g.constant("v", random_tensor({ch}, rng(), 0.5f, 2.f))},
                           {attr_f("epsilon", 1e-3f)});
    if (where == 2 && pick(rng, 0, 1)) y = g.node("Mul", {y, g.constant("k", random_tensor({ch, 1, 1}, rng()))});
    if (where == 2 && pick(rng, 0, 1)) y = g.node("Relu", {y});
    g.output(y);
  };
  c["Concat"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    int64_t ch; Dims d;
    std::string x = conv_front(g, rng, feeds, &ch, &d);
    std::string y = feed_input(g, feeds, "y", {1, pick(rng, 1, 5), d[2], d[3]}, rng());
    g.output(g.node("Concat", {x, y, x}, {attr_i("axis", 1)}));
  };
  c["Softmax"] = [](GraphBuilder& g, std::mt19937& rng, auto& feeds) {
    if (pick(rng, 0, 1)) {
      int64_t ch; Dims d;
      g.output(g.node("Softmax", {conv_front(g, rng, feeds, &ch, &d)}, {attr_i("axis", 1)}));
    } else {
      g.output(g.node("Softmax", {feed_input(g, feeds, "x", {pick(rng, 1, 4), pick(rng, 1, 37)}, rng())}));
    }
  };
  return c;
}

}  // namespace

TEST_CASE("every XNNPACK rule matches the reference kernel on random shapes", "[xnn]") {
  auto table = cases();
  std::vector<std::string> ops;
  for (std::string_view op : xnn_rule_op_types()) ops.emplace_back(op);
  ops.push_back("MatMul/dynamic");
  for (const std::string& op : ops) {
    auto it = table.find(op);
    INFO("rule " << op);
    REQUIRE(it != table.end());  // a new rule needs a case here
    for (int iter = 0; iter < 12; iter++) {
      uint32_t seed = static_cast<uint32_t>(std::hash<std::string>()(op) + iter);
      INFO("seed " << seed);
      std::mt19937 rng(seed);
      GraphBuilder g(17);
      std::vector<std::pair<std::string, Tensor>> feeds;
      it->second(g, rng, feeds);
      std::string desc;
      for (const Node& n : g.model().graph.nodes) {
        desc += n.op_type + "(";
        for (const Attribute& a : n.attributes)
          desc += a.name + "=" + (a.kind == Attribute::Kind::kInts ? dims_to_string(a.ints) : std::to_string(a.i)) + " ";
        desc += ") ";
      }
      for (auto& [name, t] : feeds) desc += name + dims_to_string(t.dims()) + " ";
      INFO("graph: " << desc);
      Model model_copy = g.model();
      auto ref = make_session(std::move(model_copy), false);
      auto xnn = make_session(std::move(g.model()), true, 1 + iter % 2);
      REQUIRE(xnn->xnn_node_count() == xnn->plan_node_count());  // really on XNNPACK
      std::vector<FeedRef> fs;
      for (auto& [name, t] : feeds) fs.push_back(feed(name, t));
      auto a = run_session(*ref, fs);
      auto b = run_session(*xnn, fs);
      REQUIRE(a.size() == b.size());
      // QDQ cases: the qint8 convolution may round a value one quantization step (0.05) apart.
      const bool qdq = op == "QuantizeLinear" || op == "DequantizeLinear";
      for (size_t i = 0; i < a.size(); i++) expect_close(b[i], a[i], qdq ? 0.f : 2e-4f, qdq ? 0.0501f : 2e-5f);
      if (qdq) REQUIRE_THAT(xnn->debug_info(), Catch::Matchers::ContainsSubstring("1 convolutions in int8"));
    }
  }
}

// Weights as DequantizeLinear of int8 constants (weight-only quantization, and the weights of
// QDQ models whose activations stay float): the session keeps them quantized and XNNPACK's
// float Conv, Gemm and MatMul dequantize them while packing. A DequantizeLinear whose output
// something else also reads folds as before.
TEST_CASE("weights kept quantized feed XNNPACK's float Conv, Gemm and MatMul", "[xnn]") {
  for (int iter = 0; iter < 12; iter++) {
    INFO("iteration " << iter);
    std::mt19937 rng(1234 + iter);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    auto int8_weights = [&](const std::string& name, Dims dims) {
      Tensor w = Tensor::make(DType::kInt8, dims).take();
      for (int64_t i = 0; i < w.size(); i++) w.data<int8_t>()[i] = static_cast<int8_t>(pick(rng, -127, 127));
      g.constant(name, std::move(w));
    };
    const int64_t c = pick(rng, 1, 6), m = pick(rng, 1, 9), k = pick(rng, 1, 3), h = pick(rng, 4, 9);
    std::string x = feed_input(g, feeds, "x", {1, c, h, h}, rng());
    int8_weights("wq", {m, c, k, k});
    Tensor scales = random_tensor({m}, rng(), 0.001f, 0.02f);  // per output channel
    g.constant("ws", std::move(scales));
    std::string conv = g.node("Conv", {x, g.node("DequantizeLinear", {"wq", "ws"}, {attr_i("axis", 0)})});
    // Flatten to [1, m*h'*w'] and through a Gemm and a MatMul with quantized weights.
    std::string flat = g.node("Flatten", {g.node("Relu", {conv})});
    const int64_t hw = h - k + 1, features = m * hw * hw, n = pick(rng, 1, 7);
    int8_weights("gq", {n, features});
    Tensor gs = Tensor::make(DType::kFloat32, {}).take();
    gs.data<float>()[0] = 0.01f;
    g.constant("gs", std::move(gs));
    std::string gemm = g.node("Gemm", {flat, g.node("DequantizeLinear", {"gq", "gs"}), "gs"},
                              {attr_i("transB", 1), attr_f("alpha", iter % 2 ? 1.f : 0.5f)});
    int8_weights("mq", {n, n});
    std::string mw = g.node("DequantizeLinear", {"mq", "gs"});
    // The MatMul's weights are also added to its output: that reader is no weight, so this
    // DequantizeLinear folds.
    std::string mm = g.node("MatMul", {gemm, mw});
    g.output(iter % 3 == 0 ? g.node("Add", {mm, mw}) : mm);
    Model model_copy = g.model();
    auto ref = make_session(std::move(model_copy), false);
    auto xnn = make_session(std::move(g.model()), true, 1 + iter % 2);
    INFO(xnn->debug_info());
    std::vector<FeedRef> fs;
    for (auto& [name, t] : feeds) fs.push_back(feed(name, t));
    auto a = run_session(*ref, fs);
    auto b = run_session(*xnn, fs);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); i++) expect_close(b[i], a[i], 2e-4f, 2e-5f);
    // All but Flatten run on XNNPACK, the kept DequantizeLinears included (lowered to nothing);
    // the one the Add also reads is folded, not a node.
    CHECK(xnn->xnn_node_count() + 1 == xnn->plan_node_count());
    CHECK(xnn->plan_node_count() == 8);
  }
}

// A qint8 convolution without groups that int8 Winograd does not take runs as a product over
// 16-bit patches (conv_qs8.h): as exact as XNNPACK's IGEMM, with strides, dilations, asymmetric
// pads, a batch of two, windows wider than the input, input channels off the blocks of 8 and
// outputs off the packed blocks of 8 (1 and 3 of them), 1x1 ones, at 1 and 2 threads.
TEST_CASE("a qint8 convolution over 16-bit patches matches the reference", "[xnn]") {
  struct Shape { int64_t n, c, h, w, m, kh, kw; std::vector<int64_t> strides, dilations, pads; };
  const Shape shapes[] = {
      {1, 3, 30, 30, 64, 7, 7, {2, 2}, {1, 1}, {3, 3, 3, 3}},  // ResNet's first convolution, smaller
      {1, 3, 31, 29, 32, 3, 3, {2, 2}, {1, 1}, {1, 1, 1, 1}},  // MobileNet's first, smaller
      {2, 1, 11, 17, 12, 3, 5, {1, 2}, {2, 1}, {1, 2, 0, 1}},
      {1, 2, 9, 10, 24, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {1, 1, 8, 12, 9, 2, 4, {2, 3}, {1, 2}, {0, 3, 1, 2}},
      {1, 3, 6, 7, 5, 2, 1, {1, 1}, {1, 1}, {1, 0, 1, 0}},
      {1, 1, 40, 38, 4, 33, 33, {2, 1}, {1, 1}, {16, 15, 17, 16}},  // a window wider than the input
      {1, 24, 15, 13, 17, 3, 3, {2, 2}, {1, 1}, {1, 1, 1, 1}},     // ResNet's stride-2 ones
      {2, 21, 9, 9, 3, 3, 3, {2, 1}, {1, 1}, {0, 1, 1, 0}},
      {1, 37, 7, 6, 20, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},       // 1x1
      {1, 16, 9, 9, 1, 1, 1, {2, 2}, {1, 1}, {0, 0, 0, 0}},        // ResNet's downsample, one output
      {1, 8, 5, 5, 16, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}},        // too few channels for Winograd
  };
  int index = 0;
  for (const Shape& s : shapes) {
    INFO("shape " << index);
    std::mt19937 rng(77 + index++);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    qdq_conv_graph(g, rng, feeds, {s.n, s.c, s.h, s.w}, s.m, s.kh, s.kw,
                   {attr_ints("strides", s.strides), attr_ints("dilations", s.dilations), attr_ints("pads", s.pads)}, index % 2 == 0,
                   -7, 5, index % 3 != 1);
    check_xnn_graph(g, feeds, "1 convolutions in int8, 1 of them over 16-bit patches", 0.f, 0.0501f);
  }
}

// Which qint8 convolutions run over 16-bit patches (conv_qs8.cc's bounds).
TEST_CASE("a product over 16-bit patches takes convolutions without groups of sane sizes", "[xnn]") {
  CHECK(conv_qs8_fits(7, 7, 1, 3, 64));
  CHECK(conv_qs8_fits(3, 3, 1, 64, 128));
  CHECK(conv_qs8_fits(1, 1, 1, 64, 1));
  CHECK_FALSE(conv_qs8_fits(3, 3, 2, 64, 64));                   // groups: XNNPACK's
  CHECK_FALSE(conv_qs8_fits(3, 3, 1, 8192, 64));                 // 73728 values per window
  CHECK_FALSE(conv_qs8_fits(1, 1, 1, 4096, 8193));               // over 64 MB of 16-bit weights
  CHECK_FALSE(conv_qs8_fits(int64_t(1) << 40, 1, 1, 1, 1));
  CHECK_FALSE(conv_qs8_fits(3, 3, 1, 0, 8));
}

// QDQ Gemm and MatMul with int8 weights run as XNNPACK's int8 fully connected op: Gemm with
// transB 0 or 1 and a bias or none, MatMul of a rank-3 input; scales per tensor or per output.
TEST_CASE("QDQ Gemm and MatMul run in int8 and match the reference", "[xnn]") {
  for (int iter = 0; iter < 16; iter++) {
    INFO("iteration " << iter);
    std::mt19937 rng(777 + iter);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    const int64_t k = pick(rng, 1, 40), m = pick(rng, 1, 21), rows = pick(rng, 1, 5);
    const bool matmul = iter % 4 == 3, trans_b = !matmul && iter % 2 == 1, relu = iter % 3 == 0, bias = !matmul && iter % 4 != 2;
    const bool per_output = iter % 8 >= 4;
    auto scalar = [&](const std::string& name, DType t, double v) { g.constant(name, scalar_tensor(t, v)); };
    scalar("s1", DType::kFloat32, 0.01), scalar("z1", DType::kInt8, 3);
    scalar("s2", DType::kFloat32, 0.05), scalar("z2", DType::kInt8, -9);
    const Dims in_dims = matmul ? Dims{2, rows, k} : Dims{rows, k};
    std::string x = feed_input(g, feeds, "x", in_dims, rng());
    std::string a = g.node("DequantizeLinear", {g.node("QuantizeLinear", {x, "s1", "z1"}), "s1", "z1"});
    Tensor w = Tensor::make(DType::kInt8, trans_b ? Dims{m, k} : Dims{k, m}).take();
    for (int64_t i = 0; i < w.size(); i++) w.data<int8_t>()[i] = static_cast<int8_t>(pick(rng, -127, 127));
    g.constant("wq", std::move(w));
    g.constant("ws", per_output ? random_tensor({m}, rng(), 0.001f, 0.004f) : random_tensor({}, rng(), 0.001f, 0.004f));
    std::string wf = g.node("DequantizeLinear", {"wq", "ws"}, {attr_i("axis", trans_b ? 0 : 1)});
    std::string y;
    if (matmul) {
      y = g.node("MatMul", {a, wf});
    } else {
      std::vector<std::string> ins = {a, wf};
      if (bias) g.constant("bias", random_tensor({m}, rng())), ins.push_back("bias");
      y = g.node("Gemm", ins, {attr_i("transB", trans_b ? 1 : 0)});
    }
    if (relu) y = g.node("Relu", {y});
    g.output(g.node("DequantizeLinear", {g.node("QuantizeLinear", {y, "s2", "z2"}), "s2", "z2"}));
    check_xnn_graph(g, feeds, "(1 other ops in int8)", 0.f, 0.0501f);
  }
}

// QDQ Add, Sub and MaxPool run in int8 (rules_quant.cc): DQ -> MaxPool -> [Relu] -> Q of the
// same parameters, then DQ, DQ -> Add or Sub -> [Relu] -> Q of other parameters, one operand
// in NHWC (after the pool), the other in ONNX layout; int8 and uint8; 1 and 2 threads.
TEST_CASE("QDQ Add, Sub and MaxPool run in int8 and match the reference", "[xnn]") {
  for (int iter = 0; iter < 16; iter++) {
    INFO("iteration " << iter);
    std::mt19937 rng(4242 + iter);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    const int64_t c = pick(rng, 1, 19), h = pick(rng, 3, 11), w = pick(rng, 3, 11);
    const bool u8 = iter % 2 == 1, relu = iter % 4 >= 2, sub = iter % 8 >= 4;
    const DType q = u8 ? DType::kUint8 : DType::kInt8;
    auto scalar = [&](const std::string& name, DType t, double v) { g.constant(name, scalar_tensor(t, v)); };
    auto qdq = [&](const std::string& x, const char* s, const char* z) {
      return g.node("DequantizeLinear", {g.node("QuantizeLinear", {x, s, z}), s, z});
    };
    scalar("s1", DType::kFloat32, 0.01), scalar("z1", q, u8 ? 140 : 12);
    scalar("s2", DType::kFloat32, 0.013), scalar("z2", q, u8 ? 100 : -30);
    scalar("s3", DType::kFloat32, pick(rng, 0, 1) ? 0.02 : 0.007), scalar("z3", q, u8 ? 128 : -5);
    std::string x = feed_input(g, feeds, "x", {1, c, h, w}, rng());
    std::string y = feed_input(g, feeds, "y", {1, c, h, w}, rng());
    std::string pooled = g.node("MaxPool", {qdq(x, "s1", "z1")},
                                {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1})});
    if (relu) pooled = g.node("Relu", {pooled});
    std::string sum = g.node(sub ? "Sub" : "Add", {qdq(pooled, "s1", "z1"), qdq(y, "s2", "z2")});
    if (relu) sum = g.node("Relu", {sum});
    g.output(qdq(sum, "s3", "z3"));
    check_xnn_graph(g, feeds, "(2 other ops in int8)", 0.f, 0.0201f);
  }
}

// Float 3x3 convolutions of stride 1 with 16 or more channels run as Winograd F(4x4, 3x3) or
// F(2x2, 3x3) (winograd.h): odd and even sizes (partial 2x2 tiles), pads of 0 to 2 on any side, channel
// counts off the SIMD width and the GEMM tile, a batch of 2, bias or none, a folded
// BatchNormalization, a fused Relu or Clip; at 1 and 2 threads, against the reference kernel.
TEST_CASE("3x3 convolutions run as Winograd and match the reference", "[xnn]") {
  struct Shape { int64_t n, c, h, w, m; std::vector<int64_t> pads; int tail; };  // tail: 0 none, 1 Relu, 2 Clip, 3 BN
  const Shape shapes[] = {
      {1, 16, 8, 8, 16, {1, 1, 1, 1}, 0},   {1, 19, 7, 9, 21, {1, 1, 1, 1}, 1}, {2, 17, 5, 6, 35, {0, 0, 0, 0}, 2},
      {1, 32, 14, 13, 24, {2, 0, 1, 2}, 3}, {1, 64, 9, 9, 70, {1, 2, 0, 1}, 1}, {1, 18, 30, 28, 16, {1, 1, 1, 1}, 0},
      {1, 96, 24, 24, 100, {1, 1, 1, 1}, 1},  // several blocks of tiles per thread; packed by both
      // Outputs of 6x6, 2x10 and 5x5: 2x2 tiles (F(4x4) would compute as much or more); the
      // others take 4x4 tiles.
      {1, 20, 6, 6, 17, {1, 1, 1, 1}, 1},   {2, 16, 4, 12, 40, {0, 0, 0, 0}, 3}, {1, 33, 5, 5, 16, {1, 1, 1, 1}, 2},
  };
  int index = 0;
  for (const Shape& s : shapes) {
    INFO("shape " << index);
    std::mt19937 rng(300 + index);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    std::string x = feed_input(g, feeds, "x", {s.n, s.c, s.h, s.w}, rng());
    g.constant("w", random_tensor({s.m, s.c, 3, 3}, rng()));
    const bool bias = index % 2 == 0;
    if (bias) g.constant("b", random_tensor({s.m}, rng()));
    std::string y = g.node("Conv", {x, "w", bias ? "b" : ""}, {attr_ints("pads", s.pads)});
    if (s.tail == 1) y = g.node("Relu", {y});
    if (s.tail == 2) y = g.node("Clip", {y, g.constant("lo", scalar_tensor(DType::kFloat32, -0.5)),
                                         g.constant("hi", scalar_tensor(DType::kFloat32, 0.75))});
    if (s.tail == 3)
      y = g.node("BatchNormalization",
                 {y, g.constant("bs", random_tensor({s.m}, rng())), g.constant("bb", random_tensor({s.m}, rng())),
                  g.constant("bm", random_tensor({s.m}, rng())), g.constant("bv", random_tensor({s.m}, rng(), 0.5f, 2.f))});
    g.output(y);
    index++;
    // 4x4 tiles' transforms (coefficients from 1/24 to 8) round more than a direct sum: about
    // 1e-5 of the sums' scale (~10 with 96 channels here); a wrong transform is off by O(1).
    check_xnn_graph(g, feeds, "1 convolutions as Winograd", 1e-4f, 5e-4f);
  }
}

// Which convolutions take Winograd, and with which tile (winograd.cc's cost rule).
TEST_CASE("Winograd takes 3x3 stride-1 convolutions of 16+ channels and declines absurd ones", "[xnn]") {
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 64, 64, 56, 56) == 4);
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 256, 256, 14, 14) == 2);  // small outputs: 2x2 tiles
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 128, 32, 7, 7) == 2);    // small output, small weights
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 512, 512, 7, 7) == 0);    // small output, 16 MB of weights
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 512, 512, 8, 8) == 2);
  CHECK(winograd_tile(3, 3, 2, 2, 1, 1, 1, 64, 64, 28, 28) == 0);    // stride 2
  CHECK(winograd_tile(3, 3, 1, 1, 2, 2, 1, 64, 64, 28, 28) == 0);    // dilation 2
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 2, 64, 64, 28, 28) == 0);    // groups
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 8, 64, 28, 28) == 0);     // few input channels
  CHECK(winograd_tile(1, 1, 1, 1, 1, 1, 1, 64, 64, 28, 28) == 0);
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 64, 64, 1, 9) == 0);      // one output row
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 20000, 64, 28, 28) == 0); // absurd channel counts
  CHECK(winograd_tile(3, 3, 1, 1, 1, 1, 1, 4096, 4096, 28, 28) == 0);
}

// How Winograd operators split their tiles between threads (block_split.cc): where each
// thread takes blocks of its own, as many blocks for each (resnet18_qdq's 56x56 layers: 196
// tiles of 13.8 KB, 295 KB of weights, 64 outputs: 10 blocks of 20 tiles, not 7 of 28); where
// the weights are large, one block of all tiles with the output channels split.
TEST_CASE("Winograd blocks share the tiles evenly between threads", "[xnn]") {
  const WinogradBlocks two = winograd_blocks(196, 13824, 294912, 64, 4, 8, 2);
  CHECK(two.block == 20);  // of 20: 100 tiles for the thread with the most; of 28 (7 blocks): 112
  CHECK(two.blocks == 10);
  CHECK(two.group == 64);
  CHECK(two.tasks == 10);
  for (size_t tiles : {size_t{33}, size_t{49}, size_t{100}, size_t{196}, size_t{250}, size_t{784}, size_t{3136}}) {
    INFO(tiles << " tiles");
    const WinogradBlocks b = winograd_blocks(tiles, 13824, 294912, 64, 4, 8, 2);
    CHECK(b.blocks * b.block >= tiles);
    CHECK((b.blocks - 1) * b.block < tiles);
    const size_t longest = std::min(tiles, (b.blocks + 1) / 2 * b.block);  // the tiles of the thread with the most
    CHECK(longest <= (tiles + 1) / 2 + b.block);
  }
  const WinogradBlocks one = winograd_blocks(196, 13824, 294912, 64, 4, 8, 1);
  CHECK(one.blocks == 4);  // 768 KB of scratch: at most 55 tiles a block
  CHECK(one.group == 64);
  const WinogradBlocks large = winograd_blocks(16, 36 * 512 * 6, 16 * 512 * 512 * 2, 512, 4, 8, 2);
  CHECK(large.blocks == 1);
  CHECK(large.group == 256);
  CHECK(large.tasks == 2);
  // resnet18_qdq's 28x28 layers, 1.2 MB of weights: by default the output channels split; within
  // the int8 Winograd's 2 MB (winograd_qs8.cc), blocks of 4 tiles of all 128 channels per thread.
  const WinogradBlocks grouped = winograd_blocks(49, 27648, 1179648, 128, 4, 8, 2);
  CHECK(grouped.group == 64);
  CHECK(grouped.tasks == 2 * grouped.blocks);
  const WinogradBlocks own = winograd_blocks(49, 27648, 1179648, 128, 4, 8, 2, kBlockScratchBytes, 2 << 20);
  CHECK(own.group == 128);
  CHECK(own.block == 4);
  CHECK(own.blocks == 13);
  CHECK(own.tasks == 13);
}

// QDQ 3x3 stride-1 convolutions of 16 to 1024 input channels run in int8 as Winograd F(m x m,
// 3x3) (winograd_qs8.h), exact as XNNPACK's direct int8 convolution, with each tile: output
// channels off the packed block of 8 and input channels off the transform's 8, outputs off whole
// tiles, asymmetric pads, a batch of two, no bias, at 1 and 2 threads. More input channels than
// 1024 (where 32-bit sums could overflow) and an output large enough for 4x4 tiles: float
// Winograd between the DequantizeLinear and QuantizeLinear, as the graph states it
// (rules_conv.cc).
TEST_CASE("QDQ 3x3 convolutions run as int8 Winograd, or float Winograd past 1024 channels", "[xnn]") {
  struct Shape { int64_t n, c, h, w, m; std::vector<int64_t> pads; bool relu, bias; int tile; const char* info; int64_t stride = 1; };
  const char* int8 = "1 convolutions in int8, 1 of them as Winograd";
  const Shape shapes[] = {
      {1, 16, 18, 18, 20, {1, 1, 1, 1}, true, true, 3, int8},
      {1, 24, 8, 8, 16, {1, 1, 1, 1}, true, true, 4, int8},
      {2, 20, 11, 9, 19, {0, 1, 1, 0}, false, false, 4, int8},  // 10 x 8 outputs: half a tile past the bottom
      {1, 37, 7, 7, 40, {1, 1, 1, 1}, true, true, 4, int8},     // ResNet's last stage's size
      {1, 112, 8, 8, 24, {1, 1, 1, 1}, true, true, 4, int8},    // the most input channels 4x4 tiles take
      {1, 256, 7, 7, 24, {1, 1, 1, 1}, true, true, 2, int8},   // 7x7 outputs: 2x2 tiles where 4x4 could overflow
      {2, 130, 13, 11, 17, {1, 1, 1, 1}, true, false, 3, int8},  // 13 x 11: 3x3 tiles past both edges
      {1, 24, 16, 16, 17, {1, 1, 1, 1}, true, true, 2, int8, 2},      // stride 2: 8 x 8 outputs
      {2, 40, 21, 17, 24, {0, 1, 1, 0}, false, true, 2, int8, 2},    // 10 x 8
      {1, 20, 54, 53, 16, {1, 1, 0, 1}, true, false, 2, int8, 2},    // 27 x 27: half a tile past two edges
      {1, 1030, 18, 18, 16, {1, 1, 1, 1}, true, true, 0, "1 convolutions as Winograd"},
  };
  int index = 0;
  for (const Shape& s : shapes) {
    INFO("shape " << index);
    const int64_t out_h = (s.h + s.pads[0] + s.pads[2] - 3) / s.stride + 1, out_w = (s.w + s.pads[1] + s.pads[3] - 3) / s.stride + 1;
    CHECK(winograd_qs8_tile(3, 3, s.stride, s.stride, 1, 1, 1, s.c, s.m, out_h, out_w) == s.tile);
    std::mt19937 rng(500 + index++);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    qdq_conv_graph(g, rng, feeds, {s.n, s.c, s.h, s.w}, s.m, 3, 3,
                   {attr_ints("pads", s.pads), attr_ints("strides", {s.stride, s.stride})}, s.relu, 3, -5, s.bias);
    check_xnn_graph(g, feeds, s.info, 0.f, 0.0501f, true, 0.01);
  }
}

// Which qint8 convolutions take Winograd, and with which tile (winograd_qs8.cc's bounds).
TEST_CASE("int8 Winograd takes 3x3 stride-1 convolutions of 16 to 1024 channels", "[xnn]") {
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 64, 64, 56, 56) == 4);     // 36 products per 16 outputs
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 128, 128, 28, 28) == 3);   // 4x4 tiles' sums could overflow
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 256, 256, 14, 14) == 3);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 512, 512, 7, 7) == 2);     // 3x3 tiles: only 12% fewer
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 64, 64, 7, 7) == 4);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 1024, 16, 2, 2) == 2);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 256, 64, 3, 3) == 3);     // one 3x3 tile (2x2: 7.1 products each)
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 114, 64, 56, 56) == 4);  // whatever the weights: 64 * 114 * 9 * 128 * 255 < 2^31
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 115, 64, 56, 56) == 3);
  // With the weights known: 64 * 255 * their largest sum of |w| per output channel < 2^31.
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 128, 128, 28, 28, 131586) == 4);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 128, 128, 28, 28, 131587) == 3);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 512, 512, 7, 7, 90000) == 4);   // 4x4 tiles' weights: 18.9 MB
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 592, 592, 7, 7, 90000) == 2);   // 25.2 MB: over the 24 MB bound
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 340, 340, 7, 7, 90000) == 4);   // 7.9 MB: 44% fewer products than 2x2
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 256, 256, 14, 14, 90000) == 4); // 26% fewer than 2x2, 8% than 3x3
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 1025, 64, 28, 28, 1000) == 0);
  const int8_t kernel[] = {1, -2, 3, -128, 127, 0};
  CHECK(qs8_max_weight_sum(kernel, 2, 3) == 255);
  CHECK(qs8_max_weight_sum(kernel, 3, 2) == 131);
  // Long kernels (the wasm build sums 16 weights at a time, then the rest one by one).
  for (int64_t per_output : {4608, 4613}) {
    std::mt19937 rng(7);
    std::vector<int8_t> w(static_cast<size_t>(3 * per_output));
    for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    w[5] = -128;
    int64_t most = 0;
    for (int64_t o = 0; o < 3; o++) {
      int64_t sum = 0;
      for (int64_t i = 0; i < per_output; i++) sum += std::abs(int{w[static_cast<size_t>(o * per_output + i)]});
      most = std::max(most, sum);
    }
    CHECK(qs8_max_weight_sum(w.data(), 3, per_output) == most);
  }
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 1025, 64, 28, 28) == 0);  // sums could pass 2^31
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 8, 64, 28, 28) == 0);     // few input channels
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 64, 8, 28, 28) == 0);     // few output channels
  CHECK(winograd_qs8_tile(3, 3, 2, 2, 1, 1, 1, 64, 64, 28, 28) == 2);    // stride 2: 25 products per 2x2
  CHECK(winograd_qs8_tile(3, 3, 2, 2, 1, 1, 1, 256, 512, 7, 7) == 0);    // 16 tiles of 2x2 for 49 outputs
  CHECK(winograd_qs8_tile(3, 3, 2, 1, 1, 1, 1, 64, 64, 28, 28) == 0);
  CHECK(winograd_qs8_tile(3, 3, 3, 3, 1, 1, 1, 64, 64, 28, 28) == 0);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 2, 2, 1, 64, 64, 28, 28) == 0);    // dilation 2
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 2, 64, 64, 28, 28) == 0);    // groups
  CHECK(winograd_qs8_tile(5, 5, 1, 1, 1, 1, 1, 64, 64, 28, 28) == 0);
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 64, 64, 1, 9) == 0);      // one output row
  CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, 64, int64_t(1) << 40, 28, 28) == 0);
}

// 4x4 tiles where the weights at hand keep 64 times every sum within 32 bits, up to the bound:
// 128 input channels, each output channel's 1152 weights all +114 or all -114 (sum of |w|
// 131328, 64 * 255 * 131328 = 2^31 - 4210688), every input at 127 with zero point -128, so the
// middle outputs' sums are the largest the bound allows (+-33488640, requantized to +-100); one
// step more (115) takes 2x2 tiles. Both exact against the reference, and the profile names the tile.
TEST_CASE("int8 Winograd takes 4x4 tiles up to the weights' bound, exactly", "[xnn]") {
  for (const int magnitude : {114, 115}) {
    INFO("weights " << magnitude);
    const int64_t c = 128, m = 16;
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    g.input("x", DType::kFloat32, {1, c, 8, 8});
    feeds.emplace_back("x", random_tensor({1, c, 8, 8}, 1, 3.f, 3.f));
    g.constant("s1", scalar_tensor(DType::kFloat32, 0.01));
    g.constant("z1", scalar_tensor(DType::kInt8, -128));
    std::string a = g.node("DequantizeLinear", {g.node("QuantizeLinear", {"x", "s1", "z1"}), "s1", "z1"});
    Tensor w = Tensor::make(DType::kInt8, {m, c, 3, 3}).take();
    for (int64_t i = 0; i < w.size(); i++) w.data<int8_t>()[i] = static_cast<int8_t>(i / (c * 9) % 2 ? -magnitude : magnitude);
    g.constant("wq", std::move(w));
    g.constant("ws", random_tensor({m}, 2, 1.5e-5f, 1.5e-5f));
    std::string y = g.node("Conv", {a, g.node("DequantizeLinear", {"wq", "ws"}, {attr_i("axis", 0)})},
                           {attr_ints("pads", {1, 1, 1, 1})});
    g.constant("s2", scalar_tensor(DType::kFloat32, 0.05));
    g.constant("z2", scalar_tensor(DType::kInt8, 0));
    g.output(g.node("DequantizeLinear", {g.node("QuantizeLinear", {y, "s2", "z2"}), "s2", "z2"}));
    const int64_t sum = int64_t{9} * c * magnitude;
    CHECK(winograd_qs8_tile(3, 3, 1, 1, 1, 1, 1, c, m, 8, 8, sum) == (magnitude == 114 ? 4 : 2));
    check_xnn_graph(g, feeds, "1 convolutions in int8, 1 of them as Winograd", 0.f, 1e-6f, true, 0.0);
    auto xnn = make_session(g.model(), true);
    RunProfile profile;
    auto out = run_session(*xnn, {feed("x", feeds[0].second)}, &profile);
    CHECK(out[0].float_at(3 * 8 + 3) == Catch::Approx(magnitude == 114 ? 5.0 : 5.05));  // a middle output of channel 0: 100 or 101 steps
    CHECK_THAT(profile.take(), Catch::Matchers::ContainsSubstring(magnitude == 114 ? "Winograd F(4x4,3x3)" : "Winograd F(2x2,3x3)"));
  }
}

// Products whose packed weights outgrow the cache (over 1 MB) and that have more than one row
// block run column blocks first (gemm_order.cc): a 1x1 convolution (GEMM) with output channels
// off the column block and the tile, a 3x3 stride-2 one (IGEMM) and a fully-connected MatMul;
// at 1 and 2 threads, against the reference kernels (at 2, the float weights are packed by both
// threads: packing_threads.h). Small ones keep XNNPACK's order. (int8 convolutions without
// groups run over 16-bit patches, conv_qs8.h, in blocks of their own.)
TEST_CASE("products with weights past the cache run column blocks first and match the reference", "[xnn]") {
  enum Kind { kGemm, kIgemm, kMatMul, kSmall };
  for (Kind kind : {kGemm, kIgemm, kMatMul, kSmall}) {
    INFO("kind " << kind);
    std::mt19937 rng(700 + kind);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    if (kind == kMatMul) {  // [37, 600] x [600, 500]
      std::string x = feed_input(g, feeds, "x", {37, 600}, rng());
      g.output(g.node("MatMul", {x, g.constant("w", random_tensor({600, 500}, rng(), -0.1f, 0.1f))}));
    } else {
      const bool gemm = kind != kIgemm;
      const int64_t c = gemm ? 520 : 128, m = kind == kSmall ? 60 : gemm ? 530 : 300;
      std::string x = feed_input(g, feeds, "x", {1, c, gemm ? 7 : 9, gemm ? 7 : 9}, rng());
      g.constant("w", random_tensor({m, c, gemm ? 1 : 3, gemm ? 1 : 3}, rng(), -0.1f, 0.1f));
      g.constant("b", random_tensor({m}, rng()));
      std::vector<Attribute> attrs;
      if (!gemm) attrs = {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})};
      g.output(g.node("Relu", {g.node("Conv", {x, "w", "b"}, std::move(attrs))}));
    }
    check_xnn_graph(g, feeds, kind == kSmall ? "by column blocks" : "(1 products by column blocks)", 1e-4f, 1e-4f,
                    kind != kSmall);
  }
}

// Float Gemm (transB 0 and 1, a bias or none) and MatMul with constant weights: the region's
// cache packs them when XNNPACK's fully-connected operator looks them up (XNNPACK would zero
// the whole buffer first, then pack), outputs off XNNPACK's 8-column blocks included; fewer
// outputs than a block take XNNPACK's 2-column kernels, which XNNPACK packs itself. At 2 and
// 1 threads against the reference kernels.
TEST_CASE("float fully-connected weights are packed by the region and match the reference", "[xnn]") {
  for (int iter = 0; iter < 8; iter++) {
    INFO("iteration " << iter);
    std::mt19937 rng(900 + iter);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    const int64_t k = pick(rng, 1, 45), n = iter == 7 ? 5 : pick(rng, 8, 43), rows = pick(rng, 1, 6);
    std::string x = feed_input(g, feeds, "x", {rows, k}, rng());
    std::string y;
    if (iter % 3 == 0) {
      y = g.node("MatMul", {x, g.constant("w", random_tensor({k, n}, rng()))});
    } else {
      const bool trans_b = iter % 3 == 2;
      std::vector<std::string> ins = {x, g.constant("w", random_tensor(trans_b ? Dims{n, k} : Dims{k, n}, rng()))};
      if (iter % 2) ins.push_back(g.constant("c", random_tensor({n}, rng())));
      y = g.node("Gemm", ins, {attr_i("transB", trans_b ? 1 : 0)});
    }
    g.output(g.node("Relu", {y}));
    check_xnn_graph(g, feeds, "(1 fully-connected weights packed by the region)", 1e-4f, 1e-5f, n >= 8);
  }
}

// qint8 convolutions without groups: the region's cache packs their weights straight from
// qint8 convolutions of random shapes: input channels off blocks of 8 and outputs off blocks of
// 8, 1x1 and wider kernels (3x3 and others), strides and pads, a bias or none, zero points of
// both signs, a kernel of 3 input channels, groups (XNNPACK's, from an OHWI copy). At 2 and 1
// threads against the reference kernels.
TEST_CASE("qint8 convolutions of random shapes match the reference", "[xnn]") {
  for (int iter = 0; iter < 12; iter++) {
    INFO("iteration " << iter);
    std::mt19937 rng(1300 + iter);
    GraphBuilder g(17);
    std::vector<std::pair<std::string, Tensor>> feeds;
    const bool grouped = iter == 11, first = iter == 10, one = iter % 4 == 0;  // first: an image model's first
    const int64_t group = grouped ? 2 : 1, c = first ? 3 : group * pick(rng, one ? 9 : 1, 21), m = first ? 42 : group * pick(rng, 1, 11);
    const bool three = iter % 4 == 2;
    const int64_t kh = one ? 1 : first ? 7 : three ? 3 : pick(rng, 2, 3), kw = one ? 1 : first ? 7 : three ? 3 : pick(rng, 1, 3);
    const int64_t h = first ? 30 : pick(rng, 7, 12);
    std::vector<Attribute> attrs;
    if (first) attrs = {attr_ints("strides", {2, 2}), attr_ints("pads", {3, 3, 3, 3})};  // ResNet's first, smaller
    else if (!one) attrs = {attr_ints("strides", {pick(rng, 1, 2), pick(rng, 1, 2)}), attr_ints("pads", {1, 0, kh - 1, 1})};
    qdq_conv_graph(g, rng, feeds, {1, c, h, h}, m, kh, kw, std::move(attrs), iter % 3 == 1, iter % 2 ? 9 : -11, 4, iter % 5 != 2,
                   group);
    check_xnn_graph(g, feeds, grouped ? "1 convolutions in int8)" : "convolutions in int8, 1 of them", 0.f, 0.0501f);
  }
}
