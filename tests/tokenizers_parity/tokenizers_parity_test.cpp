// Conformance suite for the tokenizer.json pipeline: every case of
// $AUTOMODEL_FIXTURES/tokenizers/<family>/cases.jsonl for the families that ship a tokenizer.json,
// checked exactly against HF `tokenizers` (see the fixtures README). `chat` records belong to
// the chat-template suite and llama2-spm (no tokenizer.json) to the AutoTokenizer suite; any
// other kind, or a field this suite does not know, fails.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/tokenizer.h"
#include "fixtures.h"
#include "hub/sha256.h"

namespace automodel::tokenizers {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> discover_families() {
  std::vector<std::string> out;
  auto root = testing::fixtures_root();
  if (!root) return {"(fixtures absent)"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(*root / "tokenizers", ec))
    if (fs::exists(e.path() / "cases.jsonl") && fs::exists(e.path() / "tokenizer.json"))
      out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("(no families)");
  return out;
}

struct Totals {
  size_t passed = 0, failed = 0, delegated = 0;
  ~Totals() {
    if (passed + failed)
      std::printf("[tokenizers parity] total: %zu passed, %zu failed (%zu chat records left to the chat suite)\n",
                  passed, failed, delegated);
  }
};
Totals& totals() {
  static Totals t;
  return t;
}

// Fails (returns a message) when `rec` has a field outside `allowed`.
std::string unknown_fields(const json& rec, std::initializer_list<const char*> allowed) {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  std::string bad;
  for (auto it = rec.begin(); it != rec.end(); ++it)
    if (!ok.count(it.key())) bad += (bad.empty() ? "" : ", ") + it.key();
  return bad.empty() ? "" : "unknown field(s): " + bad;
}

template <class T>
std::string show(const std::vector<T>& v) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << ']';
  return os.str();
}
std::string show(const std::vector<Offsets>& v) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << '[' << v[i].first << ',' << v[i].second << ']';
  os << ']';
  return os.str();
}
std::string show(const std::vector<std::string>& v) { return json(v).dump(); }

// Compares expected JSON array to our vector; appends a message on mismatch.
template <class T>
void check_vec(const char* what, const json& expected, const std::vector<T>& got, std::string& err) {
  std::vector<T> exp = expected.get<std::vector<T>>();
  if (exp != got) err += std::string(what) + ": expected " + show(exp) + "\n   got      " + show(got) + "\n";
}
void check_offsets(const json& expected, const std::vector<Offsets>& got, std::string& err) {
  std::vector<Offsets> exp;
  for (const auto& o : expected) exp.emplace_back(o.at(0).get<size_t>(), o.at(1).get<size_t>());
  if (exp != got) err += "offsets: expected " + show(exp) + "\n   got      " + show(got) + "\n";
}

void check_encoding(const json& rec, const Encoding& enc, bool pair, std::string& err) {
  check_vec("ids", rec.at("ids"), enc.ids, err);
  check_vec("tokens", rec.at("tokens"), enc.tokens, err);
  check_offsets(rec.at("offsets"), enc.offsets, err);
  check_vec("special_tokens_mask", rec.at("special_tokens_mask"), enc.special_tokens_mask, err);
  if (pair) check_vec("type_ids", rec.at("type_ids"), enc.type_ids, err);
}

