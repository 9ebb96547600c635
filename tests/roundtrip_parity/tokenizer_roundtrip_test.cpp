// AutoTokenizer::save_pretrained round trips over every tokenizer fixture family (discovered):
// the saved folder holds tokenizer.json and the legacy files byte for byte, and the tokenizer
// loaded from it gives the same result as the original on every input of the family's
// cases.jsonl (encode, pairs, decode, batches with their padding/truncation, chat templates).
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "roundtrip_support.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using testing::file_bytes;

json to_json(const BatchEncoding& e) {
  json j = {{"input_ids", e.input_ids}};
  if (e.attention_mask) j["attention_mask"] = *e.attention_mask;
  if (e.token_type_ids) j["token_type_ids"] = *e.token_type_ids;
  if (e.special_tokens_mask) j["special_tokens_mask"] = *e.special_tokens_mask;
  if (e.offset_mapping) j["offset_mapping"] = *e.offset_mapping;
  if (e.overflow_to_sample_mapping) j["overflow_to_sample_mapping"] = *e.overflow_to_sample_mapping;
  return j;
}

// The result of `f` on a tokenizer, or the error it raised (both count as behaviour).
template <class F>
json outcome(F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    return json{{"error", e.what()}};
  }
}

CallOptions batch_options(const json& p) {
  CallOptions o;
  o.add_special_tokens = p.at("add_special_tokens").get<bool>();
  if (p["padding"] == true) o.padding = PaddingMode::longest;
  if (p["padding"] == "max_length") o.padding = PaddingMode::max_length;
  if (p["truncation"] == true) o.truncation = TruncationMode::longest_first;
  if (p["truncation"] == false) o.truncation = TruncationMode::do_not_truncate;
  if (p["truncation"] == "only_first") o.truncation = TruncationMode::only_first;
  if (p["truncation"] == "only_second") o.truncation = TruncationMode::only_second;
  if (p.contains("max_length") && !p["max_length"].is_null()) o.max_length = p["max_length"].get<size_t>();
  if (p.contains("padding_side")) o.padding_side = p["padding_side"].get<std::string>();
  if (p.contains("truncation_side")) o.truncation_side = p["truncation_side"].get<std::string>();
  return o;
}

// What one cases.jsonl record's input gives on `tok`.
json run_record(AutoTokenizer& tok, const json& r) {
  const std::string kind = r.at("kind").get<std::string>();
  if (kind == "encode") {
    return outcome([&] {
      CallOptions o;
      o.add_special_tokens = r.at("add_special_tokens").get<bool>();
      o.return_special_tokens_mask = true;
      o.return_offsets_mapping = tok.is_fast();
      return json{{"call", to_json(tok(r.at("text").get<std::string>(), o))},
                  {"tokens", tok.tokenize(r.at("text").get<std::string>())}};
    });
  }
  if (kind == "encode_pair") {
    return outcome([&] {
      CallOptions o;
      o.return_token_type_ids = true;
      o.return_special_tokens_mask = true;
      o.return_offsets_mapping = tok.is_fast();
      return to_json(tok(r.at("text").get<std::string>(), r.at("text_pair").get<std::string>(), o));
    });
  }
  if (kind == "decode" || kind == "decode_ids") {
    const auto ids = r.at("ids").get<std::vector<int32_t>>();
    json out = json::array();
    for (bool skip : {false, true})
      out.push_back(outcome([&] {
        DecodeOptions d;
        d.skip_special_tokens = skip;
        return json(tok.decode(ids, d));
      }));
    return out;
  }
  if (kind == "batch") {
    const json& p = r.at("params");
    if (p.contains("pad_token")) tok.set_pad_token(p["pad_token"].get<std::string>());
    return outcome([&] {
      CallOptions o = batch_options(p);
      const auto texts = r.at("texts").get<std::vector<std::string>>();
      if (r.contains("text_pairs")) {
        o.return_token_type_ids = true;
        return to_json(tok(texts, r["text_pairs"].get<std::vector<std::string>>(), o));
      }
      return to_json(tok(texts, o));
    });
  }
  if (kind == "chat") {
    return outcome([&] {
      ChatTemplateOptions o;
      if (r.contains("tools")) o.tools = r["tools"];
      o.add_generation_prompt = r.value("add_generation_prompt", false);
      const auto messages = r.at("messages").get<std::vector<json>>();
      return json{{"text", tok.apply_chat_template(messages, o)}, {"ids", tok.apply_chat_template_ids(messages, o)}};
    });
  }
  ADD_FAILURE() << "unknown cases.jsonl kind '" << kind << "'";
  return json();
}

