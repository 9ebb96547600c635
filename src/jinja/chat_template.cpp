// transformers 4.47 `apply_chat_template` rendering step: the variables it passes to the
// template and its continue_final_message truncation.
#include "automodel/jinja/template.h"

namespace automodel::jinja {

std::string render_chat_template(const Template& tpl, const ChatTemplateInputs& in, const RenderLimits& limits) {
  if (in.continue_final_message && in.add_generation_prompt)
    fail("continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you "
         "want the model to continue the final message, and add_generation_prompt when you want to add a header "
         "that will prompt it to start a new assistant message instead.");
  AM_CHECK(in.messages.is_array(), "chat template: messages must be a JSON array, got ", json_type_name(in.messages));
  AM_CHECK(in.special_tokens.is_object(), "chat template: special_tokens must be a JSON object");
  AM_CHECK(in.extra_variables.is_object(), "chat template: extra_variables must be a JSON object");
  std::map<std::string, Value> vars;
  // {**special_tokens_map, **kwargs}, then the named arguments of render().
  for (auto it = in.special_tokens.begin(); it != in.special_tokens.end(); ++it) vars[it.key()] = Value::from_json(it.value());
  for (auto it = in.extra_variables.begin(); it != in.extra_variables.end(); ++it) {
    const std::string& k = it.key();
    AM_CHECK(k != "messages" && k != "tools" && k != "documents" && k != "add_generation_prompt",
             "chat template: extra variable '", k, "' collides with an argument of render()");
    vars[k] = Value::from_json(it.value());
  }
  vars["messages"] = Value::from_json(in.messages);
  vars["tools"] = in.tools ? Value::from_json(*in.tools) : Value::none();
  vars["documents"] = in.documents ? Value::from_json(*in.documents) : Value::none();
  vars["add_generation_prompt"] = Value(in.add_generation_prompt);
  std::string rendered = tpl.render_values(vars, limits);
  if (!in.continue_final_message) return rendered;

  AM_CHECK(!in.messages.empty(), "continue_final_message is set but there are no messages");
  const json& last = in.messages.back();
  AM_CHECK(last.is_object() && last.contains("content"), "continue_final_message: the final message has no content");
  json content = last["content"];
  if (content.is_array()) {
    AM_CHECK(!content.empty() && content.back().is_object() && content.back().contains("text") &&
                 content.back()["text"].is_string(),
             "continue_final_message: the final content block has no text");
    content = content.back()["text"];
  }
  AM_CHECK(content.is_string(), "continue_final_message: the final message content must be a string, got ",
           json_type_name(content));
  std::string final_message = content.get<std::string>();
  size_t at = rendered.rfind(final_message);
  if (at == std::string::npos) {
    // Some templates (Llama 3.1) trim messages before rendering; transformers retries stripped.
    Value stripped = Value(final_message);
    std::string s = final_message;
    size_t b = 0, e = s.size();
    auto space = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
    while (b < e && space(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && space(static_cast<unsigned char>(s[e - 1]))) --e;
    final_message = s.substr(b, e - b);
    at = rendered.rfind(final_message);
    AM_CHECK(at != std::string::npos,
             "continue_final_message is set but the final message does not appear in the rendered chat "
             "(the chat template changed or dropped it)");
  }
  return rendered.substr(0, at + final_message.size());
}

}  // namespace automodel::jinja
