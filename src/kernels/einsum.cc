// SPDX-License-Identifier: MIT
// Einsum, any equation: explicit ("ij,jk->ik") or implicit output (labels seen once, sorted),
// "..." broadcast from the right, repeated labels in one term (diagonals), sums over labels
// the output drops. The reference loop visits every combination of labels once.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

struct Plan {
  std::vector<std::vector<int>> terms;  // per input: the label of each dim
  std::vector<int> out;                 // labels of the output dims
  std::vector<int64_t> size;            // per label
};

// Labels: letters as themselves, the ellipsis's dims as 256 + position from the right.
Result<Plan> plan_einsum(const Node& n, const std::string& equation, const std::vector<Dims>& in) {
  std::string eq;
  for (char c : equation) if (c != ' ') eq += c;
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  const std::string where = n.describe();
  OW_CHECK(terms.size() == in.size(), INVALID_MODEL, "%s: the equation has %zu terms for %zu inputs", where.c_str(),
           terms.size(), in.size());
  Plan p;
  p.size.assign(256 + 64, -1);
  int ellipsis_rank = 0;
  std::map<int, int> count;
  auto parse_term = [&](const std::string& t, int64_t rank, std::vector<int>* labels) -> Status {
    size_t dots = t.find("...");
    int letters = static_cast<int>(t.size()) - (dots == std::string::npos ? 0 : 3);
    int64_t e = dots == std::string::npos ? 0 : rank < 0 ? ellipsis_rank : rank - letters;  // rank < 0: the output
    OW_CHECK(e >= 0 && e <= 64 && (dots != std::string::npos || rank < 0 || letters == rank), INVALID_MODEL,
             "%s: term '%s' does not fit an input of rank %lld", where.c_str(), t.c_str(), static_cast<long long>(rank));
    for (size_t i = 0; i < t.size(); i++) {
      if (i == dots) {
        for (int64_t k = e; k-- > 0;) labels->push_back(256 + static_cast<int>(k));
        ellipsis_rank = std::max(ellipsis_rank, static_cast<int>(e));
        i += 2;
        continue;
      }
      char c = t[i];
      OW_CHECK(std::isalpha(static_cast<unsigned char>(c)), INVALID_MODEL, "%s: '%c' is not a label", where.c_str(), c);
      labels->push_back(static_cast<unsigned char>(c));
    }
    return Status::ok();
  };
  for (size_t i = 0; i < terms.size(); i++) {
    std::vector<int> labels;
    OW_RETURN_IF_ERROR(parse_term(terms[i], static_cast<int64_t>(in[i].size()), &labels));
    std::map<int, bool> seen;
    for (size_t d = 0; d < labels.size(); d++) {
      int l = labels[d];
      if (!seen[l]) count[l]++;
      seen[l] = true;
      int64_t s = in[i][d];
      bool ellipsis = l >= 256;
      OW_CHECK(p.size[l] < 0 || s == p.size[l] || (ellipsis && (s == 1 || p.size[l] == 1)), INVALID_INPUT,
               "%s: label '%s' has sizes %lld and %lld", where.c_str(), ellipsis ? "..." : std::string(1, static_cast<char>(l)).c_str(),
               static_cast<long long>(p.size[l]), static_cast<long long>(s));
      if (p.size[l] < 0 || p.size[l] == 1) p.size[l] = s;
    }
    p.terms.push_back(labels);
  }
  if (arrow != std::string::npos) {
    OW_RETURN_IF_ERROR(parse_term(eq.substr(arrow + 2), -1, &p.out));
    for (int l : p.out) OW_CHECK(p.size[l] >= 0, INVALID_MODEL, "%s: output label not in any input", where.c_str());
  } else {  // implicit: the ellipsis, then letters seen once, in order
    for (int k = ellipsis_rank; k-- > 0;) p.out.push_back(256 + k);
    for (const auto& kv : count) if (kv.first < 256 && kv.second == 1) p.out.push_back(kv.first);
  }
  return p;
}

