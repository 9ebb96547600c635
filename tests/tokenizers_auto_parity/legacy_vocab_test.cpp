// Legacy vocabulary files (vocab.json + merges.txt, vocab.txt) converted the way
// transformers' convert_slow_tokenizer does must tokenize like the family's tokenizer.json:
// the fixture encode goldens (ids, tokens) and decodes of gpt2, roberta-base and
// bert-base-uncased, loaded from a folder that has only the legacy files.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

void check_family(const fs::path& root, const std::string& family, const std::vector<std::string>& files,
                  const json& config_json = nullptr) {
  const fs::path src = root / "tokenizers" / family;
  if (!fs::exists(src / "cases.jsonl")) GTEST_SKIP() << family << " fixture absent";
  const fs::path dir = automodel::testing::scratch_dir("legacy-" + family);
  for (const auto& f : files) fs::copy_file(src / f, dir / f);
  if (!config_json.is_null()) std::ofstream(dir / "config.json") << config_json.dump();
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto reference = AutoTokenizer::from_pretrained(src.string());
  EXPECT_EQ(tok.size(), reference.size());
  std::ifstream in(src / "cases.jsonl");
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    const std::string kind = r.value("kind", "");
    const std::string where = family + " " + kind + " " + r.value("id", "");
    if (kind == "encode") {
      CallOptions o;
      o.add_special_tokens = r["add_special_tokens"].get<bool>();
      auto e = tok(r["text"].get<std::string>(), o);
      EXPECT_EQ(json(e.input_ids[0]), r["ids"]) << where;
      EXPECT_EQ(json(tok.convert_ids_to_tokens(e.input_ids[0])), r["tokens"]) << where;
      ++n;
    } else if (kind == "decode") {
      const auto ids = r["ids"].get<std::vector<int32_t>>();
      EXPECT_EQ(tok.decode(ids, {false, false}), r["text"].get<std::string>()) << where;
      EXPECT_EQ(tok.decode(ids, {true, false}), r["text_skip_special"].get<std::string>()) << where;
      ++n;
    }
  }
  EXPECT_GT(n, 0u);
}

TEST(LegacyVocabFiles, Gpt2VocabJsonAndMerges) {
  AM_REQUIRE_FIXTURES(root);
  check_family(root, "gpt2", {"vocab.json", "merges.txt", "tokenizer_config.json", "config.json"});
}

TEST(LegacyVocabFiles, RobertaVocabJsonAndMerges) {
  AM_REQUIRE_FIXTURES(root);
  // The fixture folder has no config.json; the Hub repo's says model_type "roberta", which is
  // how transformers picks RobertaTokenizer(Fast) for these files.
  check_family(root, "roberta-base", {"vocab.json", "merges.txt", "tokenizer_config.json"}, {{"model_type", "roberta"}});
}

TEST(LegacyVocabFiles, BertVocabTxt) {
  AM_REQUIRE_FIXTURES(root);
  check_family(root, "bert-base-uncased", {"vocab.txt", "tokenizer_config.json"}, {{"model_type", "bert"}});
}

}  // namespace
