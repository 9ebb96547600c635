// Conformance suite for chat templates: every `chat` record of
// $AUTOMODEL_FIXTURES/tokenizers/<family>/cases.jsonl is rendered with our Jinja2 engine exactly
// as transformers renders it (template.render(messages=…, tools=…, documents=None,
// add_generation_prompt=…, **special_tokens)) and compared byte for byte with the output of
// Python Jinja2; records with `error` must raise. The `ids` of each record (the rendered text
// encoded without special tokens) are checked with the tokenizer.json pipeline. Unknown record
// kinds or chat fields fail the suite.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "automodel/hub/json_file.h"
#include "automodel/jinja/template.h"
#include "fixtures.h"

// The ids check needs the tokenizer.json pipeline (tokenizers layer); without it the suite
// still checks every rendered text and says that the ids went unchecked.
#if __has_include("automodel/tokenizers/tokenizer.h")
#include "automodel/tokenizers/tokenizer.h"
#define AM_CHAT_PARITY_CHECKS_IDS 1
#else
#define AM_CHAT_PARITY_CHECKS_IDS 0
#endif

namespace automodel::jinja {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> discover_families() {
  std::vector<std::string> out;
  auto root = testing::fixtures_root();
  if (!root) return {"(fixtures absent)"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(*root / "tokenizers", ec))
    if (fs::exists(e.path() / "cases.jsonl")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("(no families)");
  return out;
}

struct Totals {
  size_t passed = 0, failed = 0, ids_checked = 0, ids_unchecked = 0;
  ~Totals() {
    if (passed + failed)
      std::printf("[chat parity] total: %zu passed, %zu failed (ids checked for %zu rendered records, NOT checked for %zu: "
                  "%s)\n",
                  passed, failed, ids_checked, ids_unchecked,
                  ids_unchecked ? "tokenizers/tokenizer.h not available in this build" : "none missing");
  }
};
Totals& totals() {
  static Totals t;
  return t;
}

std::string unknown_fields(const json& rec, const std::set<std::string>& allowed) {
  std::string bad;
  for (auto it = rec.begin(); it != rec.end(); ++it)
    if (!allowed.count(it.key())) bad += (bad.empty() ? "" : ", ") + it.key();
  return bad;
}

// The template a record names: "default" = the `chat_template` string, or the entry of that
// name when chat_template is a list of {name, template}.
std::string template_source(const json& config, const std::string& which) {
  const json& ct = config.at("chat_template");
  if (ct.is_string()) {
    if (which != "default") throw Error("record names template '" + which + "' but chat_template is a single string");
    return ct.get<std::string>();
  }
  for (const auto& entry : ct)
    if (entry.at("name") == which) return entry.at("template").get<std::string>();
  throw Error("no chat template named '" + which + "'");
}

std::string show_diff(const std::string& want, const std::string& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  auto around = [&](const std::string& s) { return json(s.substr(i < 20 ? 0 : i - 20, 60)).dump(); };
  return "first difference at byte " + std::to_string(i) + ": expected " + around(want) + ", got " + around(got);
}

class ChatParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatParity, RendersEveryChatRecord) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "tokenizers" / GetParam();
  std::ifstream in(dir / "cases.jsonl");
  ASSERT_TRUE(in) << "cannot open " << (dir / "cases.jsonl");

