// SPDX-License-Identifier: MIT
#include "core/status.h"
#include "testing/graph_builder.h"

using namespace onnxwasm;

static Result<int> half(int v) {
  OW_CHECK(v % 2 == 0, INVALID_ARGUMENT, "%d is odd", v);
  return v / 2;
}

static Status quarter(int v, int* out) {
  OW_ASSIGN_OR_RETURN(int h, half(v));
  OW_ASSIGN_OR_RETURN(*out, half(h));
  return Status::ok();
}

TEST_CASE("statuses carry code, message and context", "[core]") {
  int out = 0;
  CHECK(quarter(8, &out).is_ok());
  CHECK(out == 2);
  Status s = quarter(6, &out).with_context("node 'q'");
  CHECK(s.code() == Code::INVALID_ARGUMENT);
  CHECK(s.message() == "node 'q': 3 is odd");
  CHECK(std::string(code_name(Code::UNSUPPORTED_OP)) == "UNSUPPORTED_OP");
  CHECK(Status().is_ok());
}
