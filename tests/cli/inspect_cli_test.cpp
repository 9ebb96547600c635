// tokenize, info and bench end to end on the fixture models, plus the README's coverage table
// staying equal to what the registry prints.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "automodel/automodel.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

json read_expected(const fs::path& dir) {
  std::ifstream in(dir / "expected.json");
  return json::parse(in);
}

// The prompt ids of every single-prompt golden case (transformers' tokenizer(prompt)), and
// --decode of the golden sequences gives transformers' decode texts.
TEST(TokenizeCli, IdsAndDecodeMatchGoldens) {
  AM_REQUIRE_FIXTURES(root);
  for (const char* name : {"tiny_llama_spm", "tiny_gpt2_bpe"}) {
    const fs::path dir = root / "models" / name;
    const json expected = read_expected(dir);
    int checked = 0;
    for (const json& c : expected.at("cases")) {
      SCOPED_TRACE(std::string(name) + "/" + c.at("name").get<std::string>());
      if (c.at("prompts").size() != 1) continue;
      auto r = run_cli({"tokenize", dir.string(), c.at("prompts")[0].get<std::string>(), "--json"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const json got = json::parse(r.out);
      EXPECT_EQ(got.at("ids"), c.at("input_ids")[0]);
      ASSERT_EQ(got.at("tokens").size(), got.at("ids").size());

      std::string ids;
      for (const auto& id : c.at("sequences")[0]) {
        if (!ids.empty()) ids += ',';
        ids += std::to_string(id.get<int>());
      }
      auto d = run_cli({"tokenize", dir.string(), "--decode", "--ids", ids, "--json"});
      ASSERT_EQ(d.exit_code, 0) << d.err;
      EXPECT_EQ(json::parse(d.out).at("text"), c.at("full_text")[0]);
      auto s = run_cli({"tokenize", dir.string(), "--decode", "--skip-special-tokens", "--ids", ids});
      ASSERT_EQ(s.exit_code, 0) << s.err;
      EXPECT_EQ(s.out, c.at("full_text_skip_special")[0].get<std::string>() + "\n");
      ++checked;
    }
    EXPECT_GE(checked, 6);
  }
}

// Offsets (fast tokenizers) are code-point spans of the input: for byte-level BPE with no
// special tokens added they tile the text exactly, in order.
TEST(TokenizeCli, OffsetsTileTheText) {
  AM_REQUIRE_FIXTURES(root);
  const std::u32string text = U"Café crème, 日本語 🤗 ok";
  const std::string utf8 = "Café crème, 日本語 🤗 ok";
  auto r = run_cli({"tokenize", (root / "models" / "tiny_gpt2_bpe").string(), utf8, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  ASSERT_TRUE(got.at("offsets").is_array());
  size_t pos = 0;
  for (const auto& o : got.at("offsets")) {
    const size_t b = o[0].get<size_t>(), e = o[1].get<size_t>();
    EXPECT_LE(b, pos);  // byte-level tokens of one character share its span
    EXPECT_LE(e, text.size());
    pos = std::max(pos, e);
  }
  EXPECT_EQ(pos, text.size());
  // The text form: a header line and one line per token.
  auto t = run_cli({"tokenize", (root / "models" / "tiny_gpt2_bpe").string(), "Hello world"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out, "2 tokens (offsets in code points of the text)\n0\t15496\t\"Hello\"\t0..5\n1\t995\t\"Ġworld\"\t5..11\n");
  // The SentencePiece (slow) tokenizer has no offsets, and says so.
  auto spm = run_cli({"tokenize", (root / "models" / "tiny_llama_spm").string(), "Hello", "--json"});
  ASSERT_EQ(spm.exit_code, 0) << spm.err;
  EXPECT_TRUE(json::parse(spm.out).at("offsets").is_null());
}

TEST(InfoCli, DescribesAFixtureModel) {
  AM_REQUIRE_FIXTURES(root);
  for (const char* name : {"tiny_llama_spm", "tiny_gpt2_bpe"}) {
    SCOPED_TRACE(name);
    const fs::path dir = root / "models" / name;
    const json expected = read_expected(dir);
    auto r = run_cli({"info", dir.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto has = [&](const std::string& s) { EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out; };
    has("architecture    " + expected.at("architecture").get<std::string>());
    has("supported       yes");
    // transformers' num_parameters (tied weights once), with thousands separators.
    const std::string digits = std::to_string(expected.at("num_parameters").get<int64_t>());
    std::string params;
    for (size_t i = 0; i < digits.size(); ++i) params += std::string(i > 0 && (digits.size() - i) % 3 == 0 ? "," : "") + digits[i];
    has("parameters      " + params);
    has("KV cache");
    has("model.safetensors");
  }
  auto llama = run_cli({"info", (root / "models" / "tiny_llama_spm").string()});
  EXPECT_NE(llama.out.find("tokenizer       LlamaTokenizer, slow"), std::string::npos) << llama.out;
  EXPECT_NE(llama.out.find("bos \"<s>\"=1, eos \"</s>\"=2"), std::string::npos) << llama.out;
}

// The README's model coverage table is `automodel info --supported --markdown`, verbatim.
TEST(InfoCli, ReadmeCoverageTableIsInSyncWithTheRegistry) {
  auto r = run_cli({"info", "--supported", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& type : AutoModelForCausalLM::supported_model_types())
    EXPECT_NE(r.out.find("| `" + type + "` |"), std::string::npos) << type;
  std::ifstream in(fs::path(AUTOMODEL_SOURCE_DIR) / "README.md");
  std::stringstream readme;
  readme << in.rdbuf();
  EXPECT_NE(readme.str().find(r.out), std::string::npos)
      << "README.md's coverage table differs from the registry; paste the output of "
         "`automodel info --supported --markdown`:\n"
      << r.out;
}

TEST(BenchCli, ReportsSpeedAndMemory) {
  AM_REQUIRE_FIXTURES(root);
  auto r = run_cli({"bench", (root / "models" / "tiny_gpt2_bpe").string(), "-p", "16", "-n", "4", "--json", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got.at("prompt_tokens"), 16);
  EXPECT_EQ(got.at("new_tokens"), 4);
  EXPECT_EQ(got.at("threads"), 1);
  EXPECT_GT(got.at("best").at("prefill_tokens_per_s").get<double>(), 0);
  EXPECT_GT(got.at("best").at("decode_tokens_per_s").get<double>(), 0);
  EXPECT_GT(got.at("best").at("ttft_s").get<double>(), 0);
  EXPECT_GT(got.at("peak_rss_bytes").get<double>(), 1e6);
}

// The README's main job: init writes a model (no tokenizer) that info, bench and the library read.
TEST(InitCli, InitThenInfoAndBench) {
  const fs::path dir = testing::scratch_dir("init_model") / "m";
  auto init = run_cli({"init", "--arch", "llama", dir.string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto info = run_cli({"info", dir.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("LlamaForCausalLM"), std::string::npos);
  EXPECT_NE(info.out.find("tokenizer       none"), std::string::npos) << info.out;
  auto bench = run_cli({"bench", dir.string(), "-p", "8", "-n", "3"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_NE(bench.out.find("decode"), std::string::npos);
  auto again = run_cli({"init", "--arch", "llama", dir.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
}

}  // namespace
}  // namespace automodel
