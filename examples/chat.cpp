// chat: a multi-turn conversation with a chat model. Each line from stdin is a user message; the
// history goes through the model's chat template (apply_chat_template with
// add_generation_prompt) and the reply streams back and joins the history. Ctrl-D ends.
//
//   ./build/examples/chat <chat model folder or Hub id> [system prompt]
#include <automodel/automodel.h>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: chat <model> [system prompt]\n";
    return 2;
  }
  try {
    auto tokenizer = automodel::AutoTokenizer::from_pretrained(argv[1]);
    auto model = automodel::AutoModelForCausalLM::from_pretrained(argv[1]);

    std::vector<automodel::ChatMessage> history;
    if (argc > 2) history.push_back({{"role", "system"}, {"content", argv[2]}});
    automodel::ChatTemplateOptions template_options;
    template_options.add_generation_prompt = true;

    std::string line;
    while (std::cout << "> " << std::flush, std::getline(std::cin, line)) {
      history.push_back({{"role", "user"}, {"content", line}});
      const std::vector<int32_t> ids = tokenizer.apply_chat_template_ids(history, template_options);

      automodel::TextStreamer streamer(tokenizer, [](const std::string& text) { std::cout << text << std::flush; });
      automodel::GenerateOptions options;
      options.streamer = &streamer;
      const automodel::Tensor input = automodel::to_tensor({ids});
      const auto out = automodel::generate(*model, input, automodel::Tensor(), {{"max_new_tokens", 256}}, std::move(options));
      std::cout << "\n";

      automodel::DecodeOptions decode;
      decode.skip_special_tokens = true;
      const std::string reply = tokenizer.decode(automodel::generated_tokens(out, ids.size())[0], decode);
      history.push_back({{"role", "assistant"}, {"content", reply}});
    }
    std::cout << "\n";
    return 0;
  } catch (const automodel::Error& e) {
    std::cerr << "chat: " << e.what() << "\n";
    return 1;
  }
}
