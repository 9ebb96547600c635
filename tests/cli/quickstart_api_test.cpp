// The public API as the README and docs/cpp-api.md use it (automodel.h only): the transformers
// quick-start for a left-padded batch reproduces the generate_text goldens, including the
// batch case the CLI does not cover, and the glue functions reject bad input clearly.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/automodel.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;

TEST(QuickstartApi, BatchedGenerateMatchesGoldens) {
  AM_REQUIRE_FIXTURES(root);
  for (const char* name : {"tiny_llama_spm", "tiny_gpt2_bpe"}) {
    const fs::path dir = root / "models" / name;
    std::ifstream in(dir / "expected.json");
    const json expected = json::parse(in);
    auto tok = AutoTokenizer::from_pretrained(dir.string());
    auto model = AutoModelForCausalLM::from_pretrained(dir.string());
    int batches = 0;
    for (const json& c : expected.at("cases")) {
      SCOPED_TRACE(std::string(name) + "/" + c.at("name").get<std::string>());
      ASSERT_EQ(c.at("kind"), "generate_text");
      const auto prompts = c.at("prompts").get<std::vector<std::string>>();
      const json& t = c.at("tokenization");
      CallOptions call;
      call.add_special_tokens = t.at("add_special_tokens").get<bool>();
      if (t.at("padding").get<bool>()) {
        ASSERT_EQ(t.at("padding_side"), "left");
        tok.set_padding_side("left");
        tok.set_pad_token(t.at("pad_token").get<std::string>());
        call.padding = PaddingMode::longest;
        ++batches;
      }
      const BatchEncoding inputs = tok(prompts, call);
      EXPECT_EQ(json(inputs.input_ids), c.at("input_ids"));
      ASSERT_TRUE(inputs.attention_mask);
      EXPECT_EQ(json(*inputs.attention_mask), c.at("attention_mask"));

      const GenerateOutput out = generate(*model, inputs, c.at("kwargs"));
      EXPECT_EQ(json(to_rows(out.sequences)), c.at("sequences"));
      DecodeOptions skip;
      skip.skip_special_tokens = true;
      EXPECT_EQ(json(tok.batch_decode(generated_tokens(out, inputs), skip)), c.at("new_text"));
      EXPECT_EQ(json(tok.batch_decode(to_rows(out.sequences))), c.at("full_text"));
    }
    EXPECT_EQ(batches, 1);
  }
}

TEST(QuickstartApi, GlueRejectsRaggedRowsAndNonMatrices) {
  try {
    to_tensor({{1, 2, 3}, {4}});
    FAIL() << "ragged rows must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 has 1 tokens but row 0 has 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("PaddingMode::longest"), std::string::npos) << e.what();
  }
  EXPECT_THROW(to_tensor({}), Error);
  EXPECT_THROW(to_rows(Tensor::from_vector(std::vector<int64_t>{1, 2}, {2})), Error);
  const Tensor t = to_tensor({{5, 6, 7}, {8, 9, 10}});
  EXPECT_EQ(t.dtype(), DType::I64);
  EXPECT_EQ(to_rows(t), (std::vector<std::vector<int32_t>>{{5, 6, 7}, {8, 9, 10}}));
}

// measure_generation (what `automodel bench` prints) produces exactly the requested tokens.
TEST(QuickstartApi, MeasureGenerationCountsEveryToken) {
  AM_REQUIRE_FIXTURES(root);
  auto model = AutoModelForCausalLM::from_pretrained((root / "models" / "tiny_llama_spm").string());
  const GenerationTiming t = measure_generation(*model, to_tensor({{1, 450, 7483, 310}}), 5, 1);
  EXPECT_EQ(t.prompt_tokens, 4);
  EXPECT_EQ(t.new_tokens, 5);
  EXPECT_GT(t.prefill_tokens_per_s, 0);
  EXPECT_GT(t.decode_tokens_per_s, 0);
  EXPECT_GE(t.total_s, t.ttft_s);
  EXPECT_GT(t.peak_rss_bytes, 0u);
  EXPECT_THROW(measure_generation(*model, to_tensor({{1, 2}, {3, 4}}), 5), Error);
  EXPECT_THROW(measure_generation(*model, to_tensor({{1, 2}}), 0), Error);
}

}  // namespace
}  // namespace automodel
