// SPDX-License-Identifier: MIT
// Test helpers: build IR models in C++ (no .onnx files), seeded random tensors, and a
// tolerance comparison that reports the first mismatch.
#pragma once
#include <catch_amalgamated.hpp>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/session.h"

namespace onnxwasm::testing {

inline Attribute attr_i(const std::string& name, int64_t v) {
  Attribute a; a.name = name; a.kind = Attribute::Kind::kInt; a.i = v; return a;
}
inline Attribute attr_f(const std::string& name, float v) {
  Attribute a; a.name = name; a.kind = Attribute::Kind::kFloat; a.f = v; return a;
}
inline Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a; a.name = name; a.kind = Attribute::Kind::kInts; a.ints = std::move(v); return a;
}
inline Attribute attr_s(const std::string& name, const std::string& v) {
  Attribute a; a.name = name; a.kind = Attribute::Kind::kString; a.s = v; return a;
}

inline Tensor random_tensor(Dims dims, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t = Tensor::make(DType::kFloat32, std::move(dims)).take();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.size(); i++) t.data<float>()[i] = dist(rng);
  return t;
}

inline Tensor int64_tensor(std::vector<int64_t> values) {
  Tensor t = Tensor::make(DType::kInt64, {static_cast<int64_t>(values.size())}).take();
  for (size_t i = 0; i < values.size(); i++) t.data<int64_t>()[i] = values[i];
  return t;
}

class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 13) {
    model_.ir_version = 8;
    model_.opsets[""] = opset;
  }
  std::string input(const std::string& name, DType dtype, Dims dims, std::vector<std::string> dim_names = {}) {
    ValueInfo v;
    v.name = name;
    v.dtype = dtype;
    v.has_shape = true;
    v.dims = std::move(dims);
    v.dim_names = dim_names.empty() ? std::vector<std::string>(v.dims.size()) : std::move(dim_names);
    model_.graph.inputs.push_back(v);
    return name;
  }
  std::string constant(const std::string& name, Tensor t) {
    model_.graph.initializers[name] = std::make_shared<Tensor>(std::move(t));
    return name;
  }
  // Adds a node; returns its first output's name (outputs are named "<name>_out<i>").
  std::string node(const std::string& op, std::vector<std::string> inputs, std::vector<Attribute> attrs = {},
                   int num_outputs = 1, const std::string& domain = "") {
    Node n;
    n.name = op + "_" + std::to_string(model_.graph.nodes.size());
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attrs);
    for (int i = 0; i < num_outputs; i++) n.outputs.push_back(n.name + "_out" + std::to_string(i));
    model_.graph.nodes.push_back(n);
    return n.outputs[0];
  }
  void output(const std::string& name) {
    ValueInfo v;
    v.name = name;
    model_.graph.outputs.push_back(v);
  }
  Model& model() { return model_; }

 private:
  Model model_;
};

inline std::unique_ptr<Session> make_session(Model model, bool xnnpack, int threads = 1) {
  SessionOptions o;
  o.use_xnnpack = xnnpack;
  o.xnn_strict = true;
  o.num_threads = threads;
  o.serial_work = 0;  // even tiny test graphs use the pool
  auto r = Session::create(std::move(model), o);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return r.take();
}

// A copyable reference to a feed (Feed holds a move-only Tensor view).
struct FeedRef {
  std::string name;
  const Tensor* tensor;
};
inline FeedRef feed(const std::string& name, const Tensor& t) { return FeedRef{name, &t}; }

inline Status try_run(Session& s, const std::vector<FeedRef>& refs, std::vector<Tensor>* out, RunProfile* profile = nullptr) {
  std::vector<Feed> feeds;
  for (const FeedRef& r : refs)
    feeds.push_back(Feed{r.name, Tensor::view(r.tensor->dtype(), r.tensor->dims(), const_cast<void*>(r.tensor->raw()))});
  return s.run(feeds, out, profile);
}

inline std::vector<Tensor> run_session(Session& s, const std::vector<FeedRef>& refs, RunProfile* profile = nullptr) {
  std::vector<Tensor> out;
  Status st = try_run(s, refs, &out, profile);
  INFO(st.to_string());
  REQUIRE(st.is_ok());
  return out;
}

// |a - b| <= atol + rtol * |b| elementwise, same dims; NaN equals NaN.
inline void expect_close(const Tensor& a, const Tensor& b, float rtol = 1e-4f, float atol = 1e-5f) {
  REQUIRE(a.dims() == b.dims());
  REQUIRE(a.dtype() == b.dtype());
  for (int64_t i = 0; i < a.size(); i++) {
    double x = a.float_at(i), y = b.float_at(i);
    if (std::isnan(x) && std::isnan(y)) continue;
    if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) {
      FAIL("element " << i << " of " << dims_to_string(a.dims()) << ": " << x << " vs " << y);
    }
  }
}

}  // namespace onnxwasm::testing
