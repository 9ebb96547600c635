// Regular expressions for tokenizer.json patterns (Split, Replace, ...), through PCRE2 with JIT,
// UTF and UCP. HF compiles these with Oniguruma; the differences that matter for real patterns
// are bridged when compiling (see translate_oniguruma in regex.cpp): `\s` / `\S` are rewritten
// to Oniguruma's White_Space set (PCRE2's \s also matches U+180E).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/normalized_string.h"

namespace automodel::tokenizers {

class Regex {
 public:
  // Throws automodel::Error naming `what` (e.g. "pre_tokenizer.pretokenizers[0].pattern.Regex")
  // and PCRE2's message with the offset when the pattern does not compile.
  Regex(std::string_view pattern, const std::string& what);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Escapes every regex metacharacter, so the result matches `literal` exactly.
  static std::string escape(std::string_view literal);

  // Calls fn(start, end) for every successive non-overlapping match, with Oniguruma's rule for
  // empty matches (an empty match right where the previous one ended is skipped).
  template <class Fn>
  void for_each_match(std::string_view text, Fn&& fn) const {
    size_t pos = 0;
    size_t last_match_end = static_cast<size_t>(-1);
    while (pos <= text.size()) {
      size_t s, e;
      if (!search(text, pos, s, e)) break;
      if (s == e && e == last_match_end) {
        if (pos >= text.size()) break;
        pos += step(text, pos);
        continue;
      }
      fn(s, e);
      pos = e;
      last_match_end = e;
    }
  }

  // First match at or after `start`: true and [s, e) if found.
  bool search(std::string_view text, size_t start, size_t& s, size_t& e) const;

 private:
  static size_t step(std::string_view text, size_t pos);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Pattern adapters (HF Pattern impls).
class RegexPattern final : public Pattern {
 public:
  explicit RegexPattern(const Regex& re, bool invert = false) : re_(re), invert_(invert) {}
  void find_matches(std::string_view text, std::vector<PatternSpan>& out) const override;

 private:
  const Regex& re_;
  bool invert_;
};

// Matches every character for which pred is true, one span per character.
template <class Pred>
class CharPredicatePattern final : public Pattern {
 public:
  explicit CharPredicatePattern(Pred pred, bool invert = false) : pred_(pred), invert_(invert) {}
  void find_matches(std::string_view text, std::vector<PatternSpan>& out) const override;

 private:
  Pred pred_;
  bool invert_;
};

// Compiles a tokenizer.json pattern object, {"String": literal} or {"Regex": pattern}; errors
// name `path` and `component` (e.g. "Split").
std::unique_ptr<Regex> make_pattern_regex(const json& j, const std::string& path, const std::string& component);

}  // namespace automodel::tokenizers

#include "regex_inl.h"
