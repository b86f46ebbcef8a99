// SPDX-License-Identifier: MIT
#include "kernels/registry.h"

namespace onnxwasm {

#define OW_OP(name) extern const OpDef k##name;
#include "kernels/ops.inc"
#undef OW_OP

static const OpDef* const kOps[] = {
#define OW_OP(name) &k##name,
#include "kernels/ops.inc"
#undef OW_OP
};

const OpDef* find_op(std::string_view domain, std::string_view type) {
  if (domain == "ai.onnx") domain = "";
  for (const OpDef* op : kOps)
    if (op->type == type && op->domain == domain) return op;
  return nullptr;
}

}  // namespace onnxwasm