  static const std::set<std::string> known_kinds = {"meta", "encode", "decode", "decode_ids", "encode_pair", "batch", "chat"};
  static const std::set<std::string> chat_fields = {"kind", "id", "template", "messages", "tools", "add_generation_prompt",
                                                     "special_tokens", "renderer", "rendered", "ids", "error",
                                                     "hf_jinja_agrees", "hf_jinja"};
  std::optional<json> config;
#if AM_CHAT_PARITY_CHECKS_IDS
  std::optional<tokenizers::Tokenizer> tokenizer;
#endif
  std::map<std::string, Template> templates;
  size_t expected_chat = 0, seen_chat = 0, passed = 0, failed = 0;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    json rec = parse_json(line, (dir / "cases.jsonl").string() + ":" + std::to_string(line_no));
    std::string kind = rec.value("kind", "");
    ASSERT_TRUE(known_kinds.count(kind)) << GetParam() << " line " << line_no << ": unknown record kind '" << kind << "'";
    if (kind == "meta") {
      if (rec.contains("counts") && rec["counts"].contains("chat")) expected_chat = rec["counts"]["chat"].get<size_t>();
      continue;
    }
    if (kind != "chat") continue;  // other kinds belong to the tokenizer suites
    ++seen_chat;
    const std::string id = rec.at("id").get<std::string>();
    std::string bad = unknown_fields(rec, chat_fields);
    EXPECT_TRUE(bad.empty()) << GetParam() << "/" << id << ": unknown field(s) " << bad;
    EXPECT_EQ(rec.at("renderer"), "jinja2") << GetParam() << "/" << id;
    ASSERT_EQ(rec.contains("rendered"), !rec.contains("error")) << GetParam() << "/" << id << ": needs rendered xor error";
    if (!config) config = read_json_file(dir / "tokenizer_config.json");
    std::string which = rec.at("template").get<std::string>();
    if (!templates.count(which)) templates.emplace(which, Template(template_source(*config, which), GetParam() + ":" + which));

    ChatTemplateInputs inputs;
    inputs.messages = rec.at("messages");
    if (rec.contains("tools")) inputs.tools = rec["tools"];
    inputs.add_generation_prompt = rec.at("add_generation_prompt").get<bool>();
    inputs.special_tokens = rec.at("special_tokens");

    bool ok = true;
    if (rec.contains("error")) {
      try {
        std::string out = render_chat_template(templates.at(which), inputs);
        ADD_FAILURE() << GetParam() << "/" << id << ": expected " << rec["error"] << " but rendered " << json(out).dump();
        ok = false;
      } catch (const TemplateError& e) {
        std::string want = rec["error"].get<std::string>();
        std::string want_class = want.substr(0, want.find(':'));
        if (e.python_class() != want_class)
          std::printf("[chat parity] %s/%s: raised %s, Python raised %s (class differs; accepted)\n", GetParam().c_str(),
                      id.c_str(), e.what(), want.c_str());
      }
    } else {
      std::string want = rec["rendered"].get<std::string>();
      std::string got;
      try {
        got = render_chat_template(templates.at(which), inputs);
      } catch (const std::exception& e) {
        ADD_FAILURE() << GetParam() << "/" << id << ": render failed: " << e.what();
        ok = false;
      }
      if (ok && got != want) {
        ADD_FAILURE() << GetParam() << "/" << id << ": " << show_diff(want, got);
        ok = false;
      }
      std::vector<int32_t> want_ids = rec.at("ids").get<std::vector<int32_t>>();
#if AM_CHAT_PARITY_CHECKS_IDS
      if (ok) {
        if (!tokenizer) tokenizer = tokenizers::Tokenizer::from_file(dir / "tokenizer.json");
        auto ids = tokenizer->encode(got, /*add_special_tokens=*/false).ids;
        if (ids != want_ids) {
          ADD_FAILURE() << GetParam() << "/" << id << ": ids of the rendered text differ (" << ids.size() << " vs "
                        << want_ids.size() << " tokens)";
          ok = false;
        }
        ++totals().ids_checked;
      }
#else
      ++totals().ids_unchecked;
#endif
    }
    ok ? ++passed : ++failed;
  }
  EXPECT_EQ(seen_chat, expected_chat) << GetParam() << ": meta.counts.chat disagrees with the chat records found";
  totals().passed += passed;
  totals().failed += failed;
  std::printf("[chat parity] %s: %zu passed, %zu failed\n", GetParam().c_str(), passed, failed);
}

INSTANTIATE_TEST_SUITE_P(Families, ChatParity, ::testing::ValuesIn(discover_families()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace automodel::jinja
