// SPDX-License-Identifier: MIT
// RegexFullMatch: whether each string matches `pattern` as a whole (kernels/regex.h; the
// pattern is compiled once, when the session is created).
#include "kernels/op.h"
#include "kernels/regex.h"

namespace onnxwasm {
namespace {

Status prepare_regex(const Node& n, int64_t, OpState* state) {
  OW_CHECK(n.attr("pattern"), INVALID_MODEL, "%s: attribute 'pattern' is required", n.describe().c_str());
  Result<Regex> re = Regex::compile(attr_string(n, "pattern", ""));
  OW_RETURN_IF_ERROR(re.status().with_context(n.describe()));
  *state = std::make_shared<Regex>(re.take());
  return Status::ok();
}

Status infer_regex(InferContext& ctx) {
  OW_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  OW_RETURN_IF_ERROR(check_dtype(ctx, 0, {DType::kString}));
  ctx.set_output(0, DType::kBool, ctx.in(0).dims);
  return Status::ok();
}

Status run_regex(KernelContext& ctx) {
  const auto* re = state_as<Regex>(ctx.state);
  for (int64_t i = 0; i < ctx.in(0).size(); i++) ctx.out(0).data<bool>()[i] = re->full_match(ctx.in(0).data<std::string>()[i]);
  return Status::ok();
}

}  // namespace

extern const OpDef kRegexFullMatch = {"RegexFullMatch", "", 20, infer_regex, prepare_regex, run_regex};

}  // namespace onnxwasm
