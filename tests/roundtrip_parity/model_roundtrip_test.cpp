// save_pretrained round trips over every fixture model (discovered), checked against the files
// transformers 4.47 wrote:
//  * load → save → load: the same tensors bit for bit, config.json / generation_config.json /
//    model.safetensors byte-identical to the HF-written originals, identical forward logits;
//  * dtype variants (MANIFEST `weights_from` + `dtype`): saving the source model in that dtype
//    reproduces HF's rounded checkpoint byte for byte (torch's round-to-nearest-even);
//  * sharded variants: saving with the shard size the notes give reproduces HF's index and
//    shards byte for byte; loading the shards and saving unsharded gives the source's file.
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <set>

#include "automodel/hub/save_pretrained.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/sequence_classification.h"
#include "roundtrip_support.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::bit_identical;
using testing::file_bytes;

FromPretrainedOptions auto_dtype() {
  FromPretrainedOptions o;
  o.torch_dtype = "auto";  // keep the checkpoint's dtype: a load/save round trip converts nothing
  return o;
}

Tensor logits_of(CausalLM& m) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 12; ++i) ids.push_back((3 + 37 * i) % m.vocab_size());
  return m.forward(Tensor::from_vector(ids, {2, 6}), Tensor(), Tensor(), nullptr).logits;
}

std::string kind_of(const fs::path& dir) {
  if (!fs::exists(dir / "expected.json")) return "causal_lm";
  return read_json_file(dir / "expected.json").value("kind", std::string("causal_lm"));
}

json manifest_entry(const fs::path& root, const std::string& name) {
  const json m = read_json_file(root / "models" / "MANIFEST.json");
  for (const auto& e : m["models"])
    if (e.value("name", std::string()) == name) return e;
  return json();
}

void expect_same_file(const fs::path& a, const fs::path& b) {
  ASSERT_TRUE(fs::exists(a)) << a;
  ASSERT_TRUE(fs::exists(b)) << b;
  EXPECT_TRUE(file_bytes(a) == file_bytes(b)) << a << " differs from " << b;
}

// The weight files of a saved folder.
std::set<std::string> weight_files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& de : fs::directory_iterator(dir)) {
    const std::string n = de.path().filename().string();
    if (n.starts_with("model") && (n.ends_with(".safetensors") || n.ends_with(".safetensors.index.json")))
      out.insert(n);
  }
  return out;
}

TEST(ModelRoundTrip, EveryFixtureModelLoadSaveLoad) {
  AM_REQUIRE_FIXTURES(root);
  const auto models = testing::fixture_models(root);
  ASSERT_FALSE(models.empty());
  int causal = 0, seq_cls = 0;
  for (const auto& dir : models) {
    SCOPED_TRACE(dir.filename().string());
    const std::string kind = kind_of(dir);
    const fs::path out = testing::scratch_dir("rt-" + dir.filename().string());
    const Checkpoint original = Checkpoint::open(dir);
    if (kind == "causal_lm") {
      ++causal;
      auto model = AutoModelForCausalLM::from_pretrained(dir.string(), auto_dtype());
      const SavedModel saved = model->save_pretrained(out);
      EXPECT_EQ(saved.folder, fs::weakly_canonical(out));
      testing::expect_same_checkpoint(original, Checkpoint::open(out), dir.filename().string());
      expect_same_file(dir / "config.json", out / "config.json");
      if (fs::exists(dir / "generation_config.json"))
        expect_same_file(dir / "generation_config.json", out / "generation_config.json");
      if (!original.sharded()) expect_same_file(dir / "model.safetensors", out / "model.safetensors");
      auto reloaded = AutoModelForCausalLM::from_pretrained(out.string(), auto_dtype());
      EXPECT_TRUE(bit_identical(logits_of(*model), logits_of(*reloaded))) << "forward logits after the round trip";
    } else if (kind == "seq_cls") {
      ++seq_cls;
      auto model = AutoModelForSequenceClassification::from_pretrained(dir.string(), auto_dtype());
      ModelToSave m;
      m.config = model->config_json();
      m.generative = false;
      m.architecture = model->architecture();
      m.dtype = model->compute_dtype();
      m.parameters = model->named_parameters();
      save_pretrained_model(out, m);
      testing::expect_same_checkpoint(original, Checkpoint::open(out), dir.filename().string());
      expect_same_file(dir / "config.json", out / "config.json");
      expect_same_file(dir / "model.safetensors", out / "model.safetensors");
      EXPECT_FALSE(fs::exists(out / "generation_config.json"));
      auto reloaded = AutoModelForSequenceClassification::from_pretrained(out.string(), auto_dtype());
      const Tensor ids = Tensor::from_vector(std::vector<int64_t>{3, 17, 42, 100, 7, 255, 9, 11}, {2, 4});
      EXPECT_TRUE(bit_identical(model->forward(ids), reloaded->forward(ids))) << "pooled logits after the round trip";
    } else {
      ADD_FAILURE() << dir << ": unknown model kind '" << kind << "'";
    }
    fs::remove_all(out);
  }
  EXPECT_GT(causal, 0);
  std::cout << "round-tripped " << causal << " causal LMs, " << seq_cls << " seq-cls checkpoints\n";
}

