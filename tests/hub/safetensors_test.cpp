// Reading and writing safetensors: round trips, zero-copy views, the reference layout
// (byte-identical to files HF wrote), sharding like huggingface_hub, atomic writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "automodel/core/error.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/safetensors.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Tensor f32(std::vector<float> v, Shape s) { return Tensor::from_vector(v, s); }

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return a.nbytes() == 0 || std::memcmp(ca.raw_data(), cb.raw_data(), size_t(a.nbytes())) == 0;
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

TEST(Safetensors, RoundTripEveryDtype) {
  const auto dir = testing::scratch_dir("st_roundtrip");
  NamedTensors tensors = {
      {"f32", f32({1.5f, -2.f, 3.25f, 0.f, 1e-3f, 7.f}, {2, 3})},
      {"f64", Tensor::from_vector<double>({1.0, -2.5}, {2})},
      {"i64", Tensor::from_vector<int64_t>({-1, 1LL << 40, 3}, {3})},
      {"i32", Tensor::from_vector<int32_t>({-7, 9}, {1, 2})},
      {"i16", Tensor::from_vector<int16_t>({-300, 300}, {2})},
      {"i8", Tensor::from_vector<int8_t>({-1, 2, -3}, {3})},
      {"u8", Tensor::from_vector<uint8_t>({0, 255}, {2})},
      {"bool", Tensor::from_vector<bool>({true, false, true}, {3})},
      {"bf16", f32({1.f, 2.f, -0.5f}, {3}).to(DType::BF16)},
      {"f16", f32({1.f, 2.f, -0.5f, 65504.f}, {2, 2}).to(DType::F16)},
      {"scalar", f32({42.f}, {})},
      {"empty", Tensor::zeros({0, 4})},
  };
  save_safetensors(dir / "t.safetensors", tensors, {{"note", "hello"}});
  const auto f = SafetensorsFile::open(dir / "t.safetensors");
  EXPECT_EQ(f.entries().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    const Tensor back = f.tensor(name);
    EXPECT_TRUE(same_bytes(back, t));
  }
  EXPECT_EQ(f.metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"note", "hello"}}));
  EXPECT_THAT(files_in(dir), ElementsAre("t.safetensors"));  // no temporary left behind
}

TEST(Safetensors, TensorsAreZeroCopyViewsOfTheMap) {
  const auto dir = testing::scratch_dir("st_zero_copy");
  save_safetensors(dir / "t.safetensors", {{"a", f32({1, 2, 3, 4}, {2, 2})}, {"b", f32({5, 6}, {2})}});
  const auto f = SafetensorsFile::open(dir / "t.safetensors");
  const Tensor a = f.tensor("a");
  ASSERT_TRUE(a.storage()->read_only());
  ASSERT_EQ(a.storage()->file(), f.mapped_file().get());
  const auto* base = f.mapped_file()->data();
  EXPECT_EQ(static_cast<const std::byte*>(a.raw_data()), base + f.data_start() + f.entry("a").begin);
  EXPECT_THROW(Tensor(a).mutable_raw_data(), Error);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Safetensors, MisalignedTensorIsCopiedNotViewed) {
  // A valid file (reference rules) whose F32 data starts at an odd address: header length 9.
  const auto dir = testing::scratch_dir("st_misaligned");
  std::string header = R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}})";
  std::string bytes(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xff);
  const float one = 1.0f;
  bytes += header + '\x07' + std::string(reinterpret_cast<const char*>(&one), 4);
  std::ofstream(dir / "m.safetensors", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  const auto f = SafetensorsFile::open(dir / "m.safetensors");
  const Tensor w = f.tensor("w");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.raw_data()) % 4, 0u);
  EXPECT_EQ(w.item(), 1.0);
  EXPECT_EQ(f.tensor("b").item(), 7.0);
}

