// generate_bench: prefill and decode speed of random-weight Llama-shaped models written as HF
// safetensors by this program, against the memory-bandwidth bound measured in the same run.
//
// For each shape (TinyLlama-1.1B: hidden 2048, 22 layers, 32 heads / 4 kv heads, intermediate
// 5632, vocab 32000; "134m": hidden 768, 12 layers, 12 heads, intermediate 2048, vocab 32000)
// and weight dtype (f32, bf16; compute in f32, bf16 weights widened in the kernels as
// llama.cpp does): prompt of --prompt tokens, --new greedy tokens, --threads threads. Prints
// prefill tok/s, decode tok/s, time to first token, peak RSS, and the decode bound =
// (measured read bandwidth) / (weight bytes read per token), with the fraction reached.
//
// The bandwidth of a shared machine drifts (other guests of the host use the same memory), so
// each of --repeat rounds is a pair measured back to back: a generate, then the bandwidth.
// Every round is printed; the summary row takes the median of each column, and "of bound" is
// the median of the rounds' fractions (a fraction compares a decode with the bandwidth of its
// own moment, which one best-of bandwidth against a later decode would not).
//
//   generate_bench [--shape tinyllama|134m|all] [--dtype f32|bf16|all] [--threads N]
//                  [--prompt N] [--new N] [--repeat N] [--dir SCRATCH]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "automodel/core/blas.h"
#include "automodel/core/memory_bandwidth.h"
#include "automodel/core/thread_pool.h"
#include "automodel/generation/generate.h"
#include "automodel/generation/measure.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/models/auto_model.h"

using namespace automodel;
namespace fs = std::filesystem;

namespace {

struct ShapeSpec {
  std::string name;
  InitSizes sizes;
};

// Bytes of weights one decode step reads: every tensor except the input embedding table (one
// row per token); a tied head reads the table once as the head.
int64_t weight_bytes_per_token(const fs::path& dir) {
  Checkpoint ck = Checkpoint::open(dir);
  int64_t total = 0;
  bool has_head = false;
  int64_t embed = 0;
  for (const auto& name : ck.names()) {
    const Tensor t = ck.tensor(name);
    if (name.find("embed_tokens") != std::string::npos) {
      embed = t.nbytes();
      continue;
    }
    if (name == "lm_head.weight") has_head = true;
    total += t.nbytes();
  }
  return has_head ? total : total + embed;
}

struct Result {
  double prefill_tps = 0, decode_tps = 0, ttft_s = 0, rss_gib = 0, bound_tps = 0;
};

Result run_one(CausalLM& model, int prompt_len, int new_tokens) {
  const int64_t vocab = model.vocab_size();
  std::mt19937_64 rng(7);
  std::vector<int64_t> ids(static_cast<size_t>(prompt_len));
  for (auto& v : ids) v = int64_t(3 + rng() % uint64_t(vocab - 3));
  Tensor input = Tensor::from_vector(ids, {1, prompt_len});

  // The measuring itself is the library's (shared with `automodel bench`).
  const GenerationTiming t = measure_generation(model, input, new_tokens);
  Result r;
  r.prefill_tps = t.prefill_tokens_per_s;
  r.ttft_s = t.ttft_s;
  r.decode_tps = t.decode_tokens_per_s;
  r.rss_gib = double(t.peak_rss_bytes) / (1024.0 * 1024.0 * 1024.0);
  return r;
}

template <class T, class F>
double median(const std::vector<T>& xs, F value) {
  std::vector<double> v;
  for (const T& x : xs) v.push_back(value(x));
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One table row; `fraction` < 0: decode / bound of this row.
void print_row(const char* name, DType dt, double bw, const Result& r, double fraction = -1) {
  if (fraction < 0) fraction = r.decode_tps / r.bound_tps;
  std::printf("%-22s %-5s %9.2f %12.1f %11.2f %9.3f %9.2f %11.2f %8.0f%%\n", name,
              std::string(dtype_info(dt).safetensors_name).c_str(), bw / 1e9, r.prefill_tps, r.decode_tps, r.ttft_s,
              r.rss_gib, r.bound_tps, 100.0 * fraction);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string shape_arg = "all", dtype_arg = "all";
  int threads = 2, prompt_len = 128, new_tokens = 64, repeat = 3;
  fs::path scratch = fs::temp_directory_path() / "automodel-generate-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--shape") shape_arg = next();
    else if (a == "--dtype") dtype_arg = next();
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--prompt") prompt_len = std::stoi(next());
    else if (a == "--new") new_tokens = std::stoi(next());
    else if (a == "--repeat") repeat = std::max(1, std::stoi(next()));
    else if (a == "--dir") scratch = next();
    else {
      std::cerr << "usage: generate_bench [--shape tinyllama|134m|all] [--dtype f32|bf16|all] [--threads N] "
                   "[--prompt N] [--new N] [--repeat N] [--dir SCRATCH]\n";
      return 2;
    }
  }

