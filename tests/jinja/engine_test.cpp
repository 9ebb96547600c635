// Engine behaviour beyond the Python reference tables: error locations, resource limits,
// values in and out of JSON, custom callables, and transformers' chat rendering helper.
#include <gtest/gtest.h>

#include <ctime>

#include "automodel/jinja/template.h"

namespace automodel::jinja {
namespace {

TemplateError render_error(const std::string& source, const json& ctx = json::object(), RenderLimits limits = {}) {
  try {
    Template(source, "t").render(ctx, limits);
  } catch (const TemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << source;
  return TemplateError("none", "none");
}

TEST(JinjaErrors, SyntaxErrorsCarryLineAndColumn) {
  auto e = render_error("line one\n  {{ 1 + }}");
  EXPECT_EQ(e.python_class(), "TemplateSyntaxError");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 10);  // the '}}' where an operand was expected
  EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();

  auto unclosed = render_error("{% for x in y %}\nbody");
  EXPECT_EQ(unclosed.python_class(), "TemplateSyntaxError");
  EXPECT_NE(unclosed.message().find("endfor"), std::string::npos) << unclosed.message();
}

TEST(JinjaErrors, RuntimeErrorsPointAtTheExpression) {
  auto e = render_error("a\nb {{ 'x' + n }}", {{"n", nullptr}});
  EXPECT_EQ(e.python_class(), "TypeError");
  EXPECT_EQ(e.message(), "can only concatenate str (not \"NoneType\") to str");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 6);  // the start of the '+' expression

