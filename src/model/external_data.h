// SPDX-License-Identifier: MIT
// External tensor data (TensorProto.data_location = EXTERNAL): weights kept in files beside
// the model. Where the bytes come from is the embedder's business (files in the model's folder
// in Node, buffers the user gave in a browser); what the loader guarantees is that a location
// never escapes that folder.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace onnxwasm {

class ExternalData {
 public:
  virtual ~ExternalData() = default;
  // The byte size of the file at `location` (already confined by confine_location).
  virtual Result<uint64_t> size(const std::string& location) = 0;
  // Copies bytes [offset, offset + length) of it to dst (the range is within size()).
  virtual Status read(const std::string& location, uint64_t offset, uint64_t length, void* dst) = 0;
};

// A location as written in a model, checked to name a file inside the model's folder:
// relative, no ".." component, no drive letter, no NUL; "./" prefixes and backslashes are
// normalized to plain '/'-separated form. INVALID_MODEL otherwise.
Result<std::string> confine_location(const std::string& location);

// External data from buffers in memory, keyed by (confined) location.
class BufferExternalData : public ExternalData {
 public:
  void add(const std::string& location, std::vector<uint8_t> bytes);
  Result<uint64_t> size(const std::string& location) override;
  Status read(const std::string& location, uint64_t offset, uint64_t length, void* dst) override;

 private:
  std::map<std::string, std::vector<uint8_t>> files_;
};

}  // namespace onnxwasm