  std::vector<ShapeSpec> shapes;
  if (shape_arg == "all" || shape_arg == "134m") {
    InitSizes s;
    s.hidden_size = 768; s.num_layers = 12; s.num_heads = 12; s.num_kv_heads = 12;
    s.intermediate_size = 2048; s.vocab_size = 32000; s.max_position_embeddings = 2048;
    shapes.push_back({"134m", s});
  }
  if (shape_arg == "all" || shape_arg == "tinyllama") {
    InitSizes s;
    s.hidden_size = 2048; s.num_layers = 22; s.num_heads = 32; s.num_kv_heads = 4;
    s.intermediate_size = 5632; s.vocab_size = 32000; s.max_position_embeddings = 2048;
    shapes.push_back({"tinyllama-1.1b", s});
  }
  std::vector<DType> dtypes;
  if (dtype_arg == "all" || dtype_arg == "f32") dtypes.push_back(DType::F32);
  if (dtype_arg == "all" || dtype_arg == "bf16") dtypes.push_back(DType::BF16);
  if (shapes.empty() || dtypes.empty()) {
    std::cerr << "unknown --shape or --dtype\n";
    return 2;
  }

  std::printf("threads %d, prompt %d, new %d, %d rounds of (generate, bandwidth) per configuration, summary = medians\n"
              "(each configuration runs in its own process, so peak RSS is its own)\n",
              threads, prompt_len, new_tokens, repeat);
  std::printf("GEMM: %s\n", blas_description().c_str());
  std::printf("%-22s %-5s %9s %12s %11s %9s %9s %11s %9s\n", "shape", "dtype", "BW GB/s", "prefill t/s", "decode t/s",
              "TTFT s", "RSS GiB", "bound t/s", "of bound");
  std::fflush(stdout);
  int failures = 0;
  for (const auto& sh : shapes) {
    for (DType dt : dtypes) {
      const fs::path dir = scratch / (sh.name + "-" + std::string(dtype_info(dt).safetensors_name));
      const pid_t pid = fork();
      if (pid == 0) {
        try {
          ThreadPool::set_global_threads(threads);
          if (!fs::exists(dir / "config.json")) {
            fs::create_directories(dir);
            write_random_causal_lm(default_causal_lm_config("llama", sh.sizes), dir, 1234, dt);
          }
          const double bytes_per_token = double(weight_bytes_per_token(dir));
          auto model = AutoModelForCausalLM::from_pretrained(dir.string());
          std::vector<Result> rounds;
          std::vector<double> bws;
          for (int round = 0; round < repeat; ++round) {
            Result r = run_one(*model, prompt_len, new_tokens);
            // Measured after the first run so that its 1 GiB buffer does not count in the peak RSS.
            const double bw = measure_read_bandwidth();
            r.bound_tps = bw / bytes_per_token;
            if (!rounds.empty()) r.rss_gib = rounds.front().rss_gib;  // later peaks include that buffer
            print_row((sh.name + " #" + std::to_string(round + 1)).c_str(), dt, bw, r);
            rounds.push_back(r);
            bws.push_back(bw);
          }
          Result m;
          m.prefill_tps = median(rounds, [](const Result& r) { return r.prefill_tps; });
          m.decode_tps = median(rounds, [](const Result& r) { return r.decode_tps; });
          m.ttft_s = median(rounds, [](const Result& r) { return r.ttft_s; });
          m.rss_gib = rounds.front().rss_gib;
          m.bound_tps = median(rounds, [](const Result& r) { return r.bound_tps; });
          const double fraction = median(rounds, [](const Result& r) { return r.decode_tps / r.bound_tps; });
          print_row((sh.name + " median").c_str(), dt, median(bws, [](double b) { return b; }), m, fraction);
          std::fflush(stdout);
          _exit(0);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s %s: %s\n", sh.name.c_str(), std::string(dtype_name(dt)).c_str(), e.what());
          _exit(1);
        }
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    }
  }
  return failures ? 1 : 0;
}
