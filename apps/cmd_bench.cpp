// automodel bench <model>: how fast this machine runs a model — prefill tok/s, time to first
// token, decode tok/s and peak resident memory, measured by the same library function as
// bench/generate_bench (automodel/generation/measure.h). The prompt is random token ids of the
// requested length (or the tokenized --prompt); decoding is greedy for exactly --new-tokens.
#include <iostream>
#include <random>

#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

struct BenchCmd {
  ModelFlags model;
  int64_t prompt_tokens = 128, new_tokens = 64;
  int repeat = 1;
  std::string prompt;
  bool json_out = false;
};

void run_bench(const BenchCmd& c) {
  const bool text_prompt = !c.prompt.empty();
  LoadedModel m = load_model(c.model, /*with_model=*/true, /*with_tokenizer=*/text_prompt);
  std::vector<int64_t> ids;
  if (text_prompt) {
    for (int32_t id : m.tokenizer->encode(c.prompt)) ids.push_back(id);
    AM_CHECK(!ids.empty(), "--prompt tokenizes to no tokens");
  } else {
    const int64_t vocab = m.model->vocab_size();
    AM_CHECK(vocab > 3, "bench: the model's vocabulary has ", vocab, " tokens; need more than 3 for a random prompt");
    std::mt19937_64 rng(7);
    for (int64_t i = 0; i < c.prompt_tokens; ++i) ids.push_back(int64_t(3 + rng() % uint64_t(vocab - 3)));
  }
  const Tensor input = Tensor::from_vector(ids, {1, int64_t(ids.size())});
  json runs = json::array();
  GenerationTiming best;
  size_t best_run = 0;
  for (int r = 0; r < c.repeat; ++r) {
    const GenerationTiming t = measure_generation(*m.model, input, c.new_tokens);
    runs.push_back({{"prefill_tokens_per_s", t.prefill_tokens_per_s}, {"ttft_s", t.ttft_s},
                    {"decode_tokens_per_s", t.decode_tokens_per_s}, {"total_s", t.total_s}});
    if (r == 0 || t.decode_tokens_per_s > best.decode_tokens_per_s) best = t, best_run = size_t(r);
  }
  if (c.json_out) {
    json j = {{"model", m.folder.string()},
              {"dtype", c.model.dtype},
              {"threads", ThreadPool::global().num_threads()},
              {"prompt_tokens", best.prompt_tokens},
              {"new_tokens", best.new_tokens},
              {"best", runs[best_run]},
              {"runs", runs},
              {"peak_rss_bytes", peak_rss_bytes()}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  char buf[256];
  std::cout << "model           " << m.folder.string() << "\n";
  std::cout << "setup           " << c.model.dtype << ", " << ThreadPool::global().num_threads() << " threads, prompt "
            << best.prompt_tokens << " tokens, " << best.new_tokens << " new tokens (greedy)"
            << (c.repeat > 1 ? ", best of " + std::to_string(c.repeat) : "") << "\n";
  std::snprintf(buf, sizeof buf, "prefill         %.1f tok/s\n", best.prefill_tokens_per_s);
  std::cout << buf;
  std::snprintf(buf, sizeof buf, "time to first   %.3f s\n", best.ttft_s);
  std::cout << buf;
  std::snprintf(buf, sizeof buf, "decode          %.2f tok/s\n", best.decode_tokens_per_s);
  std::cout << buf;
  std::cout << "peak memory     " << human_bytes(peak_rss_bytes()) << " resident (weights are memory-mapped)\n";
}

void setup(CLI::App& parent) {
  auto c = std::make_shared<BenchCmd>();
  auto* cmd = parent.add_subcommand("bench", "Measure prefill and decode speed (tok/s), time to first token and peak memory");
  add_model_flags(cmd, c->model);
  cmd->add_option("--prompt-tokens,-p", c->prompt_tokens, "Random prompt length in tokens")
      ->check(greater_than(0))->capture_default_str();
  cmd->add_option("--new-tokens,-n", c->new_tokens, "Tokens to generate")->check(greater_than(0))->capture_default_str();
  cmd->add_option("--prompt", c->prompt, "Use this text as the prompt instead of random ids");
  cmd->add_option("--repeat,-r", c->repeat, "Runs; the fastest is reported")->check(greater_than(0))->capture_default_str();
  cmd->add_flag("--json", c->json_out, "Print JSON");
  cmd->callback([c] { run_bench(*c); });
}

AUTOMODEL_COMMAND("bench", setup);

}  // namespace
}  // namespace automodel::cli
