// SPDX-License-Identifier: MIT
// Random generators: RandomUniform, RandomNormal (shape from the attribute), their *Like
// forms (shape, and dtype unless given, from the input), and Bernoulli (1 with probability
// p). Each node owns a generator: seeded from the `seed` attribute (the same sequence in
// every session made from the model, different values on each run) or from the system's
// entropy. The compiler never folds these ops (compile.cc), so every run draws anew.
#include <cstring>
#include <mutex>
#include <random>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct RandomState {
  mutable std::mutex lock;  // run() of one session may come from several threads natively
  mutable std::mt19937_64 engine;
  DType dtype = DType::kUndefined;  // from the attribute; kUndefined: the input's
  double a = 0, b = 1;              // low/high or mean/scale
  bool like = false;                // shape from the input (*Like, Bernoulli)
  Dims shape;                       // RandomUniform/RandomNormal
};

Status prepare_random(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<RandomState>();
  const std::string& op = n.op_type;
  if (const Attribute* seed = n.attr("seed")) {
    float f = seed->f;
    uint32_t bits;
    memcpy(&bits, &f, 4);
    s->engine.seed(bits);
  } else {
    std::random_device entropy;
    s->engine.seed((static_cast<uint64_t>(entropy()) << 32) | entropy());
  }
  bool normal = op.find("Normal") != std::string::npos;
  s->a = attr_float(n, normal ? "mean" : "low", 0.f);
  s->b = attr_float(n, normal ? "scale" : "high", 1.f);
  const bool like = s->like = op == "Bernoulli" || (op.size() > 4 && op.compare(op.size() - 4, 4, "Like") == 0);
  if (n.attr("dtype") || !like) s->dtype = static_cast<DType>(attr_int(n, "dtype", 1));
  if (s->dtype != DType::kUndefined)
    OW_CHECK(dtype_is_float(s->dtype) || (op == "Bernoulli" && dtype_size(s->dtype) > 0 && s->dtype != DType::kString &&
                                    s->dtype < DType::kComplex64),
             INVALID_MODEL, "%s: dtype %d is not allowed", n.describe().c_str(), static_cast<int>(s->dtype));
  if (!like) {
    s->shape = attr_ints(n, "shape");
    OW_CHECK(n.attr("shape") && dims_known(s->shape) && num_elements(s->shape) >= 0, INVALID_MODEL, "%s: shape %s",
             n.describe().c_str(), dims_to_string(s->shape).c_str());
  }
  OW_CHECK(normal || s->a <= s->b, INVALID_MODEL, "%s: low %g is above high %g", n.describe().c_str(), s->a, s->b);
  *state = s;
  return Status::ok();
}

Status infer_random(InferContext& ctx) {
  const auto* s = state_as<RandomState>(ctx.state);
  if (!s->like) {
    OW_RETURN_IF_ERROR(check_input_count(ctx, 0, 0));
    ctx.set_output(0, s->dtype, s->shape);
    return Status::ok();
  }
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  if (ctx.node.op_type == "Bernoulli")
    OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}));
  ctx.set_output(0, s->dtype == DType::kUndefined ? ctx.in(0).dtype : s->dtype, ctx.in(0).dims);
  OW_CHECK(ctx.node.op_type == "Bernoulli" || dtype_is_float(ctx.outputs[0].dtype), INVALID_MODEL, "%s: cannot make random %s values",
           ctx.node.describe().c_str(), dtype_name(ctx.outputs[0].dtype));
  return Status::ok();
}

Status run_random(KernelContext& ctx) {
  const auto* s = state_as<RandomState>(ctx.state);
  Tensor& y = ctx.out(0);
  std::lock_guard<std::mutex> hold(s->lock);
  if (ctx.node.op_type == "Bernoulli") {
    std::uniform_real_distribution<double> u(0, 1);
    memset(y.raw(), 0, y.byte_size());
    const size_t esize = dtype_size(y.dtype());
    for (int64_t i = 0; i < y.size(); i++) {
      if (!(u(s->engine) < ctx.in(0).float_at(i))) continue;
      if (dtype_is_float(y.dtype())) y.set_float_at(i, 1);
      else static_cast<uint8_t*>(y.raw())[static_cast<size_t>(i) * esize] = 1;  // little-endian integer 1
    }
  } else if (ctx.node.op_type.find("Normal") != std::string::npos) {
    std::normal_distribution<double> d(s->a, s->b);
    for (int64_t i = 0; i < y.size(); i++) y.set_float_at(i, d(s->engine));
  } else {
    std::uniform_real_distribution<double> d(s->a, s->b);
    for (int64_t i = 0; i < y.size(); i++) y.set_float_at(i, d(s->engine));
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kRandomUniform = {"RandomUniform", "", 1, infer_random, prepare_random, run_random};
extern const OpDef kRandomUniformLike = {"RandomUniformLike", "", 1, infer_random, prepare_random, run_random};
extern const OpDef kRandomNormal = {"RandomNormal", "", 1, infer_random, prepare_random, run_random};
extern const OpDef kRandomNormalLike = {"RandomNormalLike", "", 1, infer_random, prepare_random, run_random};
extern const OpDef kBernoulli = {"Bernoulli", "", 15, infer_random, prepare_random, run_random};

}  // namespace onnxwasm
