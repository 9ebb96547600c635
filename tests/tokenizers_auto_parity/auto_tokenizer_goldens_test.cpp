// AutoTokenizer (transformers 4.47 fast-tokenizer call semantics) against the raw-pipeline
// goldens of every tokenizer.json family, where transformers and raw `tokenizers` agree.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

std::vector<json> records(const fs::path& family_dir, const std::string& kind) {
  std::vector<json> out;
  std::ifstream in(family_dir / "cases.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json r = json::parse(line);
    if (r.value("kind", "") == kind) out.push_back(std::move(r));
  }
  return out;
}

#define FAMILY_OR_SKIP(dir, name)                                                       \
  AM_REQUIRE_FIXTURES(dir##_root);                                                      \
  const fs::path dir = dir##_root / "tokenizers" / name;                                \
  if (!fs::exists(dir / "cases.jsonl")) GTEST_SKIP() << "fixture family " << name << " absent"

TEST(AutoTokenizerRules, AutoTokenizerMatchesPipelineBatchGoldens) {
  // The batch goldens are transformers' fast __call__ (pad token as recorded); the Llama/Gemma
  // rebuild equals the stored template for every family except deepseek-v3.
  AM_REQUIRE_FIXTURES(root);
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "tokenizer.json") || dir.filename() == "deepseek-v3") continue;
    auto tok = AutoTokenizer::from_pretrained(dir.string());
    for (const auto& r : records(dir, "batch")) {
      const json& p = r["params"];
      CallOptions o;
      o.add_special_tokens = p["add_special_tokens"].get<bool>();
      if (p["padding"] == true) o.padding = PaddingMode::longest;
      if (p["padding"] == "max_length") o.padding = PaddingMode::max_length;
      if (p["truncation"] == true) o.truncation = TruncationMode::longest_first;
      if (p["truncation"] == false) o.truncation = TruncationMode::do_not_truncate;
      if (p["truncation"] == "only_first") o.truncation = TruncationMode::only_first;
      if (p["truncation"] == "only_second") o.truncation = TruncationMode::only_second;
      if (!p["max_length"].is_null()) o.max_length = p["max_length"].get<size_t>();
      o.padding_side = p["padding_side"].get<std::string>();
      o.truncation_side = p["truncation_side"].get<std::string>();
      if (p.contains("pad_token")) tok.set_pad_token(p["pad_token"].get<std::string>());
      BatchEncoding e;
      if (r.contains("text_pairs")) {
        o.return_token_type_ids = true;
        e = tok(r["texts"].get<std::vector<std::string>>(), r["text_pairs"].get<std::vector<std::string>>(), o);
        EXPECT_EQ(json(*e.token_type_ids), r["token_type_ids"]) << dir.filename() << " " << r["id"];
      } else {
        e = tok(r["texts"].get<std::vector<std::string>>(), o);
      }
      EXPECT_EQ(json(e.input_ids), r["input_ids"]) << dir.filename() << " " << r["id"];
      EXPECT_EQ(json(*e.attention_mask), r["attention_mask"]) << dir.filename() << " " << r["id"];
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}


TEST(AutoTokenizerRules, MistralRebuildEqualsTheStoredTemplate) {
  FAMILY_OR_SKIP(dir, "mistral");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  for (const auto& r : records(dir, "encode"))
    EXPECT_EQ(tok.encode(r["text"].get<std::string>(), r["add_special_tokens"].get<bool>()),
              r["ids"].get<std::vector<int32_t>>())
        << r["id"];
}


}  // namespace
