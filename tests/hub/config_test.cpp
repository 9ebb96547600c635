// config.json: typed view with transformers 4.47 defaults per family, write-back of every key,
// and errors that name the file and the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/hub/config.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

ModelConfig parse(const std::string& text) { return ModelConfig::from_json(json::parse(text), "cfg/config.json"); }

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConfigFixtures, LlamaTypedView) {
  AM_REQUIRE_FIXTURES(root);
  const auto c = ModelConfig::load(root / "models" / "llama" / "config.json");
  EXPECT_THAT(c.architectures, ElementsAre("LlamaForCausalLM"));
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.intermediate_size, 128);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.max_position_embeddings, 256);
  EXPECT_DOUBLE_EQ(c.norm_eps(), 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 50000.0);
  EXPECT_FALSE(c.rope_scaling.has_value());
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.dtype(), DType::F32);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_THAT(c.eos_token_id, ElementsAre(2));
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_EQ(c.hidden_act, "silu");
}

TEST(ConfigFixtures, Llama3RopeScaling) {
  AM_REQUIRE_FIXTURES(root);
  const auto c = ModelConfig::load(root / "models" / "llama3_rope");
  ASSERT_TRUE(c.rope_scaling.has_value());
  EXPECT_EQ(c.rope_scaling->rope_type, "llama3");
  EXPECT_EQ(c.rope_scaling->factor, 8.0);
  EXPECT_EQ(c.rope_scaling->low_freq_factor, 1.0);
  EXPECT_EQ(c.rope_scaling->high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 64);
  EXPECT_TRUE(c.tie_word_embeddings);
}

TEST(ConfigFixtures, FamilyKeyNames) {
  AM_REQUIRE_FIXTURES(root);
  const auto gpt2 = ModelConfig::load(root / "models" / "gpt2");
  EXPECT_EQ(gpt2.hidden_size, 64);             // n_embd
  EXPECT_EQ(gpt2.num_hidden_layers, 2);        // n_layer
  EXPECT_EQ(gpt2.num_attention_heads, 4);      // n_head
  EXPECT_EQ(gpt2.intermediate_size, 128);      // n_inner
  EXPECT_EQ(gpt2.max_position_embeddings, 256);  // n_positions
  EXPECT_EQ(gpt2.layer_norm_eps, 1e-5);        // layer_norm_epsilon
  EXPECT_EQ(gpt2.hidden_act, "gelu_new");      // activation_function
  EXPECT_TRUE(gpt2.tie_word_embeddings);       // PretrainedConfig default
  const auto tiny = ModelConfig::load(root / "models" / "tiny_gpt2_bpe");
  EXPECT_EQ(tiny.intermediate_size, 4 * 16);   // n_inner: null
  const auto distil = ModelConfig::load(root / "models" / "distilbert_seqcls");
  EXPECT_EQ(distil.hidden_size, 64);
  EXPECT_EQ(distil.num_hidden_layers, 2);
  EXPECT_EQ(distil.num_attention_heads, 4);
  EXPECT_EQ(distil.intermediate_size, 128);
  EXPECT_EQ(distil.hidden_act, "gelu");
  EXPECT_EQ(distil.layer_norm_eps, 1e-12);
  const auto neox = ModelConfig::load(root / "models" / "gpt_neox");
  EXPECT_EQ(neox.partial_rotary_factor, 0.25);
  EXPECT_EQ(neox.rope_theta, 10000.0);
  EXPECT_TRUE(neox.use_parallel_residual);
  const auto gemma2 = ModelConfig::load(root / "models" / "gemma2");
  EXPECT_EQ(gemma2.hidden_act, "gelu_pytorch_tanh");  // hidden_activation
  EXPECT_EQ(gemma2.attn_logit_softcapping, 5.0);
  EXPECT_EQ(gemma2.final_logit_softcapping, 4.0);
  EXPECT_EQ(gemma2.query_pre_attn_scalar, 32.0);
  EXPECT_EQ(gemma2.sliding_window, 8);
  const auto mixtral = ModelConfig::load(root / "models" / "mixtral");
  EXPECT_EQ(mixtral.num_local_experts, 4);
  EXPECT_EQ(mixtral.num_experts_per_tok, 2);
  EXPECT_FALSE(mixtral.sliding_window.has_value());
  const auto stablelm = ModelConfig::load(root / "models" / "stablelm");
  EXPECT_TRUE(stablelm.attention_bias);  // use_qkv_bias
  EXPECT_EQ(stablelm.partial_rotary_factor, 0.25);
  const auto olmo = ModelConfig::load(root / "models" / "olmo");
  EXPECT_EQ(olmo.clip_qkv, 2.0);
  EXPECT_EQ(olmo.norm_eps(), 1e-5);
  const auto qwen2 = ModelConfig::load(root / "models" / "qwen2");
  EXPECT_TRUE(qwen2.attention_bias);
  EXPECT_EQ(qwen2.head_dim, 16);
}

