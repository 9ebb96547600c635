// Every way a command can fail, as a script sees it: exit code 2 for usage errors (unknown flag,
// bad flag value, missing argument), 1 for run-time failures (missing model, unknown
// architecture, corrupt weights), and one line on stderr that names the cause.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/hub/json_file.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

void expect_error(const testing::CliResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("automodel: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

// A copy of a fixture model (tokenizer and all) with one file changed; fixtures stay untouched.
fs::path model_copy(const fs::path& from, const std::string& name) {
  const fs::path dir = testing::scratch_dir(name);
  for (const auto& e : fs::directory_iterator(from))
    if (e.path().filename() != "expected.json" && e.path().filename() != "expected.safetensors")
      fs::copy_file(e.path(), dir / e.path().filename());
  return dir;
}

TEST(CliErrors, MissingModelFolder) {
  const std::string missing = "/nonexistent/automodel-test/model";
  for (const auto& args : std::vector<std::vector<std::string>>{{"generate", missing, "hi"}, {"tokenize", missing, "hi"},
                                                                {"bench", missing}, {"chat", missing}, {"info", missing}}) {
    SCOPED_TRACE(args[0]);
    expect_error(run_cli(args), 1, "model folder '" + missing + "' does not exist");
  }
  expect_error(run_cli({"generate", "./no-such-model-folder", "hi"}), 1, "does not exist");
}

TEST(CliErrors, UsageErrorsExitWith2) {
  AM_REQUIRE_FIXTURES(root);
  const std::string m = (root / "models" / "tiny_gpt2_bpe").string();
  expect_error(run_cli({}), 2, "subcommand");
  expect_error(run_cli({"frobnicate"}), 2, "unknown command 'frobnicate'");
  expect_error(run_cli({"generate"}), 2, "model is required");
  expect_error(run_cli({"generate", m, "hi", "--bogus"}), 2, "--bogus");
  expect_error(run_cli({"generate", m, "hi", "--temperature", "-1"}), 2, "--temperature: must be greater than 0, found -1");
  expect_error(run_cli({"generate", m, "hi", "--temperature", "0"}), 2, "--temperature: must be greater than 0, found 0");
  expect_error(run_cli({"generate", m, "hi", "--top-p", "1.5"}), 2, "--top-p: must be in (0, 1], found 1.5");
  expect_error(run_cli({"generate", m, "hi", "--top-p", "0"}), 2, "--top-p: must be in (0, 1], found 0");
  expect_error(run_cli({"generate", m, "hi", "--min-p", "2"}), 2, "--min-p: must be in [0, 1], found 2");
  expect_error(run_cli({"generate", m, "hi", "--top-k", "-3"}), 2, "--top-k: must be at least 0, found -3");
  expect_error(run_cli({"generate", m, "hi", "--top-k", "many"}), 2, "--top-k: expected a number, found 'many'");
  expect_error(run_cli({"generate", m, "hi", "--max-new-tokens", "0"}), 2, "--max-new-tokens: must be greater than 0");
  expect_error(run_cli({"generate", m, "hi", "--num-beams", "0"}), 2, "--num-beams: must be greater than 0");
  expect_error(run_cli({"generate", m, "hi", "--repetition-penalty", "0"}), 2, "--repetition-penalty: must be greater than 0");
  expect_error(run_cli({"generate", m, "hi", "--dtype", "int3"}), 2, "--dtype");
  expect_error(run_cli({"generate", m, "hi", "--do-sample", "--greedy"}), 2, "excludes");
  expect_error(run_cli({"tokenize", m, "--decode"}), 2, "--decode");
  expect_error(run_cli({"tokenize", m, "--ids", "1,2"}), 2, "--ids");
  expect_error(run_cli({"bench", m, "--new-tokens", "0"}), 2, "--new-tokens: must be greater than 0");
  expect_error(run_cli({"info", "--markdown"}), 2, "--markdown");
}

TEST(CliErrors, RunTimeErrorsExitWith1) {
  AM_REQUIRE_FIXTURES(root);
  const std::string m = (root / "models" / "tiny_gpt2_bpe").string();
  expect_error(run_cli({"tokenize", m, "--decode", "--ids", "1,99999999"}), 1, "id 99999999 is outside the vocabulary");
  expect_error(run_cli({"generate", m, "hi", "--system", "x"}), 1, "--system and --chat-template need --chat");
  expect_error(run_cli({"generate", m, "hi", "--chat"}), 1, "chat template");
  // Sampling knobs the model's config rejects are reported by generate() itself.
  expect_error(run_cli({"generate", m, "", "--no-special-tokens"}), 1, "prompt is empty");
}

TEST(CliErrors, UnknownArchitecture) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = model_copy(root / "models" / "tiny_gpt2_bpe", "unknown_arch");
  json config = read_json_file(dir / "config.json");
  config["model_type"] = "blorp";
  config["architectures"] = {"BlorpForCausalLM"};
  std::ofstream(dir / "config.json") << config.dump(2);
  for (const auto& args : std::vector<std::vector<std::string>>{{"generate", dir.string(), "hi"}, {"bench", dir.string()}}) {
    SCOPED_TRACE(args[0]);
    const auto r = run_cli(args);
    expect_error(r, 1, "unsupported architecture 'BlorpForCausalLM'");
    EXPECT_NE(r.err.find("config.json"), std::string::npos);
    EXPECT_NE(r.err.find("LlamaForCausalLM"), std::string::npos) << "lists what is supported";
  }
  const auto info = run_cli({"info", dir.string()});
  EXPECT_EQ(info.exit_code, 0) << info.err;  // info describes any model, and says it cannot run it
  EXPECT_NE(info.out.find("no: automodel has no implementation of this architecture"), std::string::npos) << info.out;
}

TEST(CliErrors, TruncatedWeights) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = model_copy(root / "models" / "tiny_gpt2_bpe", "truncated");
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") / 2);
  for (const char* cmd : {"generate", "info", "bench"}) {
    SCOPED_TRACE(cmd);
    const auto r = run_cli({cmd, dir.string()}, "hi");
    expect_error(r, 1, "model.safetensors");
    EXPECT_NE(r.err.find("past the end"), std::string::npos) << r.err;
  }
  fs::resize_file(dir / "model.safetensors", 5);  // not even a header length
  expect_error(run_cli({"generate", dir.string(), "hi"}), 1, "model.safetensors");
}

TEST(CliErrors, NotAModelFolder) {
  const fs::path dir = testing::scratch_dir("empty_model");
  expect_error(run_cli({"generate", dir.string(), "hi"}), 1, dir.string());
}

TEST(CliHelp, EverySubcommandHasHelpAndExits0) {
  for (const char* cmd : {"generate", "chat", "tokenize", "info", "bench", "init"}) {
    SCOPED_TRACE(cmd);
    const auto r = run_cli({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
  const auto top = run_cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"generate", "chat", "tokenize", "info", "bench", "init"})
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd;
}

}  // namespace
}  // namespace automodel