std::string run_batch(const Tokenizer& base_tok, const fs::path& file, const json& rec) {
  std::string err = unknown_fields(rec, {"kind", "id", "texts", "text_pairs", "params", "input_ids", "attention_mask",
                                         "token_type_ids", "transformers_js_agrees"});
  if (!err.empty()) return err;
  const json& p = rec.at("params");
  err = unknown_fields(p, {"padding", "truncation", "max_length", "padding_side", "truncation_side",
                           "add_special_tokens", "pad_token", "pad_token_id", "pad_token_source"});
  if (!err.empty()) return "params: " + err;
  // A fresh tokenizer per case would cost a reload; the settings are set and reset here instead.
  auto& tok = const_cast<Tokenizer&>(base_tok);
  std::optional<size_t> max_length;
  if (!p.at("max_length").is_null()) max_length = p.at("max_length").get<size_t>();
  const json& trunc = p.at("truncation");
  std::optional<TruncationParams> tp;
  if (!(trunc.is_boolean() && !trunc.get<bool>())) {
    if (!max_length) return "truncation without max_length is not a fixture convention";
    TruncationParams t;
    t.max_length = *max_length;
    t.strategy = trunc.is_string() ? parse_truncation_strategy(trunc.get<std::string>())
                                   : TruncationStrategy::longest_first;
    t.direction = parse_direction(p.at("truncation_side").get<std::string>());
    tp = t;
  }
  const json& pad = p.at("padding");
  std::optional<PaddingParams> pp;
  if (!(pad.is_boolean() && !pad.get<bool>())) {
    PaddingParams q;
    if (pad.is_string()) {
      if (pad.get<std::string>() != "max_length") return "unknown padding " + pad.dump();
      if (!max_length) return "padding max_length without max_length";
      q.strategy = PaddingStrategy::fixed;
      q.fixed_length = *max_length;
    } else {
      q.strategy = PaddingStrategy::batch_longest;
    }
    q.direction = parse_direction(p.at("padding_side").get<std::string>());
    q.pad_id = p.at("pad_token_id").get<int32_t>();
    q.pad_token = p.at("pad_token").get<std::string>();
    pp = q;
  }
  tok.set_truncation(tp);
  tok.set_padding(pp);
  bool add_special = p.at("add_special_tokens").get<bool>();
  std::vector<Encoding> encs;
  try {
    if (rec.contains("text_pairs")) {
      std::vector<std::pair<std::string, std::string>> pairs;
      const auto& a = rec.at("texts");
      const auto& b = rec.at("text_pairs");
      if (a.size() != b.size()) return "texts and text_pairs differ in length";
      for (size_t i = 0; i < a.size(); ++i) pairs.emplace_back(a[i].get<std::string>(), b[i].get<std::string>());
      encs = tok.encode_batch_pairs(pairs, add_special);
    } else {
      encs = tok.encode_batch(rec.at("texts").get<std::vector<std::string>>(), add_special);
    }
  } catch (const std::exception& e) {
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    return std::string("threw: ") + e.what();
  }
  tok.set_truncation(std::nullopt);
  tok.set_padding(std::nullopt);
  std::vector<std::vector<int32_t>> ids, mask, types;
  for (const auto& e : encs) {
    ids.push_back(e.ids);
    mask.push_back(e.attention_mask);
    types.push_back(e.type_ids);
  }
  if (json(ids) != rec.at("input_ids")) err += "input_ids: expected " + rec.at("input_ids").dump() + "\n   got " + json(ids).dump() + "\n";
  if (json(mask) != rec.at("attention_mask")) err += "attention_mask: expected " + rec.at("attention_mask").dump() + "\n   got " + json(mask).dump() + "\n";
  if (rec.contains("token_type_ids") && json(types) != rec.at("token_type_ids"))
    err += "token_type_ids: expected " + rec.at("token_type_ids").dump() + "\n   got " + json(types).dump() + "\n";
  (void)file;
  return err;
}

class TokenizerParity : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerParity, AllCases) {
  AM_REQUIRE_FIXTURES(root);
  const std::string family = GetParam();
  if (family.front() == '(') GTEST_SKIP() << "no tokenizer families under " << (root / "tokenizers");
  const fs::path dir = root / "tokenizers" / family;
  std::ifstream in(dir / "cases.jsonl");
  ASSERT_TRUE(in) << dir / "cases.jsonl";

  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "empty cases.jsonl";
  json meta = parse_json(line, family + "/cases.jsonl:1");
  ASSERT_EQ(meta.at("kind"), "meta") << "line 1 must be the meta record";
  {
    std::string err = unknown_fields(meta, {"kind", "family", "split", "generator", "reference", "chat_renderer",
                                            "files", "vocab_size_with_added", "tokenizer_config", "conventions",
                                            "counts"});
    ASSERT_TRUE(err.empty()) << family << " meta: " << err;
  }
  // meta.files: size and sha256 of every file we (may) load.
  for (auto it = meta.at("files").begin(); it != meta.at("files").end(); ++it) {
    fs::path f = dir / it.key();
    ASSERT_TRUE(fs::exists(f)) << f;
    EXPECT_EQ(fs::file_size(f), it.value().at("bytes").get<uint64_t>()) << f;
    EXPECT_EQ(hub_detail::sha256_file_hex(f), it.value().at("sha256").get<std::string>()) << f;
  }

