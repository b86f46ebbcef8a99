// SPDX-License-Identifier: MIT
// ai.onnx.ml ops: LabelEncoder (keys and values as strings, int64s, floats or tensors of any
// dtype; a default for missing keys), Binarizer, ArrayFeatureExtractor.
#include <cstring>
#include <map>
#include <string>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

constexpr const char* kMl = "ai.onnx.ml";

// --- LabelEncoder ---

struct LabelEncoderState {
  TensorPtr keys, values, fallback;  // fallback: one element of the values' dtype
  std::map<std::string, int64_t> by_string;
  std::map<double, int64_t> by_number;
};

// The list attribute `<prefix>_strings` / `_int64s` / `_floats`, or tensor `<prefix>_tensor`.
Result<TensorPtr> list_attr(const Node& n, const std::string& prefix) {
  if (const Attribute* a = n.attr(prefix + "_tensor")) {
    OW_CHECK(a->t, INVALID_MODEL, "%s: '%s_tensor' is not a tensor", n.describe().c_str(), prefix.c_str());
    return a->t;
  }
  auto make = [](DType dt, size_t count) -> Result<TensorPtr> {
    OW_ASSIGN_OR_RETURN(Tensor t, Tensor::make(dt, {static_cast<int64_t>(count)}));
    return std::make_shared<Tensor>(std::move(t));
  };
  if (const Attribute* a = n.attr(prefix + "_strings")) {
    OW_ASSIGN_OR_RETURN(TensorPtr t, make(DType::kString, a->strings.size()));
    for (size_t i = 0; i < a->strings.size(); i++) t->data<std::string>()[i] = a->strings[i];
    return t;
  }
  if (const Attribute* a = n.attr(prefix + "_int64s")) {
    OW_ASSIGN_OR_RETURN(TensorPtr t, make(DType::kInt64, a->ints.size()));
    for (size_t i = 0; i < a->ints.size(); i++) t->data<int64_t>()[i] = a->ints[i];
    return t;
  }
  if (const Attribute* a = n.attr(prefix + "_floats")) {
    OW_ASSIGN_OR_RETURN(TensorPtr t, make(DType::kFloat32, a->floats.size()));
    for (size_t i = 0; i < a->floats.size(); i++) t->data<float>()[i] = a->floats[i];
    return t;
  }
  return make_status(Code::INVALID_MODEL, "%s: no %s (strings, int64s, floats or tensor)", n.describe().c_str(), prefix.c_str());
}

Status prepare_label_encoder(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<LabelEncoderState>();
  OW_ASSIGN_OR_RETURN(s->keys, list_attr(n, "keys"));
  OW_ASSIGN_OR_RETURN(s->values, list_attr(n, "values"));
  OW_CHECK(s->keys->size() == s->values->size(), INVALID_MODEL, "%s: %lld keys but %lld values", n.describe().c_str(),
           static_cast<long long>(s->keys->size()), static_cast<long long>(s->values->size()));
  DType vt = s->values->dtype();
  OW_ASSIGN_OR_RETURN(Tensor def, Tensor::make(vt, {}));
  if (const Attribute* a = n.attr("default_tensor"); a && a->t) {
    OW_CHECK(a->t->dtype() == vt && a->t->size() >= 1, INVALID_MODEL, "%s: default_tensor must hold one %s",
             n.describe().c_str(), dtype_name(vt));
    copy_elements(*a->t, 0, def, 0, 1);
  } else if (vt == DType::kString) {
    def.data<std::string>()[0] = attr_string(n, "default_string", "_Unused");
  } else if (vt == DType::kInt64) {
    def.data<int64_t>()[0] = attr_int(n, "default_int64", -1);
  } else if (vt == DType::kFloat32) {
    def.data<float>()[0] = attr_float(n, "default_float", -0.f);
  } else {
    memset(def.raw(), 0, def.byte_size());
  }
  s->fallback = std::make_shared<Tensor>(std::move(def));
  for (int64_t i = 0; i < s->keys->size(); i++) {
    if (s->keys->dtype() == DType::kString) s->by_string.emplace(s->keys->data<std::string>()[i], i);
    else s->by_number.emplace(s->keys->float_at(i), i);
  }
  *state = s;
  return Status::ok();
}