  auto u = render_error("{{ messages[0]['role'] }}", {{"messages", json::array()}});
  EXPECT_EQ(u.python_class(), "UndefinedError");
  EXPECT_EQ(u.message(), "list object has no element 0");
}

TEST(JinjaErrors, RaiseExceptionIsTemplateError) {
  auto e = render_error("{{ raise_exception('Conversation roles must alternate') }}");
  EXPECT_EQ(e.python_class(), "TemplateError");
  EXPECT_EQ(e.message(), "Conversation roles must alternate");
}

TEST(JinjaLimits, LoopIterationsAreBounded) {
  RenderLimits limits;
  limits.max_loop_iterations = 1000;
  auto e = render_error("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", json::object(), limits);
  EXPECT_EQ(e.python_class(), "ResourceLimitError");
}

TEST(JinjaLimits, OutputSizeIsBounded) {
  RenderLimits limits;
  limits.max_output_bytes = 100;
  EXPECT_EQ(render_error("{{ 'x' * 1000 }}", json::object(), limits).python_class(), "ResourceLimitError");
  EXPECT_EQ(render_error("{% for i in range(1000) %}xy{% endfor %}", json::object(), limits).python_class(),
            "ResourceLimitError");
}

TEST(JinjaLimits, RecursionIsBounded) {
  EXPECT_EQ(render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").python_class(), "RecursionError");
  EXPECT_EQ(render_error("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}").python_class(), "RecursionError");
}

TEST(JinjaLimits, DeepNestingIsRejectedAtParseTime) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_EQ(render_error(deep).python_class(), "TemplateSyntaxError");
  std::string blocks;
  for (int i = 0; i < 3000; ++i) blocks += "{% if true %}";
  EXPECT_EQ(render_error(blocks).python_class(), "TemplateSyntaxError");
}

TEST(JinjaLimits, SelfReferencingNamespaceDoesNotHang) {
  auto e = render_error("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  EXPECT_EQ(e.python_class(), "RecursionError");
  // Growing a value one level per iteration stops at the nesting limit instead of the stack.
  auto deep = render_error("{% set ns = namespace(v=[]) %}{% for i in range(5000) %}{% set ns.v = [ns.v] %}{% endfor %}");
  EXPECT_EQ(deep.python_class(), "ResourceLimitError");
}

TEST(JinjaValues, JsonRoundTripKeepsOrderAndTypes) {
  json j = json::parse(R"({"z": 1, "a": [true, null, 1.5, "s"], "m": {"k": -3}})");
  Value v = Value::from_json(j);
  EXPECT_EQ(v.to_json(), j);
  EXPECT_EQ(v.to_json().dump(), j.dump());  // insertion order kept
  EXPECT_EQ(v.repr(), "{'z': 1, 'a': [True, None, 1.5, 's'], 'm': {'k': -3}}");
}

TEST(JinjaValues, UndefinedCannotBecomeJson) {
  EXPECT_THROW(Value().to_json(), TemplateError);
}

TEST(JinjaValues, NativeCallablesReceiveArguments) {
  std::map<std::string, Value> vars;
  vars["add"] = Value::callable("add", [](CallArgs& a) {
    int64_t sum = 0;
    for (const auto& v : a.positional) sum += v.as_int();
    for (const auto& [k, v] : a.keyword) sum += v.as_int();
    return Value(sum);
  });
  EXPECT_EQ(Template("{{ add(1, 2, x=3) }}").render_values(vars), "6");
}

TEST(JinjaValues, StrftimeNowUsesLocalTime) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char year[16];
  std::strftime(year, sizeof year, "%Y", &local);
  EXPECT_EQ(Template("{{ strftime_now('%Y') }}").render(json::object()), year);
}

TEST(JinjaTemplate, ParsesOnceRendersMany) {
  Template tpl("{% for m in messages %}{{ m }};{% endfor %}");
  EXPECT_EQ(tpl.render({{"messages", {1, 2}}}), "1;2;");
  EXPECT_EQ(tpl.render({{"messages", {"a"}}}), "a;");
  EXPECT_EQ(tpl.render(json::object()), "");
}

const char* kLlama3 =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + "
    "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

TEST(ChatTemplate, PassesTransformersVariables) {
  Template tpl("{{ bos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|{{ extra }}|"
               "{{ messages | length }}");
  ChatTemplateInputs in;
  in.messages = json::array({{{"role", "user"}, {"content", "hi"}}});
  in.special_tokens = {{"bos_token", "<s>"}, {"extra", "from special tokens"}};
  in.extra_variables = {{"extra", "kwarg wins"}};
  in.add_generation_prompt = true;
  EXPECT_EQ(render_chat_template(tpl, in), "<s>|True|True|True|kwarg wins|1");
  in.tools = json::array({{{"type", "function"}}});
  EXPECT_EQ(render_chat_template(tpl, in).substr(0, 10), "<s>|False|");
}

TEST(ChatTemplate, ContinueFinalMessageCutsAfterTheLastContent) {
  Template tpl(kLlama3);
  ChatTemplateInputs in;
  in.messages = json::array({{{"role", "user"}, {"content", "Hi"}}, {{"role", "assistant"}, {"content", "The answer is"}}});
  in.special_tokens = {{"bos_token", "<|begin_of_text|>"}};
  in.continue_final_message = true;
  EXPECT_EQ(render_chat_template(tpl, in),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nThe answer is");
  // The template trims the content; transformers then looks for the stripped text.
  in.messages[1]["content"] = "The answer is ";
  std::string out = render_chat_template(tpl, in);
  EXPECT_EQ(out.substr(out.size() - 13), "The answer is");
  // Content given as a list of blocks: the last block's text.
  in.messages[1]["content"] = json::array({{{"type", "text"}, {"text", "The answer is"}}});
  Template blocks("{% for m in messages %}[{{ m['content'] if m['content'] is string else m['content'][0]['text'] }}]{% endfor %}");
  EXPECT_EQ(render_chat_template(blocks, in), "[Hi][The answer is");
}

TEST(ChatTemplate, ContinueFinalMessageErrors) {
  Template tpl(kLlama3);
  ChatTemplateInputs in;
  in.messages = json::array({{{"role", "assistant"}, {"content", "x"}}});
  in.continue_final_message = true;
  in.add_generation_prompt = true;
  EXPECT_THROW(render_chat_template(tpl, in), Error);
  Template drops("{{ 'nothing' }}");
  in.add_generation_prompt = false;
  in.messages[0]["content"] = "absent text";
  EXPECT_THROW(render_chat_template(drops, in), Error);
}

}  // namespace
}  // namespace automodel::jinja
