// tokenizer_config.json (+ special_tokens_map.json, chat_template.jinja) as transformers 4.47
// reads it, with the class defaults of the tokenizer classes that matter when a key is absent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/added_token_spec.h"

namespace automodel::tokenizers {

// transformers' VERY_LARGE_INTEGER (int(1e30)): model_max_length when none is known; lengths
// above LARGE_INTEGER (int(1e20)) count as "no limit" for padding / truncation defaults.
inline constexpr double kVeryLargeInteger = 1e30;
inline constexpr double kLargeInteger = 1e20;

struct TokenizerConfig {
  std::filesystem::path folder;
  json raw;  // tokenizer_config.json as read ({} when the file is absent)

  std::string tokenizer_class;  // as written ("" when absent), e.g. "LlamaTokenizerFast"
  // Special tokens after class defaults and special_tokens_map.json; nullopt = None.
  std::optional<AddedTokenSpec> bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token;
  std::vector<AddedTokenSpec> additional_special_tokens;
  std::map<int32_t, AddedTokenSpec> added_tokens_decoder;

  double model_max_length = kVeryLargeInteger;
  std::string padding_side = "right";
  std::string truncation_side = "right";
  bool clean_up_tokenization_spaces = false;  // absent means false in transformers 4.47
  std::optional<bool> add_bos_token, add_eos_token, legacy, add_prefix_space;
  bool split_special_tokens = false;
  std::vector<std::string> model_input_names;  // class default when the config has none

  // Chat templates by name; a single string template is "default". chat_template.jinja
  // (newer transformers) supplies "default" when present.
  std::map<std::string, std::string> chat_templates;
};

// Reads folder/tokenizer_config.json (optional), folder/special_tokens_map.json (optional,
// used only when the config has no added_tokens_decoder, as transformers does) and
// folder/chat_template.jinja (optional). Errors name the file and JSON path.
TokenizerConfig load_tokenizer_config(const std::filesystem::path& folder);

// "LlamaTokenizerFast" → "LlamaTokenizer".
std::string slow_class_name(const std::string& tokenizer_class);

}  // namespace automodel::tokenizers