// Defaults copied from transformers 4.47 configuration_<family>.py.
TEST(ConfigDefaults, PerFamily) {
  const auto llama = parse(R"({"model_type":"llama"})");
  EXPECT_EQ(llama.vocab_size, 32000);
  EXPECT_EQ(llama.hidden_size, 4096);
  EXPECT_EQ(llama.intermediate_size, 11008);
  EXPECT_EQ(llama.num_hidden_layers, 32);
  EXPECT_EQ(llama.num_key_value_heads, 32);
  EXPECT_EQ(llama.head_dim, 128);
  EXPECT_EQ(llama.max_position_embeddings, 2048);
  EXPECT_EQ(llama.rms_norm_eps, 1e-6);
  EXPECT_FALSE(llama.tie_word_embeddings);
  EXPECT_EQ(llama.bos_token_id, 1);
  EXPECT_THAT(llama.eos_token_id, ElementsAre(2));
  EXPECT_FALSE(llama.pad_token_id.has_value());

  const auto mistral = parse(R"({"model_type":"mistral"})");
  EXPECT_EQ(mistral.num_key_value_heads, 8);
  EXPECT_EQ(mistral.intermediate_size, 14336);
  EXPECT_EQ(mistral.max_position_embeddings, 131072);
  EXPECT_EQ(mistral.sliding_window, 4096);
  EXPECT_EQ(parse(R"({"model_type":"mistral","num_key_value_heads":null})").num_key_value_heads, 32);
  EXPECT_FALSE(parse(R"({"model_type":"mistral","sliding_window":null})").sliding_window.has_value());

  const auto mixtral = parse(R"({"model_type":"mixtral"})");
  EXPECT_EQ(mixtral.rope_theta, 1e6);
  EXPECT_EQ(mixtral.rms_norm_eps, 1e-5);
  EXPECT_EQ(mixtral.num_local_experts, 8);
  EXPECT_EQ(mixtral.num_experts_per_tok, 2);

  const auto qwen2 = parse(R"({"model_type":"qwen2"})");
  EXPECT_EQ(qwen2.vocab_size, 151936);
  EXPECT_EQ(qwen2.intermediate_size, 22016);
  EXPECT_EQ(qwen2.max_position_embeddings, 32768);
  EXPECT_FALSE(qwen2.sliding_window.has_value());  // use_sliding_window is false
  EXPECT_EQ(parse(R"({"model_type":"qwen2","use_sliding_window":true})").sliding_window, 4096);
  EXPECT_FALSE(qwen2.bos_token_id.has_value());

  const auto gemma = parse(R"({"model_type":"gemma"})");
  EXPECT_EQ(gemma.vocab_size, 256000);
  EXPECT_EQ(gemma.head_dim, 256);
  EXPECT_EQ(gemma.num_key_value_heads, 16);
  EXPECT_TRUE(gemma.tie_word_embeddings);
  EXPECT_EQ(gemma.bos_token_id, 2);
  EXPECT_THAT(gemma.eos_token_id, ElementsAre(1));
  EXPECT_EQ(gemma.pad_token_id, 0);
  EXPECT_EQ(gemma.hidden_act, "gelu_pytorch_tanh");

  const auto gemma2 = parse(R"({"model_type":"gemma2"})");
  EXPECT_EQ(gemma2.hidden_size, 2304);
  EXPECT_EQ(gemma2.num_key_value_heads, 4);
  EXPECT_EQ(gemma2.query_pre_attn_scalar, 256.0);
  EXPECT_EQ(gemma2.sliding_window, 4096);
  EXPECT_EQ(gemma2.final_logit_softcapping, 30.0);
  EXPECT_EQ(gemma2.attn_logit_softcapping, 50.0);

  const auto phi3 = parse(R"({"model_type":"phi3"})");
  EXPECT_EQ(phi3.vocab_size, 32064);
  EXPECT_EQ(phi3.rms_norm_eps, 1e-5);
  EXPECT_THAT(phi3.eos_token_id, ElementsAre(32000));
  EXPECT_EQ(phi3.pad_token_id, 32000);
  EXPECT_EQ(phi3.original_max_position_embeddings, 4096);

  const auto gpt2 = parse(R"({"model_type":"gpt2"})");
  EXPECT_EQ(gpt2.vocab_size, 50257);
  EXPECT_EQ(gpt2.hidden_size, 768);
  EXPECT_EQ(gpt2.intermediate_size, 3072);
  EXPECT_EQ(gpt2.max_position_embeddings, 1024);
  EXPECT_EQ(gpt2.bos_token_id, 50256);
  EXPECT_TRUE(gpt2.tie_word_embeddings);

  const auto neox = parse(R"({"model_type":"gpt_neox"})");
  EXPECT_EQ(neox.vocab_size, 50432);
  EXPECT_EQ(neox.num_hidden_layers, 44);
  EXPECT_EQ(neox.partial_rotary_factor, 0.25);
  EXPECT_FALSE(neox.tie_word_embeddings);
  EXPECT_TRUE(neox.attention_bias);

  const auto olmo = parse(R"({"model_type":"olmo"})");
  EXPECT_EQ(olmo.vocab_size, 50304);
  EXPECT_EQ(olmo.pad_token_id, 1);
  EXPECT_THAT(olmo.eos_token_id, ElementsAre(50279));
  EXPECT_FALSE(olmo.rms_norm_eps.has_value());
  EXPECT_EQ(parse(R"({"model_type":"olmo2"})").rms_norm_eps, 1e-5);

  const auto stablelm = parse(R"({"model_type":"stablelm"})");
  EXPECT_EQ(stablelm.hidden_size, 2560);
  EXPECT_EQ(stablelm.intermediate_size, 6912);
  EXPECT_EQ(stablelm.partial_rotary_factor, 0.25);
  EXPECT_EQ(stablelm.layer_norm_eps, 1e-5);

  const auto bert = parse(R"({"model_type":"bert"})");
  EXPECT_EQ(bert.vocab_size, 30522);
  EXPECT_EQ(bert.layer_norm_eps, 1e-12);
  EXPECT_EQ(bert.type_vocab_size, 2);
  EXPECT_EQ(bert.pad_token_id, 0);
  const auto roberta = parse(R"({"model_type":"roberta"})");
  EXPECT_EQ(roberta.vocab_size, 50265);
  EXPECT_EQ(roberta.pad_token_id, 1);
  const auto distil = parse(R"({"model_type":"distilbert"})");
  EXPECT_EQ(distil.hidden_size, 768);
  EXPECT_EQ(distil.num_hidden_layers, 6);
  EXPECT_EQ(distil.intermediate_size, 3072);
}

