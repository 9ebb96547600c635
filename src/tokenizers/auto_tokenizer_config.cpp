#include "automodel/tokenizers/tokenizer_config.h"

#include <fstream>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {

namespace fs = std::filesystem;

std::string slow_class_name(const std::string& tokenizer_class) {
  constexpr std::string_view kFast = "Fast";
  if (tokenizer_class.size() > kFast.size() &&
      tokenizer_class.compare(tokenizer_class.size() - kFast.size(), kFast.size(), kFast) == 0)
    return tokenizer_class.substr(0, tokenizer_class.size() - kFast.size());
  return tokenizer_class;
}

namespace {

struct ClassDefaults {
  const char* bos = nullptr;
  const char* eos = nullptr;
  const char* unk = nullptr;
  const char* sep = nullptr;
  const char* pad = nullptr;
  const char* cls = nullptr;
  const char* mask = nullptr;
  bool mask_lstrip = false;
  bool token_type_ids = false;  // "token_type_ids" in model_input_names
};

// The __init__ defaults of the slow/fast class pairs (their special tokens and
// model_input_names); a class not listed has none (PreTrainedTokenizerFast).
ClassDefaults class_defaults(const std::string& slow_class) {
  if (slow_class == "BertTokenizer" || slow_class == "DistilBertTokenizer")
    return {nullptr, nullptr, "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]", false, true};
  if (slow_class == "RobertaTokenizer" || slow_class == "XLMRobertaTokenizer" || slow_class == "CamembertTokenizer")
    return {"<s>", "</s>", "<unk>", "</s>", "<pad>", "<s>", "<mask>", true, false};
  if (slow_class == "GPT2Tokenizer" || slow_class == "GPTNeoXTokenizer" || slow_class == "CodeGenTokenizer")
    return {"<|endoftext|>", "<|endoftext|>", "<|endoftext|>"};
  if (slow_class == "LlamaTokenizer" || slow_class == "CodeLlamaTokenizer") return {"<s>", "</s>", "<unk>"};
  if (slow_class == "GemmaTokenizer") return {"<bos>", "<eos>", "<unk>", nullptr, "<pad>"};
  if (slow_class == "T5Tokenizer") return {nullptr, "</s>", "<unk>", nullptr, "<pad>"};
  if (slow_class == "CLIPTokenizer")
    return {"<|startoftext|>", "<|endoftext|>", "<|endoftext|>", nullptr, "<|endoftext|>"};
  if (slow_class == "Qwen2Tokenizer") return {nullptr, "<|endoftext|>", "<|endoftext|>", nullptr, "<|endoftext|>"};
  return {};
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  AM_CHECK(f, p.string(), ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The tokenizer class when tokenizer_config.json does not name one: transformers maps
// config.json's model_type; without config.json we read the post-processor of tokenizer.json.
std::string infer_tokenizer_class(const fs::path& folder) {
  if (fs::exists(folder / "config.json")) {
    json cfg = read_json_file(folder / "config.json");
    std::string mt = cfg.value("model_type", std::string());
    if (mt == "bert") return "BertTokenizer";
    if (mt == "distilbert") return "DistilBertTokenizer";
    if (mt == "roberta") return "RobertaTokenizer";
    if (mt == "xlm-roberta") return "XLMRobertaTokenizer";
    if (mt == "gpt2") return "GPT2Tokenizer";
    if (mt == "gpt_neox" || mt == "stablelm" || mt == "olmo" || mt == "olmo2") return "GPTNeoXTokenizer";
    if (mt == "llama" || mt == "mistral" || mt == "mixtral" || mt == "phi3") return "LlamaTokenizer";
    if (mt == "gemma" || mt == "gemma2" || mt == "gemma3" || mt == "gemma3_text") return "GemmaTokenizer";
    if (mt == "qwen2" || mt == "qwen3" || mt == "qwen2_moe" || mt == "qwen3_moe") return "Qwen2Tokenizer";
    if (mt == "t5") return "T5Tokenizer";
    if (mt == "clip") return "CLIPTokenizer";
  }
  if (fs::exists(folder / "tokenizer.json")) {
    // Only the post-processor is parsed: a DOM of the whole file (its vocab in an ordered_json
    // object) takes seconds.
    const fs::path tj_path = folder / "tokenizer.json";
    const std::string text = read_text(tj_path);
    json tj = json::object();
    for (const auto& [key, raw] : json_object_members(text, tj_path.string()))
      if (key == "post_processor") tj[key] = parse_json(raw, tj_path.string() + ": post_processor");
    const json* pp = tj.contains("post_processor") ? &tj["post_processor"] : nullptr;
    std::string type = pp && pp->is_object() ? pp->value("type", std::string()) : std::string();
    if (type == "RobertaProcessing") return "RobertaTokenizer";
    if (type == "BertProcessing") return "BertTokenizer";
    if (type == "TemplateProcessing" && pp->contains("special_tokens") && (*pp)["special_tokens"].contains("[CLS]"))
      return "BertTokenizer";
    if (type == "ByteLevel") return "GPT2Tokenizer";
    return "";
  }
  if (fs::exists(folder / "vocab.txt")) return "BertTokenizer";
  if (fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt")) return "GPT2Tokenizer";
  if (fs::exists(folder / "tokenizer.model")) return "LlamaTokenizer";
  return "";
}

std::optional<bool> opt_bool(const json& j, const char* key, const std::string& file) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  AM_CHECK(it->is_boolean(), file, ": ", key, ": expected a boolean, found ", json_type_name(*it));
  return it->get<bool>();
}

std::string opt_side(const json& j, const char* key, const std::string& file, const std::string& fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  AM_CHECK(it->is_string() && (*it == "left" || *it == "right"), file, ": ", key,
           ": expected \"left\" or \"right\", found ", it->dump());
  return it->get<std::string>();
}

}  // namespace

TokenizerConfig load_tokenizer_config(const fs::path& folder) {
  TokenizerConfig c;
  c.folder = folder;
  const fs::path config_path = folder / "tokenizer_config.json";
  const std::string file = config_path.string();
  c.raw = fs::exists(config_path) ? read_json_file(config_path) : json::object();
  AM_CHECK(c.raw.is_object(), file, ": expected a JSON object, found ", json_type_name(c.raw));
  const json& j = c.raw;

  if (auto it = j.find("tokenizer_class"); it != j.end() && !it->is_null()) {
    AM_CHECK(it->is_string(), file, ": tokenizer_class: expected a string, found ", json_type_name(*it));
    c.tokenizer_class = it->get<std::string>();
  } else {
    c.tokenizer_class = infer_tokenizer_class(folder);
  }
  const ClassDefaults defaults = class_defaults(slow_class_name(c.tokenizer_class));

  // Special tokens: the config's value (null = None) when the key is present, else the class
  // default. special_tokens_map.json fills in only when the config has no added_tokens_decoder.
  json values = json::object();
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
                          "additional_special_tokens"})
    if (j.contains(key)) values[key] = j[key];
  const bool has_decoder = j.contains("added_tokens_decoder");
  if (!has_decoder && fs::exists(folder / "special_tokens_map.json")) {
    json m = read_json_file(folder / "special_tokens_map.json");
    AM_CHECK(m.is_object(), (folder / "special_tokens_map.json").string(), ": expected a JSON object");
    for (auto& [key, value] : m.items())
      if (!values.contains(key) || values[key].is_null() || (values[key].is_string() && values[key].get<std::string>().empty()))
        values[key] = value;
  }
  auto token = [&](const char* key, const char* fallback, bool lstrip = false) -> std::optional<AddedTokenSpec> {
    if (values.contains(key)) return parse_added_token_spec(values[key], file + ": " + key, true);
    if (!fallback) return std::nullopt;
    AddedTokenSpec t{fallback};
    t.lstrip = lstrip;
    return t;
  };
  c.bos_token = token("bos_token", defaults.bos);
  c.eos_token = token("eos_token", defaults.eos);
  c.unk_token = token("unk_token", defaults.unk);
  c.sep_token = token("sep_token", defaults.sep);
  c.pad_token = token("pad_token", defaults.pad);
  c.cls_token = token("cls_token", defaults.cls);
  c.mask_token = token("mask_token", defaults.mask, defaults.mask_lstrip);
  if (values.contains("additional_special_tokens") && !values["additional_special_tokens"].is_null()) {
    const json& list = values["additional_special_tokens"];
    AM_CHECK(list.is_array(), file, ": additional_special_tokens: expected a list, found ", json_type_name(list));
    for (size_t i = 0; i < list.size(); ++i)
      if (auto t = parse_added_token_spec(list[i], str_cat(file, ": additional_special_tokens[", i, "]"), true))
        c.additional_special_tokens.push_back(*t);
  }
  if (has_decoder && !j["added_tokens_decoder"].is_null()) {
    const json& d = j["added_tokens_decoder"];
    AM_CHECK(d.is_object(), file, ": added_tokens_decoder: expected an object, found ", json_type_name(d));
    for (auto& [key, value] : d.items()) {
      int32_t id = 0;
      try {
        size_t used = 0;
        long v = std::stol(key, &used);
        AM_CHECK(used == key.size() && v >= 0 && v <= INT32_MAX, "");
        id = static_cast<int32_t>(v);
      } catch (const std::exception&) {
        fail(file, ": added_tokens_decoder: key '", key, "' is not a token id");
      }
      auto t = parse_added_token_spec(value, str_cat(file, ": added_tokens_decoder.", key), false);
      AM_CHECK(t.has_value(), file, ": added_tokens_decoder.", key, ": expected an AddedToken object, found null");
      c.added_tokens_decoder[id] = *t;
    }
  }

