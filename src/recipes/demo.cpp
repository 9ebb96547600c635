// `automodel demo` (see include/automodel/recipes/demo.h).
#include "automodel/recipes/demo.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

#include "automodel/generation/generate.h"
#include "automodel/models/auto_model.h"
#include "automodel/recipes/recipe_config.h"
#include "automodel/recipes/sft_trainer.h"
#include "automodel/tokenizers/auto_tokenizer.h"

namespace automodel::recipes {

namespace fs = std::filesystem;

namespace {

// GPT-2's reversible byte -> printable code point map (what the ByteLevel pre-tokenizer and
// decoder use): printable Latin-1 bytes map to themselves, the rest to 256 + n in byte order.
std::vector<std::string> byte_level_alphabet() {
  std::vector<int> cps(256, -1);
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    cps[size_t(b)] = printable ? b : 256 + n++;
  }
  std::vector<std::string> out;
  for (int cp : cps) {
    std::string s;
    if (cp < 0x80) {
      s += char(cp);
    } else {
      s += char(0xC0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3F));
    }
    out.push_back(s);
  }
  return out;
}

std::string random_word(std::mt19937_64& rng, int64_t min_len, int64_t max_len) {
  std::uniform_int_distribution<int64_t> len(min_len, max_len);
  std::uniform_int_distribution<int> letter(0, 25);
  std::string w;
  for (int64_t i = 0, n = len(rng); i < n; ++i) w += char('a' + letter(rng));
  return w;
}

std::string prompt_of(const std::string& w) { return "reverse: " + w + " ="; }
std::string completion_of(const std::string& w) { return " " + std::string(w.rbegin(), w.rend()); }

// Greedy exact match over the test prompts, printing a few examples.
double accuracy(CausalLM& model, const tokenizers::AutoTokenizer& tok,
                const std::vector<std::pair<std::string, std::string>>& test, int show) {
  int64_t correct = 0;
  int shown = 0;
  for (const auto& [prompt, expected] : test) {
    const std::vector<int32_t> ids32 = tok.encode(prompt, true);
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    const Tensor input = Tensor::from_vector(ids, {1, int64_t(ids.size())});
    const Tensor mask = Tensor::full({1, int64_t(ids.size())}, 1.0, DType::I64);
    json kwargs = {{"max_new_tokens", int64_t(expected.size()) + 2}, {"do_sample", false}};
    GenerateOutput out = generate(model, input, mask, kwargs);
    std::vector<int64_t> seq = out.sequences.to_vector<int64_t>();
    std::vector<int32_t> fresh(seq.begin() + int64_t(ids.size()), seq.end());
    tokenizers::DecodeOptions d;
    d.skip_special_tokens = true;
    const std::string got = tok.decode(fresh, d);
    const bool ok = got == expected;
    correct += ok;
    if (shown < show) {
      std::cout << "    " << prompt << "  ->  \"" << got << "\"" << (ok ? "  (correct)" : "  (expected \"" + expected + "\")")
                << "\n";
      ++shown;
    }
  }
  return test.empty() ? 0.0 : double(correct) / double(test.size());
}

}  // namespace

void write_byte_level_tokenizer(const fs::path& dir) {
  fs::create_directories(dir);
  const std::vector<std::string> alphabet = byte_level_alphabet();
  json vocab = json::object();
  for (size_t b = 0; b < alphabet.size(); ++b) vocab[alphabet[b]] = int64_t(b);
  const std::vector<std::string> specials = {"<s>", "</s>", "<pad>"};
  json added = json::array();
  for (size_t i = 0; i < specials.size(); ++i) {
    vocab[specials[i]] = int64_t(256 + i);
    added.push_back({{"id", int64_t(256 + i)}, {"content", specials[i]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  json tok = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"pair", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", json::array({256})}, {"tokens", json::array({"<s>"})}}}}}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", json::array()}}},
  };
  write_file_atomic(dir / "tokenizer.json", tok.dump(2) + "\n");
  json added_decoder = json::object();
  for (size_t i = 0; i < specials.size(); ++i)
    added_decoder[std::to_string(256 + i)] = {{"content", specials[i]}, {"lstrip", false}, {"normalized", false},
                                              {"rstrip", false}, {"single_word", false}, {"special", true}};
  json cfg = {{"added_tokens_decoder", added_decoder},
              {"bos_token", "<s>"},
              {"eos_token", "</s>"},
              {"pad_token", "<pad>"},
              {"clean_up_tokenization_spaces", false},
              {"model_max_length", 256},
              {"tokenizer_class", "PreTrainedTokenizerFast"}};
  write_json_file(dir / "tokenizer_config.json", cfg);
}

json demo_llama_config(InitSizes sizes) {
  sizes.vocab_size = kDemoVocabSize;
  json config = default_causal_lm_config("llama", sizes);
  config["bos_token_id"] = 256;
  config["eos_token_id"] = 257;
  config["pad_token_id"] = 258;
  return config;
}

