// SPDX-License-Identifier: MIT
#include "kernels/regex.h"

#include <cctype>
#include <cstring>

namespace onnxwasm {
namespace {

constexpr size_t kMaxProgram = 100000;  // instructions, after expanding counted repeats
constexpr int kMaxRepeat = 1000;
constexpr int kMaxDepth = 200;

struct Ast {
  enum Kind { kByte, kAny, kClass, kCat, kAlt, kRepeat, kAssert } kind;
  explicit Ast(Kind k = kCat) : kind(k) {}
  uint8_t byte = 0;
  int cls = 0;
  Regex::Inst::Op assert_op = Regex::Inst::kBol;
  int min = 0, max = 0;  // kRepeat: max -1 = unbounded
  std::vector<Ast> kids;
};

bool is_word(uint8_t c) { return std::isalnum(c) || c == '_'; }

class Parser {
 public:
  Parser(std::string_view p, std::vector<std::vector<bool>>* classes) : p_(p), classes_(classes) {}

  Result<Ast> parse() {
    OW_ASSIGN_OR_RETURN(Ast a, alt(0));
    OW_CHECK(i_ == p_.size(), INVALID_MODEL, "regex: unexpected ')' at offset %zu", i_);
    return a;
  }

 private:
  Status fail(const char* what) const { return make_status(Code::INVALID_MODEL, "regex: %s at offset %zu", what, i_); }
  bool more() const { return i_ < p_.size(); }

  Result<Ast> alt(int depth) {
    OW_CHECK(depth < kMaxDepth, INVALID_MODEL, "regex: groups nested deeper than %d", kMaxDepth);
    Ast a{Ast::kAlt};
    for (;;) {
      Ast cat{Ast::kCat};
      while (more() && p_[i_] != '|' && p_[i_] != ')') {
        OW_ASSIGN_OR_RETURN(Ast r, repeat(depth));
        cat.kids.push_back(std::move(r));
      }
      a.kids.push_back(std::move(cat));
      if (!more() || p_[i_] != '|') break;
      i_++;
    }
    return a;
  }

  bool number(int* v) {
    size_t start = i_;
    long n = 0;
    while (more() && std::isdigit(static_cast<unsigned char>(p_[i_])) && n <= kMaxRepeat) n = n * 10 + (p_[i_++] - '0');
    *v = static_cast<int>(n);
    return i_ > start;
  }

  Result<Ast> repeat(int depth) {
    OW_ASSIGN_OR_RETURN(Ast a, atom(depth));
    while (more()) {
      char c = p_[i_];
      int lo, hi;
      if (c == '*') { lo = 0; hi = -1; i_++; }
      else if (c == '+') { lo = 1; hi = -1; i_++; }
      else if (c == '?') { lo = 0; hi = 1; i_++; }
      else if (c == '{') {
        size_t save = i_++;
        if (!number(&lo)) { i_ = save; break; }  // a literal '{'
        hi = lo;
        if (more() && p_[i_] == ',') { i_++; if (!number(&hi)) hi = -1; }
        if (!more() || p_[i_] != '}') { i_ = save; break; }
        i_++;
        OW_CHECK(lo <= kMaxRepeat && hi <= kMaxRepeat && (hi < 0 || lo <= hi), INVALID_MODEL,
                 "regex: bad repeat count (at most %d) at offset %zu", kMaxRepeat, i_);
      } else {
        break;
      }
      if (more() && p_[i_] == '?') i_++;  // lazy: the same for a full match
      Ast r{Ast::kRepeat};
      r.min = lo;
      r.max = hi;
      r.kids.push_back(std::move(a));
      a = std::move(r);
    }
    return a;
  }

  int new_class() {
    classes_->emplace_back(256, false);
    return static_cast<int>(classes_->size() - 1);
  }
  // \d \w \s (and negations) into class `c`; false if `e` is not one of them.
  bool perl_class(char e, std::vector<bool>& c) {
    char lower = static_cast<char>(std::tolower(e));
    if (lower != 'd' && lower != 'w' && lower != 's') return false;
    for (int b = 0; b < 256; b++) {
      bool in = lower == 'd' ? std::isdigit(b) != 0 : lower == 'w' ? is_word(static_cast<uint8_t>(b)) : (std::isspace(b) != 0);
      if (std::isupper(e) ? !in : in) c[b] = true;
    }
    return true;
  }
  uint8_t escaped_byte(char e) {
    switch (e) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'f': return '\f';
      case 'v': return '\v';
      default: return static_cast<uint8_t>(e);
    }
  }

