// Language conformance against Python Jinja2: every case in cases/*.txt was rendered by Python
// Jinja2 3.1 in transformers' environment (cases/generate.py wrote cases/*_cases.inc); the
// engine must produce the same text, or raise the same Python exception class.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "automodel/jinja/template.h"

namespace automodel::jinja {
namespace {

struct Case {
  const char* name;
  const char* source;
  const char* expected;     // rendered text, or null when Python raised
  const char* error_class;  // Python exception class, or null
};

const Case kWhitespace[] = {
#include "cases/whitespace_cases.inc"
};
const Case kExpressions[] = {
#include "cases/expressions_cases.inc"
};
const Case kStatements[] = {
#include "cases/statements_cases.inc"
};
const Case kFilters[] = {
#include "cases/filters_cases.inc"
};
const Case kErrors[] = {
#include "cases/errors_cases.inc"
};

json context() {
  std::ifstream in(std::string(AUTOMODEL_SOURCE_DIR) + "/tests/jinja/cases/context.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

template <size_t N>
void check_all(const Case (&cases)[N]) {
  const json ctx = context();
  ASSERT_TRUE(ctx.is_object());
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string("case: ") + c.name + "\ntemplate: " + json(c.source).dump());
    std::string got, error;
    std::string error_class;
    try {
      Template tpl(c.source, "case");
      got = tpl.render(ctx);
    } catch (const TemplateError& e) {
      error_class = e.python_class();
      error = e.what();
    }
    if (c.expected) {
      EXPECT_TRUE(error.empty()) << "raised " << error;
      EXPECT_EQ(got, c.expected) << "got " << json(got).dump() << "\nwant " << json(std::string(c.expected)).dump();
    } else {
      EXPECT_FALSE(error_class.empty()) << "expected " << c.error_class << ", rendered " << json(got).dump();
      EXPECT_EQ(error_class, c.error_class) << error;
    }
  }
}

TEST(JinjaReference, WhitespaceControl) { check_all(kWhitespace); }
TEST(JinjaReference, Expressions) { check_all(kExpressions); }
TEST(JinjaReference, Statements) { check_all(kStatements); }
TEST(JinjaReference, FiltersAndTests) { check_all(kFilters); }
TEST(JinjaReference, Errors) { check_all(kErrors); }

}  // namespace
}  // namespace automodel::jinja
