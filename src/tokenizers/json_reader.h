// A minimal pull parser over JSON text, for the few huge arrays and objects of tokenizer.json
// (a model's vocab and merges): nlohmann's DOM costs ~250 ms on Llama-3's 9 MB file, and its
// ordered_json inserts object keys in quadratic time. Values that are not read are skipped;
// their text can be handed to nlohmann (raw_value) when they are small.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace automodel::tokenizers {

class JsonReader {
 public:
  // `what` names the source in errors ("tokenizer.json: model").
  JsonReader(std::string_view text, std::string what, size_t position = 0)
      : s_(text), pos_(std::min(position, text.size())), what_(std::move(what)) {}

  // The next non-whitespace character (0 at the end), without consuming it.
  char peek();
  bool at_end();
  void expect(char c);
  // After '{' or '[' was consumed (or a member/element read): true when another member or
  // element follows (a ',' is consumed), false when the container closes (consumed).
  bool next_in_object(bool first);
  bool next_in_array(bool first);
  // Reads a string into `out` (unescaped); returns a view of `out`, or of the text itself
  // when the string has no escapes (then `out` is untouched).
  std::string_view read_string(std::string& out);
  int64_t read_int();
  double read_number();
  bool read_bool();
  bool try_null();
  // Skips one value and returns its raw text.
  std::string_view raw_value();
  [[noreturn]] void error(const std::string& msg) const;
  size_t position() const { return pos_; }
  size_t remaining() const { return s_.size() - pos_; }

 private:
  void skip_ws() {
    // Pretty-printed files indent every vocab entry and merge; a bit test per byte.
    constexpr uint64_t kWs = (1ull << ' ') | (1ull << '\n') | (1ull << '\r') | (1ull << '\t');
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c > ' ' || !((kWs >> c) & 1)) break;
      ++pos_;
    }
  }
  void skip_string();
  std::string_view s_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace automodel::tokenizers
