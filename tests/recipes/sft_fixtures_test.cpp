// SFT tokenization on the real tokenizers of the shared fixtures, against HF goldens:
//  * chat: every `chat` case of tokenizers/<family>/cases.jsonl rendered without a generation
//    prompt (the SFT rendering): our input ids must be the golden `ids` (HF's
//    apply_chat_template(tokenize=True)), a case whose template raises must raise, every label
//    is -100 or its token, assistant text is trained and user/system text is not; for the
//    multi-turn case pc2-nogen the trained spans are given per family below, read off the
//    golden `rendered` string (the assistant content and the end-of-turn text the template
//    closes it with, what TRL's {% generation %} masks mark). A family with chat cases and no
//    entry fails, so a new fixture family cannot pass unchecked.
//  * text / prompt-completion: the `generate_text` cases of the text-level models (MANIFEST
//    goldens "text"): the golden `input_ids` are HF's tokenizer(prompt); TRL's SFT ids are
//    tokenizer(prompt + eos_token) = golden + [eos] (eos is a special token, split off before
//    the text is tokenized), and {"prompt": p, "completion": ""} trains exactly that eos.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel;
using namespace automodel::recipes;

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// The trained label runs (maximal stretches of labels != -100), decoded verbatim.
std::vector<std::string> trained_runs(const AutoTokenizer& tok, const SftExample& e) {
  tokenizers::DecodeOptions raw;
  raw.clean_up_tokenization_spaces = false;
  std::vector<std::string> runs;
  std::vector<int32_t> run;
  for (size_t k = 0; k <= e.labels.size(); ++k) {
    if (k < e.labels.size() && e.labels[k] != kIgnoreIndex) {
      run.push_back(e.labels[k]);
    } else if (!run.empty()) {
      runs.push_back(tok.decode(run, raw));
      run.clear();
    }
  }
  return runs;
}

// pc2-nogen (user, assistant, user, assistant, user): the two assistant spans, as the golden
// rendering shows each family closing an assistant turn. phi3's <|end|> has rstrip=true in its
// tokenizer.json, so the "\n" the template writes after it is part of that token, not a token
// of its own.
const std::map<std::string, std::vector<std::string>> kPc2Spans = {
    {"qwen3",
     {"Hello! How can I help you today?<|im_end|>\n",
      "Why did the cat sit on the computer? To keep an eye on the mouse!<|im_end|>\n"}},
    {"llama3",
     {"Hello! How can I help you today?<|eot_id|>",
      "Why did the cat sit on the computer? To keep an eye on the mouse!<|eot_id|>"}},
    {"phi3",
     {"Hello! How can I help you today?<|end|>",
      "Why did the cat sit on the computer? To keep an eye on the mouse!<|end|>"}},
    {"gemma3",
     {"Hello! How can I help you today?<end_of_turn>\n",
      "Why did the cat sit on the computer? To keep an eye on the mouse!<end_of_turn>\n"}},
    {"deepseek-v3",
     {"Hello! How can I help you today?<｜end▁of▁sentence｜>",
      "Why did the cat sit on the computer? To keep an eye on the mouse!<｜end▁of▁sentence｜>"}},
};

