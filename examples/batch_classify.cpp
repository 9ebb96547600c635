// batch_classify: sequence classification of many texts in one batch, like
//   inputs = tokenizer(texts, padding=True); probs = model(**inputs).logits.softmax(-1)
// Texts come from the arguments, or one per line from stdin. Prints the best label and its
// probability per text (id2label from config.json).
//
//   ./build/examples/batch_classify <classifier folder or Hub id> "great movie" "awful plot"
#include <automodel/automodel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: batch_classify <model> [text ...]   (no texts: one per line from stdin)\n";
    return 2;
  }
  try {
    std::vector<std::string> texts(argv + 2, argv + argc);
    if (texts.empty())
      for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
    if (texts.empty()) return 0;

    auto tokenizer = automodel::AutoTokenizer::from_pretrained(argv[1]);
    automodel::SequenceClassificationOptions seq_cls;
    if (!tokenizer.pad_token() && tokenizer.eos_token()) {
      // Decoder models often have no pad token: pad with eos, and tell the model (as HF users do
      // with tokenizer.pad_token = tokenizer.eos_token; model.config.pad_token_id = ...).
      tokenizer.set_pad_token(tokenizer.eos_token());
      seq_cls.config_overrides["pad_token_id"] = *tokenizer.pad_token_id();
    }
    auto model = automodel::AutoModelForSequenceClassification::from_pretrained(argv[1], {}, seq_cls);

    automodel::CallOptions call;
    call.padding = automodel::PaddingMode::longest;
    call.truncation = automodel::tokenizers::TruncationMode::longest_first;
    const automodel::BatchEncoding batch = tokenizer(texts, call);
    const automodel::Tensor mask = automodel::to_tensor(*batch.attention_mask);
    const automodel::Tensor logits = model->forward(automodel::to_tensor(batch.input_ids), mask).contiguous();

    const int64_t labels = logits.size(1);
    const float* p = logits.data<float>();
    for (size_t i = 0; i < texts.size(); ++i) {
      const float* row = p + i * size_t(labels);
      // softmax over the labels (a single-output regression head prints its value instead)
      const float top = *std::max_element(row, row + labels);
      double sum = 0;
      for (int64_t k = 0; k < labels; ++k) sum += std::exp(double(row[k] - top));
      const int64_t best = std::max_element(row, row + labels) - row;
      const auto& names = model->id2label();
      std::string label = "LABEL_";  // transformers' default name
      if (names.count(best))
        label = names.at(best);
      else
        label += std::to_string(best);
      if (labels == 1)
        std::printf("%-10s %8.4f  %s\n", "score", double(row[0]), texts[i].c_str());
      else
        std::printf("%-10s %7.1f%%  %s\n", label.c_str(), 100.0 / sum, texts[i].c_str());
    }
    return 0;
  } catch (const automodel::Error& e) {
    std::cerr << "batch_classify: " << e.what() << "\n";
    return 1;
  }
}
