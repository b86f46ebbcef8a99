// SPDX-License-Identifier: MIT
#include "core/status.h"

#include <cstdarg>
#include <cstdio>

namespace onnxwasm {

const char* code_name(Code code) {
  switch (code) {
#define OW_X(name) case Code::name: return #name;
    OW_STATUS_CODES(OW_X)
#undef OW_X
  }
  return "INTERNAL";
}

Status::Status(Code code, std::string message) {
  if (code != Code::OK) rep_ = std::make_shared<Rep>(Rep{code, std::move(message)});
}

const std::string& Status::message() const {
  static const std::string empty;
  return rep_ ? rep_->message : empty;
}

Status Status::with_context(const std::string& where) const {
  if (!rep_) return *this;
  return Status(rep_->code, where + ": " + rep_->message);
}

std::string Status::to_string() const {
  return std::string(code_name(code())) + (rep_ ? ": " + rep_->message : "");
}

Status make_status(Code code, const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return Status(code, buf);
}

}  // namespace onnxwasm
