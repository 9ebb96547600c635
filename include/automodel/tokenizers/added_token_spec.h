// An added / special token as transformers' tokenizer_config.json describes it: either a plain
// string or an `{"__type": "AddedToken", "content": ..., "lstrip": ..., ...}` object (the
// entries of `added_tokens_decoder` have the same fields plus `special`).
#pragma once

#include <optional>
#include <string>

#include "automodel/hub/json_file.h"

namespace automodel::tokenizers {

struct AddedTokenSpec {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;

  bool operator==(const AddedTokenSpec&) const = default;
};

// Parses a string or an AddedToken object; null gives nullopt. `where` names the file and JSON
// path for errors ("tokenizer_config.json: bos_token").
std::optional<AddedTokenSpec> parse_added_token_spec(const json& j, const std::string& where, bool special);

}  // namespace automodel::tokenizers
