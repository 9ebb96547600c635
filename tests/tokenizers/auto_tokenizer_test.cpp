// The transformers-level rules AutoTokenizer adds on top of the tokenizer.json pipeline
// (fixtures README, "transformers-level behaviour on top of the pipeline"), each with values
// reasoned from transformers 4.47 and the raw-pipeline goldens of the fixture families.
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

TEST(CleanUpTokenizationSpaces, LiteralReplacementsInTransformersOrder) {
  EXPECT_EQ(clean_up_tokenization("Hello , world . Is it ? Yes ! I 'm sure it 's what we 've done , they 're here"),
            "Hello, world. Is it? Yes! I'm sure it's what we've done, they're here");
  EXPECT_EQ(clean_up_tokenization("do n't"), "don't");
  EXPECT_EQ(clean_up_tokenization("a ' b"), "a'b");
  // Only the listed patterns: a space before ":" or a double space stays.
  EXPECT_EQ(clean_up_tokenization("a :  b"), "a :  b");
  // " ." is replaced before " ?" etc., and each rule runs once over the whole string.
  EXPECT_EQ(clean_up_tokenization(" . . ."), "...");
}

TEST(AutoTokenizerRules, Llama3DecodeCleansUpTokenizationSpaces) {
  FAMILY_OR_SKIP(dir, "llama3");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_TRUE(tok.is_fast());
  EXPECT_TRUE(tok.clean_up_tokenization_spaces());  // tokenizer_config.json sets it
  auto ids = tok.encode("Hello , world . I 'm here", false);
  EXPECT_EQ(tok.decode(ids), "Hello, world. I'm here");
  EXPECT_EQ(tok.decode(ids, {false, false}), "Hello , world . I 'm here");
}

TEST(AutoTokenizerRules, CleanUpIsOffWhenTheConfigDoesNotSay) {
  FAMILY_OR_SKIP(dir, "gpt2");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_FALSE(tok.clean_up_tokenization_spaces());
  EXPECT_EQ(tok.decode(tok.encode("Hello , world .")), "Hello , world .");
}

TEST(AutoTokenizerRules, DeepseekGetsBosFromTheLlamaFastRebuild) {
  FAMILY_OR_SKIP(dir, "deepseek-v3");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  const auto bos = tok.bos_token_id();
  ASSERT_TRUE(bos.has_value());
  EXPECT_EQ(tok.convert_ids_to_tokens(*bos), "<｜begin▁of▁sentence｜>");
  size_t n = 0;
  for (const auto& r : records(dir, "encode")) {
    // The goldens are the raw pipeline (ByteLevel post-processor: no BOS); transformers prepends
    // BOS when add_special_tokens and changes nothing otherwise.
    std::vector<int32_t> expected = r["ids"].get<std::vector<int32_t>>();
    if (r["add_special_tokens"].get<bool>()) expected.insert(expected.begin(), *bos);
    EXPECT_EQ(tok.encode(r["text"].get<std::string>(), r["add_special_tokens"].get<bool>()), expected) << r["id"];
    ++n;
  }
  EXPECT_GT(n, 0u);
  // Pairs: [bos] A [bos] B with type ids 0 / 1.
  CallOptions o;
  o.return_token_type_ids = true;
  auto a = tok.encode("Hi", false), b = tok.encode("there", false);
  auto pair = tok("Hi", "there", o);
  std::vector<int32_t> expected{*bos};
  expected.insert(expected.end(), a.begin(), a.end());
  expected.push_back(*bos);
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(pair.input_ids[0], expected);
  std::vector<int32_t> types(1 + a.size(), 0);
  types.insert(types.end(), 1 + b.size(), 1);
  EXPECT_EQ((*pair.token_type_ids)[0], types);
}

TEST(AutoTokenizerRules, RebuildWithAddBosAndNullBosIsAValueError) {
  FAMILY_OR_SKIP(dir, "mistral");
  fs::path scratch = automodel::testing::scratch_dir("null-bos-fast");
  fs::copy_file(dir / "tokenizer.json", scratch / "tokenizer.json");
  json cfg = automodel::read_json_file(dir / "tokenizer_config.json");
  cfg["bos_token"] = nullptr;
  std::ofstream(scratch / "tokenizer_config.json") << cfg.dump();
  try {
    AutoTokenizer::from_pretrained(scratch.string());
    FAIL() << "expected ValueError";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("add_bos_token = True but bos_token = None"), std::string::npos) << e.what();
  }
  // add_eos_token adds </s> at the end of each sequence.
  cfg = automodel::read_json_file(dir / "tokenizer_config.json");
  cfg["add_eos_token"] = true;
  std::ofstream(scratch / "tokenizer_config.json") << cfg.dump();
  auto tok = AutoTokenizer::from_pretrained(scratch.string());
  auto ids = tok.encode("Hello");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), *tok.bos_token_id());
  EXPECT_EQ(ids.back(), *tok.eos_token_id());
}