Status infer_label_encoder(InferContext& ctx) {
  const auto* s = state_as<LabelEncoderState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_CHECK(ctx.in(0).dtype == s->keys->dtype() || (ctx.in(0).dtype == DType::kInt32 && s->keys->dtype() == DType::kInt64),
           INVALID_MODEL, "%s: the input is %s, the keys are %s", ctx.node.describe().c_str(), dtype_name(ctx.in(0).dtype),
           dtype_name(s->keys->dtype()));
  ctx.set_output(0, s->values->dtype(), ctx.in(0).dims);
  return Status::ok();
}

Status run_label_encoder(KernelContext& ctx) {
  const auto* s = state_as<LabelEncoderState>(ctx.state);
  const Tensor& x = ctx.in(0);
  for (int64_t i = 0; i < x.size(); i++) {
    int64_t at = -1;
    if (x.dtype() == DType::kString) {
      auto it = s->by_string.find(x.data<std::string>()[i]);
      if (it != s->by_string.end()) at = it->second;
    } else {
      auto it = s->by_number.find(x.float_at(i));
      if (it != s->by_number.end()) at = it->second;
    }
    if (at >= 0) copy_elements(*s->values, at, ctx.out(0), i, 1);
    else copy_elements(*s->fallback, 0, ctx.out(0), i, 1);
  }
  return Status::ok();
}

// --- Binarizer: 1 where x > threshold, else 0 ---

Status infer_binarizer(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}));
  ctx.set_output(0, ctx.in(0).dtype, ctx.in(0).dims);
  return Status::ok();
}

Status run_binarizer(KernelContext& ctx) {
  double threshold = attr_float(ctx.node, "threshold", 0.f);
  Tensor& y = ctx.out(0);
  for (int64_t i = 0; i < y.size(); i++) {
    double v = ctx.in(0).float_at(i) > threshold ? 1 : 0;
    if (y.dtype() == DType::kInt32) y.data<int32_t>()[i] = static_cast<int32_t>(v);
    else if (y.dtype() == DType::kInt64) y.data<int64_t>()[i] = static_cast<int64_t>(v);
    else y.set_float_at(i, v);
  }
  return Status::ok();
}

// --- ArrayFeatureExtractor: X[..., indices] (a 1-D X gives [1, len(indices)]) ---

Status infer_feature_extractor(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kInt64}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 1, 8));
  Dims d = ctx.in(0).dims;
  if (d.size() == 1) d.insert(d.begin(), 1);
  d.back() = num_elements(ctx.in(1).dims);
  if (const Tensor* idx = ctx.value(1); idx && ctx.in(0).dims.back() >= 0)
    for (int64_t i = 0; i < idx->size(); i++)
      OW_CHECK(idx->int_at(i) >= 0 && idx->int_at(i) < ctx.in(0).dims.back(), INVALID_INPUT, "%s: index %lld is out of range for %lld",
               ctx.node.describe().c_str(), static_cast<long long>(idx->int_at(i)), static_cast<long long>(ctx.in(0).dims.back()));
  ctx.set_output(0, ctx.in(0).dtype, d);
  return Status::ok();
}

Status run_feature_extractor(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  int64_t last = x.dims().back(), rows = last ? x.size() / last : 0, k = idx.size();
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < k; j++) copy_elements(x, r * last + idx.int_at(j), ctx.out(0), r * k + j, 1);
  return Status::ok();
}

}  // namespace

extern const OpDef kLabelEncoder = {"LabelEncoder", kMl, 1, infer_label_encoder, prepare_label_encoder, run_label_encoder};
extern const OpDef kBinarizer = {"Binarizer", kMl, 1, infer_binarizer, nullptr, run_binarizer};
extern const OpDef kArrayFeatureExtractor = {"ArrayFeatureExtractor", kMl, 1, infer_feature_extractor, nullptr, run_feature_extractor};

}  // namespace onnxwasm