TEST(ConfigDefaults, TokenIdLists) {
  const auto c = parse(R"({"model_type":"llama","eos_token_id":[128001,128008,128009],"bos_token_id":null})");
  EXPECT_THAT(c.eos_token_id, ElementsAre(128001, 128008, 128009));
  EXPECT_FALSE(c.bos_token_id.has_value());
}

TEST(ConfigDefaults, UnknownFamilyUsesCommonKeys) {
  const auto c = parse(R"({"model_type":"newthing","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,
                           "num_attention_heads":2,"rms_norm_eps":1e-6})");
  EXPECT_FALSE(c.known_family());
  EXPECT_EQ(c.head_dim, 4);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.norm_eps(), 1e-6);
}

TEST(ConfigWriteBack, UnknownKeysSurviveAndChangesUseFamilyKeys) {
  auto c = parse(R"({"model_type":"gpt2","n_embd":64,"n_head":4,"my_custom":{"x":[1,2]},"n_inner":null})");
  EXPECT_EQ(c.to_json(), c.raw);
  c.hidden_size = 128;
  c.num_key_value_heads = 4;  // unchanged: computed from n_head
  const json out = c.to_json();
  EXPECT_EQ(out["n_embd"], 128);
  EXPECT_FALSE(out.contains("hidden_size"));
  EXPECT_EQ(out["my_custom"], json::parse(R"({"x":[1,2]})"));
  // intermediate_size was derived (n_inner null) but is still 256 in the typed view; the saved
  // file must reload to the same view, so n_inner is written rather than re-derived as 4 * 128.
  EXPECT_EQ(out["n_inner"], 256);
  EXPECT_EQ(ModelConfig::from_json(out).intermediate_size, 256);
}