  Result<Ast> atom(int depth) {
    char c = p_[i_++];
    if (c == '(') {
      if (i_ + 1 < p_.size() && p_[i_] == '?' && p_[i_ + 1] == ':') i_ += 2;
      else if (more() && p_[i_] == '?') return fail("unsupported group flag");
      OW_ASSIGN_OR_RETURN(Ast a, alt(depth + 1));
      if (!more() || p_[i_] != ')') return fail("missing ')'");
      i_++;
      return a;
    }
    if (c == '*' || c == '+' || c == '?') return fail("nothing to repeat");
    if (c == '.') return Ast{Ast::kAny};
    if (c == '^' || c == '$') {
      Ast a{Ast::kAssert};
      a.assert_op = c == '^' ? Regex::Inst::kBol : Regex::Inst::kEol;
      return a;
    }
    if (c == '[') return char_class();
    if (c == '\\') {
      if (!more()) return fail("trailing '\\'");
      char e = p_[i_++];
      if (e == 'b' || e == 'B') {
        Ast a{Ast::kAssert};
        a.assert_op = e == 'b' ? Regex::Inst::kWordB : Regex::Inst::kNotWordB;
        return a;
      }
      Ast a{Ast::kClass};
      a.cls = new_class();
      if (perl_class(e, (*classes_)[a.cls])) return a;
      classes_->pop_back();
      if (std::isalnum(static_cast<unsigned char>(e)) && !std::strchr("ntrfv", e)) return fail("unsupported escape");
      Ast b{Ast::kByte};
      b.byte = escaped_byte(e);
      return b;
    }
    Ast a{Ast::kByte};
    a.byte = static_cast<uint8_t>(c);
    return a;
  }

  Result<Ast> char_class() {
    Ast a{Ast::kClass};
    a.cls = new_class();
    std::vector<bool> c(256, false);
    bool negate = more() && p_[i_] == '^';
    if (negate) i_++;
    bool first = true;
    while (more() && (p_[i_] != ']' || first)) {
      first = false;
      int lo;
      if (p_[i_] == '\\' && i_ + 1 < p_.size()) {
        char e = p_[i_ + 1];
        i_ += 2;
        if (perl_class(e, c)) continue;
        lo = escaped_byte(e);
      } else {
        lo = static_cast<uint8_t>(p_[i_++]);
      }
      int hi = lo;
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        i_++;
        if (p_[i_] == '\\' && i_ + 1 < p_.size()) { hi = escaped_byte(p_[i_ + 1]); i_ += 2; }
        else hi = static_cast<uint8_t>(p_[i_++]);
        if (hi < lo) return fail("bad range in a class");
      }
      for (int b = lo; b <= hi; b++) c[b] = true;
    }
    if (!more()) return fail("missing ']'");
    i_++;
    for (int b = 0; b < 256; b++) (*classes_)[a.cls][b] = negate ? !c[b] : c[b];
    return a;
  }

  std::string_view p_;
  size_t i_ = 0;
  std::vector<std::vector<bool>>* classes_;
};

