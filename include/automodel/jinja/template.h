// A Jinja2 template engine that renders Hugging Face chat templates exactly as Python Jinja2
// does inside transformers' `apply_chat_template`: ImmutableSandboxedEnvironment with
// trim_blocks, lstrip_blocks and the loopcontrols extension, `tojson` = json.dumps with
// ensure_ascii=False, and the globals `raise_exception` and `strftime_now`.
//
//   jinja::Template tpl(source, "chat_template");     // parses once; TemplateSyntaxError
//   std::string text = tpl.render({{"messages", msgs}, {"add_generation_prompt", true}});
//
// Errors carry the Python exception class Jinja2 would have raised (TemplateSyntaxError,
// TemplateError, UndefinedError, TypeError, SecurityError, ...) and the template line/column.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/jinja/value.h"

namespace automodel::jinja {

// A failure while parsing or rendering. `python_class()` is the exception class Python Jinja2
// raises in the same situation; what() reads "<class>: <message> (template '<name>', line L,
// column C)".
class TemplateError : public automodel::Error {
 public:
  TemplateError(std::string python_class, std::string message, std::string template_name = {},
                int line = 0, int column = 0);
  const std::string& python_class() const { return class_; }
  const std::string& message() const { return message_; }
  const std::string& template_name() const { return name_; }
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based; 0 when unknown

 private:
  std::string class_, message_, name_;
  int line_, column_;
};

// Bounds that keep a hostile or buggy template from hanging or exhausting memory or the stack.
// Exceeding one raises TemplateError of class "ResourceLimitError".
struct RenderLimits {
  size_t max_output_bytes = size_t{256} << 20;  // rendered text and any single string built
  size_t max_loop_iterations = 50'000'000;      // total over the whole render
  int max_call_depth = 200;                     // nested macro calls / recursive loops / calls
};

struct TemplateNode;  // parsed form (internal)

class Template {
 public:
  // Parses `source`; `name` appears in error messages. Throws TemplateError
  // ("TemplateSyntaxError") with the line and column of the offending token.
  explicit Template(const std::string& source, std::string name = "<template>");
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with the JSON object `context` as variables (keys = names), on top of the
  // environment globals (range, dict, namespace, cycler, joiner, raise_exception, strftime_now).
  std::string render(const json& context, const RenderLimits& limits = {}) const;
  // Same with Values, for variables that are not JSON (callables).
  std::string render_values(const std::map<std::string, Value>& variables, const RenderLimits& limits = {}) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const TemplateNode> root_;
};

// The arguments transformers 4.47 passes to a chat template.
struct ChatTemplateInputs {
  json messages = json::array();          // list of {role, content, ...}
  std::optional<json> tools;              // list of JSON schemas; absent = None
  std::optional<json> documents;          // absent = None
  bool add_generation_prompt = false;
  // transformers' continue_final_message: cut the rendered text right after the final message's
  // content so the model continues that message (incompatible with add_generation_prompt).
  bool continue_final_message = false;
  json special_tokens = json::object();   // bos_token, eos_token, ... (tokenizer.special_tokens_map)
  json extra_variables = json::object();  // apply_chat_template **kwargs; override special tokens
};

// template.render(messages=..., tools=..., documents=..., add_generation_prompt=...,
// **special_tokens, **kwargs) followed by transformers' continue_final_message truncation.
// Throws TemplateError on template failures and automodel::Error on invalid inputs (e.g.
// continue_final_message with add_generation_prompt, or a final message the template dropped).
std::string render_chat_template(const Template& tpl, const ChatTemplateInputs& inputs,
                                 const RenderLimits& limits = {});

}  // namespace automodel::jinja