TEST(ConfigWriteBack, AbsentKeysAreAddedOnlyWhenTheyChange) {
  auto c = parse(R"({"model_type":"llama","hidden_size":64,"num_attention_heads":4})");
  EXPECT_EQ(c.to_json().size(), 3u);
  c.num_key_value_heads = 2;  // differs from the derived value (= heads)
  c.eos_token_id = {5, 6};
  c.rope_theta = 500000.0;
  const json out = c.to_json();
  EXPECT_EQ(out["num_key_value_heads"], 2);
  EXPECT_EQ(out["eos_token_id"], json::parse("[5,6]"));
  EXPECT_EQ(out["rope_theta"], 500000.0);
  const auto back = ModelConfig::from_json(out);
  EXPECT_EQ(back.num_key_value_heads, 2);
  EXPECT_THAT(back.eos_token_id, ElementsAre(5, 6));
}

TEST(ConfigWriteBack, DerivedValuesFollowTheirInputs) {
  // head_dim was derived; changing the head count must not leave a stale head_dim behind.
  auto c = parse(R"({"model_type":"llama","hidden_size":64,"num_attention_heads":4})");
  c.num_attention_heads = 8;
  c.num_key_value_heads = 8;
  c.head_dim = 8;
  const auto back = ModelConfig::from_json(c.to_json());
  EXPECT_EQ(back.head_dim, 8);
  EXPECT_EQ(back.num_key_value_heads, 8);
  EXPECT_FALSE(c.to_json().contains("head_dim"));  // still derivable
}

TEST(ConfigWriteBack, RopeScalingEdits) {
  auto c = parse(R"({"model_type":"llama","rope_scaling":{"type":"linear","factor":2,"extra":"kept"}})");
  EXPECT_EQ(c.rope_scaling->rope_type, "linear");
  EXPECT_EQ(c.to_json(), c.raw);
  c.rope_scaling->factor = 4.0;
  const json out = c.to_json();
  EXPECT_EQ(out["rope_scaling"]["factor"], 4.0);
  EXPECT_EQ(out["rope_scaling"]["type"], "linear");
  EXPECT_EQ(out["rope_scaling"]["extra"], "kept");
  c.rope_scaling.reset();
  EXPECT_TRUE(c.to_json()["rope_scaling"].is_null());
}

TEST(ConfigWriteBack, RopeScalingOddButValidFormsRoundTrip) {
  for (const char* text :
       {R"({"model_type":"llama","rope_scaling":{"rope_type":null,"type":"linear","factor":2}})",
        R"({"model_type":"phi3","rope_scaling":{"type":"longrope","short_factor":[],"long_factor":[1,2],"factor":null}})",
        R"({"model_type":"qwen2","rope_scaling":{"rope_type":"yarn","factor":4,"original_max_position_embeddings":32768}})"}) {
    const auto c = parse(text);
    EXPECT_EQ(c.to_json(), c.raw) << text;
  }
}

TEST(ConfigWriteBack, FixedFamilyPropertiesCannotBeSaved) {
  auto c = parse(R"({"model_type":"qwen2"})");
  c.attention_bias = false;
  EXPECT_THAT([&] { c.to_json(); }, ThrowsMessage<Error>(HasSubstr("attention_bias (qwen2 always has q/k/v biases) is fixed")));
}

TEST(ConfigWriteBack, SaveWritesSortedJsonThatReloads) {
  const auto dir = testing::scratch_dir("config_save");
  auto c = parse(R"({"model_type":"llama","zeta":1,"alpha":2,"hidden_size":64,"num_attention_heads":4})");
  c.vocab_size = 99;
  c.save(dir);
  std::ifstream f(dir / "config.json");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_LT(text.find("\"alpha\""), text.find("\"zeta\""));
  EXPECT_EQ(text.back(), '\n');
  const auto back = ModelConfig::load(dir);
  EXPECT_EQ(back.vocab_size, 99);
  EXPECT_EQ(back.raw["zeta"], 1);
}

