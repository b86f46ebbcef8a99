// SPDX-License-Identifier: MIT
// ModelProto bytes -> IR. Only this folder includes onnx.pb.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "ir/graph.h"
#include "model/external_data.h"

namespace onnxwasm {

// A model's bytes, read front to back in pieces. The wasm embedder reads them from the
// caller's JS copy: the whole model then never sits in the heap beside its parsed form, and
// loading peaks near one copy of the weights instead of two.
class ModelReader {
 public:
  virtual ~ModelReader() = default;
  // Copies bytes [offset, offset + n) of the model to dst.
  virtual Status read(size_t offset, size_t n, void* dst) = 0;
};

// Parses, validates (types, tensor sizes, attribute kinds) and converts a model of `size`
// bytes. On a protobuf failure the message names the field and byte offset where parsing
// stopped. Tensors with external data are read through `external` (without one, they are
// INVALID_MODEL).
Result<Model> load_model(ModelReader& reader, size_t size, ExternalData* external = nullptr);
// The same, for bytes already in memory (read through the same piece-by-piece path, so native
// tests and the fuzzer exercise what the wasm build runs).
Result<Model> load_model(const uint8_t* data, size_t size, ExternalData* external = nullptr);

// A serialized TensorProto (the ONNX test data's *.pb files) as a Tensor.
Result<Tensor> load_tensor(const uint8_t* data, size_t size);

}  // namespace onnxwasm
