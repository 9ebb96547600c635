// Python str semantics on UTF-8 text: code points, whitespace (str.isspace), case mapping and
// printability, used by the lexer, the string methods and repr().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace automodel::jinja::text {

// Decodes UTF-8; invalid bytes become U+FFFD-free "surrogate escapes" (0xDC80 + byte) so that
// encoding back reproduces the input bytes exactly.
std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
// Number of code points.
size_t length(std::string_view s);

bool is_space(char32_t c);  // Python str.isspace()
bool is_printable(char32_t c);  // Python str.isprintable() for one character
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_alnum(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
char32_t to_title(char32_t c);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);       // Python str.title()
std::string capitalize(std::string_view s);  // Python str.capitalize()

// Python str.strip/lstrip/rstrip; `chars` null means whitespace.
std::string strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace automodel::jinja::text
