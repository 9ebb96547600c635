// Python's textual forms: float repr, str repr quoting, and json.dumps with its exact
// separators, indentation, escaping (ensure_ascii on or off) and key handling.
#pragma once

#include <optional>
#include <string>

#include "automodel/jinja/value.h"

namespace automodel::jinja {

std::string python_float_repr(double v);
std::string python_string_repr(const std::string& s);

struct JsonDumpOptions {
  bool ensure_ascii = false;       // transformers' tojson default
  std::optional<std::string> indent;  // null = single line; int n → n spaces
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};
// json.dumps(value, ...). Throws TemplateError("TypeError") for values JSON cannot hold.
std::string python_json_dumps(const Value& v, const JsonDumpOptions& options, int max_depth = 200);

}  // namespace automodel::jinja
