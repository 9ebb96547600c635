// Conformance of the SentencePiece + AutoTokenizer path (transformers' slow LlamaTokenizer
// semantics) against the golden cases of every tokenizer family that ships tokenizer.model and
// no tokenizer.json ($AUTOMODEL_FIXTURES/tokenizers/<family>/cases.jsonl; today llama2-spm).
// Data-driven: every record is checked; an unknown kind or field fails the suite.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"
#include "spm_parity_sha256.h"

namespace {

namespace fs = std::filesystem;
using automodel::json;
using automodel::tokenizers::AutoTokenizer;
using automodel::tokenizers::BatchEncoding;
using automodel::tokenizers::CallOptions;
using automodel::tokenizers::DecodeOptions;
using automodel::tokenizers::PaddingMode;
using automodel::tokenizers::TruncationMode;

// Counts records (plus the per-family file / size checks): a record passes when every check
// on it passes.
struct Tally {
  size_t passed = 0;
  size_t failed = 0;
  std::vector<std::string> failures;
  size_t open_failures = 0;
  void check(bool ok, const std::string& what) {
    if (!ok) {
      failures.push_back(what);
      ++open_failures;
    }
  }
  void close_record() {
    if (open_failures == 0)
      ++passed;
    else
      ++failed;
    open_failures = 0;
  }
};

std::string show(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

template <class T>
json to_json(const T& v) {
  return json(v);
}

void require_fields(const json& rec, const std::set<std::string>& required, const std::set<std::string>& optional,
                    const std::string& where) {
  for (const auto& [k, v] : rec.items())
    if (!required.count(k) && !optional.count(k)) automodel::fail(where, ": unknown field '", k, "'");
  for (const auto& k : required)
    if (!rec.contains(k)) automodel::fail(where, ": missing field '", k, "'");
}

std::vector<int32_t> ids_of(const json& j) { return j.get<std::vector<int32_t>>(); }

void run_family(const fs::path& dir, Tally& tally) {
  const std::string family = dir.filename().string();
  std::ifstream in(dir / "cases.jsonl");
  ASSERT_TRUE(in) << dir / "cases.jsonl";
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << family << ": empty cases.jsonl";
  json meta = automodel::parse_json(line, family + "/cases.jsonl line 1");
  ASSERT_EQ(meta.value("kind", ""), "meta") << family << ": line 1 is not the meta record";
  require_fields(meta, {"kind", "family", "files", "vocab_size_with_added", "counts"},
                 {"split", "generator", "reference", "chat_renderer", "tokenizer_config", "conventions"},
                 family + " meta");

  // The files we load must be the ones the goldens were made from.
  for (const auto& [name, info] : meta["files"].items()) {
    const fs::path p = dir / name;
    require_fields(info, {"bytes", "sha256"}, {}, family + " meta.files." + name);
    tally.check(fs::exists(p) && fs::file_size(p) == info["bytes"].get<uint64_t>(),
                family + ": " + name + " size differs from meta");
    tally.check(fs::exists(p) && spm_parity::sha256_file(p) == info["sha256"].get<std::string>(),
                family + ": " + name + " sha256 differs from meta");
  }

  AutoTokenizer tok = AutoTokenizer::from_pretrained(dir.string());
  ASSERT_FALSE(tok.is_fast()) << family << ": expected the SentencePiece (slow) path";
  tally.check(tok.size() == meta["vocab_size_with_added"].get<size_t>(),
              family + ": vocab_size_with_added " + std::to_string(tok.size()) + " != " + show(meta["vocab_size_with_added"]));
  tally.close_record();  // the meta record: files, sizes, hashes, vocabulary size
  const std::optional<std::string> original_pad = tok.pad_token();
  const std::string original_padding_side = tok.padding_side();
  const std::string original_truncation_side = tok.truncation_side();

  std::map<std::string, size_t> counts;
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where_line = family + "/cases.jsonl line " + std::to_string(line_no);
    json rec = automodel::parse_json(line, where_line);
    const std::string kind = rec.value("kind", "");
    const std::string where = family + " " + kind + " " + rec.value("id", "?");
    ++counts[kind];
    struct Close {
      Tally& t;
      ~Close() { t.close_record(); }
    } close{tally};

    if (kind == "encode") {
      require_fields(rec, {"kind", "id", "text", "add_special_tokens", "ids", "tokens", "special_tokens_mask"}, {}, where);
      CallOptions o;
      o.add_special_tokens = rec["add_special_tokens"].get<bool>();
      o.return_special_tokens_mask = true;
      BatchEncoding e = tok(rec["text"].get<std::string>(), o);
      tally.check(to_json(e.input_ids[0]) == rec["ids"], where + ": ids " + show(to_json(e.input_ids[0])));
      tally.check(to_json(tok.convert_ids_to_tokens(e.input_ids[0])) == rec["tokens"], where + ": tokens");
      tally.check(e.special_tokens_mask && to_json((*e.special_tokens_mask)[0]) == rec["special_tokens_mask"],
                  where + ": special_tokens_mask");
      tally.check(e.attention_mask && (*e.attention_mask)[0] == std::vector<int32_t>(e.input_ids[0].size(), 1),
                  where + ": attention_mask");
    } else if (kind == "decode" || kind == "decode_ids") {
      require_fields(rec, {"kind", "id", "ids"}, {"text", "text_skip_special", "error"}, where);
      const auto ids = ids_of(rec["ids"]);
      if (rec.contains("error")) {
        for (bool skip : {false, true}) {
          bool threw = false;
          try {
            tok.decode(ids, DecodeOptions{skip, std::nullopt});
          } catch (const automodel::Error& e) {
            threw = std::string(e.what()).find("piece id is out of range") != std::string::npos;
          }
          tally.check(threw, where + ": expected " + show(rec["error"]));
        }
      } else {
        require_fields(rec, {"kind", "id", "ids", "text", "text_skip_special"}, {}, where);
        std::string text = tok.decode(ids, DecodeOptions{false, std::nullopt});
        std::string skipped = tok.decode(ids, DecodeOptions{true, std::nullopt});
        tally.check(text == rec["text"].get<std::string>(), where + ": text " + show(json(text)));
        tally.check(skipped == rec["text_skip_special"].get<std::string>(), where + ": text_skip_special " + show(json(skipped)));
      }
    } else if (kind == "encode_pair") {
      require_fields(rec, {"kind", "id", "text", "text_pair", "add_special_tokens", "ids", "tokens", "special_tokens_mask", "type_ids"},
                     {}, where);
      CallOptions o;
      o.add_special_tokens = rec["add_special_tokens"].get<bool>();
      o.return_special_tokens_mask = true;
      o.return_token_type_ids = true;
      BatchEncoding e = tok(rec["text"].get<std::string>(), rec["text_pair"].get<std::string>(), o);
      tally.check(to_json(e.input_ids[0]) == rec["ids"], where + ": ids " + show(to_json(e.input_ids[0])));
      tally.check(to_json(tok.convert_ids_to_tokens(e.input_ids[0])) == rec["tokens"], where + ": tokens");
      tally.check(e.special_tokens_mask && to_json((*e.special_tokens_mask)[0]) == rec["special_tokens_mask"],
                  where + ": special_tokens_mask");
      tally.check(e.token_type_ids && to_json((*e.token_type_ids)[0]) == rec["type_ids"], where + ": type_ids");
    } else if (kind == "batch") {
      require_fields(rec, {"kind", "id", "texts", "params", "input_ids", "attention_mask"},
                     {"text_pairs", "token_type_ids", "transformers_js_agrees"}, where);
      const json& p = rec["params"];
      require_fields(p, {"padding", "truncation", "max_length", "padding_side", "truncation_side", "add_special_tokens"},
                     {"pad_token", "pad_token_id", "pad_token_source"}, where + " params");
      CallOptions o;
      o.add_special_tokens = p["add_special_tokens"].get<bool>();
      if (p["padding"].is_boolean())
        o.padding = p["padding"].get<bool>() ? PaddingMode::longest : PaddingMode::do_not_pad;
      else if (p["padding"] == "max_length")
        o.padding = PaddingMode::max_length;
      else if (p["padding"] == "longest")
        o.padding = PaddingMode::longest;
      else
        automodel::fail(where, ": unknown params.padding ", show(p["padding"]));
      if (p["truncation"].is_boolean())
        o.truncation = p["truncation"].get<bool>() ? TruncationMode::longest_first : TruncationMode::do_not_truncate;
      else if (p["truncation"] == "longest_first")
        o.truncation = TruncationMode::longest_first;
      else if (p["truncation"] == "only_first")
        o.truncation = TruncationMode::only_first;
      else if (p["truncation"] == "only_second")
        o.truncation = TruncationMode::only_second;
      else
        automodel::fail(where, ": unknown params.truncation ", show(p["truncation"]));
      if (!p["max_length"].is_null()) o.max_length = p["max_length"].get<size_t>();
      tok.set_padding_side(p["padding_side"].get<std::string>());
      tok.set_truncation_side(p["truncation_side"].get<std::string>());
      if (p.contains("pad_token")) {
        tok.set_pad_token(p["pad_token"].get<std::string>());
        tally.check(tok.pad_token_id() == p["pad_token_id"].get<int32_t>(), where + ": pad_token_id");
      } else {
        tally.check(p["padding"] == false, where + ": params.pad_token absent although padding is requested");
      }
      const auto texts = rec["texts"].get<std::vector<std::string>>();
      BatchEncoding e;
      if (rec.contains("text_pairs")) {
        o.return_token_type_ids = true;
        e = tok(texts, rec["text_pairs"].get<std::vector<std::string>>(), o);
        tally.check(rec.contains("token_type_ids") && e.token_type_ids && to_json(*e.token_type_ids) == rec["token_type_ids"],
                    where + ": token_type_ids");
      } else {
        e = tok(texts, o);
        tally.check(!rec.contains("token_type_ids"), where + ": token_type_ids without text_pairs");
      }
      tally.check(to_json(e.input_ids) == rec["input_ids"], where + ": input_ids " + show(to_json(e.input_ids)));
      tally.check(e.attention_mask && to_json(*e.attention_mask) == rec["attention_mask"], where + ": attention_mask");
      tok.set_pad_token(original_pad);
      tok.set_padding_side(original_padding_side);
      tok.set_truncation_side(original_truncation_side);
    } else {
      automodel::fail(where_line, ": unknown record kind '", kind, "' for a slow SentencePiece family");
    }
  }
  // Every record kind the meta line announces was run, as often as announced.
  for (const auto& [kind, n] : meta["counts"].items())
    tally.check(counts[kind] == n.get<size_t>(),
                family + ": ran " + std::to_string(counts[kind]) + " " + kind + " records, meta says " + show(n));
  for (const auto& [kind, n] : counts)
    tally.check(meta["counts"].contains(kind), family + ": kind " + kind + " missing from meta.counts");
}

TEST(TokenizersSpmParity, AllSlowSentencePieceFamilies) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path base = root / "tokenizers";
  if (!fs::is_directory(base)) GTEST_SKIP() << "no tokenizer fixtures under " << base;
  std::vector<fs::path> families;
  for (const auto& entry : fs::directory_iterator(base))
    if (entry.is_directory() && fs::exists(entry.path() / "cases.jsonl") && fs::exists(entry.path() / "tokenizer.model") &&
        !fs::exists(entry.path() / "tokenizer.json"))
      families.push_back(entry.path());
  std::sort(families.begin(), families.end());
  ASSERT_FALSE(families.empty()) << "no family with tokenizer.model and no tokenizer.json under " << base;
  Tally tally;
  for (const auto& dir : families) {
    SCOPED_TRACE(dir.filename().string());
    try {
      run_family(dir, tally);
    } catch (const std::exception& e) {
      tally.check(false, dir.filename().string() + ": " + e.what());
      tally.close_record();
    }
  }
  for (const auto& f : tally.failures) ADD_FAILURE() << f;
  std::cout << "tokenizers_spm_parity: " << families.size() << " families, " << tally.passed << " passed, "
            << tally.failed << " failed\n";
  EXPECT_TRUE(tally.failures.empty());
}

}  // namespace
