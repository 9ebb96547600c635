// Writes our forward logits for fixed ids to a safetensors file: dump_logits <model_dir> <out.safetensors>
#include <iostream>
#include "automodel/hub/safetensors.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/sequence_classification.h"
#include "automodel/hub/json_file.h"
using namespace automodel;
int main(int argc, char** argv) {
  FromPretrainedOptions o; o.torch_dtype = "float32";
  json cfg = read_json_file(std::string(argv[1]) + "/config.json");
  std::string arch = cfg["architectures"][0].get<std::string>();
  int64_t vocab = cfg.value("vocab_size", int64_t(512));
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 16; ++i) ids.push_back((3 + 37 * i) % vocab);
  Tensor t = Tensor::from_vector(ids, {2, 8});
  Tensor logits;
  if (arch.find("ForSequenceClassification") != std::string::npos) {
    auto m = AutoModelForSequenceClassification::from_pretrained(argv[1], o);
    logits = m->forward(t);
  } else {
    auto m = AutoModelForCausalLM::from_pretrained(argv[1], o);
    logits = m->forward(t, Tensor(), Tensor(), nullptr).logits;
  }
  save_safetensors(argv[2], {{"logits", logits.contiguous()}, {"input_ids", t}});
  std::cout << "ok " << logits.shape().str() << "\n";
}
