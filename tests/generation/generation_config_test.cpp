#include "automodel/generation/generation_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "automodel/core/error.h"
#include "fixtures.h"

namespace automodel {
namespace {

struct Captured {
  std::vector<std::string> messages;
  GenerationLogger logger() {
    return [this](const std::string& m) { messages.push_back(m); };
  }
};

TEST(GenerationConfig, HfDefaults) {
  GenerationConfig c;
  EXPECT_EQ(c.max_length, 20);
  EXPECT_FALSE(c.max_new_tokens);
  EXPECT_EQ(c.min_length, 0);
  EXPECT_EQ(c.early_stopping, EarlyStopping::kHeuristic);
  EXPECT_FALSE(c.do_sample);
  EXPECT_EQ(c.num_beams, 1);
  EXPECT_EQ(c.temperature, 1.0);
  EXPECT_EQ(c.top_k, 50);
  EXPECT_EQ(c.top_p, 1.0);
  EXPECT_FALSE(c.min_p);
  EXPECT_EQ(c.typical_p, 1.0);
  EXPECT_EQ(c.repetition_penalty, 1.0);
  EXPECT_EQ(c.length_penalty, 1.0);
  EXPECT_EQ(c.no_repeat_ngram_size, 0);
  EXPECT_EQ(c.num_return_sequences, 1);
  EXPECT_TRUE(c.use_cache);
  EXPECT_FALSE(c.return_dict_in_generate);
  EXPECT_EQ(c.mode(), GenerationMode::kGreedy);
  EXPECT_EQ(c.to_diff_json(), json::object());
}

TEST(GenerationConfig, Llama3StyleFileIsTheDefaultLayerAndKwargsOverride) {
  json file = json::parse(R"({"bos_token_id": 128000, "do_sample": true, "eos_token_id": [128001, 128008, 128009],
                              "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.45.0.dev0"})");
  GenerationConfig c = GenerationConfig::for_model(json::object(), file);
  EXPECT_TRUE(c.do_sample);
  EXPECT_EQ(c.temperature, 0.6);
  EXPECT_EQ(c.top_p, 0.9);
  EXPECT_EQ(*c.eos_token_id, (std::vector<int64_t>{128001, 128008, 128009}));
  EXPECT_EQ(c.mode(), GenerationMode::kSample);
  c.update(json::parse(R"({"do_sample": false, "max_new_tokens": 5, "eos_token_id": 7})"));
  EXPECT_FALSE(c.do_sample);
  EXPECT_EQ(*c.max_new_tokens, 5);
  EXPECT_EQ(*c.eos_token_id, std::vector<int64_t>{7});
  EXPECT_EQ(c.temperature, 0.6);  // kept, and ignored because do_sample is false
  EXPECT_EQ(c.to_diff_json()["eos_token_id"], json(7));
}

TEST(GenerationConfig, FromModelConfigTakesOnlyGenerationKeys) {
  json config = json::parse(R"({"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
                                "pad_token_id": 0, "hidden_size": 64, "use_cache": true, "rope_scaling": null})");
  GenerationConfig c = GenerationConfig::for_model(config, nullptr);
  EXPECT_TRUE(c.is_from_model_config);
  EXPECT_EQ(*c.bos_token_id, 1);
  EXPECT_EQ(*c.eos_token_id, std::vector<int64_t>{2});
  EXPECT_EQ(*c.pad_token_id, 0);
  EXPECT_TRUE(c.extra.empty());  // hidden_size etc. are not generation fields
}