// Fixtures that hold another fixture's weights in another dtype or layout (MANIFEST.json
// `weights_from`): saving the source that way must give HF's files.
TEST(ModelRoundTrip, DtypeAndShardVariantsMatchTransformers) {
  AM_REQUIRE_FIXTURES(root);
  const json manifest = read_json_file(root / "models" / "MANIFEST.json");
  int checked = 0;
  for (const auto& e : manifest["models"]) {
    if (!e.contains("weights_from") || e["weights_from"].is_null()) continue;
    const std::string name = e["name"].get<std::string>(), from = e["weights_from"].get<std::string>();
    SCOPED_TRACE(name + " from " + from);
    const fs::path src = root / "models" / from, want = root / "models" / name;
    const json src_entry = manifest_entry(root, from);
    ASSERT_TRUE(src_entry.is_object()) << "no MANIFEST entry for " << from;
    SaveOptions opt;
    const auto dtype = dtype_from_string(e["dtype"].get<std::string>());
    ASSERT_TRUE(dtype.has_value()) << e["dtype"];
    if (*dtype != *dtype_from_string(src_entry["dtype"].get<std::string>())) opt.dtype = *dtype;
    if (e.value("sharded", false)) {
      std::smatch m;
      const std::string notes = e.value("notes", std::string());
      ASSERT_TRUE(std::regex_search(notes, m, std::regex(R"(max_shard_size=([0-9A-Za-z.]+))")))
          << "sharded fixture without max_shard_size in its notes: " << notes;
      opt.max_shard_size = m[1];
    }
    const fs::path out = testing::scratch_dir("variant-" + name);
    auto model = AutoModelForCausalLM::from_pretrained(src.string(), auto_dtype());
    model->save_pretrained(out, opt);
    EXPECT_EQ(weight_files(out), weight_files(want));
    for (const auto& f : weight_files(want)) expect_same_file(want / f, out / f);
    expect_same_file(want / "config.json", out / "config.json");
    expect_same_file(want / "generation_config.json", out / "generation_config.json");

    // And back: the variant saved in the source's layout and dtype is the source.
    const fs::path back = testing::scratch_dir("variant-back-" + name);
    SaveOptions back_opt;
    back_opt.dtype = *dtype_from_string(src_entry["dtype"].get<std::string>());
    auto variant = AutoModelForCausalLM::from_pretrained(want.string(), auto_dtype());
    variant->save_pretrained(back, back_opt);
    if (!opt.dtype) {  // same dtype, other layout: exactly the source
      expect_same_file(src / "model.safetensors", back / "model.safetensors");
      expect_same_file(src / "config.json", back / "config.json");
      EXPECT_FALSE(fs::exists(back / "model.safetensors.index.json"));
    } else {
      // Widening is exact: every value is the low-precision value (bf16: the top 16 bits of f32).
      const Checkpoint low = Checkpoint::open(want), wide = Checkpoint::open(back);
      for (const auto& n : low.names()) {
        const Tensor l = low.tensor(n), w = wide.tensor(n);
        ASSERT_EQ(w.dtype(), DType::F32) << n;
        const auto* wb = static_cast<const uint32_t*>(w.raw_data());
        if (l.dtype() == DType::BF16) {
          const auto* lb = static_cast<const uint16_t*>(l.raw_data());
          for (int64_t i = 0; i < l.numel(); ++i) ASSERT_EQ(wb[i], uint32_t(lb[i]) << 16) << n << "[" << i << "]";
        }
      }
      // ... and narrowing that again gives HF's file.
      const fs::path again = testing::scratch_dir("variant-again-" + name);
      auto wide_model = AutoModelForCausalLM::from_pretrained(back.string(), auto_dtype());
      SaveOptions narrow;
      narrow.dtype = *dtype;
      wide_model->save_pretrained(again, narrow);
      expect_same_file(want / "model.safetensors", again / "model.safetensors");
      fs::remove_all(again);
    }
    fs::remove_all(out);
    fs::remove_all(back);
    ++checked;
  }
  EXPECT_GT(checked, 0) << "MANIFEST.json lists no weights_from variants";
}