TEST(TokenizerRoundTrip, EveryFamilySavesAndReloadsIdentically) {
  AM_REQUIRE_FIXTURES(root);
  int families = 0;
  size_t records = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "cases.jsonl")) continue;
    SCOPED_TRACE(dir.filename().string());
    ++families;
    AutoTokenizer original = AutoTokenizer::from_pretrained(dir.string());
    const fs::path out = testing::scratch_dir("tok-" + dir.filename().string());
    const auto written = original.save_pretrained(out);
    EXPECT_TRUE(fs::exists(out / "tokenizer_config.json"));
    EXPECT_TRUE(fs::exists(out / "special_tokens_map.json"));
    for (const char* f : {"tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt", "vocab.txt"}) {
      if (fs::exists(dir / f)) {
        EXPECT_TRUE(file_bytes(dir / f) == file_bytes(out / f)) << f << " not byte-identical";
      }
    }
    const json cfg = read_json_file(out / "tokenizer_config.json");
    EXPECT_TRUE(cfg.contains("tokenizer_class") && cfg.contains("added_tokens_decoder"));
    EXPECT_EQ(cfg.contains("chat_template"), !original.config().chat_templates.empty());

    AutoTokenizer reloaded = AutoTokenizer::from_pretrained(out.string());
    EXPECT_EQ(reloaded.is_fast(), original.is_fast());
    EXPECT_EQ(reloaded.size(), original.size());
    EXPECT_EQ(reloaded.all_special_tokens(), original.all_special_tokens());
    EXPECT_EQ(reloaded.model_max_length(), original.model_max_length());
    EXPECT_EQ(reloaded.clean_up_tokenization_spaces(), original.clean_up_tokenization_spaces());
    EXPECT_EQ(reloaded.config().chat_templates, original.config().chat_templates);
    std::ifstream in(dir / "cases.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const json r = json::parse(line);
      if (r.at("kind") == "meta") continue;
      // Fresh copies per batch record: set_pad_token changes the tokenizer.
      const json a = run_record(original, r), b = run_record(reloaded, r);
      EXPECT_EQ(a, b) << r.at("kind") << " " << r.value("id", "");
      ++records;
    }
    fs::remove_all(out);
  }
  EXPECT_GT(families, 0);
  std::cout << "tokenizer round trip: " << families << " families, " << records << " records\n";
}

// A tokenizer that came from legacy vocabulary files only: the fast class writes the converted
// tokenizer.json next to them, and the folder reloads (through tokenizer.json) identically.
TEST(TokenizerRoundTrip, LegacyVocabularyFilesGainATokenizerJson) {
  AM_REQUIRE_FIXTURES(root);
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path dir = entry.path();
    const bool bpe = fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt");
    if (!bpe && !fs::exists(dir / "vocab.txt")) continue;
    SCOPED_TRACE(dir.filename().string());
    const fs::path legacy = testing::scratch_dir("legacy-" + dir.filename().string());
    for (const char* f : {"vocab.json", "merges.txt", "vocab.txt", "tokenizer_config.json", "config.json"})
      if (fs::exists(dir / f)) fs::copy_file(dir / f, legacy / f);
    AutoTokenizer original = AutoTokenizer::from_pretrained(legacy.string());
    const fs::path out = testing::scratch_dir("legacy-out-" + dir.filename().string());
    original.save_pretrained(out);
    ASSERT_TRUE(fs::exists(out / "tokenizer.json"));
    for (const char* f : {"vocab.json", "merges.txt", "vocab.txt"}) {
      if (fs::exists(legacy / f)) {
        EXPECT_TRUE(file_bytes(legacy / f) == file_bytes(out / f)) << f;
      }
    }
    AutoTokenizer reloaded = AutoTokenizer::from_pretrained(out.string());
    std::ifstream in(dir / "cases.jsonl");
    for (std::string line; std::getline(in, line);) {
      const json r = json::parse(line);
      if (r.at("kind") == "meta" || r.at("kind") == "chat") continue;
      EXPECT_EQ(run_record(original, r), run_record(reloaded, r)) << r.at("kind") << " " << r.value("id", "");
    }
    fs::remove_all(legacy);
    fs::remove_all(out);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Saving over the folder it was loaded from, with a user-set pad token: the new config carries
// it, every other file stays.
TEST(TokenizerRoundTrip, SavingOverItsOwnFolderKeepsItLoadable) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path src = root / "tokenizers" / "gpt2";
  if (!fs::exists(src / "tokenizer.json")) GTEST_SKIP() << "gpt2 tokenizer fixture absent";
  const fs::path dir = testing::scratch_dir("tok-self");
  for (const auto& de : fs::directory_iterator(src)) fs::copy_file(de.path(), dir / de.path().filename());
  for (const auto& de : fs::directory_iterator(dir)) fs::permissions(de.path(), fs::perms::owner_write, fs::perm_options::add);
  AutoTokenizer tok = AutoTokenizer::from_pretrained(dir.string());
  tok.set_pad_token(*tok.eos_token());
  tok.save_pretrained(dir);
  EXPECT_TRUE(fs::exists(dir / "cases.jsonl"));  // not written by the save: kept
  AutoTokenizer again = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_EQ(again.pad_token(), tok.eos_token());
  EXPECT_EQ(again.encode("Hello world"), tok.encode("Hello world"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace automodel
