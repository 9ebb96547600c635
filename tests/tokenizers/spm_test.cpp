// transformers' slow LlamaTokenizer rules on the SentencePiece path (llama2-spm fixture's
// tokenizer.model), each checked with values reasoned from tokenization_llama.py /
// tokenization_utils_base.py and the fixture ids of "Hello world" (▁Hello 15043, ▁world 3186).
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "automodel/tokenizers/sentencepiece_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

constexpr int32_t kBos = 1, kEos = 2, kHello = 15043, kWorld = 3186;

// A copy of the llama2-spm folder with tokenizer_config.json keys replaced.
fs::path spm_folder(const fs::path& fixtures, const std::string& name, const json& overrides) {
  const fs::path src = fixtures / "tokenizers" / "llama2-spm";
  fs::path dir = automodel::testing::scratch_dir("spm-" + name);
  fs::copy_file(src / "tokenizer.model", dir / "tokenizer.model");
  json cfg = automodel::read_json_file(src / "tokenizer_config.json");
  for (auto& [k, v] : overrides.items()) cfg[k] = v;
  std::ofstream(dir / "tokenizer_config.json") << cfg.dump(2);
  return dir;
}

#define LLAMA2_SPM_OR_SKIP(root)                                                      \
  AM_REQUIRE_FIXTURES(root);                                                          \
  if (!fs::exists(root / "tokenizers" / "llama2-spm" / "tokenizer.model"))            \
  GTEST_SKIP() << "llama2-spm fixture absent"

TEST(SentencePieceLlama, NonLegacyTextAfterSpecialTokenHasNoDummyPrefix) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  EXPECT_FALSE(tok.is_fast());
  // The README's example: <s>hi</s> there → <s> hi </s> ▁there (tokenize adds no <s>).
  EXPECT_EQ(tok.tokenize("<s>hi</s> there"), (std::vector<std::string>{"<s>", "hi", "</s>", "▁there"}));
  // "▁" in the text means a space (legacy=false replaces it before SentencePiece).
  EXPECT_EQ(tok.encode("▁Hello▁world", false), tok.encode(" Hello world", false));
}

TEST(SentencePieceLlama, LegacyEncodesEveryPieceWithItsDummyPrefix) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained(spm_folder(root, "legacy", {{"legacy", true}}).string());
  auto tokens = tok.tokenize("<s>hi</s> there");
  ASSERT_GE(tokens.size(), 3u);
  EXPECT_EQ(tokens[0], "<s>");
  EXPECT_EQ(tokens[1], "▁hi");  // SentencePiece's own add_dummy_prefix on the piece after <s>
  EXPECT_EQ(tokens[2], "</s>");
  // Plain text is unaffected by the flag.
  EXPECT_EQ(tok.encode("Hello world"), (std::vector<int32_t>{kBos, kHello, kWorld}));
  // legacy convert_tokens_to_string puts a space in front of the text that precedes a special
  // token (out_string += " " before decoding the pending pieces).
  EXPECT_EQ(tok.decode({kHello, kEos}), " Hello</s>");
  auto non_legacy = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  EXPECT_EQ(non_legacy.decode({kHello, kEos}), "Hello</s>");
}

TEST(SentencePieceLlama, LegacyDefaultsToTrueWhenTheConfigDoesNotSay) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained(spm_folder(root, "legacy-absent", {{"legacy", nullptr}}).string());
  EXPECT_EQ(tok.tokenize("<s>hi").at(1), "▁hi");
}