  Tokenizer tok = Tokenizer::from_file(dir / "tokenizer.json");
  EXPECT_EQ(tok.vocab_size(true), meta.at("vocab_size_with_added").get<size_t>()) << family << " vocab_size_with_added";

  std::map<std::string, size_t> seen;
  size_t passed = 0, failed = 0, delegated = 0, line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    json rec = parse_json(line, family + "/cases.jsonl:" + std::to_string(line_no));
    const std::string kind = rec.at("kind").get<std::string>();
    const std::string id = rec.value("id", std::string("?"));
    ++seen[kind];
    std::string err;
    try {
      if (kind == "encode") {
        err = unknown_fields(rec, {"kind", "id", "text", "add_special_tokens", "ids", "tokens", "offsets",
                                   "special_tokens_mask"});
        if (err.empty())
          check_encoding(rec, tok.encode(rec.at("text").get<std::string>(), rec.at("add_special_tokens").get<bool>()),
                         false, err);
      } else if (kind == "encode_pair") {
        err = unknown_fields(rec, {"kind", "id", "text", "text_pair", "add_special_tokens", "ids", "tokens", "offsets",
                                   "special_tokens_mask", "type_ids"});
        if (err.empty())
          check_encoding(rec,
                         tok.encode_pair(rec.at("text").get<std::string>(), rec.at("text_pair").get<std::string>(),
                                         rec.at("add_special_tokens").get<bool>()),
                         true, err);
      } else if (kind == "decode" || kind == "decode_ids") {
        err = unknown_fields(rec, {"kind", "id", "ids", "text", "text_skip_special", "error"});
        if (err.empty()) {
          auto ids = rec.at("ids").get<std::vector<int64_t>>();
          std::vector<int32_t> ids32;
          for (auto v : ids) ids32.push_back(static_cast<int32_t>(v));
          if (rec.contains("error")) {
            bool threw = false;
            try {
              tok.decode(ids32, false);
            } catch (const std::exception&) {
              threw = true;
            }
            if (!threw) err = "expected an error (" + rec.at("error").get<std::string>() + ")";
          } else {
            std::string a = tok.decode(ids32, false), b = tok.decode(ids32, true);
            if (a != rec.at("text").get<std::string>())
              err += "text: expected " + rec.at("text").dump() + "\n   got " + json(a).dump() + "\n";
            if (b != rec.at("text_skip_special").get<std::string>())
              err += "text_skip_special: expected " + rec.at("text_skip_special").dump() + "\n   got " +
                     json(b).dump() + "\n";
          }
        }
      } else if (kind == "batch") {
        err = run_batch(tok, dir, rec);
      } else if (kind == "chat") {
        ++delegated;  // rendered by the chat-template suite
        continue;
      } else {
        err = "unknown record kind \"" + kind + "\"";
      }
    } catch (const std::exception& e) {
      err = std::string("threw: ") + e.what();
    }
    if (err.empty()) {
      ++passed;
    } else {
      ++failed;
      ADD_FAILURE() << family << " " << kind << " " << id << " (line " << line_no << "):\n" << err;
    }
  }
  // meta.counts: every record kind the file announces was run, and nothing else appeared.
  const json& counts = meta.at("counts");
  for (auto it = counts.begin(); it != counts.end(); ++it)
    EXPECT_EQ(seen[it.key()], it.value().get<size_t>()) << family << ": count of " << it.key();
  for (const auto& [kind, n] : seen)
    EXPECT_TRUE(counts.contains(kind)) << family << ": kind " << kind << " missing from meta.counts";

  std::printf("[tokenizers parity] %s: %zu passed, %zu failed\n", family.c_str(), passed, failed);
  totals().passed += passed;
  totals().failed += failed;
  totals().delegated += delegated;
}

INSTANTIATE_TEST_SUITE_P(Families, TokenizerParity, ::testing::ValuesIn(discover_families()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n;
                           for (char c : info.param) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace automodel::tokenizers
