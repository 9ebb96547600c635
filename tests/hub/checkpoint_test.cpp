// Checkpoint: single files and indexed shards as one name → tensor map; every fixture model
// opens, every tensor reads, and read → write → read preserves tensors and metadata.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "automodel/core/error.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/config.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  return a.nbytes() == 0 || std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), size_t(a.nbytes())) == 0;
}

std::vector<fs::path> fixture_models(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root / "models"))
    if (e.is_directory() && fs::exists(e.path() / "config.json")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CheckpointFixtures, EveryModelOpensAndEveryTensorReads) {
  AM_REQUIRE_FIXTURES(root);
  const auto models = fixture_models(root);
  ASSERT_FALSE(models.empty());
  for (const auto& dir : models) {
    SCOPED_TRACE(dir.string());
    const auto ckpt = Checkpoint::open(dir);
    ASSERT_GT(ckpt.size(), 0u);
    EXPECT_EQ(ckpt.metadata().at("format"), "pt");
    uint64_t bytes = 0;
    for (const auto& name : ckpt.names()) {
      const Tensor t = ckpt.tensor(name);
      ASSERT_TRUE(t.defined()) << name;
      bytes += uint64_t(t.nbytes());
      // Touch every element (widened to f32): the data is readable and finite.
      const auto values = t.to(DType::F32).to_vector<float>();
      for (float v : values) ASSERT_TRUE(std::isfinite(v)) << name;
    }
    EXPECT_EQ(bytes, ckpt.total_bytes());
    if (ckpt.sharded()) {
      EXPECT_EQ(ckpt.index_metadata()["total_size"].get<uint64_t>(), bytes);
    }
    // The goldens file is safetensors too.
    if (fs::exists(dir / "expected.safetensors")) {
      const auto expected = SafetensorsFile::open(dir / "expected.safetensors");
      for (const auto& name : expected.names()) EXPECT_TRUE(expected.tensor(name).defined());
    }
  }
}

TEST(CheckpointFixtures, ReadWriteReadPreservesTensorsAndMetadata) {
  AM_REQUIRE_FIXTURES(root);
  for (const auto& dir : fixture_models(root)) {
    SCOPED_TRACE(dir.string());
    const auto ckpt = Checkpoint::open(dir);
    NamedTensors tensors;
    for (const auto& n : ckpt.names()) tensors.emplace_back(n, ckpt.tensor(n));
    std::map<std::string, std::string> user_metadata = ckpt.metadata();
    for (const uint64_t limit : {kDefaultMaxShardSize, uint64_t(40'000)}) {
      const auto out_a = testing::scratch_dir("rwr_a");
      const auto out_b = testing::scratch_dir("rwr_b");
      const auto saved = save_safetensors_sharded(out_a, tensors, limit, user_metadata);
      save_safetensors_sharded(out_b, tensors, limit, user_metadata);
      EXPECT_EQ(saved.sharded, limit != kDefaultMaxShardSize);
      const auto back = Checkpoint::open(out_a);
      ASSERT_EQ(back.size(), ckpt.size());
      EXPECT_EQ(back.metadata(), ckpt.metadata());
      for (const auto& n : ckpt.names()) EXPECT_TRUE(same_bytes(back.tensor(n), ckpt.tensor(n))) << n;
      for (const auto& f : saved.files) EXPECT_EQ(read_bytes(out_a / f), read_bytes(out_b / f)) << f;
    }
  }
}

TEST(CheckpointFixtures, ShardedLlamaEqualsLlama) {
  AM_REQUIRE_FIXTURES(root);
  const auto llama = Checkpoint::open(root / "models" / "llama");
  const auto sharded = Checkpoint::open(root / "models" / "llama_sharded");
  ASSERT_TRUE(sharded.sharded());
  EXPECT_EQ(sharded.files().size(), 11u);  // index + 10 shards
  ASSERT_EQ(sharded.size(), llama.size());
  for (const auto& n : llama.names()) EXPECT_TRUE(same_bytes(sharded.tensor(n), llama.tensor(n))) << n;
  // Opening the index file directly is the same as opening the folder.
  const auto via_index = Checkpoint::open(root / "models" / "llama_sharded" / "model.safetensors.index.json");
  EXPECT_EQ(via_index.names(), sharded.names());
}

TEST(CheckpointFixtures, EveryConfigParsesAndWritesBackUnchanged) {
  AM_REQUIRE_FIXTURES(root);
  for (const auto& dir : fixture_models(root)) {
    SCOPED_TRACE(dir.string());
    const auto cfg = ModelConfig::load(dir);
    EXPECT_TRUE(cfg.known_family()) << cfg.model_type;
    EXPECT_EQ(cfg.to_json(), cfg.raw);
    // config.json was written by transformers: our save gives the same bytes.
    const auto out = testing::scratch_dir("config_bytes");
    cfg.save(out);
    EXPECT_EQ(read_bytes(out / "config.json"), read_bytes(dir / "config.json"));
  }
}

class CheckpointErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::scratch_dir("ckpt_errors");
    NamedTensors t = {{"a", Tensor::full({8}, 1.0)}, {"b", Tensor::full({8}, 2.0)}, {"c", Tensor::full({8}, 3.0)}};
    save_safetensors_sharded(dir_, t, 40);
  }
  json index() { return read_json_file(dir_ / "model.safetensors.index.json"); }
  void write_index(const json& j) { write_json_file(dir_ / "model.safetensors.index.json", j); }
  fs::path dir_;
};