TEST(SentencePieceLlama, AddBosAddEosFlags) {
  LLAMA2_SPM_OR_SKIP(root);
  auto both = AutoTokenizer::from_pretrained(
      spm_folder(root, "bos-eos", {{"add_bos_token", true}, {"add_eos_token", true}}).string());
  EXPECT_EQ(both.encode("Hello world"), (std::vector<int32_t>{kBos, kHello, kWorld, kEos}));
  CallOptions o;
  o.return_token_type_ids = true;
  o.return_special_tokens_mask = true;
  auto pair = both("Hello", "world", o);
  EXPECT_EQ(pair.input_ids[0], (std::vector<int32_t>{kBos, kHello, kEos, kBos, kWorld, kEos}));
  EXPECT_EQ((*pair.token_type_ids)[0], (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ((*pair.special_tokens_mask)[0], (std::vector<int32_t>{1, 0, 1, 1, 0, 1}));

  auto none = AutoTokenizer::from_pretrained(spm_folder(root, "no-bos", {{"add_bos_token", false}}).string());
  EXPECT_EQ(none.encode("Hello world"), (std::vector<int32_t>{kHello, kWorld}));
}

TEST(SentencePieceLlama, AddBosWithoutBosTokenIsAnError) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained(spm_folder(root, "null-bos", {{"bos_token", nullptr}}).string());
  EXPECT_THROW(tok.encode("Hello"), automodel::Error);
  EXPECT_EQ(tok.encode("Hello world", false), (std::vector<int32_t>{kHello, kWorld}));
}

TEST(SentencePieceLlama, DecodeRules) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  EXPECT_EQ(tok.decode({kBos, kHello, kWorld}), "<s> Hello world");
  EXPECT_EQ(tok.decode({kBos, kHello, kWorld}, {true, std::nullopt}), "Hello world");
  EXPECT_EQ(tok.decode({}), "");
  // Out of range ids raise (Python: IndexError: piece id is out of range.).
  try {
    tok.decode({kHello, 32000});
    FAIL() << "expected an error";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("piece id is out of range"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tok.decode({-1}), automodel::Error);
  EXPECT_THROW(tok.convert_ids_to_tokens(32000), automodel::Error);
  EXPECT_EQ(tok.convert_ids_to_tokens(kHello), "▁Hello");
  EXPECT_EQ(tok.convert_tokens_to_ids("▁Hello"), kHello);
  // Unknown tokens map to <unk> (0).
  EXPECT_EQ(tok.convert_tokens_to_ids("definitely-not-a-piece"), 0);
  // clean_up_tokenization_spaces can be forced per call.
  EXPECT_EQ(tok.decode(tok.encode("Hello , world .", false), {false, true}), "Hello, world.");
  EXPECT_EQ(tok.decode(tok.encode("Hello , world .", false)), "Hello , world .");
}

TEST(SentencePieceLlama, SpecialTokenAccessors) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  EXPECT_EQ(tok.bos_token(), "<s>");
  EXPECT_EQ(tok.eos_token_id(), kEos);
  EXPECT_EQ(tok.unk_token_id(), 0);
  EXPECT_FALSE(tok.pad_token().has_value());
  EXPECT_FALSE(tok.pad_token_id().has_value());
  EXPECT_EQ(tok.all_special_ids(), (std::vector<int32_t>{kBos, kEos, 0}));
  EXPECT_EQ(tok.vocab_size(), 32000u);
  EXPECT_EQ(tok.size(), 32000u);
  // Llama's model_input_names have no token_type_ids.
  auto e = tok("Hello world");
  EXPECT_FALSE(e.token_type_ids.has_value());
  ASSERT_TRUE(e.attention_mask.has_value());
}

TEST(SentencePieceLlama, PaddingNeedsAPadToken) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  CallOptions o;
  o.padding = PaddingMode::longest;
  try {
    tok(std::vector<std::string>{"Hello", "Hello world"}, o);
    FAIL() << "expected ValueError";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Asking to pad but the tokenizer does not have a padding token"),
              std::string::npos);
  }
  tok.set_pad_token(tok.eos_token());
  auto b = tok(std::vector<std::string>{"Hello", "Hello world"}, o);
  EXPECT_EQ(b.input_ids[0], (std::vector<int32_t>{kBos, kHello, kEos}));
  EXPECT_EQ((*b.attention_mask)[0], (std::vector<int32_t>{1, 1, 0}));
  // pad_to_multiple_of rounds the longest length (3) up to 4; left padding.
  o.pad_to_multiple_of = 4;
  o.padding_side = "left";
  b = tok(std::vector<std::string>{"Hello world"}, o);
  EXPECT_EQ(b.input_ids[0], (std::vector<int32_t>{kEos, kBos, kHello, kWorld}));
  EXPECT_EQ((*b.attention_mask)[0], (std::vector<int32_t>{0, 1, 1, 1}));
  // padding="max_length" without max_length and model_max_length 1e30: transformers does not pad.
  CallOptions m;
  m.padding = PaddingMode::max_length;
  EXPECT_EQ(tok("Hello", m).input_ids[0], (std::vector<int32_t>{kBos, kHello}));
}

