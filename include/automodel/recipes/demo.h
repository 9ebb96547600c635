// `automodel demo`: fine-tuning from nothing, with no downloads. It writes a byte-level BPE
// tokenizer and a small random Llama of its own (HF layout), generates a string-reversal task
// ("reverse: abcd =" -> " dcba"), measures exact-match accuracy on held-out prompts, fine-tunes
// with the SFT recipe (run_sft), reloads the saved HF checkpoint and measures again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/models/auto_model.h"

namespace automodel::recipes {

// A tokenizer.json + tokenizer_config.json that HF's PreTrainedTokenizerFast loads: byte-level
// BPE over the 256 bytes (GPT-2's byte-to-unicode alphabet, no merges) plus <s>, </s>, <pad>
// (ids 256, 257, 258). Every string round-trips byte for byte.
void write_byte_level_tokenizer(const std::filesystem::path& dir);
inline constexpr int64_t kDemoVocabSize = 259;

// config.json of a Llama with `sizes` (vocab_size set to kDemoVocabSize) whose bos / eos / pad
// ids are the tokenizer's <s> </s> <pad>.
json demo_llama_config(InitSizes sizes);

struct DemoOptions {
  std::filesystem::path dir = "automodel-demo";  // everything is written here (replaced)
  int64_t train_examples = 6000;
  int64_t test_examples = 100;
  int64_t max_steps = 1000;
  uint64_t seed = 1234;
  bool progress = true;
};

struct DemoResult {
  double accuracy_before = 0, accuracy_after = 0;  // exact match on the held-out prompts
  double train_seconds = 0;
  std::filesystem::path checkpoint;  // the saved HF model folder
};

// The reversal task: prompts and their expected completions (deterministic in seed; prompts
// of the test split never occur in the train split).
struct ReversalTask {
  std::vector<json> train;  // {"prompt", "completion"}
  std::vector<std::pair<std::string, std::string>> test;  // prompt, expected completion
};
ReversalTask make_reversal_task(int64_t train_examples, int64_t test_examples, uint64_t seed);

DemoResult run_demo(const DemoOptions& options);

}  // namespace automodel::recipes
