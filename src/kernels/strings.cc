// SPDX-License-Identifier: MIT
// String ops: StringConcat (broadcasting), StringSplit (Python's str.split: by a delimiter,
// or by runs of whitespace when it is empty; maxsplit; outputs padded with ""), and
// StringNormalizer (stopwords, case-sensitive or not; LOWER/UPPER on ASCII letters). Strings
// are UTF-8 bytes; RegexFullMatch is in regex_full_match.cc.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "kernels/broadcast.h"
#include "kernels/op.h"

namespace onnxwasm {
namespace {

const std::string* strings(const Tensor& t) { return t.data<std::string>(); }

// --- StringConcat ---

Status infer_concat(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 2, 2));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kString}));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 1, {DType::kString}));
  OW_ASSIGN_OR_RETURN(Dims dims, broadcast_dims(ctx.node, ctx.in(0).dims, ctx.in(1).dims));
  ctx.set_output(0, DType::kString, dims);
  return Status::ok();
}

Status run_concat(KernelContext& ctx) {
  Tensor& y = ctx.out(0);
  BroadcastIter<2> it(y.dims(), {&ctx.in(0).dims(), &ctx.in(1).dims()});
  for (int64_t i = 0; i < y.size(); i++, it.next())
    y.data<std::string>()[i] = strings(ctx.in(0))[it.offset(0)] + strings(ctx.in(1))[it.offset(1)];
  return Status::ok();
}

// --- StringSplit ---

std::vector<std::string> split(const std::string& s, const std::string& delim, int64_t maxsplit) {
  std::vector<std::string> parts;
  if (delim.empty()) {  // runs of whitespace; leading/trailing ignored
    size_t i = 0;
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (i < s.size()) {
      while (i < s.size() && space(s[i])) i++;
      if (i == s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        size_t end = s.size();
        while (end > i && space(s[end - 1])) end--;
        parts.push_back(s.substr(i, end - i));
        break;
      }
      size_t j = i;
      while (j < s.size() && !space(s[j])) j++;
      parts.push_back(s.substr(i, j - i));
      i = j;
    }
    return parts;
  }
  size_t start = 0;
  for (;;) {
    size_t at = s.find(delim, start);
    if (at == std::string::npos || (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit)) break;
    parts.push_back(s.substr(start, at - start));
    start = at + delim.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

Status infer_split(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kString}));
  Dims with_parts = ctx.in(0).dims;
  with_parts.push_back(kUnknownDim);  // the most parts of any string: known once split
  const Tensor* x = ctx.value(0);
  if (x) {
    std::string delim = attr_string(ctx.node, "delimiter", "");
    int64_t maxsplit = attr_int(ctx.node, "maxsplit", -1);
    int64_t most = 0;
    for (int64_t i = 0; i < x->size(); i++)
      most = std::max<int64_t>(most, static_cast<int64_t>(split(strings(*x)[i], delim, maxsplit).size()));
    with_parts.back() = most;
  }
  ctx.set_output(0, DType::kString, with_parts);
  ctx.set_output(1, DType::kInt64, ctx.in(0).dims);
  return Status::ok();
}

Status run_split(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  std::string delim = attr_string(ctx.node, "delimiter", "");
  int64_t maxsplit = attr_int(ctx.node, "maxsplit", -1);
  Tensor& y = ctx.out(0);
  int64_t width = y.dims().back();
  for (int64_t i = 0; i < x.size(); i++) {
    std::vector<std::string> parts = split(strings(x)[i], delim, maxsplit);
    for (size_t k = 0; k < parts.size(); k++) y.data<std::string>()[i * width + static_cast<int64_t>(k)] = std::move(parts[k]);
    if (ctx.outputs.size() > 1 && ctx.outputs[1]) ctx.out(1).data<int64_t>()[i] = static_cast<int64_t>(parts.size());
  }
  return Status::ok();
}

// --- StringNormalizer ---

struct NormalizerState {
  enum class Case { kNone, kLower, kUpper } change;
  bool case_sensitive;
  std::set<std::string> stopwords;  // lower-cased unless case_sensitive
};

std::string ascii_case(std::string s, bool upper) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 128) c = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
  return s;
}

Status prepare_normalizer(const Node& n, int64_t, OpState* state) {
  auto s = std::make_shared<NormalizerState>();
  std::string action = attr_string(n, "case_change_action", "NONE");
  OW_CHECK(action == "NONE" || action == "LOWER" || action == "UPPER", INVALID_MODEL,
           "%s: case_change_action must be NONE, LOWER or UPPER, got '%s'", n.describe().c_str(), action.c_str());
  s->change = action == "LOWER" ? NormalizerState::Case::kLower
              : action == "UPPER" ? NormalizerState::Case::kUpper : NormalizerState::Case::kNone;
  s->case_sensitive = attr_int(n, "is_case_sensitive", 0) != 0;
  if (const Attribute* a = n.attr("stopwords"))
    for (const std::string& w : a->strings) s->stopwords.insert(s->case_sensitive ? w : ascii_case(w, false));
  *state = s;
  return Status::ok();
}

std::vector<std::string> normalized(const NormalizerState& s, const Tensor& x) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < x.size(); i++) {
    const std::string& w = strings(x)[i];
    if (s.stopwords.count(s.case_sensitive ? w : ascii_case(w, false))) continue;
    out.push_back(s.change == NormalizerState::Case::kNone ? w : ascii_case(w, s.change == NormalizerState::Case::kUpper));
  }
  return out;
}

// [C] or [1, C] in; the same rank out, with the words kept (one "" when none is).
Status infer_normalizer(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kString}));
  const Dims& d = ctx.in(0).dims;
  OW_CHECK(d.size() == 1 || (d.size() == 2 && (d[0] == 1 || d[0] < 0)), INVALID_INPUT,
           "%s: the input must be [C] or [1, C], got %s", ctx.node.describe().c_str(), dims_to_string(d).c_str());
  int64_t kept = kUnknownDim;
  if (const Tensor* x = ctx.value(0))
    kept = std::max<int64_t>(1, static_cast<int64_t>(normalized(*state_as<NormalizerState>(ctx.state), *x).size()));
  ctx.set_output(0, DType::kString, d.size() == 1 ? Dims{kept} : Dims{1, kept});
  return Status::ok();
}

Status run_normalizer(KernelContext& ctx) {
  std::vector<std::string> words = normalized(*state_as<NormalizerState>(ctx.state), ctx.in(0));
  for (size_t i = 0; i < words.size(); i++) ctx.out(0).data<std::string>()[i] = std::move(words[i]);
  return Status::ok();  // none kept: the one output element stays ""
}

}  // namespace

extern const OpDef kStringConcat = {"StringConcat", "", 20, infer_concat, nullptr, run_concat};
extern const OpDef kStringSplit = {"StringSplit", "", 20, infer_split, nullptr, run_split};
extern const OpDef kStringNormalizer = {"StringNormalizer", "", 10, infer_normalizer, prepare_normalizer, run_normalizer};

}  // namespace onnxwasm