TEST(SentencePieceLlama, TruncationRulesOfTheSlowPath) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  // max_length alone (no padding, truncation unset) truncates longest_first.
  CallOptions o;
  o.max_length = 2;
  EXPECT_EQ(tok("Hello world", o).input_ids[0], (std::vector<int32_t>{kBos, kHello}));
  // Overflow with stride: window = min(len, stride + removed) = 2 tokens from the cut end.
  o.truncation = TruncationMode::only_first;
  o.stride = 1;
  o.return_overflowing_tokens = true;
  auto e = tok("Hello world", o);
  EXPECT_EQ(e.input_ids[0], (std::vector<int32_t>{kBos, kHello}));
  ASSERT_TRUE(e.overflowing_tokens.has_value());
  EXPECT_EQ((*e.overflowing_tokens)[0], (std::vector<int32_t>{kHello, kWorld}));
  EXPECT_EQ((*e.num_truncated_tokens)[0], 1);
  // truncation_side left cuts the start of the text.
  o.truncation_side = "left";
  o.return_overflowing_tokens = false;
  o.stride = 0;
  EXPECT_EQ(tok("Hello world", o).input_ids[0], (std::vector<int32_t>{kBos, kWorld}));
  // longest_first on a pair cuts the longer sequence (the second one on ties), one at a time.
  CallOptions p;
  p.truncation = TruncationMode::longest_first;
  p.max_length = 4;
  EXPECT_EQ(tok("Hello world", "Hello world", p).input_ids[0], (std::vector<int32_t>{kBos, kHello, kBos, kHello}));
  p.max_length = 5;
  EXPECT_EQ(tok("Hello world", "Hello world", p).input_ids[0],
            (std::vector<int32_t>{kBos, kHello, kWorld, kBos, kHello}));
  // ...and cannot report overflowing tokens.
  p.return_overflowing_tokens = true;
  EXPECT_THROW(tok("Hello world", "Hello world", p), automodel::Error);
  // token_type_ids without special tokens are refused, offsets do not exist on the slow path.
  CallOptions t;
  t.add_special_tokens = false;
  t.return_token_type_ids = true;
  EXPECT_THROW(tok("Hello", t), automodel::Error);
  CallOptions off;
  off.return_offsets_mapping = true;
  EXPECT_THROW(tok("Hello", off), automodel::Error);
}

TEST(SentencePieceLlama, EmptySecondTextKeepsItsBos) {
  LLAMA2_SPM_OR_SKIP(root);
  auto tok = AutoTokenizer::from_pretrained((root / "tokenizers" / "llama2-spm").string());
  EXPECT_EQ(tok("Hello", "").input_ids[0], (std::vector<int32_t>{kBos, kHello, kBos}));
}

TEST(SentencePieceLlama, AddedTokenFromConfigIsSplitOutAndStripped) {
  LLAMA2_SPM_OR_SKIP(root);
  json decoder = {{"32000", {{"content", "<tool>"}, {"lstrip", true}, {"rstrip", true}, {"single_word", false},
                             {"normalized", false}, {"special", true}}}};
  auto tok = AutoTokenizer::from_pretrained(
      spm_folder(root, "added", {{"added_tokens_decoder", decoder}, {"additional_special_tokens", {"<tool>"}}}).string());
  EXPECT_EQ(tok.size(), 32001u);
  EXPECT_EQ(tok.convert_tokens_to_ids("<tool>"), 32000);
  // lstrip/rstrip eat the spaces around it; the text after it is encoded without a dummy prefix.
  auto ids = tok.encode("Hello <tool> world", false);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], kHello);
  EXPECT_EQ(ids[1], 32000);
  EXPECT_EQ(tok.convert_ids_to_tokens(ids[2]), "world");
  EXPECT_EQ(tok.decode(ids, {true, std::nullopt}), "Helloworld");
}

TEST(SentencePieceLlama, BadModelFileNamesTheFile) {
  fs::path dir = automodel::testing::scratch_dir("spm-bad");
  std::ofstream(dir / "tokenizer.model") << "not a protobuf";
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "LlamaTokenizer"})";
  try {
    AutoTokenizer::from_pretrained(dir.string());
    FAIL() << "expected an error";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.model"), std::string::npos) << e.what();
  }
}

}  // namespace