TEST(AutoTokenizerRules, PadFallbackAndClassDefaults) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path base = root / "tokenizers";
  if (!fs::exists(base / "gpt2" / "tokenizer.json")) GTEST_SKIP() << "fixture families absent";
  CallOptions pad;
  pad.padding = PaddingMode::longest;
  auto gpt2 = AutoTokenizer::from_pretrained((base / "gpt2").string());
  EXPECT_FALSE(gpt2.pad_token().has_value());
  EXPECT_EQ(gpt2.eos_token(), "<|endoftext|>");  // GPT2TokenizerFast class default
  try {
    gpt2(std::vector<std::string>{"a", "b c"}, pad);
    FAIL() << "expected ValueError";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Asking to pad but the tokenizer does not have a padding token"),
              std::string::npos);
  }
  gpt2.set_pad_token(gpt2.eos_token());
  auto b = gpt2(std::vector<std::string>{"Hello", "Hello world"}, pad);
  EXPECT_EQ(b.input_ids[0].size(), b.input_ids[1].size());
  EXPECT_EQ(b.input_ids[0].back(), 50256);
  EXPECT_EQ((*b.attention_mask)[0].back(), 0);

  auto bert = AutoTokenizer::from_pretrained((base / "bert-base-uncased").string());
  EXPECT_EQ(bert.pad_token(), "[PAD]");
  EXPECT_EQ(bert.pad_token_id(), 0);
  EXPECT_EQ(bert.cls_token_id(), 101);
  EXPECT_EQ(bert.sep_token_id(), 102);
  EXPECT_EQ(bert.mask_token(), "[MASK]");
  auto roberta = AutoTokenizer::from_pretrained((base / "roberta-base").string());
  EXPECT_EQ(roberta.pad_token(), "<pad>");
  EXPECT_EQ(roberta.pad_token_id(), 1);
  EXPECT_EQ(roberta.bos_token_id(), 0);
  EXPECT_EQ(roberta.eos_token_id(), 2);
}

TEST(AutoTokenizerRules, EmptyTextPairIsDroppedOnTheFastPath) {
  FAMILY_OR_SKIP(dir, "bert-base-uncased");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto single = tok("Hello");
  auto with_empty_pair = tok("Hello", "");
  EXPECT_EQ(with_empty_pair.input_ids, single.input_ids);
  EXPECT_EQ(*with_empty_pair.token_type_ids, *single.token_type_ids);
  // The raw pipeline keeps the empty pair: [CLS] hello [SEP] [SEP] (the pp2 golden).
  for (const auto& r : records(dir, "encode_pair")) {
    if (r["id"] == "pp2") {
      EXPECT_NE(r["ids"].get<std::vector<int32_t>>(), single.input_ids[0]);
    }
  }
}

TEST(AutoTokenizerRules, TokenTypeIdsFollowModelInputNames) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path base = root / "tokenizers";
  if (!fs::exists(base / "bert-base-uncased" / "tokenizer.json")) GTEST_SKIP() << "fixture families absent";
  auto bert = AutoTokenizer::from_pretrained((base / "bert-base-uncased").string());
  auto e = bert("Hello", "world");
  ASSERT_TRUE(e.token_type_ids.has_value());
  EXPECT_EQ((*e.token_type_ids)[0].front(), 0);
  EXPECT_EQ((*e.token_type_ids)[0].back(), 1);
  auto llama3 = AutoTokenizer::from_pretrained((base / "llama3").string());
  EXPECT_FALSE(llama3("Hello").token_type_ids.has_value());
  CallOptions o;
  o.return_token_type_ids = true;
  EXPECT_TRUE(llama3("Hello", o).token_type_ids.has_value());
}

TEST(AutoTokenizerRules, ClipDecodeReplacesEndOfWordSuffix) {
  FAMILY_OR_SKIP(dir, "clip");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  auto ids = tok.encode("A photo of a cat.");
  EXPECT_EQ(tok.decode(ids, {true, std::nullopt}), "a photo of a cat .");
}

TEST(AutoTokenizerRules, TruncationAndPaddingDefaultsUseModelMaxLength) {
  FAMILY_OR_SKIP(dir, "bert-base-uncased");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_EQ(tok.model_max_length(), 512);
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  CallOptions t;
  t.truncation = TruncationMode::longest_first;
  EXPECT_EQ(tok(long_text, t).input_ids[0].size(), 512u);
  CallOptions m;
  m.padding = PaddingMode::max_length;
  auto padded = tok("short", m);
  EXPECT_EQ(padded.input_ids[0].size(), 512u);
  EXPECT_EQ(padded.input_ids[0].back(), 0);
  // pad_to_multiple_of must divide max_length when both truncation and max_length padding are on.
  CallOptions bad;
  bad.padding = PaddingMode::max_length;
  bad.truncation = TruncationMode::longest_first;
  bad.max_length = 10;
  bad.pad_to_multiple_of = 4;
  EXPECT_THROW(tok("short", bad), automodel::Error);
}

TEST(AutoTokenizerRules, OverflowingTokensBecomeRowsOnTheFastPath) {
  FAMILY_OR_SKIP(dir, "bert-base-uncased");
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  CallOptions o;
  o.truncation = TruncationMode::longest_first;
  o.max_length = 5;  // [CLS] + 3 words + [SEP]
  o.return_overflowing_tokens = true;
  auto e = tok(std::vector<std::string>{"one two three four five six seven", "one"}, o);
  ASSERT_TRUE(e.overflow_to_sample_mapping.has_value());
  EXPECT_EQ(*e.overflow_to_sample_mapping, (std::vector<size_t>{0, 0, 0, 1}));
  EXPECT_EQ(e.input_ids.size(), 4u);
  EXPECT_EQ(tok.decode(e.input_ids[1], {true, std::nullopt}), "four five six");
}

TEST(AutoTokenizerRules, MissingFolderOrFilesGiveClearErrors) {
  fs::path empty = automodel::testing::scratch_dir("no-tokenizer-files");
  try {
    AutoTokenizer::from_pretrained(empty.string());
    FAIL() << "expected an error";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no tokenizer files"), std::string::npos) << e.what();
  }
  std::ofstream(empty / "tokenizer_config.json") << "{ not json";
  std::ofstream(empty / "tokenizer.json") << "{}";
  EXPECT_THROW(AutoTokenizer::from_pretrained(empty.string()), automodel::Error);
}

}  // namespace