TEST(Safetensors, Float8IsReadAndWidened) {
  const auto dir = testing::scratch_dir("st_f8");
  Tensor e4m3 = Tensor::empty({4}, DType::F8_E4M3);
  const uint8_t e4m3_bytes[] = {0x38, 0x40, 0xB8, 0x00};  // 1, 2, -1, 0
  std::memcpy(e4m3.mutable_raw_data(), e4m3_bytes, 4);
  Tensor e5m2 = Tensor::empty({2}, DType::F8_E5M2);
  const uint8_t e5m2_bytes[] = {0x3C, 0xC0};  // 1, -2
  std::memcpy(e5m2.mutable_raw_data(), e5m2_bytes, 2);
  save_safetensors(dir / "f8.safetensors", {{"a", e4m3}, {"b", e5m2}});
  const auto f = SafetensorsFile::open(dir / "f8.safetensors");
  EXPECT_EQ(f.tensor("a").dtype(), DType::F8_E4M3);
  EXPECT_EQ(f.tensor("a").to(DType::F32).to_vector<float>(), (std::vector<float>{1, 2, -1, 0}));
  EXPECT_EQ(f.tensor("b").to(DType::F32).to_vector<float>(), (std::vector<float>{1, -2}));
  // Nothing produces float8: the error says which dtype cannot be written.
  try {
    f32({1.f}, {1}).to(DType::F8_E4M3);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("float8_e4m3fn"));
  }
}

TEST(Safetensors, LayoutFollowsReferenceDtypeThenNameOrder) {
  // The reference writer orders by dtype alignment (largest first), then by name.
  NamedTensors tensors = {
      {"z_u8", Tensor::from_vector<uint8_t>({1}, {1})},   {"b_f32", f32({1}, {1})},
      {"a_bf16", f32({1}, {1}).to(DType::BF16)},           {"c_i64", Tensor::from_vector<int64_t>({1}, {1})},
      {"a_f32", f32({1}, {1})},                            {"flag", Tensor::from_vector<bool>({true}, {1})},
      {"d_f64", Tensor::from_vector<double>({1}, {1})},    {"e_f16", f32({1}, {1}).to(DType::F16)},
      {"h_i32", Tensor::from_vector<int32_t>({1}, {1})},   {"g_i8", Tensor::from_vector<int8_t>({1}, {1})},
      {"f_i16", Tensor::from_vector<int16_t>({1}, {1})},
  };
  const std::string header = safetensors_header_bytes(tensors, {});
  std::vector<std::pair<size_t, std::string>> positions;
  for (const auto& [name, t] : tensors) positions.emplace_back(header.find("\"" + name + "\""), name);
  std::sort(positions.begin(), positions.end());
  std::vector<std::string> order;
  for (auto& p : positions) order.push_back(p.second);
  EXPECT_THAT(order, ElementsAre("c_i64", "d_f64", "a_f32", "b_f32", "h_i32", "a_bf16", "e_f16", "f_i16", "g_i8",
                                 "z_u8", "flag"));
  EXPECT_EQ((header.size() - 8) % 8, 0u);
  uint64_t declared = 0;
  for (int i = 7; i >= 0; --i) declared = (declared << 8) | uint8_t(header[i]);
  EXPECT_EQ(declared, header.size() - 8);
  EXPECT_EQ(header.back(), ' ');  // padded with spaces
  EXPECT_THAT(header, HasSubstr("{\"__metadata__\":{\"format\":\"pt\"},\"c_i64\":{\"dtype\":\"I64\",\"shape\":[1],"
                                "\"data_offsets\":[0,8]},\"d_f64\""));
}

TEST(Safetensors, WritingTwiceGivesIdenticalBytesAndInputOrderDoesNotMatter) {
  const auto dir = testing::scratch_dir("st_deterministic");
  NamedTensors tensors = {{"b", f32({1, 2, 3}, {3})}, {"a", f32({4, 5}, {2})}, {"c", f32({6}, {1}).to(DType::BF16)}};
  save_safetensors(dir / "1.safetensors", tensors);
  save_safetensors(dir / "2.safetensors", tensors);
  NamedTensors reversed(tensors.rbegin(), tensors.rend());
  save_safetensors(dir / "3.safetensors", reversed);
  EXPECT_EQ(read_bytes(dir / "1.safetensors"), read_bytes(dir / "2.safetensors"));
  EXPECT_EQ(read_bytes(dir / "1.safetensors"), read_bytes(dir / "3.safetensors"));
}

