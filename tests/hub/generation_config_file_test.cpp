// generation_config.json: HF fields and defaults, unknown keys kept, errors naming the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/hub/generation_config_file.h"
#include "fixtures.h"

namespace automodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

GenerationConfigFile parse(const std::string& text) {
  return GenerationConfigFile::from_json(json::parse(text), "m/generation_config.json");
}

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(GenerationConfigFile, FixtureFile) {
  AM_REQUIRE_FIXTURES(root);
  const auto g = GenerationConfigFile::load(root / "models" / "llama");
  EXPECT_EQ(g.bos_token_id, 1);
  EXPECT_THAT(g.eos_token_id, ElementsAre(2));
  EXPECT_EQ(g.pad_token_id, 0);
  EXPECT_TRUE(g.from_model_config);
  EXPECT_EQ(g.transformers_version, "4.47.1");
  EXPECT_EQ(g.max_length, 20);
}

TEST(GenerationConfigFile, HfDefaults) {
  const auto g = parse("{}");
  EXPECT_EQ(g.max_length, 20);
  EXPECT_FALSE(g.max_new_tokens.has_value());
  EXPECT_FALSE(g.do_sample);
  EXPECT_EQ(g.num_beams, 1);
  EXPECT_EQ(g.temperature, 1.0);
  EXPECT_EQ(g.top_k, 50);
  EXPECT_EQ(g.top_p, 1.0);
  EXPECT_EQ(g.typical_p, 1.0);
  EXPECT_EQ(g.repetition_penalty, 1.0);
  EXPECT_EQ(g.length_penalty, 1.0);
  EXPECT_EQ(g.num_return_sequences, 1);
  EXPECT_EQ(g.early_stopping, "false");
  EXPECT_TRUE(g.use_cache);
  EXPECT_TRUE(g.eos_token_id.empty());
}

TEST(GenerationConfigFile, Llama3StyleFile) {
  const auto g = parse(R"({"do_sample":true,"temperature":0.6,"top_p":0.9,"eos_token_id":[128001,128008,128009],
                            "bos_token_id":128000,"early_stopping":"never","stop_strings":"###",
                            "bad_words_ids":[[1,2],[3]],"exponential_decay_length_penalty":[5,1.5],"custom":1})");
  EXPECT_TRUE(g.do_sample);
  EXPECT_EQ(g.temperature, 0.6);
  EXPECT_THAT(g.eos_token_id, ElementsAre(128001, 128008, 128009));
  EXPECT_EQ(g.early_stopping, "never");
  EXPECT_THAT(g.stop_strings, ElementsAre("###"));
  EXPECT_THAT(g.bad_words_ids, ElementsAre(ElementsAre(1, 2), ElementsAre(3)));
  EXPECT_EQ(g.exponential_decay_start, 5);
  EXPECT_EQ(g.exponential_decay_factor, 1.5);
  EXPECT_EQ(g.to_json(), g.raw);
}

TEST(GenerationConfigFile, WriteBackKeepsUnknownKeysAndAddsOnlyNonDefaults) {
  auto g = parse(R"({"custom":{"a":1},"temperature":0.7})");
  g.temperature = 0.5;
  g.max_new_tokens = 32;
  g.top_k = 50;  // the default: not added
  g.early_stopping = "true";
  const json out = g.to_json();
  EXPECT_EQ(out["custom"]["a"], 1);
  EXPECT_EQ(out["temperature"], 0.5);
  EXPECT_EQ(out["max_new_tokens"], 32);
  EXPECT_FALSE(out.contains("top_k"));
  EXPECT_EQ(out["early_stopping"], true);
  const auto back = GenerationConfigFile::from_json(out);
  EXPECT_EQ(back.max_new_tokens, 32);
  EXPECT_EQ(back.early_stopping, "true");
}

TEST(GenerationConfigFile, Errors) {
  EXPECT_THAT(parse_error(R"({"temperature":"hot"})"),
              HasSubstr("m/generation_config.json: 'temperature' must be a number, found string"));
  EXPECT_THAT(parse_error(R"({"max_new_tokens":1.5})"), HasSubstr("'max_new_tokens' must be an integer"));
  EXPECT_THAT(parse_error(R"({"do_sample":1})"), HasSubstr("'do_sample' must be a boolean, found integer"));
  EXPECT_THAT(parse_error(R"({"early_stopping":"sometimes"})"),
              HasSubstr("'early_stopping' must be true, false or \"never\", found \"sometimes\""));
  EXPECT_THAT(parse_error(R"({"bad_words_ids":[1,2]})"), HasSubstr("'bad_words_ids' must be a list of lists of integers"));
  EXPECT_THAT(parse_error(R"({"exponential_decay_length_penalty":[1]})"),
              HasSubstr("'exponential_decay_length_penalty' must be [start_index, decay_factor]"));
  EXPECT_THAT(parse_error("3"), HasSubstr("expected a JSON object, found integer"));
}

}  // namespace
}  // namespace automodel
