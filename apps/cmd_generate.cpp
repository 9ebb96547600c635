// automodel generate <model> [prompt]: text in, text out, like transformers'
// `model.generate(**tokenizer(prompt))` followed by `decode(new tokens, skip_special_tokens=True)`.
// The new text streams to stdout as tokens are produced (beam search prints at the end, as HF
// cannot stream beams either); --json prints one JSON object with the ids and texts instead.
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

struct GenerateCmd {
  ModelFlags model;
  GenerationFlags gen;
  std::string prompt, system, chat_template;
  bool prompt_given = false, chat = false, json_out = false, no_special_tokens = false;
};

std::string read_stdin() {
  if (isatty(STDIN_FILENO) == 1) std::cerr << "reading the prompt from stdin (end it with Ctrl-D)\n";
  std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  return s;
}

std::vector<int64_t> as_int64(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }

void run_generate(GenerateCmd& c) {
  if (!c.prompt_given) c.prompt = read_stdin();
  LoadedModel m = load_model(c.model);
  const AutoTokenizer& tok = *m.tokenizer;

  std::vector<int32_t> prompt_ids;
  std::string rendered;
  if (c.chat) {
    std::vector<ChatMessage> messages;
    if (!c.system.empty()) messages.push_back({{"role", "system"}, {"content", c.system}});
    messages.push_back({{"role", "user"}, {"content", c.prompt}});
    ChatTemplateOptions o;
    o.add_generation_prompt = true;
    o.chat_template = chat_template_arg(c.chat_template);
    rendered = tok.apply_chat_template(messages, o);
    prompt_ids = tok.apply_chat_template_ids(messages, o);
  } else {
    AM_CHECK(c.system.empty() && c.chat_template.empty(), "--system and --chat-template need --chat");
    prompt_ids = tok.encode(c.prompt, !c.no_special_tokens);
  }
  AM_CHECK(!prompt_ids.empty(), "the prompt is empty after tokenization (give text, or keep the special tokens)");

  const json kwargs = generation_kwargs(c.gen);
  GenerateOptions options = generation_options(c.gen, tok);
  const bool beams = c.gen.num_beams.value_or(1) > 1 ||
                     (!c.gen.num_beams && m.model->generation_config_json().is_object() &&
                      m.model->generation_config_json().value("num_beams", 1) > 1);
  const bool stream = !c.json_out && !beams;
  TextStreamer streamer(tok, [](const std::string& piece) { write_out(piece); });
  if (stream) options.streamer = &streamer;

  const Tensor input = Tensor::from_vector(as_int64(prompt_ids), {1, int64_t(prompt_ids.size())});
  const GenerateOutput out = generate(*m.model, input, Tensor(), kwargs, std::move(options));
  const std::vector<int32_t> new_ids = generated_tokens(out, prompt_ids.size())[0];
  // Finished rows are padded only in batches; a single row ends at eos. Trailing pads from
  // beam search's fixed width are dropped for the text.
  const std::string text = tok.decode(new_ids, {true, std::nullopt});

  if (c.json_out) {
    json j = json::object();
    j["model"] = m.folder.string();
    if (c.chat) j["prompt_text"] = rendered;
    j["prompt_ids"] = prompt_ids;
    j["new_ids"] = new_ids;
    j["text"] = text;
    j["full_text"] = tok.decode(to_rows(out.sequences)[0], {false, std::nullopt});
    j["generation_config"] = {{"max_length", out.config.max_length}, {"do_sample", out.config.do_sample},
                              {"num_beams", out.config.num_beams}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (!stream) write_out(text);
  write_out("\n");
}

void setup(CLI::App& parent) {
  auto c = std::make_shared<GenerateCmd>();
  auto* cmd = parent.add_subcommand("generate", "Generate text from a prompt (streams tokens to stdout as they are produced)");
  add_model_flags(cmd, c->model);
  cmd->add_option("prompt", c->prompt, "Prompt text (default: read stdin to the end)");
  add_generation_flags(cmd, c->gen);
  cmd->add_flag("--chat", c->chat, "Wrap the prompt as a user message in the model's chat template");
  cmd->add_option("--system", c->system, "With --chat: a system message first");
  cmd->add_option("--chat-template", c->chat_template,
                  "With --chat: a template file, template text or template name instead of the tokenizer's");
  cmd->add_flag("--no-special-tokens", c->no_special_tokens, "Tokenize the prompt without BOS/EOS (add_special_tokens=False)");
  cmd->add_flag("--json", c->json_out, "Print one JSON object (prompt_ids, new_ids, text, full_text) instead of streaming");
  cmd->callback([c, cmd] {
    c->prompt_given = cmd->count("prompt") > 0;
    run_generate(*c);
  });
}

AUTOMODEL_COMMAND("generate", setup);

}  // namespace
}  // namespace automodel::cli