TEST(ConfigErrors, MissingModelType) {
  EXPECT_THAT(parse_error(R"({"hidden_size":64})"), HasSubstr("cfg/config.json: missing required key 'model_type'"));
}

TEST(ConfigErrors, NotAnObject) {
  EXPECT_THAT(parse_error("[1]"), HasSubstr("cfg/config.json: expected a JSON object, found array"));
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_THAT(parse_error(R"({"model_type":"llama","hidden_size":"64"})"),
              HasSubstr("cfg/config.json: 'hidden_size' must be an integer, found string \"64\""));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","hidden_size":64.5})"),
              HasSubstr("'hidden_size' must be an integer, found number 64.5"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","tie_word_embeddings":"yes"})"),
              HasSubstr("'tie_word_embeddings' must be a boolean, found string"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","rope_theta":[1]})"), HasSubstr("'rope_theta' must be a number, found array"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","eos_token_id":[1,"2"]})"),
              HasSubstr("'eos_token_id' must be an integer or a list of integers"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","architectures":[1]})"), HasSubstr("'architectures' must be a list of strings"));
  EXPECT_THAT(parse_error(R"({"model_type":"gpt2","n_embd":"x"})"), HasSubstr("'n_embd' must be an integer"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","hidden_size":null})"),
              HasSubstr("'hidden_size' must be an integer, found null"));
  EXPECT_THAT(parse_error(R"({"model_type":7})"), HasSubstr("'model_type' must be a string, found integer"));
  // An integral float is accepted as an integer, as Python's int() users write it.
  EXPECT_EQ(parse(R"({"model_type":"llama","hidden_size":64.0,"num_attention_heads":4})").hidden_size, 64);
}

TEST(ConfigErrors, MissingRequiredKeyOfUnknownFamily) {
  EXPECT_THAT(parse_error(R"({"model_type":"newthing","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2})"),
              HasSubstr("cfg/config.json: missing required key 'vocab_size'"));
}

TEST(ConfigErrors, ImpossibleValues) {
  EXPECT_THAT(parse_error(R"({"model_type":"llama","num_attention_heads":0})"),
              HasSubstr("'num_attention_heads' must be positive, found 0"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","num_attention_heads":4,"num_key_value_heads":3,"hidden_size":64})"),
              HasSubstr("num_attention_heads (4) must be a multiple of num_key_value_heads (3)"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","vocab_size":-1})"), HasSubstr("vocab_size must be positive, found -1"));
}

TEST(ConfigErrors, BadRopeScaling) {
  EXPECT_THAT(parse_error(R"({"model_type":"llama","rope_scaling":"linear"})"),
              HasSubstr("cfg/config.json: rope_scaling must be an object or null, found string"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","rope_scaling":{"factor":2}})"),
              HasSubstr("rope_scaling: missing 'rope_type' (or the legacy 'type')"));
  EXPECT_THAT(parse_error(R"({"model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":"8"}})"),
              HasSubstr("rope_scaling: 'factor' must be a number, found string"));
}

TEST(ConfigErrors, FileErrorsNameTheFile) {
  const auto dir = testing::scratch_dir("config_files");
  std::ofstream(dir / "config.json") << "{\"model_type\": ";
  EXPECT_THAT([&] { ModelConfig::load(dir); }, ThrowsMessage<Error>(HasSubstr((dir / "config.json").string() + ": invalid JSON")));
  EXPECT_THAT([&] { ModelConfig::load(dir / "nope"); }, ThrowsMessage<Error>(HasSubstr("cannot open")));
  // A number too large for a double is an out_of_range error in nlohmann, not a parse_error
  // (found by config_fuzz); it must still come back as our Error naming the file.
  std::ofstream(dir / "config.json") << "{\"model_type\": \"llama\", \"x\": 1e999}";
  EXPECT_THAT([&] { ModelConfig::load(dir); },
              ThrowsMessage<Error>(HasSubstr((dir / "config.json").string() + ": invalid JSON: number overflow")));
}

}  // namespace
}  // namespace automodel
