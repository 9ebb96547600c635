// apply_chat_template through AutoTokenizer: the special-token variables transformers passes,
// tokenize (encode without special tokens), named templates and tool_use, chat_template.jinja,
// continue_final_message and the errors. (Fixture chat goldens: tests/tokenizers_auto_parity.)
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

fs::path folder_with_config(const fs::path& root, const std::string& name, const json& config) {
  fs::path dir = automodel::testing::scratch_dir(name);
  fs::copy_file(root / "tokenizers" / "gpt2" / "tokenizer.json", dir / "tokenizer.json");
  std::ofstream(dir / "tokenizer_config.json") << config.dump();
  return dir;
}

const std::vector<json> kConversation = {{{"role", "user"}, {"content", "Hi"}}, {{"role", "assistant"}, {"content", "Hello"}}};
const char* kSimple = "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}"
                      "{% if add_generation_prompt %}<assistant>{% endif %}";

TEST(ChatTemplate, StringTemplateSpecialTokensAndTokenize) {
  AM_REQUIRE_FIXTURES(root);
  if (!fs::exists(root / "tokenizers" / "gpt2" / "tokenizer.json")) GTEST_SKIP() << "gpt2 fixture absent";
  auto dir = folder_with_config(root, "chat-string", {{"chat_template", std::string("{{ bos_token }}|{{ eos_token }}|") + kSimple}});
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  // GPT2TokenizerFast class defaults: bos = eos = unk = <|endoftext|>.
  EXPECT_EQ(tok.apply_chat_template(kConversation),
            "<|endoftext|>|<|endoftext|>|<user>Hi</user><assistant>Hello</assistant>");
  ChatTemplateOptions gen;
  gen.add_generation_prompt = true;
  auto text = tok.apply_chat_template({kConversation[0]}, gen);
  EXPECT_EQ(text, "<|endoftext|>|<|endoftext|>|<user>Hi</user><assistant>");
  EXPECT_EQ(tok.apply_chat_template_ids({kConversation[0]}, gen), tok.encode(text, false));
  // continue_final_message stops right after the last message's content.
  ChatTemplateOptions cont;
  cont.continue_final_message = true;
  EXPECT_EQ(tok.apply_chat_template(kConversation, cont), "<|endoftext|>|<|endoftext|>|<user>Hi</user><assistant>Hello");
}

TEST(ChatTemplate, NamedTemplatesAndToolUse) {
  AM_REQUIRE_FIXTURES(root);
  if (!fs::exists(root / "tokenizers" / "gpt2" / "tokenizer.json")) GTEST_SKIP() << "gpt2 fixture absent";
  json list = json::array({{{"name", "default"}, {"template", "D:{{ messages[0].content }}"}},
                           {{"name", "tool_use"}, {"template", "T:{{ tools[0].name }}"}},
                           {{"name", "rag"}, {"template", "R:{{ documents[0].text }}"}}});
  auto tok = AutoTokenizer::from_pretrained(folder_with_config(root, "chat-named", {{"chat_template", list}}).string());
  EXPECT_EQ(tok.apply_chat_template(kConversation), "D:Hi");
  ChatTemplateOptions tools;
  tools.tools = json::array({{{"name", "get_weather"}}});
  EXPECT_EQ(tok.apply_chat_template(kConversation, tools), "T:get_weather");
  ChatTemplateOptions rag;
  rag.chat_template = "rag";
  rag.documents = json::array({{{"text", "doc"}}});
  EXPECT_EQ(tok.apply_chat_template(kConversation, rag), "R:doc");
  // A chat_template that is not a name is the template text itself.
  ChatTemplateOptions inline_text;
  inline_text.chat_template = "X{{ messages|length }}";
  EXPECT_EQ(tok.apply_chat_template(kConversation, inline_text), "X2");

  json no_default = json::array({{{"name", "a"}, {"template", "A"}}, {{"name", "b"}, {"template", "B"}}});
  auto tok2 = AutoTokenizer::from_pretrained(folder_with_config(root, "chat-nodefault", {{"chat_template", no_default}}).string());
  EXPECT_THROW(tok2.apply_chat_template(kConversation), automodel::Error);
}

TEST(ChatTemplate, ChatTemplateJinjaFileAndMissingTemplate) {
  AM_REQUIRE_FIXTURES(root);
  if (!fs::exists(root / "tokenizers" / "gpt2" / "tokenizer.json")) GTEST_SKIP() << "gpt2 fixture absent";
  auto dir = folder_with_config(root, "chat-jinja-file", {{"chat_template", "inline"}});
  std::ofstream(dir / "chat_template.jinja") << kSimple;
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  EXPECT_EQ(tok.apply_chat_template(kConversation), "<user>Hi</user><assistant>Hello</assistant>");

  auto none = AutoTokenizer::from_pretrained(folder_with_config(root, "chat-none", json::object()).string());
  try {
    none.apply_chat_template(kConversation);
    FAIL() << "expected an error";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("chat_template is not set"), std::string::npos) << e.what();
  }
  // A template with a syntax error names its line and column.
  auto broken = AutoTokenizer::from_pretrained(folder_with_config(root, "chat-broken", {{"chat_template", "line1\n{% for %}"}}).string());
  try {
    broken.apply_chat_template(kConversation);
    FAIL() << "expected an error";
  } catch (const automodel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

}  // namespace
