// libFuzzer target: parse and render arbitrary template text against a small fixed context
// shaped like a chat (messages, tools, special tokens). Any outcome is fine except a crash, a
// hang, a leak or unbounded memory: the render limits below keep loops, output and recursion
// small, and the parser bounds nesting itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "automodel/jinja/template.h"

namespace {

const automodel::json& fuzz_context() {
  static const automodel::json ctx = automodel::json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are helpful."},
      {"role": "user", "content": "Hi <b>there</b> 😺"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
      {"role": "tool", "content": "{\"ok\": true}"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>", "eos_token": "</s>",
    "numbers": [3, -1, 2.5, 0], "nested": {"a": {"b": [1, {"c": "d"}]}}
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string source(reinterpret_cast<const char*>(data), size);
  automodel::jinja::RenderLimits limits;
  limits.max_output_bytes = 1 << 16;
  limits.max_loop_iterations = 20000;
  limits.max_call_depth = 40;
  try {
    automodel::jinja::Template tpl(source, "fuzz");
    (void)tpl.render(fuzz_context(), limits);
  } catch (const automodel::jinja::TemplateError&) {
  }
  return 0;
}
