// SPDX-License-Identifier: MIT
// TfIdfVectorizer: counts the pool's n-grams (min..max_gram_length, tokens up to
// max_skip_count apart) in each row of int32/int64/string tokens, as the ONNX reference does:
// unigrams once, longer grams once per skip distance; mode TF, IDF or TFIDF with weights.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernels/op.h"

namespace onnxwasm {
namespace {

using Gram = std::vector<std::string>;

struct TfIdfState {
  int64_t min_n, max_n, max_skip, width;
  std::string mode;
  std::map<Gram, int64_t> grams;  // gram -> output column
  std::set<Gram> prefixes;        // every prefix of a pool gram (the gram itself included)
  std::vector<float> weights;
};

Status prepare_tfidf(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<TfIdfState>();
  const std::string where = n.describe();
  s->min_n = attr_int(n, "min_gram_length", 1);
  s->max_n = attr_int(n, "max_gram_length", 1);
  s->max_skip = attr_int(n, "max_skip_count", 0);
  s->mode = attr_string(n, "mode", "TF");
  OW_CHECK(s->min_n >= 1 && s->max_n >= s->min_n && s->max_n <= 64 && s->max_skip >= 0 && s->max_skip <= 1024, INVALID_MODEL,
           "%s: gram lengths must satisfy 1 <= min <= max <= 64, max_skip_count in [0, 1024]", where.c_str());
  OW_CHECK(s->mode == "TF" || s->mode == "IDF" || s->mode == "TFIDF", INVALID_MODEL, "%s: mode '%s'", where.c_str(), s->mode.c_str());
  std::vector<int64_t> counts = attr_ints(n, "ngram_counts"), indexes = attr_ints(n, "ngram_indexes");
  std::vector<std::string> pool;
  if (const Attribute* a = n.attr("pool_strings")) pool = a->strings;
  for (int64_t v : attr_ints(n, "pool_int64s")) pool.push_back(std::to_string(v));
  if (const Attribute* a = n.attr("weights")) s->weights = a->floats;
  s->width = 0;
  for (int64_t i : indexes) {
    OW_CHECK(i >= 0 && i < (int64_t{1} << 24), INVALID_MODEL, "%s: ngram_indexes out of range", where.c_str());
    s->width = std::max(s->width, i + 1);
  }
  size_t id = 0;  // position of the next gram in ngram_indexes
  for (size_t k = 0; k < counts.size(); k++) {
    int64_t size = static_cast<int64_t>(k) + 1;
    int64_t begin = counts[k], end = k + 1 < counts.size() ? counts[k + 1] : static_cast<int64_t>(pool.size());
    OW_CHECK(begin >= 0 && begin <= end && end <= static_cast<int64_t>(pool.size()) && (end - begin) % size == 0, INVALID_MODEL,
             "%s: ngram_counts do not match the pool", where.c_str());
    for (int64_t g = begin; g < end; g += size, id++) {
      OW_CHECK(id < indexes.size(), INVALID_MODEL, "%s: fewer ngram_indexes than n-grams", where.c_str());
      if (size < s->min_n || size > s->max_n) continue;
      Gram gram(pool.begin() + g, pool.begin() + g + size);
      s->grams[gram] = indexes[id];
      for (size_t p = 1; p <= gram.size(); p++) s->prefixes.insert(Gram(gram.begin(), gram.begin() + static_cast<int64_t>(p)));
    }
  }
  OW_CHECK(s->weights.empty() || static_cast<int64_t>(s->weights.size()) >= s->width, INVALID_MODEL,
           "%s: fewer weights than outputs", where.c_str());
  *state = s;
  return Status::ok();
}

Status infer_tfidf(InferContext& ctx) {
  const auto* s = state_as<TfIdfState>(ctx.state);
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kInt32, DType::kInt64, DType::kString}));
  OW_RETURN_IF_ERROR(check_rank(ctx, 0, 1, 2));
  const Dims& d = ctx.in(0).dims;
  ctx.set_output(0, DType::kFloat32, d.size() == 1 ? Dims{s->width} : Dims{d[0], s->width});
  return Status::ok();
}

Status run_tfidf(KernelContext& ctx) {
  const auto* s = state_as<TfIdfState>(ctx.state);
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.out(0);
  int64_t rows = x.rank() == 2 ? x.dims()[0] : 1, c = x.dims().back();
  std::vector<int64_t> freq(static_cast<size_t>(y.size()), 0);
  auto token = [&](int64_t i) { return x.dtype() == DType::kString ? x.data<std::string>()[i] : std::to_string(x.int_at(i)); };
  for (int64_t r = 0; r < rows && !s->grams.empty(); r++) {
    std::vector<std::string> row;
    for (int64_t i = 0; i < c; i++) row.push_back(token(r * c + i));
    int64_t start_n = s->min_n;
    for (int64_t skip = 1; skip <= s->max_skip + 1; skip++) {
      for (int64_t start = 0; start < c; start++) {
        if (start + skip * (start_n - 1) >= c) break;
        Gram gram;
        for (int64_t at = start; static_cast<int64_t>(gram.size()) < s->max_n && at < c; at += skip) {
          gram.push_back(row[at]);
          if (!s->prefixes.count(gram)) break;
          auto hit = s->grams.find(gram);
          if (static_cast<int64_t>(gram.size()) >= start_n && hit != s->grams.end()) freq[r * s->width + hit->second]++;
        }
      }
      if (start_n == 1) {  // unigrams count once, not once per skip distance
        start_n++;
        if (start_n > s->max_n) break;
      }
    }
  }
  float* out = y.data<float>();
  for (int64_t i = 0; i < y.size(); i++) {
    float w = s->weights.empty() ? 1.f : s->weights[i % s->width];
    if (s->mode == "TF") out[i] = static_cast<float>(freq[i]);
    else if (s->mode == "IDF") out[i] = freq[i] > 0 ? w : 0.f;
    else out[i] = w * static_cast<float>(freq[i]);
  }
  return Status::ok();
}

}  // namespace

extern const OpDef kTfIdfVectorizer = {"TfIdfVectorizer", "", 9, infer_tfidf, prepare_tfidf, run_tfidf};

}  // namespace onnxwasm