TEST(SftFixtures, ChatCasesOfEveryFamily) {
  AM_REQUIRE_FIXTURES(root);
  int families = 0, cases = 0, errors = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path cases_file = entry.path() / "cases.jsonl";
    if (!fs::is_regular_file(cases_file)) continue;
    const std::string family = entry.path().filename().string();
    std::vector<json> chat;
    for (auto& c : read_jsonl(cases_file))
      if (c.at("kind") == "chat") chat.push_back(std::move(c));
    if (chat.empty()) continue;
    ++families;
    SCOPED_TRACE(family);
    const auto tok = AutoTokenizer::from_pretrained(entry.path().string());
    bool saw_pc2 = false;
    for (const auto& c : chat) {
      const std::string id = c.at("id");
      SCOPED_TRACE(id);
      ASSERT_EQ(c.at("template"), "default") << "a named template: not understood by this suite";
      if (c.at("add_generation_prompt").get<bool>()) continue;  // SFT renders without it
      json record = {{"messages", c.at("messages")}};
      if (c.contains("tools")) record["tools"] = c["tools"];
      for (const auto& [key, value] : c.at("special_tokens").items()) {
        // The template variables HF passes: they must be what the tokenizer reports.
        if (key == "bos_token") {
          EXPECT_EQ(tok.bos_token().value_or(""), value.get<std::string>());
        }
        if (key == "eos_token") {
          EXPECT_EQ(tok.eos_token().value_or(""), value.get<std::string>());
        }
      }
      ++cases;
      if (c.contains("error")) {
        EXPECT_THROW(tokenize_sft_record(record, DataFormat::messages, tok, true, family + ":" + id), Error)
            << "the template raises in HF: " << c["error"];
        ++errors;
        continue;
      }
      const SftExample e = tokenize_sft_record(record, DataFormat::messages, tok, true, family + ":" + id);
      EXPECT_EQ(e.input_ids, c.at("ids").get<std::vector<int32_t>>());
      ASSERT_EQ(e.labels.size(), e.input_ids.size());
      for (size_t k = 0; k < e.labels.size(); ++k)
        ASSERT_TRUE(e.labels[k] == kIgnoreIndex || e.labels[k] == e.input_ids[k]) << "position " << k;
      const auto runs = trained_runs(tok, e);
      std::string trained;
      for (const auto& r : runs) trained += r + "\x01";
      for (const auto& m : c.at("messages")) {
        if (!m.at("content").is_string() || m["content"].get<std::string>().empty()) continue;
        const std::string content = m["content"];
        const bool in_trained = trained.find(content) != std::string::npos;
        if (m.at("role") == "assistant") {
          EXPECT_TRUE(in_trained) << "assistant text not trained: " << content;
        } else if (m.at("role") == "user" || m.at("role") == "system") {
          EXPECT_FALSE(in_trained) << m["role"] << " text trained: " << content;
        }
      }
      if (id == "pc2-nogen") {
        saw_pc2 = true;
        auto expected = kPc2Spans.find(family);
        if (expected == kPc2Spans.end())
          ADD_FAILURE() << "no expected pc2-nogen spans for family " << family << ": add them to kPc2Spans";
        else
          EXPECT_EQ(runs, expected->second);
      }
    }
    EXPECT_TRUE(saw_pc2 || !kPc2Spans.count(family));
  }
  EXPECT_GE(families, 5);
  EXPECT_GT(cases, 0);
  std::cout << "[ sft chat ] " << families << " families, " << cases << " cases (" << errors << " raising)\n";
}

TEST(SftFixtures, TextAndPromptCompletionOnTheTextLevelModels) {
  AM_REQUIRE_FIXTURES(root);
  const json manifest = read_json_file(root / "models" / "MANIFEST.json");
  int models = 0, prompts = 0;
  for (const auto& m : manifest.at("models")) {
    if (m.value("goldens", "") != "text") continue;
    const std::string name = m.at("name");
    SCOPED_TRACE(name);
    ++models;
    const fs::path dir = root / "models" / name;
    const json expected = read_json_file(dir / "expected.json");
    const int32_t eos = expected.at("special_ids").at("eos").get<int32_t>();
    const auto tok = AutoTokenizer::from_pretrained(dir.string());
    for (const auto& c : expected.at("cases")) {
      ASSERT_EQ(c.at("kind"), "generate_text") << "a case kind this suite does not understand";
      ASSERT_TRUE(c.at("tokenization").at("add_special_tokens").get<bool>()) << c.at("name");
      const auto& texts = c.at("prompts");
      for (size_t i = 0; i < texts.size(); ++i) {
        SCOPED_TRACE(c.at("name").get<std::string>() + " prompt " + std::to_string(i));
        ++prompts;
        std::vector<int32_t> golden;  // HF's tokenizer(prompt), left padding removed
        const auto& ids = c.at("input_ids")[i];
        const auto& mask = c.at("attention_mask")[i];
        for (size_t k = 0; k < ids.size(); ++k)
          if (mask[k].get<int>() == 1) golden.push_back(ids[k].get<int32_t>());
        const std::string prompt = texts[i];

        SftExample plain = tokenize_sft_record({{"text", prompt}}, DataFormat::text, tok, false, "case");
        EXPECT_EQ(plain.input_ids, golden);
        EXPECT_EQ(plain.labels, golden);

        std::vector<int32_t> with_eos = golden;
        with_eos.push_back(eos);
        SftExample text = tokenize_sft_record({{"text", prompt}}, DataFormat::text, tok, true, "case");
        EXPECT_EQ(text.input_ids, with_eos);
        EXPECT_EQ(text.labels, with_eos);

        SftExample pc = tokenize_sft_record({{"prompt", prompt}, {"completion", ""}}, DataFormat::prompt_completion,
                                            tok, true, "case");
        EXPECT_EQ(pc.input_ids, with_eos);
        std::vector<int32_t> only_eos(golden.size(), kIgnoreIndex);
        only_eos.push_back(eos);
        EXPECT_EQ(pc.labels, only_eos);
      }
    }
  }
  EXPECT_GE(models, 2);
  std::cout << "[ sft text ] " << models << " models, " << prompts << " prompts\n";
}

}  // namespace
