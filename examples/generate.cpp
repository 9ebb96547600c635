// generate: the transformers quick-start in C++. Tokenize a prompt, generate greedily, print the
// continuation as it is produced (TextStreamer), then the decoded result of the call.
//
//   ./build/examples/generate <model folder or Hub id> "The capital of France is" [max_new_tokens]
#include <automodel/automodel.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: generate <model> <prompt> [max_new_tokens]\n";
    return 2;
  }
  try {
    const std::string model_id = argv[1], prompt = argv[2];
    const int max_new_tokens = argc > 3 ? std::stoi(argv[3]) : 32;

    auto tokenizer = automodel::AutoTokenizer::from_pretrained(model_id);
    auto model = automodel::AutoModelForCausalLM::from_pretrained(model_id);

    automodel::BatchEncoding inputs = tokenizer(prompt);  // input_ids + attention_mask
    automodel::TextStreamer streamer(tokenizer, [](const std::string& text) { std::cout << text << std::flush; });
    automodel::GenerateOptions options;
    options.streamer = &streamer;
    const automodel::json kwargs = {{"max_new_tokens", max_new_tokens}, {"do_sample", false}};
    automodel::GenerateOutput out = automodel::generate(*model, inputs, kwargs, std::move(options));
    std::cout << "\n";

    // The same text from the returned ids: tokenizer.batch_decode(new tokens, skip_special_tokens=True).
    automodel::DecodeOptions decode;
    decode.skip_special_tokens = true;
    const auto texts = tokenizer.batch_decode(automodel::generated_tokens(out, inputs), decode);
    std::cerr << "(" << out.sequences.size(1) - inputs.input_ids[0].size() << " new tokens; decoded: "
              << automodel::json(texts[0]).dump() << ")\n";
    return 0;
  } catch (const automodel::Error& e) {
    std::cerr << "generate: " << e.what() << "\n";
    return 1;
  }
}