TEST(GenerationConfig, UnknownKwargsFail) {
  GenerationConfig c;
  try {
    c.update(json::parse(R"({"max_new_tokens": 3, "temprature": 0.5})"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'temprature'"), std::string::npos) << e.what();
  }
}

TEST(GenerationConfig, UnknownFileKeysAreKept) {
  GenerationConfig c = GenerationConfig::from_json(json::parse(R"({"my_key": 3, "max_length": 30})"), "gc.json");
  EXPECT_EQ(c.max_length, 30);
  EXPECT_EQ(c.extra["my_key"], 3);
}

TEST(GenerationConfig, TypeErrorsNameTheKey) {
  try {
    GenerationConfig::from_json(json::parse(R"({"top_k": "fifty"})"), "dir/generation_config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("dir/generation_config.json"), std::string::npos) << m;
    EXPECT_NE(m.find("top_k"), std::string::npos) << m;
  }
}

TEST(GenerationConfig, ValidationErrorsLikeHf) {
  GenerationConfig c;
  EXPECT_THROW(c.update(json::parse(R"({"num_beams": 2, "num_return_sequences": 3})")), Error);
  GenerationConfig d;
  EXPECT_THROW(d.update(json::parse(R"({"num_return_sequences": 2})")), Error);  // greedy
  GenerationConfig e;
  EXPECT_THROW(e.update(json::parse(R"({"max_new_tokens": 0})")), Error);
  GenerationConfig f;
  EXPECT_THROW(f.update(json::parse(R"({"early_stopping": "sometimes"})")), Error);
  GenerationConfig g;
  g.update(json::parse(R"({"early_stopping": "never", "num_beams": 4})"));
  EXPECT_EQ(g.early_stopping, EarlyStopping::kNever);
  GenerationConfig h;
  h.update(json::parse(R"({"do_sample": true, "num_return_sequences": 3})"));  // sampling may repeat
  EXPECT_EQ(h.num_return_sequences, 3);
}

TEST(GenerationConfig, SamplingFlagsWithoutSamplingWarn) {
  Captured log;
  GenerationConfig c;
  c.update(json::parse(R"({"temperature": 0.5, "top_p": 0.8})"), log.logger());
  ASSERT_EQ(log.messages.size(), 2u);
  EXPECT_EQ(log.messages[0],
            "`do_sample` is set to `False`. However, `temperature` is set to `0.5` -- this flag is only used in "
            "sample-based generation modes. You should set `do_sample=True` or unset `temperature`.");
  Captured beam_log;
  GenerationConfig d;
  d.update(json::parse(R"({"length_penalty": 2.0})"), beam_log.logger());
  ASSERT_EQ(beam_log.messages.size(), 1u);
  EXPECT_NE(beam_log.messages[0].find("`num_beams` is set to 1. However, `length_penalty` is set to `2.0`"),
            std::string::npos)
      << beam_log.messages[0];
}

TEST(GenerationConfig, StructuredFields) {
  GenerationConfig c = GenerationConfig::from_json(
      json::parse(R"({"stop_strings": "###", "bad_words_ids": [[5], [6, 7]], "sequence_bias": [[[1, 2], -1.5]],
                      "exponential_decay_length_penalty": [4, 1.2], "forced_eos_token_id": [2, 3]})"),
      "gc.json");
  EXPECT_EQ(*c.stop_strings, std::vector<std::string>{"###"});
  EXPECT_EQ(c.bad_words_ids->size(), 2u);
  EXPECT_EQ((*c.sequence_bias)[0].second, -1.5);
  EXPECT_EQ(c.exponential_decay_length_penalty->first, 4);
  EXPECT_EQ(*c.forced_eos_token_id, (std::vector<int64_t>{2, 3}));
  EXPECT_THROW(GenerationConfig::from_json(json::parse(R"({"bad_words_ids": [5]})"), "gc.json"), Error);
  json round = c.to_json();
  GenerationConfig again = GenerationConfig::from_json(round, "round trip");
  EXPECT_EQ(again.to_json(), round);
}

// transformers' save_pretrained writes the fields that differ from GenerationConfig()'s, plus
// transformers_version: every fixture's generation_config.json is such a file, so reading it and
// writing the non-default fields gives back its keys and values.
TEST(GenerationConfig, FixtureFilesWriteBackAsTransformersWroteThem) {
  AM_REQUIRE_FIXTURES(root);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "models")) {
    const auto path = entry.path() / "generation_config.json";
    if (!std::filesystem::exists(path)) continue;
    SCOPED_TRACE(path.string());
    const json file = read_json_file(path);
    const GenerationConfig c = GenerationConfig::from_json(file, path.string());
    // Key order aside (transformers sorts them): compared as unordered JSON objects.
    EXPECT_EQ(nlohmann::json::parse(c.to_diff_json().dump()), nlohmann::json::parse(file.dump()));
    ++files;
  }
  EXPECT_GT(files, 0);
  const GenerationConfig llama =
      GenerationConfig::from_json(read_json_file(root / "models" / "llama" / "generation_config.json"), "llama");
  EXPECT_EQ(llama.bos_token_id, 1);
  EXPECT_EQ(llama.eos_token_id, std::vector<int64_t>{2});
  EXPECT_EQ(llama.pad_token_id, 0);
  EXPECT_TRUE(llama.is_from_model_config);
  EXPECT_EQ(llama.transformers_version, "4.47.1");
}

// Malformed values fail naming the file, the key, what was expected and what was found.
TEST(GenerationConfig, MalformedValuesNameFileKeyAndFoundType) {
  auto error = [](const std::string& text) -> std::string {
    try {
      GenerationConfig::from_json(json::parse(text), "m/generation_config.json");
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  using ::testing::AllOf;
  using ::testing::HasSubstr;
  EXPECT_THAT(error(R"({"temperature":"hot"})"),
              AllOf(HasSubstr("m/generation_config.json"), HasSubstr("temperature"), HasSubstr("string")));
  EXPECT_THAT(error(R"({"max_new_tokens":1.5})"), AllOf(HasSubstr("max_new_tokens"), HasSubstr("integer")));
  EXPECT_THAT(error(R"({"do_sample":1})"), AllOf(HasSubstr("do_sample"), HasSubstr("true or false"), HasSubstr("found integer")));
  EXPECT_THAT(error(R"({"early_stopping":"sometimes"})"), AllOf(HasSubstr("early_stopping"), HasSubstr("sometimes")));
  EXPECT_THAT(error(R"({"bad_words_ids":[1,2]})"), HasSubstr("bad_words_ids"));
  EXPECT_THAT(error(R"({"exponential_decay_length_penalty":[1]})"), HasSubstr("exponential_decay_length_penalty"));
  EXPECT_THAT(error("3"), AllOf(HasSubstr("m/generation_config.json"), HasSubstr("object")));
}

}  // namespace
}  // namespace automodel
