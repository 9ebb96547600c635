// The tokenizers of the two tiny models that ship real vocabularies (fixtures/models/
// tiny_llama_spm: SentencePiece slow LlamaTokenizer; tiny_gpt2_bpe: GPT-2 byte-level BPE):
// AutoTokenizer::from_pretrained(model folder) must reproduce the prompt tokenization
// (single prompts and a left-padded batch with pad = eos) and the three decodes recorded in
// expected.json by transformers 4.47.
#include <gtest/gtest.h>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

void check_model(const fs::path& dir) {
  const json expected = automodel::read_json_file(dir / "expected.json");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  const std::optional<std::string> original_pad = tok.pad_token();
  size_t cases = 0;
  for (const json& c : expected["cases"]) {
    const std::string where = dir.filename().string() + " " + c.value("name", "?");
    ASSERT_EQ(c.value("kind", ""), "generate_text") << where << ": unknown case kind";
    const json& t = c["tokenization"];
    const auto prompts = c["prompts"].get<std::vector<std::string>>();
    CallOptions o;
    o.add_special_tokens = t["add_special_tokens"].get<bool>();
    if (t["padding"].get<bool>()) {
      o.padding = PaddingMode::longest;
      tok.set_pad_token(t["pad_token"].get<std::string>());
      EXPECT_EQ(tok.pad_token_id(), t["pad_token_id"].get<int32_t>()) << where;
      tok.set_padding_side(t["padding_side"].get<std::string>());
    }
    BatchEncoding e = tok(prompts, o);
    EXPECT_EQ(json(e.input_ids), c["input_ids"]) << where;
    ASSERT_TRUE(e.attention_mask.has_value()) << where;
    EXPECT_EQ(json(*e.attention_mask), c["attention_mask"]) << where;
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto seq = c["sequences"][i].get<std::vector<int32_t>>();
      const auto fresh = c["new_tokens"][i].get<std::vector<int32_t>>();
      EXPECT_EQ(tok.decode(fresh, {true, std::nullopt}), c["new_text"][i].get<std::string>()) << where << " row " << i;
      EXPECT_EQ(tok.decode(seq, {false, std::nullopt}), c["full_text"][i].get<std::string>()) << where << " row " << i;
      EXPECT_EQ(tok.decode(seq, {true, std::nullopt}), c["full_text_skip_special"][i].get<std::string>())
          << where << " row " << i;
    }
    tok.set_pad_token(original_pad);
    tok.set_padding_side("right");
    ++cases;
  }
  EXPECT_GT(cases, 0u) << dir;
}

TEST(TinyModelTokenizers, LlamaSentencePiece) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_llama_spm";
  if (!fs::exists(dir / "expected.json")) GTEST_SKIP() << "tiny_llama_spm absent";
  check_model(dir);
}

TEST(TinyModelTokenizers, Gpt2ByteLevelBpe) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  if (!fs::exists(dir / "expected.json")) GTEST_SKIP() << "tiny_gpt2_bpe absent";
  check_model(dir);
}

}  // namespace
