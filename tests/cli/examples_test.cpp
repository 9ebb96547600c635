// The examples/ programs run as a user would run them, on the fixture models: generate prints
// the golden greedy continuation, batch_classify one labelled line per text, chat reports a
// missing chat template as one error line. Skipped when examples are not built.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/hub/json_file.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;

#ifdef AUTOMODEL_EXAMPLES_DIR
testing::CliResult run_example(const std::string& name, std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), std::string(AUTOMODEL_EXAMPLES_DIR) + "/" + name);
  return testing::run_program(args, input);
}
#define AM_REQUIRE_EXAMPLES()
#else
testing::CliResult run_example(const std::string&, std::vector<std::string>, const std::string& = "") { return {}; }
#define AM_REQUIRE_EXAMPLES() GTEST_SKIP() << "examples are not built (AUTOMODEL_BUILD_EXAMPLES=OFF)"
#endif

TEST(Examples, GenerateMatchesTheGolden) {
  AM_REQUIRE_EXAMPLES();
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "models" / "tiny_gpt2_bpe";
  std::ifstream in(dir / "expected.json");
  const json c = json::parse(in).at("cases").at(0);
  ASSERT_EQ(c.at("kind"), "generate_text");
  const auto r = run_example("generate", {dir.string(), c.at("prompts")[0].get<std::string>(),
                                          std::to_string(c.at("kwargs").at("max_new_tokens").get<int>())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, c.at("new_text")[0].get<std::string>() + "\n");
}

TEST(Examples, BatchClassifyLabelsEveryText) {
  AM_REQUIRE_EXAMPLES();
  AM_REQUIRE_FIXTURES(root);
  // A causal-LM checkpoint loads as LlamaForSequenceClassification with a new (seeded) head.
  const auto r = run_example("batch_classify", {(root / "models" / "tiny_llama_spm").string(), "great movie",
                                                "awful plot, long and boring", "ok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  for (const char* text : {"great movie", "awful plot, long and boring", "ok"})
    EXPECT_NE(r.out.find(std::string("%  ") + text + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LABEL_"), std::string::npos) << r.out;
}

TEST(Examples, ChatWithoutATemplateFailsWithOneLine) {
  AM_REQUIRE_EXAMPLES();
  AM_REQUIRE_FIXTURES(root);
  const auto r = run_example("chat", {(root / "models" / "tiny_gpt2_bpe").string()}, "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chat_template"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace automodel
