// AutoTokenizer.apply_chat_template (transformers 4.47): template selection (string, named
// list, chat_template.jinja), the variables transformers passes (special_tokens_map, tools,
// documents, add_generation_prompt, kwargs), rendering with our Jinja2 engine, and tokenizing
// the result without special tokens.
#include "automodel/core/error.h"
#include "automodel/jinja/template.h"
#include "automodel/tokenizers/auto_tokenizer.h"

namespace automodel::tokenizers {

std::string AutoTokenizer::get_chat_template(const std::optional<std::string>& name) const {
  return get_chat_template(name, false);
}

std::string AutoTokenizer::get_chat_template(const std::optional<std::string>& name, bool has_tools) const {
  const auto& templates = config_.chat_templates;
  // A single string template is stored as "default"; a list gives several names.
  const bool named = !(templates.size() == 1 && templates.count("default"));
  if (name) {
    if (auto it = templates.find(*name); it != templates.end()) return it->second;
    return *name;  // transformers: a chat_template that is not a template name is the template text
  }
  if (named && has_tools)
    if (auto it = templates.find("tool_use"); it != templates.end()) return it->second;
  if (auto it = templates.find("default"); it != templates.end()) return it->second;
  if (templates.empty())
    fail("ValueError: Cannot use chat template functions because tokenizer.chat_template is not set and no template "
         "argument was passed! (", folder().string(), " has no chat_template in tokenizer_config.json and no "
         "chat_template.jinja)");
  std::string names;
  for (const auto& [n, t] : templates) names += (names.empty() ? "" : ", ") + n;
  fail("ValueError: This model has multiple chat templates with no default specified! Please either pass a chat "
       "template or the name of the template you wish to use to the `chat_template` argument. Available template "
       "names are [", names, "].");
}

json AutoTokenizer::special_tokens_map() const {
  // PreTrainedTokenizerBase.special_tokens_map: the attributes that are set (truthy).
  json m = json::object();
  auto put = [&](const char* key, const std::optional<std::string>& v) {
    if (v && !v->empty()) m[key] = *v;
  };
  put("bos_token", bos_);
  put("eos_token", eos_);
  put("unk_token", unk_);
  put("sep_token", sep_);
  put("pad_token", pad_);
  put("cls_token", cls_);
  put("mask_token", mask_);
  if (!additional_.empty()) m["additional_special_tokens"] = additional_;
  return m;
}

std::string AutoTokenizer::apply_chat_template(const std::vector<ChatMessage>& messages,
                                               const ChatTemplateOptions& options) const {
  const bool has_tools = !options.tools.is_null();
  const std::string source = get_chat_template(options.chat_template, has_tools);
  jinja::Template tpl(source, options.chat_template.value_or("chat_template"));
  jinja::ChatTemplateInputs in;
  in.messages = json::array();
  for (const auto& m : messages) in.messages.push_back(m);
  if (has_tools) {
    AM_CHECK(options.tools.is_array(), "apply_chat_template: tools must be a list of JSON schemas, found ",
             json_type_name(options.tools));
    in.tools = options.tools;
  }
  if (!options.documents.is_null()) in.documents = options.documents;
  in.add_generation_prompt = options.add_generation_prompt;
  in.continue_final_message = options.continue_final_message;
  in.special_tokens = special_tokens_map();
  in.extra_variables = options.extra_context.is_null() ? json::object() : options.extra_context;
  return jinja::render_chat_template(tpl, in);
}

std::vector<int32_t> AutoTokenizer::apply_chat_template_ids(const std::vector<ChatMessage>& messages,
                                                            const ChatTemplateOptions& options) const {
  return encode(apply_chat_template(messages, options), /*add_special_tokens=*/false);
}

}  // namespace automodel::tokenizers
