#include "automodel/tokenizers/added_token_spec.h"

#include "automodel/core/error.h"

namespace automodel::tokenizers {

namespace {
bool flag(const json& j, const char* key, bool fallback, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AM_CHECK(it->is_boolean(), where, ".", key, ": expected a boolean, found ", json_type_name(*it));
  return it->get<bool>();
}
}  // namespace

std::optional<AddedTokenSpec> parse_added_token_spec(const json& j, const std::string& where, bool special) {
  if (j.is_null()) return std::nullopt;
  AddedTokenSpec t;
  t.special = special;
  if (j.is_string()) {
    t.content = j.get<std::string>();
    return t;
  }
  AM_CHECK(j.is_object(), where, ": expected a string or an AddedToken object, found ", json_type_name(j));
  auto c = j.find("content");
  AM_CHECK(c != j.end() && c->is_string(), where, ".content: expected a string, found ",
           c == j.end() ? std::string("nothing") : json_type_name(*c));
  t.content = c->get<std::string>();
  t.single_word = flag(j, "single_word", false, where);
  t.lstrip = flag(j, "lstrip", false, where);
  t.rstrip = flag(j, "rstrip", false, where);
  t.normalized = flag(j, "normalized", !special, where);
  t.special = flag(j, "special", special, where);
  return t;
}

}  // namespace automodel::tokenizers