Status emit(const Ast& a, std::vector<Regex::Inst>* code) {
  using Inst = Regex::Inst;
  OW_CHECK(code->size() < kMaxProgram, INVALID_MODEL, "regex: the pattern expands to more than %zu steps", kMaxProgram);
  switch (a.kind) {
    case Ast::kByte: code->push_back({Inst::kByte, a.byte}); break;
    case Ast::kAny: code->push_back({Inst::kAny}); break;
    case Ast::kClass: code->push_back({Inst::kClass, 0, a.cls}); break;
    case Ast::kAssert: code->push_back({a.assert_op}); break;
    case Ast::kCat:
      for (const Ast& k : a.kids) OW_RETURN_IF_ERROR(emit(k, code));
      break;
    case Ast::kAlt: {
      std::vector<size_t> jumps;
      for (size_t i = 0; i < a.kids.size(); i++) {
        if (i + 1 == a.kids.size()) { OW_RETURN_IF_ERROR(emit(a.kids[i], code)); break; }
        size_t split = code->size();
        code->push_back({Inst::kSplit});
        (*code)[split].x = static_cast<int>(code->size());
        OW_RETURN_IF_ERROR(emit(a.kids[i], code));
        jumps.push_back(code->size());
        code->push_back({Inst::kJmp});
        (*code)[split].y = static_cast<int>(code->size());
      }
      for (size_t j : jumps) (*code)[j].x = static_cast<int>(code->size());
      break;
    }
    case Ast::kRepeat: {
      for (int i = 0; i < a.min; i++) OW_RETURN_IF_ERROR(emit(a.kids[0], code));
      if (a.max < 0) {  // L: split body, end; body; jmp L
        size_t loop = code->size();
        code->push_back({Inst::kSplit});
        (*code)[loop].x = static_cast<int>(code->size());
        OW_RETURN_IF_ERROR(emit(a.kids[0], code));
        code->push_back({Inst::kJmp, 0, static_cast<int>(loop)});
        (*code)[loop].y = static_cast<int>(code->size());
        break;
      }
      std::vector<size_t> splits;
      for (int i = a.min; i < a.max; i++) {
        splits.push_back(code->size());
        code->push_back({Inst::kSplit});
        (*code)[splits.back()].x = static_cast<int>(code->size());
        OW_RETURN_IF_ERROR(emit(a.kids[0], code));
      }
      for (size_t s : splits) (*code)[s].y = static_cast<int>(code->size());
      break;
    }
  }
  return Status::ok();
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern) {
  Regex r;
  Parser parser(pattern, &r.classes_);
  OW_ASSIGN_OR_RETURN(Ast ast, parser.parse());
  OW_RETURN_IF_ERROR(emit(ast, &r.code_));
  r.code_.push_back({Inst::kMatch});
  return r;
}

bool Regex::full_match(std::string_view text) const {
  size_t n = code_.size(), len = text.size();
  std::vector<int> cur, next, stack, mark(n, -1);
  int gen = 0;
  auto word_at = [&](size_t pos) { return pos < len && is_word(static_cast<uint8_t>(text[pos])); };
  // Adds pc and everything reachable from it without reading a byte, at text position pos.
  auto add = [&](std::vector<int>& list, int start, size_t pos) {
    stack.assign(1, start);
    while (!stack.empty()) {
      int pc = stack.back();
      stack.pop_back();
      if (mark[pc] == gen) continue;
      mark[pc] = gen;
      const Inst& in = code_[pc];
      bool before = pos > 0 && word_at(pos - 1), after = word_at(pos);
      switch (in.op) {
        case Inst::kJmp: stack.push_back(in.x); break;
        case Inst::kSplit: stack.push_back(in.y); stack.push_back(in.x); break;
        case Inst::kBol: if (pos == 0) stack.push_back(pc + 1); break;
        case Inst::kEol: if (pos == len) stack.push_back(pc + 1); break;
        case Inst::kWordB: if (before != after) stack.push_back(pc + 1); break;
        case Inst::kNotWordB: if (before == after) stack.push_back(pc + 1); break;
        default: list.push_back(pc);
      }
    }
  };
  add(cur, 0, 0);
  for (size_t pos = 0;; pos++) {
    if (pos == len) {
      for (int pc : cur) if (code_[pc].op == Inst::kMatch) return true;
      return false;
    }
    if (cur.empty()) return false;
    gen++;
    next.clear();
    uint8_t c = static_cast<uint8_t>(text[pos]);
    for (int pc : cur) {
      const Inst& in = code_[pc];
      bool step = (in.op == Inst::kByte && in.byte == c) || (in.op == Inst::kAny && c != '\n') ||
                  (in.op == Inst::kClass && classes_[in.x][c]);
      if (step) add(next, pc + 1, pos + 1);
    }
    std::swap(cur, next);
  }
}

}  // namespace onnxwasm
