// save_pretrained's folder handling: saving over an existing folder, over the folder the model
// was loaded from, a save that fails half-way, and bad options.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/models/auto_model.h"
#include "roundtrip_support.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::file_bytes;

std::vector<std::string> hidden_entries(const fs::path& parent) {
  std::vector<std::string> out;
  for (const auto& de : fs::directory_iterator(parent))
    if (de.path().filename().string().starts_with(".")) out.push_back(de.path().filename().string());
  return out;
}

fs::path first_model_with(const fs::path& root, const std::string& file) {
  for (const auto& d : testing::fixture_models(root))
    if (fs::exists(d / file) && fs::exists(d / "generation_config.json")) return d;
  return {};
}

TEST(SaveFolder, OverAnExistingFolderKeepsOtherFilesAndDropsStaleWeights) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path sharded = first_model_with(root, "model.safetensors.index.json");
  ASSERT_FALSE(sharded.empty());
  const fs::path parent = testing::scratch_dir("over-existing");
  const fs::path out = parent / "model";
  fs::copy(sharded, out);
  fs::permissions(out, fs::perms::owner_all, fs::perm_options::add);
  for (const auto& de : fs::directory_iterator(out)) fs::permissions(de.path(), fs::perms::owner_write, fs::perm_options::add);
  write_file_atomic(out / "README.md", "kept\n");
  fs::create_directories(out / "runs" / "1");
  write_file_atomic(out / "runs" / "1" / "log.txt", "kept too\n");

  auto model = AutoModelForCausalLM::from_pretrained(out.string());  // maps the shards in `out`
  const auto saved = model->save_pretrained(out);                    // 5GB: one file now
  EXPECT_FALSE(saved.weights.sharded);
  EXPECT_TRUE(fs::exists(out / "model.safetensors"));
  EXPECT_FALSE(fs::exists(out / "model.safetensors.index.json"));
  for (const auto& de : fs::directory_iterator(out))
    EXPECT_FALSE(de.path().filename().string().starts_with("model-")) << "stale shard " << de.path();
  EXPECT_EQ(file_bytes(out / "README.md"), "kept\n");
  EXPECT_EQ(file_bytes(out / "runs" / "1" / "log.txt"), "kept too\n");
  EXPECT_TRUE(hidden_entries(parent).empty()) << "staging folders left behind";

  // The model still runs on the mappings of the replaced files, and the saved folder loads.
  const Tensor ids = Tensor::from_vector(std::vector<int64_t>{3, 4, 5, 6}, {1, 4});
  const Tensor before = model->forward(ids, Tensor(), Tensor(), nullptr).logits;
  auto reloaded = AutoModelForCausalLM::from_pretrained(out.string());
  EXPECT_TRUE(testing::bit_identical(before, reloaded->forward(ids, Tensor(), Tensor(), nullptr).logits));
  fs::remove_all(parent);
}

TEST(SaveFolder, AFailedSaveLeavesTheTargetUntouched) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path src = first_model_with(root, "model.safetensors");
  ASSERT_FALSE(src.empty());
  const fs::path parent = testing::scratch_dir("failed-save");
  const fs::path out = parent / "model";
  auto model = AutoModelForCausalLM::from_pretrained(src.string());
  model->save_pretrained(out);
  const std::string weights = file_bytes(out / "model.safetensors"), config = file_bytes(out / "config.json");

  // A tensor the safetensors writer rejects fails after the staging folder exists.
  ModelToSave bad;
  bad.config = model->config_json();
  bad.architecture = "LlamaForCausalLM";
  bad.parameters = model->named_parameters();
  bad.parameters.emplace_back("__metadata__", Tensor::from_vector(std::vector<float>{1.0f}, {1}));
  EXPECT_THROW(save_pretrained_model(out, bad), Error);
  EXPECT_EQ(file_bytes(out / "model.safetensors"), weights);
  EXPECT_EQ(file_bytes(out / "config.json"), config);
  EXPECT_TRUE(hidden_entries(parent).empty()) << "staging folders left behind";

  // A new target is not created at all.
  EXPECT_THROW(save_pretrained_model(parent / "never", bad), Error);
  EXPECT_FALSE(fs::exists(parent / "never"));
  EXPECT_TRUE(hidden_entries(parent).empty());
  fs::remove_all(parent);
}

TEST(SaveFolder, OptionsAreCheckedWithClearErrors) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path src = first_model_with(root, "model.safetensors");
  auto model = AutoModelForCausalLM::from_pretrained(src.string());
  const fs::path parent = testing::scratch_dir("bad-options");
  auto message = [&](const SaveOptions& o, const fs::path& dir) -> std::string {
    try {
      model->save_pretrained(dir, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  SaveOptions o;
  o.max_shard_size = "5XB";
  EXPECT_NE(message(o, parent / "a").find("max_shard_size '5XB'"), std::string::npos);
  o = {};
  o.safe_serialization = false;
  EXPECT_NE(message(o, parent / "b").find("safe_serialization"), std::string::npos);
  o = {};
  o.dtype = DType::I32;
  EXPECT_NE(message(o, parent / "c").find("int32"), std::string::npos);
  write_file_atomic(parent / "file", "x");
  EXPECT_NE(message({}, parent / "file").find("not a folder"), std::string::npos);
  EXPECT_FALSE(fs::exists(parent / "a"));

  // The sizes transformers accepts.
  for (const char* size : {"2GB", "500MB", "50KB", "10GiB", "1000000"}) {
    o = {};
    o.max_shard_size = size;
    EXPECT_EQ(message(o, parent / "ok"), "") << size;
  }
  o.max_shard_size = "50KB";
  EXPECT_TRUE(model->save_pretrained(parent / "ok", o).weights.sharded);
  EXPECT_TRUE(fs::exists(parent / "ok" / "model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(parent / "ok" / "model.safetensors"));
  fs::remove_all(parent);
}

TEST(SaveFolder, ConfigKeepsEveryKeyAndMovesGenerationParameters) {
  const json config = {{"model_type", "llama"},
                       {"zzz_custom", {{"b", 1}, {"a", "é"}}},
                       {"max_length", 50},
                       {"do_sample", false},
                       {"architectures", {"Old"}},
                       {"torch_dtype", "float32"}};
  const json out = saved_config_json(config, "LlamaForCausalLM", DType::BF16);
  EXPECT_EQ(out["architectures"], json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(out["torch_dtype"], "bfloat16");
  EXPECT_EQ(out["transformers_version"], "4.47.1");
  EXPECT_EQ(out["zzz_custom"], config["zzz_custom"]);
  EXPECT_TRUE(out["max_length"].is_null());  // a non-default generation parameter moves
  EXPECT_EQ(out["do_sample"], false);        // a default one stays
  const json gen = saved_generation_config_json(json(), config);
  EXPECT_EQ(gen["max_length"], 50);
  EXPECT_EQ(gen["_from_model_config"], true);
  // Python's json.dumps(indent=2, sort_keys=True): sorted keys, ASCII escapes.
  EXPECT_EQ(python_json_dumps(json{{"b", 1}, {"a", "é"}}, true), "{\n  \"a\": \"\\u00e9\",\n  \"b\": 1\n}\n");
}

}  // namespace
}  // namespace automodel
