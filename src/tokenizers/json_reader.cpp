#include "json_reader.h"

#include <charconv>
#include <cstring>

#include "automodel/core/error.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

void JsonReader::error(const std::string& msg) const {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
    if (s_[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  fail(what_, ": invalid JSON at line ", line, ", column ", col, ": ", msg);
}

char JsonReader::peek() {
  skip_ws();
  return pos_ < s_.size() ? s_[pos_] : '\0';
}

bool JsonReader::at_end() {
  skip_ws();
  return pos_ >= s_.size();
}

void JsonReader::expect(char c) {
  if (peek() != c) error(std::string("expected '") + c + "'");
  ++pos_;
}

bool JsonReader::next_in_object(bool first) {
  const char c = peek();
  if (c == '}') {
    ++pos_;
    return false;
  }
  if (!first) {
    if (c != ',') error("expected ',' or '}'");
    ++pos_;
  }
  return true;
}

bool JsonReader::next_in_array(bool first) {
  const char c = peek();
  if (c == ']') {
    ++pos_;
    return false;
  }
  if (!first) {
    if (c != ',') error("expected ',' or ']'");
    ++pos_;
  }
  return true;
}

namespace {
int hex4(std::string_view s, size_t p) {
  if (p + 4 > s.size()) return -1;
  int v = 0;
  for (size_t i = p; i < p + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}
}  // namespace

std::string_view JsonReader::read_string(std::string& out) {
  if (peek() != '"') error("expected a string");
  const size_t start = ++pos_;
  // Fast path: no escape before the closing quote.
  size_t p = start;
  while (p < s_.size()) {
    const auto c = static_cast<unsigned char>(s_[p]);
    if (c > '\\' || (c >= 0x20 && c != '"' && c != '\\')) {
      ++p;
      continue;
    }
    if (c < 0x20) {
      pos_ = p;
      error("control character in string");
    }
    break;
  }
  if (p >= s_.size()) error("unterminated string");
  if (s_[p] == '"') {
    pos_ = p + 1;
    return s_.substr(start, p - start);
  }
  out.assign(s_.substr(start, p - start));
  while (true) {
    if (p >= s_.size()) {
      pos_ = p;
      error("unterminated string");
    }
    const char c = s_[p];
    if (c == '"') break;
    if (static_cast<unsigned char>(c) < 0x20) {
      pos_ = p;
      error("control character in string");
    }
    if (c != '\\') {
      out += c;
      ++p;
      continue;
    }
    if (p + 1 >= s_.size()) {
      pos_ = p;
      error("unterminated escape");
    }
    const char e = s_[p + 1];
    p += 2;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        int cp = hex4(s_, p);
        if (cp < 0) {
          pos_ = p;
          error("invalid \\u escape");
        }
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          int lo = (p + 6 <= s_.size() && s_[p] == '\\' && s_[p + 1] == 'u') ? hex4(s_, p + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            pos_ = p;
            error("unpaired UTF-16 surrogate in \\u escape");
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          pos_ = p;
          error("unpaired UTF-16 surrogate in \\u escape");
        }
        utf8::append(out, static_cast<char32_t>(cp));
        break;
      }
      default:
        pos_ = p - 1;
        error("invalid escape");
    }
  }
  pos_ = p + 1;
  return out;
}

void JsonReader::skip_string() {
  // memchr to each quote (most of a tokenizer.json is strings, so this is the skipping speed);
  // a quote preceded by an odd run of backslashes is escaped.
  const size_t start = ++pos_;
  size_t p = start;
  while (p < s_.size()) {
    const void* q = std::memchr(s_.data() + p, '"', s_.size() - p);
    if (!q) break;
    const size_t at = static_cast<size_t>(static_cast<const char*>(q) - s_.data());
    size_t backslashes = 0;
    while (at - backslashes > start && s_[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) {
      pos_ = at + 1;
      return;
    }
    p = at + 1;
  }
  pos_ = s_.size();
  error("unterminated string");
}

int64_t JsonReader::read_int() {
  skip_ws();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
  if (ec != std::errc()) error("expected an integer");
  const size_t end = static_cast<size_t>(ptr - s_.data());
  if (end < s_.size() && (s_[end] == '.' || s_[end] == 'e' || s_[end] == 'E')) error("expected an integer");
  pos_ = end;
  return v;
}

double JsonReader::read_number() {
  skip_ws();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
  if (ec != std::errc()) error("expected a number");
  pos_ = static_cast<size_t>(ptr - s_.data());
  return v;
}

bool JsonReader::read_bool() {
  skip_ws();
  if (s_.substr(pos_, 4) == "true") {
    pos_ += 4;
    return true;
  }
  if (s_.substr(pos_, 5) == "false") {
    pos_ += 5;
    return false;
  }
  error("expected true or false");
}

bool JsonReader::try_null() {
  skip_ws();
  if (s_.substr(pos_, 4) == "null") {
    pos_ += 4;
    return true;
  }
  return false;
}

std::string_view JsonReader::raw_value() {
  skip_ws();
  const size_t start = pos_;
  int depth = 0;
  do {
    if (pos_ >= s_.size()) error("unexpected end of input");
    const char c = s_[pos_];
    if (c == '"') {
      skip_string();
    } else if (c == '{' || c == '[') {
      ++depth;
      ++pos_;
    } else if (c == '}' || c == ']') {
      if (depth == 0) error("unexpected closing bracket");
      --depth;
      ++pos_;
    } else if (depth == 0) {
      // A scalar: up to the next delimiter.
      while (pos_ < s_.size() && !std::strchr(",}] \n\r\t", s_[pos_])) ++pos_;
      if (pos_ == start) error("expected a value");
    } else {
      ++pos_;
    }
  } while (depth > 0);
  return s_.substr(start, pos_ - start);
}

}  // namespace automodel::tokenizers

#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {

std::vector<std::pair<std::string, std::string_view>> json_object_members(std::string_view text,
                                                                          const std::string& what) {
  JsonReader r(text, what);
  std::vector<std::pair<std::string, std::string_view>> members;
  std::string buf;
  r.expect('{');
  for (bool first = true; r.next_in_object(first); first = false) {
    std::string key(r.read_string(buf));
    r.expect(':');
    members.emplace_back(std::move(key), r.raw_value());
  }
  if (!r.at_end()) r.error("unexpected text after the top-level object");
  return members;
}

}  // namespace automodel::tokenizers
