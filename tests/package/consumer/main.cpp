// Uses the installed headers and libraries: lists the registry and, given a model folder,
// tokenizes, generates and decodes (exercising every layer through automodel.h).
#include <automodel/automodel.h>

#include <iostream>

int main(int argc, char** argv) {
  std::cout << "automodel consumer ok: " << automodel::AutoModelForCausalLM::supported_model_types().size()
            << " model types\n";
  if (argc > 1) {
    auto tokenizer = automodel::AutoTokenizer::from_pretrained(argv[1]);
    auto model = automodel::AutoModelForCausalLM::from_pretrained(argv[1]);
    auto inputs = tokenizer(std::string(argv[2]));
    auto out = automodel::generate(*model, inputs, {{"max_new_tokens", 16}, {"do_sample", false}});
    automodel::DecodeOptions decode;
    decode.skip_special_tokens = true;
    std::cout << "[" << tokenizer.batch_decode(automodel::generated_tokens(out, inputs), decode)[0] << "]\n";
  }
  return 0;
}
