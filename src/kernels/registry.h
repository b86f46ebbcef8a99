// SPDX-License-Identifier: MIT
// The op table, built from ops.inc (one line per op, X-macro; no static self-registration,
// which static libraries drop at link time).
#pragma once
#include <string_view>

#include "kernels/op.h"

namespace onnxwasm {

// The OpDef for (domain, type), or null. `domain` "" and "ai.onnx" are the same.
const OpDef* find_op(std::string_view domain, std::string_view type);

}  // namespace onnxwasm
