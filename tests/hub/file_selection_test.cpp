// Which repo files a load fetches, and how the Hub's repo-info answer is validated.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "automodel/core/error.h"
#include "fixtures.h"
#include "hub/file_selection.h"
#include "hub/repo_info.h"

namespace automodel::hub_detail {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FileSelection, PatternsDoNotCrossFolders) {
  EXPECT_TRUE(matches_pattern("*.safetensors", "model.safetensors"));
  EXPECT_FALSE(matches_pattern("*.safetensors", "onnx/model.safetensors"));
  EXPECT_TRUE(matches_pattern("tokenizer*", "tokenizer_config.json"));
  EXPECT_TRUE(matches_pattern("sub/*.json", "sub/a.json"));
  EXPECT_FALSE(matches_pattern("config.json", "generation_config.json"));
}

TEST(FileSelection, SingleSafetensorsWinsOverIndexAndOthers) {
  const std::vector<std::string> repo = {"config.json", "model.safetensors", "model.safetensors.index.json",
                                         "model-00001-of-00002.safetensors", "consolidated.safetensors",
                                         "pytorch_model.bin", "README.md", "tokenizer.json", "tokenizer_config.json",
                                         "onnx/model.safetensors"};
  FilePlan plan = plan_files(repo, HubFilePatterns{});
  EXPECT_TRUE(plan.unmatched_required.empty());
  EXPECT_FALSE(plan.weights_index.has_value());
  EXPECT_TRUE(has(plan.files, "model.safetensors"));
  EXPECT_TRUE(has(plan.files, "config.json"));
  EXPECT_TRUE(has(plan.files, "tokenizer.json"));
  EXPECT_TRUE(has(plan.files, "tokenizer_config.json"));
  for (const char* no : {"model.safetensors.index.json", "model-00001-of-00002.safetensors", "consolidated.safetensors",
                         "pytorch_model.bin", "README.md", "onnx/model.safetensors"})
    EXPECT_FALSE(has(plan.files, no)) << no;
}

TEST(FileSelection, IndexSelectsOnlyItsShards) {
  const std::vector<std::string> repo = {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                                         "model-00002-of-00002.safetensors", "consolidated.safetensors"};
  FilePlan plan = plan_files(repo, HubFilePatterns{});
  ASSERT_TRUE(plan.weights_index.has_value());
  EXPECT_EQ(*plan.weights_index, "model.safetensors.index.json");
  EXPECT_TRUE(has(plan.files, "model.safetensors.index.json"));
  for (const char* no : {"model-00001-of-00002.safetensors", "consolidated.safetensors"}) EXPECT_FALSE(has(plan.files, no));

  const auto dir = automodel::testing::scratch_dir("file_selection_index");
  std::ofstream(dir / "index.json") << R"({"metadata":{"total_size":8},"weight_map":{
      "a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}})";
  auto shards = index_shards(dir / "index.json", "idx", &repo);
  EXPECT_EQ(shards, (std::vector<std::string>{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}));

  std::ofstream(dir / "missing.json") << R"({"weight_map":{"w":"model-00009-of-00009.safetensors"}})";
  EXPECT_NE(error_of([&] { index_shards(dir / "missing.json", "idx", &repo); })
                .find("weight_map['w'] names shard 'model-00009-of-00009.safetensors', which the repo does not have"),
            std::string::npos);
  std::ofstream(dir / "escape.json") << R"({"weight_map":{"w":"../../etc/passwd"}})";
  EXPECT_NE(error_of([&] { index_shards(dir / "escape.json", "idx", nullptr); }).find("not a safe relative path"),
            std::string::npos);
  std::ofstream(dir / "nomap.json") << R"({"metadata":{}})";
  EXPECT_NE(error_of([&] { index_shards(dir / "nomap.json", "idx", nullptr); }).find("missing 'weight_map'"),
            std::string::npos);
}

TEST(FileSelection, ExactNamesAreAlwaysFetchedAndWildcardsWithoutWeightsRule) {
  HubFilePatterns p;
  p.required = {"adapter_config.json", "adapter_model.safetensors"};
  p.optional = {};
  FilePlan plan = plan_files({"adapter_config.json", "adapter_model.safetensors", "model.safetensors"}, p);
  EXPECT_EQ(plan.files, (std::vector<std::string>{"adapter_config.json", "adapter_model.safetensors"}));
  // With neither model.safetensors nor an index, every top-level match is fetched.
  plan = plan_files({"config.json", "a.safetensors", "b.safetensors"}, HubFilePatterns{});
  EXPECT_TRUE(has(plan.files, "a.safetensors"));
  EXPECT_TRUE(has(plan.files, "b.safetensors"));
}

TEST(FileSelection, UnmatchedRequiredPatternsAreNamed) {
  FilePlan plan = plan_files({"config.json", "pytorch_model.bin"}, HubFilePatterns{});
  ASSERT_EQ(plan.unmatched_required, std::vector<std::string>{"*.safetensors"});
  std::string msg = error_of([&] { fail_unmatched(plan.unmatched_required, {"config.json", "pytorch_model.bin"}, "'o/n'"); });
  EXPECT_NE(msg.find("'o/n' has no file matching '*.safetensors'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("PyTorch .bin weights only"), std::string::npos) << msg;
  EXPECT_NE(msg.find("its files: config.json, pytorch_model.bin"), std::string::npos) << msg;
}

TEST(RepoInfo, ParsesShaAndSiblings) {
  RepoInfo info = parse_repo_info(
      R"({"_id":"x","id":"o/n","sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"config.json"},{"rfilename":"sub/a.json","size":3}],"extra":{}})",
      "GET u");
  EXPECT_EQ(info.commit, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(info.files, (std::vector<std::string>{"config.json", "sub/a.json"}));
}

TEST(RepoInfo, MalformedAnswersGiveClearErrors) {
  const std::string sha = "\"sha\":\"0123456789abcdef0123456789abcdef01234567\"";
  struct Case {
    std::string body, expect;
  } cases[] = {
      {"<html>rate limited</html>", "GET u: invalid JSON at line 1, column 1"},
      {"{\"sha\": \"abc\", \"siblings\": [", "GET u: invalid JSON"},
      {"[]", "expected a JSON object, found array"},
      {"{\"siblings\":[]}", "missing 'sha'"},
      {"{\"sha\":5,\"siblings\":[]}", "'sha' must be a string, found integer"},
      {"{\"sha\":\"main\",\"siblings\":[]}", "'sha' must be a 40-hex commit hash, found 'main'"},
      {"{" + sha + "}", "missing 'siblings'"},
      {"{" + sha + ",\"siblings\":{}}", "'siblings' must be an array, found object"},
      {"{" + sha + ",\"siblings\":[1]}", "siblings[0] must be an object, found integer"},
      {"{" + sha + ",\"siblings\":[{\"name\":\"a\"}]}", "siblings[0] has no 'rfilename'"},
      {"{" + sha + ",\"siblings\":[{\"rfilename\":null}]}", "siblings[0].rfilename must be a string, found null"},
      {"{" + sha + ",\"siblings\":[{\"rfilename\":\"../x\"}]}", "file name '../x' is not a safe relative path"},
      {"{" + sha + ",\"siblings\":[{\"rfilename\":\"/etc/x\"}]}", "file name '/etc/x' is not a safe relative path"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of([&] { parse_repo_info(c.body, "GET u"); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "body: " << c.body << "\nerror: " << msg;
  }
}

}  // namespace
}  // namespace automodel::hub_detail
