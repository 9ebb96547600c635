// A tokenizer made in the test: a WordLevel vocabulary over the Whitespace pre-tokenizer
// (\w+ | [^\w\s]+), a TemplateProcessing post-processor that puts <s> in front (like Llama's),
// special added tokens for a chat format, so expected ids can be read off the vocabulary below.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace automodel::testing {

// Word ids. 0-3 and 20-22 are special tokens.
enum WordId : int32_t {
  kBos = 0, kEos = 1, kPad = 2, kUnk = 3,
  kHi = 4, kHello = 5, kWhat = 6, kIs = 7, kTwo = 8, kPlus = 9, kFour = 10,
  kA = 11, kB = 12, kC = 13, kD = 14, kE = 15, kThanks = 16, kBye = 17, kQuestion = 18, kBang = 19,
  kUser = 20, kAssistant = 21, kEnd = 22, kOk = 23,
};

// "<|role|>content<|end|>" per message; add_generation_prompt opens "<|assistant|>".
inline const char* kWordChatTemplate =
    "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}";

struct WordTokenizerSpec {
  std::string chat_template = kWordChatTemplate;
  bool has_pad = true;
  bool has_eos = true;
};

inline tokenizers::AutoTokenizer word_tokenizer(const std::string& name, const WordTokenizerSpec& spec = {}) {
  const json vocab = {{"<s>", kBos},     {"</s>", kEos},   {"<pad>", kPad},         {"[UNK]", kUnk},     {"hi", kHi},
                      {"hello", kHello}, {"what", kWhat},  {"is", kIs},             {"two", kTwo},       {"plus", kPlus},
                      {"four", kFour},   {"a", kA},        {"b", kB},               {"c", kC},           {"d", kD},
                      {"e", kE},         {"thanks", kThanks}, {"bye", kBye},        {"?", kQuestion},    {"!", kBang},
                      {"<|user|>", kUser}, {"<|assistant|>", kAssistant}, {"<|end|>", kEnd}, {"ok", kOk}};
  json added = json::array();
  for (auto [content, id] : {std::pair{"<s>", kBos}, {"</s>", kEos}, {"<pad>", kPad}, {"[UNK]", kUnk},
                             {"<|user|>", kUser}, {"<|assistant|>", kAssistant}, {"<|end|>", kEnd}})
    added.push_back({{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  const json bos = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
  const json tokenizer = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Whitespace"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"pair", json::array({bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {kBos}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder", nullptr},
      {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "[UNK]"}}}};
  json config = {{"tokenizer_class", "PreTrainedTokenizerFast"}, {"bos_token", "<s>"}, {"unk_token", "[UNK]"},
                 {"chat_template", spec.chat_template}, {"model_max_length", 512}};
  if (spec.has_eos) config["eos_token"] = "</s>";
  if (spec.has_pad) config["pad_token"] = "<pad>";
  const auto dir = scratch_dir("word-tokenizer-" + name);
  std::ofstream(dir / "tokenizer.json") << tokenizer.dump();
  std::ofstream(dir / "tokenizer_config.json") << config.dump();
  return tokenizers::AutoTokenizer::from_pretrained(dir.string());
}

}  // namespace automodel::testing
