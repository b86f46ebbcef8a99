// SPDX-License-Identifier: MIT
// ModelProto bytes -> IR. Only this folder includes onnx.pb.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "ir/graph.h"

namespace onnxwasm {

// Parses and validates the model's structure (types, tensor sizes, attribute kinds). On a
// protobuf failure the message names the field and byte offset where parsing stopped.
Result<Model> load_model(const uint8_t* data, size_t size);

}  // namespace onnxwasm
