// SPDX-License-Identifier: MIT
// ModelProto bytes -> IR. Only this folder includes onnx.pb.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/status.h"
#include "ir/graph.h"
#include "model/external_data.h"

namespace onnxwasm {

// Parses and validates the model's structure (types, tensor sizes, attribute kinds). On a
// protobuf failure the message names the field and byte offset where parsing stopped.
// Parses and converts a model. `parsed`, when given, is called as soon as `data` is no longer
// needed (after parsing, before conversion), so a caller can free the bytes early. Tensors
// with external data are read through `external` (without one, they are INVALID_MODEL).
Result<Model> load_model(const uint8_t* data, size_t size, const std::function<void()>& parsed = nullptr,
                         ExternalData* external = nullptr);

// A serialized TensorProto (the ONNX test data's *.pb files) as a Tensor.
Result<Tensor> load_tensor(const uint8_t* data, size_t size);

}  // namespace onnxwasm