TEST(Safetensors, NonContiguousTensorsAreWrittenRowMajor) {
  const auto dir = testing::scratch_dir("st_noncontig");
  const Tensor t = f32({1, 2, 3, 4, 5, 6}, {2, 3}).transpose(0, 1);  // [3, 2]
  save_safetensors(dir / "t.safetensors", {{"t", t}});
  EXPECT_EQ(SafetensorsFile::open(dir / "t.safetensors").tensor("t").to_vector<float>(),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Safetensors, WriterRejectsBadInputAndLeavesNothing) {
  const auto dir = testing::scratch_dir("st_writer_errors");
  EXPECT_THAT([&] { save_safetensors(dir / "x.safetensors", {{"a", f32({1}, {1})}, {"a", f32({2}, {1})}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("tensor name 'a' is given more than once")));
  EXPECT_THAT([&] { save_safetensors(dir / "x.safetensors", {{"a", Tensor()}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("tensor 'a' is undefined")));
  EXPECT_THAT([&] { save_safetensors(dir / "x.safetensors", {{"__metadata__", f32({1}, {1})}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("'__metadata__' is reserved")));
  EXPECT_THAT([&] { save_safetensors(dir / "no" / "such" / "x.safetensors", {{"a", f32({1}, {1})}}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("cannot create")));
  EXPECT_TRUE(files_in(dir).empty());
}

TEST(Safetensors, ParseShardSizeLikeHuggingfaceHub) {
  EXPECT_EQ(parse_shard_size("5GB"), 5'000'000'000u);
  EXPECT_EQ(parse_shard_size("500MB"), 500'000'000u);
  EXPECT_EQ(parse_shard_size("50KB"), 50'000u);
  EXPECT_EQ(parse_shard_size("2TB"), 2'000'000'000'000u);
  EXPECT_EQ(parse_shard_size(" 1.5gb "), 1'500'000'000u);
  EXPECT_EQ(parse_shard_size("10GiB"), 10ull << 30);
  EXPECT_EQ(parse_shard_size("3MiB"), 3ull << 20);
  EXPECT_EQ(parse_shard_size("1KiB"), 1024u);
  EXPECT_EQ(parse_shard_size("12345"), 12345u);
  for (const char* bad : {"", "GB", "abc", "5XB", "-1GB", "1.2.3MB", "0KB"})
    EXPECT_THAT([&] { parse_shard_size(bad); }, ::testing::ThrowsMessage<Error>(HasSubstr("max_shard_size"))) << bad;
}

// Tensors of n floats each, named t0, t1, ... in the given order.
NamedTensors floats_of_sizes(const std::vector<int>& sizes) {
  NamedTensors out;
  for (size_t i = 0; i < sizes.size(); ++i) out.emplace_back("t" + std::to_string(i), Tensor::full({sizes[i]}, double(i)));
  return out;
}

std::vector<std::vector<std::string>> shard_contents(const fs::path& dir, const SavedCheckpoint& saved) {
  std::vector<std::vector<std::string>> out;
  for (const auto& f : saved.files) {
    auto names = SafetensorsFile::open(dir / f).names();
    std::sort(names.begin(), names.end());
    out.push_back(names);
  }
  return out;
}

TEST(SafetensorsSharding, GreedyInKeyOrderLikeHuggingfaceHub) {
  // huggingface_hub's documented example: sizes [6, 6, 2, 6, 2, 2] with limit 10 shard as
  // [6], [6+2], [6+2+2].
  const auto dir = testing::scratch_dir("shard_greedy");
  const auto saved = save_safetensors_sharded(dir, floats_of_sizes({6, 6, 2, 6, 2, 2}), 10 * 4);
  ASSERT_TRUE(saved.sharded);
  EXPECT_THAT(saved.files, ElementsAre("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                       "model-00003-of-00003.safetensors"));
  EXPECT_THAT(shard_contents(dir, saved), ElementsAre(ElementsAre("t0"), ElementsAre("t1", "t2"), ElementsAre("t3", "t4", "t5")));
  EXPECT_EQ(saved.total_size, 24u * 4);
  const json index = read_json_file(dir / "model.safetensors.index.json");
  EXPECT_EQ(index["metadata"]["total_size"], 96);
  EXPECT_EQ(index["weight_map"]["t4"], "model-00003-of-00003.safetensors");
}

TEST(SafetensorsSharding, OversizedTensorGetsItsOwnShardAtOnce) {
  // The big tensor is appended as a shard immediately; the current shard keeps filling.
  const auto dir = testing::scratch_dir("shard_oversized");
  const auto saved = save_safetensors_sharded(dir, floats_of_sizes({2, 20, 2}), 10 * 4);
  EXPECT_THAT(shard_contents(dir, saved), ElementsAre(ElementsAre("t1"), ElementsAre("t0", "t2")));
}

TEST(SafetensorsSharding, OneShardIsAPlainModelFile) {
  const auto dir = testing::scratch_dir("shard_single");
  const auto saved = save_safetensors_sharded(dir, floats_of_sizes({2, 3}), parse_shard_size("5GB"));
  EXPECT_FALSE(saved.sharded);
  EXPECT_THAT(saved.files, ElementsAre("model.safetensors"));
  EXPECT_THAT(files_in(dir), ElementsAre("model.safetensors"));
}

TEST(SafetensorsSharding, ResavingRemovesStaleFilesOfTheOtherLayout) {
  const auto dir = testing::scratch_dir("shard_stale");
  save_safetensors_sharded(dir, floats_of_sizes({6, 6, 6}), 8 * 4);
  EXPECT_EQ(files_in(dir).size(), 4u);
  save_safetensors_sharded(dir, floats_of_sizes({6, 6}), 8 * 4);  // 2 shards now
  EXPECT_THAT(files_in(dir), ElementsAre("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                         "model.safetensors.index.json"));
  std::ofstream(dir / "README.md") << "kept";
  save_safetensors_sharded(dir, floats_of_sizes({6, 6}), 1000);
  EXPECT_THAT(files_in(dir), ElementsAre("README.md", "model.safetensors"));
  save_safetensors_sharded(dir, floats_of_sizes({6, 6}), 8 * 4);
  EXPECT_THAT(files_in(dir), ElementsAre("README.md", "model-00001-of-00002.safetensors",
                                         "model-00002-of-00002.safetensors", "model.safetensors.index.json"));
}

TEST(SafetensorsSharding, ShardedWriteIsDeterministicAndReadsBack) {
  const auto a = testing::scratch_dir("shard_det_a");
  const auto b = testing::scratch_dir("shard_det_b");
  const auto tensors = floats_of_sizes({5, 1, 7, 3, 3, 9});
  const auto sa = save_safetensors_sharded(a, tensors, 12 * 4);
  const auto sb = save_safetensors_sharded(b, tensors, 12 * 4);
  ASSERT_EQ(sa.files, sb.files);
  for (const auto& f : sa.files) EXPECT_EQ(read_bytes(a / f), read_bytes(b / f)) << f;
  EXPECT_EQ(read_bytes(a / "model.safetensors.index.json"), read_bytes(b / "model.safetensors.index.json"));
  const auto ckpt = Checkpoint::open(a);
  ASSERT_EQ(ckpt.size(), tensors.size());
  for (const auto& [name, t] : tensors) EXPECT_TRUE(same_bytes(ckpt.tensor(name), t)) << name;
}

// ---- byte equality with files written by HF transformers 4.47 (the fixtures) ----

TEST(SafetensorsHfParity, RewritingAnHfFileGivesTheSameBytes) {
  AM_REQUIRE_FIXTURES(root);
  const auto dir = testing::scratch_dir("hf_bytes");
  int checked = 0;
  for (const auto& e : fs::directory_iterator(root / "models")) {
    const auto file = e.path() / "model.safetensors";
    if (!fs::exists(file)) continue;
    SCOPED_TRACE(file.string());
    const auto f = SafetensorsFile::open(file);
    NamedTensors tensors;
    for (const auto& name : f.names()) tensors.emplace_back(name, f.tensor(name));
    save_safetensors(dir / "out.safetensors", tensors);
    EXPECT_EQ(read_bytes(dir / "out.safetensors"), read_bytes(file));
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST(SafetensorsHfParity, ShardingLlamaLikeSavePretrainedGivesTheSameFiles) {
  // llama_sharded is llama saved by transformers with max_shard_size="50KB"; reproduce it from
  // llama's tensors in LlamaForCausalLM's state-dict order.
  AM_REQUIRE_FIXTURES(root);
  const auto llama = Checkpoint::open(root / "models" / "llama");
  std::vector<std::string> order = {"model.embed_tokens.weight"};
  for (int layer = 0; layer < 2; ++layer) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
                          "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"})
      order.push_back(p + n + ".weight");
  }
  order.push_back("model.norm.weight");
  order.push_back("lm_head.weight");
  ASSERT_EQ(order.size(), llama.size());
  NamedTensors tensors;
  for (const auto& n : order) tensors.emplace_back(n, llama.tensor(n));

  const auto dir = testing::scratch_dir("hf_sharded");
  const auto saved = save_safetensors_sharded(dir, tensors, parse_shard_size("50KB"));
  const auto expected_dir = root / "models" / "llama_sharded";
  ASSERT_EQ(saved.files.size(), 10u);
  for (const auto& f : saved.files) EXPECT_EQ(read_bytes(dir / f), read_bytes(expected_dir / f)) << f;
  EXPECT_EQ(read_bytes(dir / "model.safetensors.index.json"), read_bytes(expected_dir / "model.safetensors.index.json"));
}

}  // namespace
}  // namespace automodel
