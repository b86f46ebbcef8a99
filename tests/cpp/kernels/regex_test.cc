// SPDX-License-Identifier: MIT
// The regex engine behind RegexFullMatch: RE2 syntax, full-match semantics, bad patterns as
// errors, and linear time on patterns that make backtracking engines explode.
#include <catch_amalgamated.hpp>
#include <chrono>
#include <string>

#include "kernels/regex.h"

using onnxwasm::Regex;

static bool matches(const char* pattern, const std::string& text) {
  auto re = Regex::compile(pattern);
  REQUIRE(re.is_ok());
  return re.take().full_match(text);
}

TEST_CASE("regex: full-match semantics of the RE2 subset", "[regex]") {
  CHECK(matches("abc", "abc"));
  CHECK_FALSE(matches("abc", "abcd"));
  CHECK_FALSE(matches("b", "abc"));  // whole string, not a search
  CHECK(matches("a.c", "axc"));
  CHECK_FALSE(matches("a.c", "a\nc"));
  CHECK(matches("(ab|cd)+", "abcdab"));
  CHECK(matches("(?:x|y){2,3}", "xyx"));
  CHECK_FALSE(matches("(?:x|y){2,3}", "xyxy"));
  CHECK(matches("a{2}", "aa"));
  CHECK(matches("a{2,}", "aaaaa"));
  CHECK(matches("[a-c]+[^0-9]\\d*", "cabz42"));
  CHECK(matches("[\\w.-]+@[\\w]+\\.com", "first.last-x@mail.com"));
  CHECK(matches("\\s*\\S+\\s*", "  word "));
  CHECK(matches("a+?b", "aaab"));
  CHECK(matches("x{", "x{"));  // '{' without a count is a literal
  CHECK(matches("^ab$", "ab"));
  CHECK(matches("www\\.[\\w.-]+\\.\\bcom\\b", "www.google.com"));
  CHECK_FALSE(matches("www\\.[\\w.-]+\\.\\bcom\\b", "www.bbc.co.uk"));
  CHECK(matches("(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", "account@gmail.com"));
  CHECK_FALSE(matches("(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", "account@hotmail.com"));
  CHECK(matches("", ""));
  CHECK(matches("a*", ""));
}

TEST_CASE("regex: bad patterns are errors, not crashes", "[regex]") {
  for (const char* bad : {"(ab", "ab)", "[abc", "*a", "a{5,2}", "a{1001}", "\\", "(?i)a", "\\q", "[z-a]"}) {
    auto re = Regex::compile(bad);
    CHECK_FALSE(re.is_ok());
    CHECK(re.status().code() == onnxwasm::Code::INVALID_MODEL);
  }
  std::string deep(500, '(');
  CHECK_FALSE(Regex::compile(deep + "a" + std::string(500, ')')).is_ok());
  CHECK_FALSE(Regex::compile("((a{1000}){1000}){1000}").is_ok());  // expands past the limit
}

TEST_CASE("regex: time is linear in the text (no catastrophic backtracking)", "[regex]") {
  auto re = Regex::compile("(a*)*(a|aa)*b");
  REQUIRE(re.is_ok());
  Regex r = re.take();
  std::string text(20000, 'a');
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(r.full_match(text));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 5.0);
}
