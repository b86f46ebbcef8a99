// SPDX-License-Identifier: MIT
// Control flow. If whose condition is known at session creation (a constant, or folded from
// static shapes, as exported functions often have) is inlined by the compiler
// (src/passes/compile.cc): its chosen branch joins the program. Executing subgraphs at run time
// (If on a run-time condition, Loop, Scan) is not supported yet; reaching these functions
// means exactly that.
#include "kernels/op.h"

namespace onnxwasm {
namespace {

Status infer_if(InferContext& ctx) {
  return make_status(Code::UNSUPPORTED_OP, "%s: If whose condition is known only at run time is not supported by this build",
                     ctx.node.describe().c_str());
}

Status run_if(KernelContext& ctx) {
  return make_status(Code::UNSUPPORTED_OP, "%s: If whose condition is known only at run time is not supported by this build",
                     ctx.node.describe().c_str());
}

}  // namespace

extern const OpDef kIf = {"If", "", 1, infer_if, nullptr, run_if};

}  // namespace onnxwasm
