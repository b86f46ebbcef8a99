// SPDX-License-Identifier: MIT
// Status and Result: every fallible function returns one (the core has no exceptions; see
// STYLE.md 7). OK is a null pointer, so the success path costs nothing.
#pragma once
#include <memory>
#include <string>
#include <utility>

namespace onnxwasm {

// Codes are mirrored by name in js/src/errors.js (a test keeps the two equal).
#define OW_STATUS_CODES(X) \
  X(OK) X(INVALID_ARGUMENT) X(INVALID_MODEL) X(UNSUPPORTED_OP) X(INVALID_INPUT) \
  X(OUT_OF_MEMORY) X(INVALID_STATE) X(ABORTED) X(INTERNAL)

enum class Code : int {
#define OW_X(name) name,
  OW_STATUS_CODES(OW_X)
#undef OW_X
};

const char* code_name(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message);
  static Status ok() { return Status(); }
  bool is_ok() const { return !rep_; }
  Code code() const { return rep_ ? rep_->code : Code::OK; }
  const std::string& message() const;
  // Prefixes "where: " on the way up, e.g. with_context("node 'conv1' (Conv)").
  Status with_context(const std::string& where) const;
  std::string to_string() const;

 private:
  struct Rep { Code code; std::string message; };
  std::shared_ptr<const Rep> rep_;
};

Status make_status(Code code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  T&& take() { return std::move(value_); }
  // The same result, its error (if any) prefixed with "where: ".
  Result with_context(const std::string& where) && {
    if (is_ok()) return std::move(*this);
    return Result(status_.with_context(where));
  }

 private:
  Status status_;
  T value_{};
};

}  // namespace onnxwasm

#define OW_CONCAT_INNER(a, b) a##b
#define OW_CONCAT(a, b) OW_CONCAT_INNER(a, b)

#define OW_RETURN_IF_ERROR(expr)                        \
  do {                                                  \
    ::onnxwasm::Status ow_status_ = (expr);             \
    if (!ow_status_.is_ok()) return ow_status_;         \
  } while (0)

#define OW_ASSIGN_OR_RETURN(lhs, expr)                             \
  auto OW_CONCAT(ow_result_, __LINE__) = (expr);                   \
  if (!OW_CONCAT(ow_result_, __LINE__).is_ok())                    \
    return OW_CONCAT(ow_result_, __LINE__).status();               \
  lhs = OW_CONCAT(ow_result_, __LINE__).take()

#define OW_CHECK(cond, code, ...)                                       \
  do {                                                                  \
    if (!(cond)) return ::onnxwasm::make_status(::onnxwasm::Code::code, __VA_ARGS__); \
  } while (0)
