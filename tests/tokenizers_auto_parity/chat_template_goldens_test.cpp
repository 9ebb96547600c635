// apply_chat_template through AutoTokenizer on every chat golden of the fixture families
// (Python Jinja2 in transformers' environment + encode without special tokens), including the
// special-token variables transformers passes (the record's special_tokens).
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

TEST(ChatTemplateGoldens, EveryChatRecordThroughAutoTokenizer) {
  AM_REQUIRE_FIXTURES(root);
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path dir = entry.path();
    std::ifstream in(dir / "cases.jsonl");
    std::optional<AutoTokenizer> tok;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      json r = json::parse(line);
      if (r.value("kind", "") != "chat") continue;
      if (!tok) tok.emplace(AutoTokenizer::from_pretrained(dir.string()));
      const std::string where = dir.filename().string() + " " + r["id"].get<std::string>();
      ASSERT_EQ(r["template"], "default") << where;
      EXPECT_EQ(tok->special_tokens_map(), r["special_tokens"]) << where;
      ChatTemplateOptions o;
      o.add_generation_prompt = r["add_generation_prompt"].get<bool>();
      if (r.contains("tools")) o.tools = r["tools"];
      std::vector<json> messages(r["messages"].begin(), r["messages"].end());
      if (r.contains("error")) {
        EXPECT_THROW(tok->apply_chat_template(messages, o), automodel::Error) << where;
      } else {
        try {
          EXPECT_EQ(tok->apply_chat_template(messages, o), r["rendered"].get<std::string>()) << where;
          EXPECT_EQ(json(tok->apply_chat_template_ids(messages, o)), r["ids"]) << where;
        } catch (const std::exception& e) {
          ADD_FAILURE() << where << ": " << e.what();
        }
      }
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no chat records in the fixtures";
}

}  // namespace
