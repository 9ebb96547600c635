// Recursive-descent parser with Jinja2's grammar and precedence (parser.py): statements
// for/if/set/macro/call/filter/with/block/print/break/continue (+ transformers' generation),
// expressions from conditional expressions down to filters, tests and postfix access.
#pragma once

#include <string>

#include "ast.h"

namespace automodel::jinja {

struct TemplateNode {
  std::string name;
  std::string source;  // normalised source (positions in nodes refer to it)
  Body body;
};

// Throws TemplateError("TemplateSyntaxError") with line and column.
std::shared_ptr<const TemplateNode> parse_template(const std::string& source, const std::string& name);

}  // namespace automodel::jinja
