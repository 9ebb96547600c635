// automodel chat <model>: an interactive multi-turn conversation. Each line you type is a user
// message; the whole history goes through the chat template (add_generation_prompt) and the
// reply streams back as it is generated and joins the history. Commands: /reset (forget the
// conversation), /history (print it as JSON), /exit; Ctrl-D quits.
#include <unistd.h>

#include <iostream>

#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

struct ChatCmd {
  ModelFlags model;
  GenerationFlags gen;
  std::string system, chat_template;
};

void run_chat(ChatCmd& c) {
  if (!c.gen.max_new_tokens) c.gen.max_new_tokens = 512;  // a reply, not transformers' 20-token total
  LoadedModel m = load_model(c.model);
  const AutoTokenizer& tok = *m.tokenizer;
  ChatTemplateOptions topts;
  topts.add_generation_prompt = true;
  topts.chat_template = chat_template_arg(c.chat_template);
  try {
    (void)tok.get_chat_template(topts.chat_template);
  } catch (const Error& e) {
    fail("chat: ", e.what(), " (give one with --chat-template FILE)");
  }
  const bool interactive = isatty(STDIN_FILENO) == 1;
  const json kwargs = generation_kwargs(c.gen);

  std::vector<ChatMessage> history;
  auto reset = [&] {
    history.clear();
    if (!c.system.empty()) history.push_back({{"role", "system"}, {"content", c.system}});
  };
  reset();
  if (interactive) write_out("chatting with " + m.folder.filename().string() + " — /reset, /history, /exit, Ctrl-D to quit\n");
  std::string line;
  while (true) {
    if (interactive) write_out("> ");
    if (!std::getline(std::cin, line)) break;  // Ctrl-D / end of input
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      write_out("(conversation cleared)\n");
      continue;
    }
    if (line == "/history") {
      write_out(json(history).dump() + "\n");
      continue;
    }
    history.push_back({{"role", "user"}, {"content", line}});
    const std::vector<int32_t> ids = tok.apply_chat_template_ids(history, topts);
    TextStreamer streamer(tok, [](const std::string& piece) { write_out(piece); });
    GenerateOptions options = generation_options(c.gen, tok);
    const bool beams = c.gen.num_beams.value_or(1) > 1;
    if (!beams) options.streamer = &streamer;
    const Tensor input = Tensor::from_vector(std::vector<int64_t>(ids.begin(), ids.end()), {1, int64_t(ids.size())});
    const GenerateOutput out = generate(*m.model, input, Tensor(), kwargs, std::move(options));
    const std::string reply = tok.decode(generated_tokens(out, ids.size())[0], {true, std::nullopt});
    if (beams) write_out(reply);
    write_out("\n");
    history.push_back({{"role", "assistant"}, {"content", reply}});
  }
  if (interactive) write_out("\n");
}

void setup(CLI::App& parent) {
  auto c = std::make_shared<ChatCmd>();
  auto* cmd = parent.add_subcommand("chat", "Interactive multi-turn chat with the model's chat template (/reset, Ctrl-D quits)");
  add_model_flags(cmd, c->model);
  add_generation_flags(cmd, c->gen);
  cmd->add_option("--system", c->system, "A system message at the start of every conversation");
  cmd->add_option("--chat-template", c->chat_template, "A template file, template text or template name instead of the tokenizer's");
  cmd->callback([c] { run_chat(*c); });
}

AUTOMODEL_COMMAND("chat", setup);

}  // namespace
}  // namespace automodel::cli
