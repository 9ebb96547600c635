#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "automodel/core/error.h"

namespace automodel::tokenizers {

namespace {

// Oniguruma's Unicode \s: U+0009-000D, U+0085 and the Zl / Zp / Zs characters.
constexpr std::string_view kOnigSpaceSet =
    "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

// Rewrites the Oniguruma (Ruby syntax) escapes whose meaning differs in PCRE2.
std::string translate_oniguruma(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  size_t class_start = 0;  // index in p right after '[' or '[^'
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if (n == 's') {
        if (in_class)
          out.append(kOnigSpaceSet);
        else
          out.append("[").append(kOnigSpaceSet).append("]");
      } else if (n == 'S' && !in_class) {
        out.append("[^").append(kOnigSpaceSet).append("]");
      } else if (n == 'h') {
        out.append(in_class ? "0-9a-fA-F" : "[0-9a-fA-F]");
      } else if (n == 'H' && !in_class) {
        out.append("[^0-9a-fA-F]");
      } else {
        out.push_back(c);
        out.push_back(n);
      }
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      if (i + 1 < p.size() && p[i + 1] == '^') {
        out.push_back('^');
        ++i;
      }
      class_start = i + 1;
      continue;
    }
    if (in_class && c == ']' && i != class_start) in_class = false;
    out.push_back(c);
  }
  return out;
}

struct ThreadMatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  ThreadMatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (context && jit_stack) pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~ThreadMatchState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(jit_stack);
  }
};

ThreadMatchState& thread_state() {
  thread_local ThreadMatchState state;
  return state;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

Regex::Regex(std::string_view pattern, const std::string& what) : impl_(std::make_unique<Impl>()) {
  std::string translated = translate_oniguruma(pattern);
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &err_offset, nullptr);
  if (!impl_->code) {
    if (err == PCRE2_ERROR_UTF8_ERR1 || (err <= PCRE2_ERROR_UTF8_ERR1 && err >= PCRE2_ERROR_UTF8_ERR21))
      fail(what, ": regex is not valid UTF-8");
    fail(what, ": invalid regex /", std::string(pattern), "/: ", pcre2_message(err), " at offset ", err_offset);
  }
  // JIT is an optimisation: without it (e.g. no executable memory) matching still works.
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);
}

Regex::~Regex() = default;

std::string Regex::escape(std::string_view literal) {
  std::string out;
  out.reserve(literal.size() * 2);
  for (char c : literal) {
    switch (c) {
      case '\\': case '^': case '$': case '.': case '|': case '?': case '*': case '+': case '(': case ')':
      case '[': case ']': case '{': case '}': case '-': case '#': case '&': case '~': case ' ': case '\t':
      case '\n': case '\r': case '\f': case '\v':
        if (c == '\n') { out += "\\n"; continue; }
        if (c == '\r') { out += "\\r"; continue; }
        if (c == '\t') { out += "\\t"; continue; }
        if (c == '\f') { out += "\\f"; continue; }
        if (c == '\v') { out += "\\x{0B}"; continue; }
        if (c == ' ') { out += "\\x{20}"; continue; }
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\0':
        out += "\\x{00}";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

bool Regex::search(std::string_view text, size_t start, size_t& s, size_t& e) const {
  auto& st = thread_state();
  int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                       PCRE2_NO_UTF_CHECK, st.data, st.context);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // very long inputs: the interpreter has no such limit
    rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start,
                     PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, st.data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) fail("regex matching failed: ", pcre2_message(rc));
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.data);
  s = ov[0];
  e = ov[1];
  return true;
}

size_t Regex::step(std::string_view text, size_t pos) {
  return unicode::utf8_len_from_lead(static_cast<unsigned char>(text[pos]));
}

void RegexPattern::find_matches(std::string_view text, std::vector<PatternSpan>& out) const {
  out.clear();
  if (text.empty()) {
    out.push_back({{0, 0}, invert_});
    return;
  }
  size_t prev = 0;
  re_.for_each_match(text, [&](size_t s, size_t e) {
    if (prev != s) out.push_back({{prev, s}, invert_});
    out.push_back({{s, e}, !invert_});
    prev = e;
  });
  if (prev != text.size()) out.push_back({{prev, text.size()}, invert_});
}

}  // namespace automodel::tokenizers
