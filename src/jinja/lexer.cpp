#include "lexer.h"

#include <cstring>

#include "automodel/jinja/template.h"
#include "text.h"

namespace automodel::jinja {

void line_and_column(const std::string& source, size_t pos, int& line, int& column) {
  line = 1;
  column = 1;
  for (size_t i = 0; i < pos && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
}

namespace {

[[noreturn]] void syntax_error(const std::string& source, const std::string& name, size_t pos,
                               const std::string& message) {
  int line, column;
  line_and_column(source, pos, line, column);
  throw TemplateError("TemplateSyntaxError", message, name, line, column);
}

// Length of the whitespace character at s[i] (Python \s, Unicode-aware), 0 if none.
size_t space_at(const std::string& s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return text::is_space(c) ? 1 : 0;
  size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) return 0;
  auto u = text::decode(std::string_view(s).substr(i, n));
  return u.size() == 1 && text::is_space(u[0]) ? n : 0;
}

size_t skip_spaces(const std::string& s, size_t i) {
  while (i < s.size()) {
    size_t n = space_at(s, i);
    if (!n) break;
    i += n;
  }
  return i;
}

// Python str.rstrip() on a byte range: returns the new end.
size_t rstrip_end(const std::string& s, size_t begin, size_t end) {
  auto u = text::decode(std::string_view(s).substr(begin, end - begin));
  size_t keep = u.size();
  while (keep > 0 && text::is_space(u[keep - 1])) --keep;
  return begin + text::encode(std::u32string_view(u).substr(0, keep)).size();
}

bool all_spaces(const std::string& s, size_t begin, size_t end) {
  if (begin >= end) return false;  // Python's \s+ needs at least one character
  size_t i = begin;
  while (i < end) {
    size_t n = space_at(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

bool starts_with(const std::string& s, size_t i, const char* lit) {
  size_t n = std::strlen(lit);
  return i + n <= s.size() && s.compare(i, n, lit) == 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Python's "unicode-escape" decoding of a string literal body.
std::string unescape(const std::string& body, const std::string& source, const std::string& name, size_t pos) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    auto hex = [&](int digits) -> char32_t {
      char32_t v = 0;
      for (int k = 0; k < digits; ++k) {
        if (i + 1 >= body.size())
          syntax_error(source, name, pos, "invalid \\x, \\u or \\U escape in string literal");
        char h = body[++i];
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (d < 0) syntax_error(source, name, pos, "invalid \\x, \\u or \\U escape in string literal");
        v = v * 16 + static_cast<char32_t>(d);
      }
      return v;
    };
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case 'x': text::append_utf8(out, hex(2)); break;
      case 'u': text::append_utf8(out, hex(4)); break;
      case 'U': {
        char32_t v = hex(8);
        if (v > 0x10FFFF) syntax_error(source, name, pos, "\\U escape out of range in string literal");
        text::append_utf8(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          char32_t v = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            v = v * 8 + static_cast<char32_t>(body[++i] - '0');
          text::append_utf8(out, v);
        } else {  // unknown escapes keep their backslash, as in Python
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& name) : s_(std::move(source)), name_(name) {}

  std::vector<Token> run() {
    size_t pos = 0;
    bool line_starting = true;
    while (pos < s_.size()) {
      // Find the next tag opening: {{, {% or {#.
      size_t tag = pos;
      while (tag < s_.size() && !(s_[tag] == '{' && tag + 1 < s_.size() &&
                                  (s_[tag + 1] == '{' || s_[tag + 1] == '%' || s_[tag + 1] == '#')))
        ++tag;
      if (tag >= s_.size()) {
        emit_data(pos, s_.size());
        break;
      }
      char kind = s_[tag + 1];
      char sign = tag + 2 < s_.size() && (s_[tag + 2] == '-' || s_[tag + 2] == '+') ? s_[tag + 2] : 0;
      size_t text_end = apply_left_strip(pos, tag, sign, kind != '{', line_starting);
      emit_data(pos, text_end);
      size_t after = tag + 2 + (sign ? 1 : 0);
      if (kind == '%' && raw_begin(tag, after, pos, line_starting)) continue;
      if (kind == '#') {
        pos = comment(tag, after, line_starting);
      } else {
        pos = tag_body(kind, tag, after, line_starting);
      }
    }
    tokens_.push_back({TokenType::Eof, "", s_.size()});
    return std::move(tokens_);
  }

  std::string& source() { return s_; }

 private:
  // lstrip_blocks and `-` on the opening tag: returns where the preceding text ends.
  size_t apply_left_strip(size_t text_begin, size_t tag, char sign, bool strippable_kind, bool line_starting) {
    if (sign == '-') return rstrip_end(s_, text_begin, tag);
    if (sign == '+' || !strippable_kind) return tag;
    size_t nl = s_.rfind('\n', tag == 0 ? std::string::npos : tag - 1);
    size_t l_pos = (nl == std::string::npos || nl < text_begin) ? text_begin : nl + 1;
    if (l_pos > text_begin || line_starting) {
      if (all_spaces(s_, l_pos, tag)) return l_pos;
    }
    return tag;
  }

  void emit_data(size_t b, size_t e) {
    if (e > b) tokens_.push_back({TokenType::Data, s_.substr(b, e - b), b});
  }

  // Matches the end of a block/comment tag at i: "+X}", "-X}" + spaces, or "X}" + optional
  // newline (trim_blocks). Returns the position after it, or npos.
  size_t tag_end(size_t i, char closer, bool trim) {
    char two[3] = {closer, '}', 0};
    if (s_[i] == '+' && starts_with(s_, i + 1, two)) return i + 3;
    if (s_[i] == '-' && starts_with(s_, i + 1, two)) return skip_spaces(s_, i + 3);
    if (starts_with(s_, i, two)) {
      size_t e = i + 2;
      if (trim && e < s_.size() && s_[e] == '\n') ++e;
      return e;
    }
    return std::string::npos;
  }

  size_t comment(size_t tag, size_t i, bool& line_starting) {
    for (; i < s_.size(); ++i) {
      size_t e = tag_end(i, '#', true);
      if (e != std::string::npos) {
        line_starting = s_[e - 1] == '\n';
        return e;
      }
    }
    syntax_error(s_, name_, tag, "Missing end of comment tag");
  }

  // {% raw %} ... {% endraw %}: the content is data, untouched.
  bool raw_begin(size_t tag, size_t i, size_t& pos, bool& line_starting) {
    size_t j = skip_spaces(s_, i);
    if (!starts_with(s_, j, "raw")) return false;
    j = skip_spaces(s_, j + 3);
    size_t body;
    if (starts_with(s_, j, "-%}")) body = skip_spaces(s_, j + 3);
    else if (starts_with(s_, j, "%}")) body = j + 2;
    else return false;
    for (size_t k = body; k < s_.size(); ++k) {
      if (!(s_[k] == '{' && starts_with(s_, k, "{%"))) continue;
      size_t m = k + 2;
      char sign = m < s_.size() && (s_[m] == '-' || s_[m] == '+') ? s_[m] : 0;
      if (sign) ++m;
      m = skip_spaces(s_, m);
      if (!starts_with(s_, m, "endraw")) continue;
      m = skip_spaces(s_, m + 6);
      size_t e = tag_end(m, '%', true);
      if (e == std::string::npos) continue;
      size_t text_end = apply_left_strip(body, k, sign, true, false);
      emit_data(body, text_end);
      line_starting = s_[e - 1] == '\n';
      pos = e;
      return true;
    }
    syntax_error(s_, name_, tag, "Missing end of raw directive");
  }

  size_t tag_body(char kind, size_t tag, size_t i, bool& line_starting) {
    bool block = kind == '%';
    tokens_.push_back({block ? TokenType::BlockBegin : TokenType::VariableBegin, block ? "{%" : "{{", tag});
    std::vector<char> balance;
    while (true) {
      i = skip_spaces(s_, i);
      if (i >= s_.size()) return i;  // the parser reports the unexpected end
      if (balance.empty()) {
        size_t e = std::string::npos;
        if (block) {
          e = tag_end(i, '%', true);
        } else if (s_[i] == '-' && starts_with(s_, i + 1, "}}")) {
          e = skip_spaces(s_, i + 3);
        } else if (starts_with(s_, i, "}}")) {
          e = i + 2;
        }
        if (e != std::string::npos) {
          tokens_.push_back({block ? TokenType::BlockEnd : TokenType::VariableEnd, block ? "%}" : "}}", i});
          line_starting = s_[e - 1] == '\n';
          return e;
        }
      }
      i = expression_token(i, balance);
    }
  }

  size_t expression_token(size_t i, std::vector<char>& balance) {
    char c = s_[i];
    if (is_digit(c)) return number(i);
    if (is_name_start(c)) {
      size_t j = i;
      while (j < s_.size() && is_name_char(s_[j])) ++j;
      tokens_.push_back({TokenType::Name, s_.substr(i, j - i), i});
      return j;
    }
    if (c == '\'' || c == '"') {
      size_t j = i + 1;
      while (j < s_.size() && s_[j] != c) j += s_[j] == '\\' ? 2 : 1;
      if (j >= s_.size()) syntax_error(s_, name_, i, "unexpected char '" + std::string(1, c) + "'");
      tokens_.push_back({TokenType::String, unescape(s_.substr(i + 1, j - i - 1), s_, name_, i), i});
      return j + 1;
    }
    static const char* const two_char_ops[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : two_char_ops) {
      if (starts_with(s_, i, op)) {
        tokens_.push_back({TokenType::Operator, op, i});
        return i + 2;
      }
    }
    if (std::strchr("+-/*%~[](){}><=.:|,;", c) && c != 0) {
      if (c == '(' || c == '[' || c == '{') {
        balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (balance.empty()) syntax_error(s_, name_, i, std::string("unexpected '") + c + "'");
        if (balance.back() != c)
          syntax_error(s_, name_, i, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
        balance.pop_back();
      }
      tokens_.push_back({TokenType::Operator, std::string(1, c), i});
      return i + 1;
    }
    auto u = text::decode(std::string_view(s_).substr(i, 4));
    std::string shown;
    text::append_utf8(shown, u.empty() ? U'?' : u[0]);
    syntax_error(s_, name_, i, "unexpected char '" + shown + "'");
  }

  // Jinja2's integer (with _ separators, 0b/0o/0x) and float literals.
  size_t number(size_t i) {
    auto digits = [&](size_t j, auto is_ok) {  // (\d+_)*\d+ style run; returns end or j if none
      size_t k = j;
      if (k >= s_.size() || !is_ok(s_[k])) return j;
      while (k < s_.size()) {
        if (is_ok(s_[k])) ++k;
        else if (s_[k] == '_' && k + 1 < s_.size() && is_ok(s_[k + 1])) k += 2;
        else break;
      }
      return k;
    };
    auto dec = [](char ch) { return ch >= '0' && ch <= '9'; };
    // Float: digits ( (.digits)? e[+-]?digits | .digits )
    size_t int_end = digits(i, dec);
    size_t j = int_end;
    bool is_float = false;
    if (j < s_.size() && s_[j] == '.' && digits(j + 1, dec) > j + 1) {
      j = digits(j + 1, dec);
      is_float = true;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      size_t k = j + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      size_t e = digits(k, dec);
      if (e > k) {
        j = e;
        is_float = true;
      }
    }
    auto clean = [&](size_t b, size_t e) {
      std::string t;
      for (size_t k = b; k < e; ++k)
        if (s_[k] != '_') t.push_back(s_[k]);
      return t;
    };
    if (is_float) {
      Token t{TokenType::Float, s_.substr(i, j - i), i};
      t.float_value = std::strtod(clean(i, j).c_str(), nullptr);
      tokens_.push_back(t);
      return j;
    }
    int base = 10;
    size_t b = i;
    if (s_[i] == '0' && i + 1 < s_.size() && std::strchr("bBoOxX", s_[i + 1]) && s_[i + 1] != 0) {
      char p = static_cast<char>(s_[i + 1] | 0x20);
      base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
      auto ok = [base](char ch) {
        if (base == 2) return ch == '0' || ch == '1';
        if (base == 8) return ch >= '0' && ch <= '7';
        return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
      };
      size_t k = i + 2;
      if (k < s_.size() && s_[k] == '_') ++k;
      size_t e = digits(k, ok);
      if (e > k) {
        b = i + 2;
        int_end = e;
      } else {
        base = 10;  // "0" followed by a name
        int_end = i + 1;
      }
    } else if (s_[i] == '0') {
      // Python forbids leading zeros: only 0, 00, 0_0 ... form a literal here.
      size_t k = i + 1;
      while (k < s_.size() && (s_[k] == '0' || (s_[k] == '_' && k + 1 < s_.size() && s_[k + 1] == '0'))) ++k;
      int_end = k;
    }
    std::string digits_text = clean(b, int_end);
    if (digits_text.empty() || digits_text.front() == '_') digits_text = "0";
    errno = 0;
    Token t{TokenType::Integer, s_.substr(i, int_end - i), i};
    const char* p = digits_text.c_str();
    char* endp = nullptr;
    unsigned long long v = std::strtoull(p, &endp, base);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
      syntax_error(s_, name_, i, "integer literal too large (this engine's integers are 64-bit)");
    t.int_value = static_cast<int64_t>(v);
    tokens_.push_back(t);
    return int_end;
  }

  std::string s_;
  const std::string& name_;
  std::vector<Token> tokens_;
};

std::string normalize_newlines(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out.push_back(in[i]);
    }
  }
  // keep_trailing_newline=False: exactly one final newline is dropped.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

LexedTemplate lex_template(const std::string& source, const std::string& name) {
  Lexer lexer(normalize_newlines(source), name);
  auto tokens = lexer.run();
  return LexedTemplate{std::move(lexer.source()), std::move(tokens)};
}

}  // namespace automodel::jinja
