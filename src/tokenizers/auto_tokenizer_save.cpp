// AutoTokenizer::save_pretrained: the files transformers 4.47's PreTrainedTokenizerBase
// .save_pretrained writes (tokenization_utils_base.py), from what the tokenizer was loaded from.
#include <fstream>

#include "auto_tokenizer_backend.h"
#include "automodel/core/error.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/hub/staged_folder.h"
#include "automodel/tokenizers/auto_tokenizer.h"

namespace automodel::tokenizers {

namespace fs = std::filesystem;

namespace {

// transformers' VERY_LARGE_INTEGER = int(1e30), which Python writes as this integer; JSON
// numbers here are doubles, so it goes in as a marker string and is substituted after dumping.
constexpr const char* kVeryLargeIntegerText = "1000000000000000019884624838656";
constexpr const char* kVeryLargeIntegerMarker = "\x01VERY_LARGE_INTEGER\x01";

json model_max_length_json(double v) {
  if (v == kVeryLargeInteger) return kVeryLargeIntegerMarker;
  if (v == double(int64_t(v)) && std::abs(v) < 9e15) return int64_t(v);
  return v;
}

std::string dumps(const json& value) {
  std::string s = python_json_dumps(value, /*ensure_ascii=*/false);
  const std::string marker = json(kVeryLargeIntegerMarker).dump();  // "\u0001VERY_LARGE_INTEGER\u0001"
  for (size_t at = s.find(marker); at != std::string::npos; at = s.find(marker, at))
    s.replace(at, marker.size(), kVeryLargeIntegerText);
  return s;
}

// AddedToken.__getstate__ (with `special` unless dropped for special_tokens_map.json).
json added_token_state(const AddedTokenSpec& t, bool with_special) {
  json j = json::object();
  j["content"] = t.content;
  j["lstrip"] = t.lstrip;
  j["normalized"] = t.normalized;
  j["rstrip"] = t.rstrip;
  j["single_word"] = t.single_word;
  if (with_special) j["special"] = t.special;
  return j;
}

// The keys transformers pops before writing: file locations of the loaded tokenizer.
bool is_private_key(const std::string& key) {
  return key == "name_or_path" || key == "special_tokens_map_file" || key == "tokenizer_file" ||
         key == "device_map" || key == "vocab_file" || key == "merges_file" || key == "chat_template_file";
}

}  // namespace

std::vector<std::string> AutoTokenizer::save_pretrained(const fs::path& dir) const {
  StagedFolder staged(dir);
  std::vector<std::string> written;
  auto write = [&](const std::string& name, std::string_view bytes) {
    write_file_atomic(staged.path() / name, bytes);
    written.push_back(name);
  };

  const auto added = backend_->added_tokens_decoder();
  const std::map<std::string, std::optional<std::string>> specials = {
      {"bos_token", bos_}, {"eos_token", eos_}, {"unk_token", unk_}, {"sep_token", sep_},
      {"pad_token", pad_}, {"cls_token", cls_}, {"mask_token", mask_}};

  // tokenizer_config.json: init kwargs (the file as loaded) updated with the current state.
  json config = config_.raw.is_object() ? config_.raw : json::object();
  for (auto it = config.begin(); it != config.end();) {
    if (is_private_key(it.key())) it = config.erase(it);
    else ++it;
  }
  config["model_max_length"] = model_max_length_json(config_.model_max_length);
  config["clean_up_tokenization_spaces"] = config_.clean_up_tokenization_spaces;
  if (config.contains("padding_side")) config["padding_side"] = padding_side_;
  if (config.contains("truncation_side")) config["truncation_side"] = truncation_side_;
  for (const auto& [key, value] : specials)
    if (value) config[key] = *value;  // special_tokens_map: the strings
  if (!additional_.empty()) config["additional_special_tokens"] = additional_;
  if (!config.contains("extra_special_tokens")) config["extra_special_tokens"] = json::object();
  config.erase("chat_template");
  if (!config_.chat_templates.empty()) {
    const bool single = config_.chat_templates.size() == 1 && config_.chat_templates.count("default");
    if (single && chat_template_from_file_) {
      write("chat_template.jinja", config_.chat_templates.at("default"));  // save_raw_chat_template
    } else if (single) {
      config["chat_template"] = config_.chat_templates.at("default");
    } else {
      json list = json::array();
      for (const auto& [name, text] : config_.chat_templates) list.push_back({{"name", name}, {"template", text}});
      config["chat_template"] = std::move(list);
    }
  }
  json decoder = json::object();
  for (const auto& [id, t] : added) decoder[std::to_string(id)] = added_token_state(t, true);
  config["added_tokens_decoder"] = std::move(decoder);
  std::string cls = config_.tokenizer_class;
  if (cls.empty()) cls = is_fast() ? "PreTrainedTokenizerFast" : "";
  if (cls.size() > 4 && cls.ends_with("Fast") && cls != "PreTrainedTokenizerFast") cls.resize(cls.size() - 4);
  if (!cls.empty()) config["tokenizer_class"] = cls;
  write("tokenizer_config.json", dumps(config));

  // special_tokens_map.json: AddedToken states (without `special`) where the token is an added
  // token, plain strings otherwise.
  auto token_state = [&](const std::string& content) -> json {
    for (const auto& [id, t] : added)
      if (t.content == content) return added_token_state(t, false);
    return content;
  };
  json map = json::object();
  for (const auto& [key, value] : specials)
    if (value) map[key] = token_state(*value);
  if (!additional_.empty()) {
    json list = json::array();
    for (const auto& a : additional_) list.push_back(token_state(a));
    map["additional_special_tokens"] = std::move(list);
  }
  write("special_tokens_map.json", dumps(map));

  // Vocabulary files, as loaded.
  for (const auto& src : source_files_) {
    std::ifstream in(src, std::ios::binary);
    AM_CHECK(in.good(), src.string(), ": cannot read the file this tokenizer was loaded from (needed to save it)");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write(src.filename().string(), bytes);
  }
  if (!converted_tokenizer_json_.empty()) {
    // The pipeline the fast class built from the vocabulary files, with the tokens it
    // registered on top (special tokens of the config and class defaults), as
    // backend_tokenizer.save writes it.
    json pipeline = parse_json(converted_tokenizer_json_, "converted tokenizer.json");
    json tokens = json::array();
    for (const auto& [id, t] : added)
      tokens.push_back({{"id", id}, {"content", t.content}, {"single_word", t.single_word}, {"lstrip", t.lstrip},
                        {"rstrip", t.rstrip}, {"normalized", t.normalized}, {"special", t.special}});
    pipeline["added_tokens"] = std::move(tokens);
    write("tokenizer.json", pipeline.dump(2, ' ', false) + "\n");
  }
  if (!is_fast()) {
    // A slow tokenizer's tokens beyond the vocabulary go to added_tokens.json (content → id).
    json extra = json::object();
    for (const auto& [id, t] : added)
      if (id >= int32_t(vocab_size())) extra[t.content] = id;
    if (!extra.empty()) write("added_tokens.json", dumps(extra));
  }

  staged.commit([&](const std::string& name) {
    // A template file of an older save would override the inline template on load.
    return name == "chat_template.jinja" || name == "added_tokens.json";
  });
  return written;
}

}  // namespace automodel::tokenizers
