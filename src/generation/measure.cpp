#include "automodel/generation/measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/generation/generate.h"

namespace automodel {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

GenerationTiming measure_generation(CausalLM& model, const Tensor& input_ids, int64_t new_tokens, int prefill_runs) {
  AM_CHECK(input_ids.dim() == 2 && input_ids.size(0) == 1, "measure_generation: input_ids must be [1, prompt_len], found ",
           input_ids.shape().str());
  AM_CHECK(new_tokens >= 1, "measure_generation: new_tokens must be at least 1, found ", new_tokens);
  AM_CHECK(prefill_runs >= 1, "measure_generation: prefill_runs must be at least 1, found ", prefill_runs);
  GenerationTiming r;
  r.prompt_tokens = input_ids.size(1);
  for (int run = 0; run <= prefill_runs; ++run) {  // run 0 is the warm-up
    auto cache = model.new_cache(1, r.prompt_tokens + new_tokens);
    const auto t0 = Clock::now();
    model.forward(input_ids, Tensor(), Tensor(), cache.get(), /*only_last_logits=*/true);
    if (run > 0) r.prefill_tokens_per_s = std::max(r.prefill_tokens_per_s, double(r.prompt_tokens) / seconds_since(t0));
  }
  std::vector<double> stamps;  // seconds since the call, one per generated token
  const auto t0 = Clock::now();
  CallbackStreamer streamer([&](const Tensor& t) {
    if (t.dim() == 1) stamps.push_back(seconds_since(t0));
  });
  GenerateOptions options;
  options.streamer = &streamer;
  const json kwargs = {{"max_new_tokens", new_tokens}, {"min_new_tokens", new_tokens}, {"do_sample", false}, {"num_beams", 1}};
  generate(model, input_ids, Tensor(), kwargs, std::move(options));
  r.total_s = seconds_since(t0);
  r.new_tokens = int64_t(stamps.size());
  if (!stamps.empty()) r.ttft_s = stamps.front();
  if (stamps.size() > 1) r.decode_tokens_per_s = double(stamps.size() - 1) / (stamps.back() - stamps.front());
  r.peak_rss_bytes = peak_rss_bytes();
  return r;
}

}  // namespace automodel