ReversalTask make_reversal_task(int64_t train_examples, int64_t test_examples, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ReversalTask t;
  std::set<std::string> test_words;
  while (int64_t(test_words.size()) < test_examples) test_words.insert(random_word(rng, 3, 6));
  for (const std::string& w : test_words) t.test.emplace_back(prompt_of(w), completion_of(w));
  while (int64_t(t.train.size()) < train_examples) {
    const std::string w = random_word(rng, 3, 6);
    if (test_words.count(w)) continue;
    t.train.push_back({{"prompt", prompt_of(w)}, {"completion", completion_of(w)}});
  }
  return t;
}

DemoResult run_demo(const DemoOptions& o) {
  DemoResult res;
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  fs::create_directories(o.dir);
  const fs::path base = o.dir / "base-model";
  std::cout << "== 1. A tokenizer and a small random Llama of our own (no downloads): " << base << "\n";
  InitSizes sizes;
  sizes.hidden_size = 128;
  sizes.num_layers = 4;
  sizes.num_heads = 4;
  sizes.num_kv_heads = 4;
  sizes.intermediate_size = 384;
  sizes.max_position_embeddings = 128;
  json config = demo_llama_config(sizes);
  config["tie_word_embeddings"] = true;
  const int64_t params = write_random_causal_lm(config, base, o.seed, DType::F32);
  write_byte_level_tokenizer(base);
  std::cout << "   LlamaForCausalLM, " << params << " parameters, byte-level BPE tokenizer (" << kDemoVocabSize
            << " tokens)\n";

  std::cout << "== 2. The task: reverse a word of 3-6 letters (\"reverse: abcd =\" -> \" dcba\")\n";
  const ReversalTask task = make_reversal_task(o.train_examples, o.test_examples, o.seed);
  {
    std::ofstream f(o.dir / "train.jsonl");
    for (const json& r : task.train) f << r.dump() << "\n";
  }
  std::cout << "   " << task.train.size() << " training examples in " << (o.dir / "train.jsonl") << ", "
            << task.test.size() << " held-out prompts\n";

  std::cout << "== 3. Accuracy before fine-tuning (greedy, exact match):\n";
  {
    FromPretrainedOptions fo;
    fo.local_files_only = true;
    auto model = AutoModelForCausalLM::from_pretrained(base.string(), fo);
    auto tok = tokenizers::AutoTokenizer::from_pretrained(base.string());
    res.accuracy_before = accuracy(*model, tok, task.test, 3);
  }
  std::cout << "   accuracy before: " << 100.0 * res.accuracy_before << "%\n";

  std::cout << "== 4. Fine-tuning with the SFT recipe (" << (o.dir / "run" / kRecipeFileName) << ")\n";
  SftRecipe r;
  r.model.name_or_path = base.string();
  r.data.train_file = (o.dir / "train.jsonl").string();
  r.data.format = DataFormat::prompt_completion;
  r.data.max_length = 64;
  r.data.shuffle_seed = int64_t(o.seed);
  r.training.output_dir = (o.dir / "run").string();
  r.training.max_steps = o.max_steps;
  r.training.per_device_batch_size = 32;
  r.training.save_every = o.max_steps / 2;
  r.training.log_every = 50;
  r.training.seed = int64_t(o.seed);
  r.training.max_checkpoints_to_keep = 1;
  r.optim.lr = 2e-3;
  r.optim.weight_decay = 0.01;
  r.scheduler.name = "cosine";
  r.scheduler.warmup_steps = 50;
  SftRunOptions ro;
  ro.progress = o.progress;
  const auto t0 = std::chrono::steady_clock::now();
  const SftResult tr = run_sft(r, ro);
  res.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.checkpoint = tr.final_dir;
  std::cout << "   " << tr.steps << " steps in " << res.train_seconds << " s, last loss " << tr.last_loss << ", "
            << tr.tokens_per_second << " tokens/s; metrics in " << (o.dir / "run" / "training.jsonl") << "\n";

  std::cout << "== 5. Reloading the saved HF checkpoint " << tr.final_dir << " and asking the held-out prompts:\n";
  {
    FromPretrainedOptions fo;
    fo.local_files_only = true;
    auto model = AutoModelForCausalLM::from_pretrained(tr.final_dir.string(), fo);
    auto tok = tokenizers::AutoTokenizer::from_pretrained(tr.final_dir.string());
    res.accuracy_after = accuracy(*model, tok, task.test, 5);
  }
  std::cout << "   accuracy before: " << 100.0 * res.accuracy_before << "%, after: " << 100.0 * res.accuracy_after
            << "% (" << task.test.size() << " held-out prompts)\n";
  std::cout << "   The checkpoint is a plain Hugging Face folder: AutoModelForCausalLM.from_pretrained(\""
            << tr.final_dir.string() << "\") loads it in transformers.\n";
  return res;
}

}  // namespace automodel::recipes