std::vector<Dims> input_dims(const InferContext& ctx) {
  std::vector<Dims> d;
  for (size_t i = 0; i < ctx.num_inputs(); i++) d.push_back(ctx.in(i).dims);
  return d;
}

Status infer_einsum(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_variadic_inputs(ctx, 1, 64));
  for (size_t i = 0; i < ctx.num_inputs(); i++) {
    OW_RETURN_IF_ERROR(check_dtype(ctx, i, {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}));
    OW_CHECK(ctx.in(i).dtype == ctx.in(0).dtype, INVALID_MODEL, "%s: inputs of different dtypes", ctx.node.describe().c_str());
    if (!dims_known(ctx.in(i).dims)) { ctx.outputs[0] = ValueType{ctx.in(0).dtype, {}, false}; return Status::ok(); }
  }
  OW_ASSIGN_OR_RETURN(Plan p, plan_einsum(ctx.node, attr_string(ctx.node, "equation", ""), input_dims(ctx)));
  Dims out;
  for (int l : p.out) out.push_back(p.size[l]);
  ctx.set_output(0, ctx.in(0).dtype, out);
  return Status::ok();
}

Status run_einsum(KernelContext& ctx) {
  std::vector<Dims> dims;
  for (const Tensor* t : ctx.inputs) dims.push_back(t->dims());
  OW_ASSIGN_OR_RETURN(Plan p, plan_einsum(ctx.node, attr_string(ctx.node, "equation", ""), dims));
  // Every label: the output's first (so the output index advances in order), then summed ones.
  std::vector<int> labels = p.out;
  for (const auto& t : p.terms)
    for (int l : t)
      if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  std::vector<int> slot(256 + 64, -1);
  for (size_t k = 0; k < labels.size(); k++) slot[labels[k]] = static_cast<int>(k);
  // Per input and label position: the stride to add (0 where the input broadcasts).
  std::vector<std::vector<int64_t>> strides(ctx.inputs.size(), std::vector<int64_t>(labels.size(), 0));
  for (size_t i = 0; i < ctx.inputs.size(); i++) {
    Dims st = row_major_strides(dims[i]);
    for (size_t d = 0; d < p.terms[i].size(); d++)
      if (dims[i][d] != 1 || p.size[p.terms[i][d]] == 1) strides[i][slot[p.terms[i][d]]] += st[d];
  }
  Tensor& y = ctx.out(0);
  std::vector<double> acc(static_cast<size_t>(y.size()), 0.0);
  std::vector<int64_t> idx(labels.size(), 0), off(ctx.inputs.size(), 0);
  int64_t total = 1;
  for (int l : labels) total *= p.size[l];
  int64_t out_count = y.size(), inner = out_count ? total / out_count : 0;
  for (int64_t step = 0; step < total && out_count > 0; step++) {
    double prod = 1;
    for (size_t i = 0; i < ctx.inputs.size(); i++) prod *= ctx.in(i).float_at(off[i]);
    acc[static_cast<size_t>(step / inner)] += prod;
    for (size_t k = labels.size(); k-- > 0;) {  // odometer, last label fastest
      for (size_t i = 0; i < off.size(); i++) off[i] += strides[i][k];
      if (++idx[k] < p.size[labels[k]]) break;
      for (size_t i = 0; i < off.size(); i++) off[i] -= strides[i][k] * p.size[labels[k]];
      idx[k] = 0;
    }
  }
  for (int64_t j = 0; j < out_count; j++) {
    if (y.dtype() == DType::kInt64) y.data<int64_t>()[j] = static_cast<int64_t>(acc[j]);
    else if (y.dtype() == DType::kInt32) y.data<int32_t>()[j] = static_cast<int32_t>(acc[j]);
    else y.set_float_at(j, acc[j]);
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kEinsum = {"Einsum", "", 12, infer_einsum, nullptr, run_einsum};

}  // namespace onnxwasm