// f32 -> bf16 / f16 rounding on save, against bit patterns worked out by hand (torch's
// round-to-nearest-even, overflow to inf, NaN kept quiet).
TEST(ModelRoundTrip, SaveDtypeConversionRoundsToNearestEven) {
  const std::vector<uint32_t> f32 = {
      0x3F808000u,  // 1 + 2^-8: halfway between bf16 0x3F80 and 0x3F81 -> even 0x3F80
      0x3F818000u,  // halfway between 0x3F81 and 0x3F82 -> even 0x3F82
      0x3F80C000u,  // above half -> 0x3F81
      0x3F807FFFu,  // below half -> 0x3F80
      0x7F7FFFFFu,  // FLT_MAX -> inf
      0xFF800000u,  // -inf
      0x80000000u,  // -0
      0x7FC00000u,  // NaN
      0x00000001u,  // smallest subnormal -> +0 in f16, rounds in bf16 (0x0000)
      0x477FF000u,  // 65520 -> f16 inf
      0x477FEFFFu,  // just below 65520 -> f16 65504 (0x7BFF)
      0x3F802000u,  // 1 + 2^-10... f16: 1 + 2^-10 exactly = 0x3C01
  };
  const std::vector<uint16_t> want_bf16 = {0x3F80, 0x3F82, 0x3F81, 0x3F80, 0x7F80, 0xFF80,
                                           0x8000, 0x7FC0, 0x0000, 0x4780, 0x4780, 0x3F80};
  const std::vector<uint16_t> want_f16 = {0x3C04, 0x3C0C, 0x3C06, 0x3C04, 0x7C00, 0xFC00,
                                          0x8000, 0x7E00, 0x0000, 0x7C00, 0x7BFF, 0x3C01};
  Tensor t = Tensor::empty({int64_t(f32.size())}, DType::F32);
  std::memcpy(t.mutable_raw_data(), f32.data(), f32.size() * 4);
  for (auto [dtype, want] : {std::pair{DType::BF16, want_bf16}, std::pair{DType::F16, want_f16}}) {
    ModelToSave m;
    m.config = {{"model_type", "test"}};
    m.architecture = "TestModel";
    m.parameters = {{"w", t}};
    const fs::path out = testing::scratch_dir(std::string("rne-") + std::string(dtype_name(dtype)));
    SaveOptions opt;
    opt.dtype = dtype;
    save_pretrained_model(out, m, opt);
    const Checkpoint c = Checkpoint::open(out);
    const Tensor w = c.tensor("w");
    ASSERT_EQ(w.dtype(), dtype);
    const auto* got = static_cast<const uint16_t*>(w.raw_data());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(got[i], want[i]) << dtype_name(dtype) << " of f32 0x" << std::hex << f32[i];
    EXPECT_EQ(read_json_file(out / "config.json")["torch_dtype"], std::string(dtype_name(dtype)));
    fs::remove_all(out);
  }
}

}  // namespace
}  // namespace automodel