  if (auto it = j.find("model_max_length"); it != j.end() && !it->is_null()) {
    AM_CHECK(it->is_number(), file, ": model_max_length: expected a number, found ", json_type_name(*it));
    c.model_max_length = it->get<double>();
  }
  c.padding_side = opt_side(j, "padding_side", file, "right");
  c.truncation_side = opt_side(j, "truncation_side", file, "right");
  c.clean_up_tokenization_spaces = opt_bool(j, "clean_up_tokenization_spaces", file).value_or(false);
  c.add_bos_token = opt_bool(j, "add_bos_token", file);
  c.add_eos_token = opt_bool(j, "add_eos_token", file);
  c.legacy = opt_bool(j, "legacy", file);
  c.add_prefix_space = opt_bool(j, "add_prefix_space", file);
  c.split_special_tokens = opt_bool(j, "split_special_tokens", file).value_or(false);
  if (auto it = j.find("model_input_names"); it != j.end() && !it->is_null()) {
    AM_CHECK(it->is_array(), file, ": model_input_names: expected a list, found ", json_type_name(*it));
    for (const auto& n : *it) {
      AM_CHECK(n.is_string(), file, ": model_input_names: expected strings, found ", json_type_name(n));
      c.model_input_names.push_back(n.get<std::string>());
    }
  } else if (defaults.token_type_ids) {
    c.model_input_names = {"input_ids", "token_type_ids", "attention_mask"};
  } else {
    c.model_input_names = {"input_ids", "attention_mask"};
  }

  if (auto it = j.find("chat_template"); it != j.end() && !it->is_null()) {
    if (it->is_string()) {
      c.chat_templates["default"] = it->get<std::string>();
    } else {
      AM_CHECK(it->is_array(), file, ": chat_template: expected a string or a list of {name, template}, found ",
               json_type_name(*it));
      for (size_t i = 0; i < it->size(); ++i) {
        const json& e = (*it)[i];
        AM_CHECK(e.is_object() && e.contains("name") && e["name"].is_string() && e.contains("template") &&
                     e["template"].is_string(),
                 file, ": chat_template[", i, "]: expected {\"name\": string, \"template\": string}");
        c.chat_templates[e["name"].get<std::string>()] = e["template"].get<std::string>();
      }
    }
  }
  // A chat_template.jinja file wins over the inline template (transformers >= 4.50 writes it).
  if (fs::exists(folder / "chat_template.jinja")) c.chat_templates["default"] = read_text(folder / "chat_template.jinja");
  return c;
}

}  // namespace automodel::tokenizers
