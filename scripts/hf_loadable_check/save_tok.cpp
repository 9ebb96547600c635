// save_tok <in> <out>: AutoTokenizer::from_pretrained(in).save_pretrained(out)
#include <iostream>
#include "automodel/tokenizers/auto_tokenizer.h"
int main(int argc, char** argv) {
  auto t = automodel::AutoTokenizer::from_pretrained(argv[1]);
  for (const auto& f : t.save_pretrained(argv[2])) std::cout << f << " ";
  std::cout << "\n";
}
