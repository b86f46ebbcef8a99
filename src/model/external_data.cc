// SPDX-License-Identifier: MIT
#include "model/external_data.h"

#include <cstring>

namespace onnxwasm {

Result<std::string> confine_location(const std::string& location) {
  OW_CHECK(!location.empty(), INVALID_MODEL, "external data location is empty");
  OW_CHECK(location.find('\0') == std::string::npos, INVALID_MODEL, "external data location contains a NUL byte");
  std::string p = location;
  for (char& c : p) if (c == '\\') c = '/';
  OW_CHECK(p[0] != '/', INVALID_MODEL,
           "external data location '%s' is an absolute path; it must be relative to the model's folder",
           location.c_str());
  OW_CHECK(!(p.size() >= 2 && p[1] == ':'), INVALID_MODEL,
           "external data location '%s' names a drive; it must be relative to the model's folder", location.c_str());
  std::string out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string part = p.substr(start, end - start);
    OW_CHECK(part != "..", INVALID_MODEL,
             "external data location '%s' leaves the model's folder ('..' is not allowed)", location.c_str());
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    start = end + 1;
  }
  OW_CHECK(!out.empty(), INVALID_MODEL, "external data location '%s' names no file", location.c_str());
  return out;
}

void BufferExternalData::add(const std::string& location, std::vector<uint8_t> bytes) {
  files_[location] = std::move(bytes);
}

Result<uint64_t> BufferExternalData::size(const std::string& location) {
  auto it = files_.find(location);
  OW_CHECK(it != files_.end(), INVALID_MODEL, "external data file '%s' was not given", location.c_str());
  return static_cast<uint64_t>(it->second.size());
}

Status BufferExternalData::read(const std::string& location, uint64_t offset, uint64_t length, void* dst) {
  OW_ASSIGN_OR_RETURN(uint64_t n, size(location));
  OW_CHECK(offset <= n && length <= n - offset, INVALID_MODEL, "external data file '%s': range past its end",
           location.c_str());
  if (length) memcpy(dst, files_[location].data() + offset, static_cast<size_t>(length));
  return Status::ok();
}

}  // namespace onnxwasm