TEST_F(CheckpointErrors, MissingShardNamesATensorAndTheFile) {
  fs::remove(dir_ / "model-00002-of-00003.safetensors");
  EXPECT_THAT([&] { Checkpoint::open(dir_); },
              ThrowsMessage<Error>(HasSubstr("tensor 'b' is stored in 'model-00002-of-00003.safetensors', which is missing")));
}

TEST_F(CheckpointErrors, IndexWithoutWeightMap) {
  write_index(json{{"metadata", json::object()}});
  EXPECT_THAT([&] { Checkpoint::open(dir_); }, ThrowsMessage<Error>(HasSubstr("model.safetensors.index.json: missing \"weight_map\"")));
  write_index(json{{"weight_map", json::array()}});
  EXPECT_THAT([&] { Checkpoint::open(dir_); }, ThrowsMessage<Error>(HasSubstr("\"weight_map\" must be an object")));
}

TEST_F(CheckpointErrors, WeightMapValueNotAString) {
  auto j = index();
  j["weight_map"]["a"] = 3;
  write_index(j);
  EXPECT_THAT([&] { Checkpoint::open(dir_); }, ThrowsMessage<Error>(HasSubstr("weight_map['a'] must be a file name (string), found integer")));
}

TEST_F(CheckpointErrors, TensorNotInItsShard) {
  auto j = index();
  j["weight_map"]["a"] = "model-00003-of-00003.safetensors";
  write_index(j);
  EXPECT_THAT([&] { Checkpoint::open(dir_); },
              ThrowsMessage<Error>(HasSubstr("tensor 'a' is mapped to 'model-00003-of-00003.safetensors', but that file does not contain it")));
}

TEST_F(CheckpointErrors, ShardPathEscapingTheFolder) {
  auto j = index();
  j["weight_map"]["a"] = "../elsewhere.safetensors";
  write_index(j);
  EXPECT_THAT([&] { Checkpoint::open(dir_); }, ThrowsMessage<Error>(HasSubstr("must be a file name relative to the index's folder")));
}

TEST_F(CheckpointErrors, IndexNotJson) {
  std::ofstream(dir_ / "model.safetensors.index.json") << "{\"weight_map\": ";
  EXPECT_THAT([&] { Checkpoint::open(dir_); }, ThrowsMessage<Error>(HasSubstr("model.safetensors.index.json: invalid JSON")));
}

TEST_F(CheckpointErrors, UnknownTensorNamesTheCheckpoint) {
  const auto c = Checkpoint::open(dir_);
  EXPECT_THAT([&] { c.tensor("nope"); }, ThrowsMessage<Error>(HasSubstr("no tensor named 'nope'")));
}

TEST(CheckpointOpen, FolderWithoutWeights) {
  const auto dir = testing::scratch_dir("ckpt_empty");
  EXPECT_THAT([&] { Checkpoint::open(dir); },
              ThrowsMessage<Error>(HasSubstr("no weights found (looked for model.safetensors and model.safetensors.index.json)")));
  EXPECT_THAT([&] { Checkpoint::open(dir / "nothing"); }, ThrowsMessage<Error>(HasSubstr("no such file or folder")));
}

TEST(CheckpointOpen, PrefersModelSafetensorsOverIndexLikeTransformers) {
  const auto dir = testing::scratch_dir("ckpt_prefer");
  save_safetensors(dir / "model.safetensors", {{"single", Tensor::full({1}, 1.0)}});
  write_json_file(dir / "model.safetensors.index.json", json{{"weight_map", {{"x", "missing.safetensors"}}}});
  const auto c = Checkpoint::open(dir);
  EXPECT_FALSE(c.sharded());
  EXPECT_TRUE(c.contains("single"));
}

}  // namespace
}  // namespace automodel
