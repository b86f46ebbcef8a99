// SPDX-License-Identifier: MIT
// A small regular-expression engine for RegexFullMatch: the RE2 syntax its models use
// (literals, ., classes [a-z\w] and [^...], \d \w \s \D \W \S, groups (...) and (?:...),
// alternation, * + ? {n} {n,} {n,m} (lazy forms accepted), ^ $ \b \B), over UTF-8 bytes.
// Matching simulates the automaton (a Pike VM): time linear in the text, never backtracking,
// so a hostile pattern cannot hang a session. No exceptions: a bad pattern is a Status.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onnxwasm {

class Regex {
 public:
  static Result<Regex> compile(std::string_view pattern);
  // Whether the whole of `text` matches.
  bool full_match(std::string_view text) const;

  struct Inst {
    enum Op : uint8_t { kByte, kAny, kClass, kSplit, kJmp, kMatch, kBol, kEol, kWordB, kNotWordB } op;
    uint8_t byte = 0;
    int x = 0, y = 0;  // kSplit: both targets; kJmp: x; kClass: index into classes
  };

 private:
  std::vector<Inst> code_;
  std::vector<std::vector<bool>> classes_;  // 256 flags each
};

}  // namespace onnxwasm
