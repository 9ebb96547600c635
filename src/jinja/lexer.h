// Splits template source into tokens exactly as Jinja2's lexer does with trim_blocks=True and
// lstrip_blocks=True: data between tags, tag delimiters, and the expression tokens inside tags.
// Whitespace control (`-` / `+` on tags), comment removal, {% raw %} and newline normalisation
// (\r\n and \r become \n, one trailing newline is dropped) all happen here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace automodel::jinja {

enum class TokenType {
  Data,           // literal text
  VariableBegin,  // {{
  VariableEnd,    // }}
  BlockBegin,     // {%
  BlockEnd,       // %}
  Name,
  String,         // value = the decoded string
  Integer,
  Float,
  Operator,       // value = the operator text ("+", "//", "(", ...)
  Eof,
};

struct Token {
  TokenType type;
  std::string value;
  size_t pos;  // byte offset in the normalised source
  int64_t int_value = 0;
  double float_value = 0;
};

struct LexedTemplate {
  std::string source;  // normalised source the positions refer to
  std::vector<Token> tokens;
};

// Throws TemplateError("TemplateSyntaxError") for unterminated comments/strings and stray
// characters, with line and column.
LexedTemplate lex_template(const std::string& source, const std::string& name);

// 1-based line and column (in code points) of byte offset `pos`.
void line_and_column(const std::string& source, size_t pos, int& line, int& column);

}  // namespace automodel::jinja
