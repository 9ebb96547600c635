// train_bench: SFT training throughput (tokens/s) of a random-weight Llama-shaped model written
// as HF safetensors by this program, against PyTorch doing the same step on the same checkpoint
// and the same token ids in the same run.
//
// Shape "134m" (default): hidden 768, 12 layers, 12 heads, intermediate 2048, vocab 32000,
// untied head: 134M parameters, 49M of them in the embedding and the head. "tiny": hidden 256,
// 4 layers, vocab 8000 (a quick smoke run).
//
// One step, ours and torch's alike, for a batch of --batch random sequences of --seq tokens
// with labels = ids (every token but the first of each row is a label): loss = sum of the
// shifted-label cross-entropy / label count (HF's mean), backward, AdamW step (lr 1e-4,
// weight decay 0.01), zero_grad. One warm-up step, then --steps timed steps; tokens/s =
// batch * seq * steps / time. Both sides run fp32 on --threads threads (our pool;
// torch.set_num_threads). Each side runs in its own process, so each peak RSS is its own.
//
// The reference is bench/torch_reference/train_step.py, run with `python3` from PATH (then
// /usr/bin/python3 when that one has no torch). When the refpy tool folder is found
// (AUTOMODEL_REFPY, else <repo>/../shared/tools/refpy) its env.sh is sourced first, so
// transformers' own LlamaForCausalLM (eager attention) is the model when importable; else the
// script's plain-torch Llama is. Debian's torch calls OpenBLAS's sgemm, and OpenBLAS 0.3.21
// picks weak (SSE3) kernels on CPUs newer than its table; the reference is run with
// OPENBLAS_CORETYPE set to the kernel set our GEMMs use, so both sides multiply with the
// same kernels (--torch-blas default leaves torch's own choice, printed as well).
//
//   train_bench [--shape 134m|tiny] [--batch B] [--seq T] [--steps N] [--threads N]
//               [--dir SCRATCH] [--python EXE] [--torch-blas same|default] [--no-torch]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/autograd.h"
#include "automodel/core/blas.h"
#include "automodel/core/ops.h"
#include "automodel/core/thread_pool.h"
#include "automodel/generation/measure.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/training.h"
#include "automodel/train/optimizer.h"

#include <cblas.h>

using namespace automodel;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string shape = "134m";
  int64_t batch = 4, seq = 256;
  int steps = 5, threads = 2;
  fs::path dir = fs::temp_directory_path() / "automodel-train-bench";
  std::string python;
  std::string torch_blas = "same";
  bool no_torch = false;
};

struct Side {
  bool ok = false;
  std::string what;  // implementation, or why it is unavailable
  double tokens_per_s = 0, warmup_s = 0, forward_s = 0, backward_s = 0, optimizer_s = 0;
  double loss_first = 0, loss_last = 0, rss_gib = 0;
  int64_t parameters = 0;
  std::string blas_core;
};

Side unavailable(std::string why) {
  Side s;
  s.what = std::move(why);
  return s;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::vector<int64_t> random_ids(int64_t batch, int64_t seq, int64_t vocab) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> ids(size_t(batch * seq));
  for (auto& v : ids) v = int64_t(3 + rng() % uint64_t(vocab - 3));
  return ids;
}

// Our step, in this (forked) process. Times forward (loss), backward and the optimizer apart.
Side run_ours(const fs::path& model_dir, const Options& opt, const std::vector<int64_t>& id_values) {
  ThreadPool::set_global_threads(opt.threads);
  FromPretrainedOptions fo;
  fo.torch_dtype = "float32";
  fo.local_files_only = true;
  auto lm = AutoModelForCausalLM::from_pretrained(model_dir.string(), fo);
  const NamedTensors params = lm->named_parameters();
  make_trainable(params, DType::F32);
  train::AdamWOptions ao;
  ao.lr = 1e-4;
  ao.weight_decay = 0.01;
  train::AdamW adamw(params, ao);

  const Tensor ids = Tensor::from_vector(id_values, {opt.batch, opt.seq});
  const double count = double(count_loss_tokens(ids));
  Side s;
  for (const auto& [name, p] : params) s.parameters += p.numel();
  auto step = [&](bool timed) {
    auto t0 = Clock::now();
    Tensor loss = ops::mul_scalar(lm->loss_sum(ids, Tensor(), ids), 1.0 / count);
    const double value = loss.item();
    auto t1 = Clock::now();
    autograd::backward(loss);
    auto t2 = Clock::now();
    adamw.step();
    adamw.zero_grad();
    auto t3 = Clock::now();
    if (timed) {
      s.forward_s += std::chrono::duration<double>(t1 - t0).count();
      s.backward_s += std::chrono::duration<double>(t2 - t1).count();
      s.optimizer_s += std::chrono::duration<double>(t3 - t2).count();
    }
    return value;
  };
  auto t0 = Clock::now();
  s.loss_first = step(false);
  s.warmup_s = seconds_since(t0);
  s.loss_last = s.loss_first;
  t0 = Clock::now();
  for (int i = 0; i < opt.steps; ++i) s.loss_last = step(true);
  const double elapsed = seconds_since(t0);
  s.tokens_per_s = double(opt.batch * opt.seq * opt.steps) / elapsed;
  s.rss_gib = double(peak_rss_bytes()) / (1024.0 * 1024.0 * 1024.0);
  s.ok = true;
  return s;
}

// Runs run_ours in a child process (its own peak RSS) and reads the figures back through a pipe.
Side run_ours_forked(const fs::path& model_dir, const Options& opt, const std::vector<int64_t>& ids) {
  int fds[2];
  if (pipe(fds) != 0) return unavailable("pipe() failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string line;
    try {
      const Side s = run_ours(model_dir, opt, ids);
      char buf[512];
      std::snprintf(buf, sizeof buf, "ok %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %lld\n", s.tokens_per_s, s.warmup_s,
                    s.forward_s, s.backward_s, s.optimizer_s, s.loss_first, s.loss_last, s.rss_gib,
                    static_cast<long long>(s.parameters));
      line = buf;
    } catch (const std::exception& e) {
      line = std::string("error ") + e.what() + "\n";
    }
    const ssize_t n = write(fds[1], line.data(), line.size());
    close(fds[1]);
    _exit(n == ssize_t(line.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Side s;
  std::istringstream in(out);
  std::string tag;
  in >> tag;
  if (tag == "ok") {
    long long params = 0;
    in >> s.tokens_per_s >> s.warmup_s >> s.forward_s >> s.backward_s >> s.optimizer_s >> s.loss_first >>
        s.loss_last >> s.rss_gib >> params;
    s.parameters = params;
    s.ok = true;
    s.what = "automodel";
  } else {
    s.what = out.empty() ? "our run died (status " + std::to_string(status) + ")" : out.substr(tag.size());
  }
  return s;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The last line of `cmd`'s stdout and its exit status.
std::pair<std::string, int> run_capture(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {"", -1};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  const auto nl = out.rfind('\n');
  return {nl == std::string::npos ? out : out.substr(nl + 1), WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

Side run_torch(const fs::path& model_dir, const fs::path& ids_file, const Options& opt) {
  const fs::path repo = fs::path(__FILE__).parent_path().parent_path();
  const fs::path script = repo / "bench" / "torch_reference" / "train_step.py";
  if (!fs::exists(script)) return unavailable("reference unavailable: " + script.string() + " not found");
  fs::path refpy = repo.parent_path() / "shared" / "tools" / "refpy";
  if (const char* e = std::getenv("AUTOMODEL_REFPY")) refpy = e;

  std::string env = "OMP_NUM_THREADS=" + std::to_string(opt.threads) +
                    " OPENBLAS_NUM_THREADS=" + std::to_string(opt.threads);
  if (opt.torch_blas == "same" && std::getenv("OPENBLAS_CORETYPE") == nullptr)
    env += " OPENBLAS_CORETYPE=" + std::string(openblas_get_corename());
  std::string prefix;
  if (fs::exists(refpy / "env.sh")) prefix = ". " + shell_quote((refpy / "env.sh").string()) + " 2>/dev/null; ";
  const std::string args = " " + shell_quote(script.string()) + " --model " + shell_quote(model_dir.string()) +
                           " --ids " + shell_quote(ids_file.string()) + " --steps " + std::to_string(opt.steps) +
                           " --threads " + std::to_string(opt.threads);

  std::vector<std::string> pythons;
  if (!opt.python.empty()) pythons.push_back(opt.python);
  else pythons = {"python3", "/usr/bin/python3"};
  std::string why = "reference unavailable: no python3 found";
  for (const auto& py : pythons) {
    const std::string cmd = "bash -c " + shell_quote(prefix + "exec env " + env + " " + shell_quote(py) + args) +
                            " 2>" + shell_quote((opt.dir / "torch_stderr.txt").string());
    const auto [line, code] = run_capture(cmd);
    json j;
    try {
      j = json::parse(line);
    } catch (const std::exception&) {
      why = "reference unavailable: " + py + " exited with status " + std::to_string(code) + " (stderr in " +
            (opt.dir / "torch_stderr.txt").string() + ")";
      continue;
    }
    if (j.contains("error")) {
      why = "reference unavailable: " + j["error"].get<std::string>();
      continue;
    }
    Side s;
    s.ok = true;
    s.what = j.value("impl", std::string("torch")) + ", torch " + j.value("torch", std::string("?")) + ", " + py;
    s.tokens_per_s = j["tokens_per_s"].get<double>();
    s.warmup_s = j["warmup_s"].get<double>();
    s.forward_s = j.value("forward_s", 0.0);
    s.backward_s = j.value("backward_s", 0.0);
    s.optimizer_s = j.value("optimizer_s", 0.0);
    s.loss_first = j["loss_first"].get<double>();
    s.loss_last = j["loss_last"].get<double>();
    s.rss_gib = double(j["peak_rss_bytes"].get<int64_t>()) / (1024.0 * 1024.0 * 1024.0);
    s.parameters = j["parameters"].get<int64_t>();
    s.blas_core = j.value("blas_core", std::string());
    return s;
  }
  return unavailable(why);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--shape") opt.shape = next();
    else if (a == "--batch") opt.batch = std::stoll(next());
    else if (a == "--seq") opt.seq = std::stoll(next());
    else if (a == "--steps") opt.steps = std::stoi(next());
    else if (a == "--threads") opt.threads = std::stoi(next());
    else if (a == "--dir") opt.dir = next();
    else if (a == "--python") opt.python = next();
    else if (a == "--torch-blas") opt.torch_blas = next();
    else if (a == "--no-torch") opt.no_torch = true;
    else {
      std::cerr << "usage: train_bench [--shape 134m|tiny] [--batch B] [--seq T] [--steps N] [--threads N] "
                   "[--dir SCRATCH] [--python EXE] [--torch-blas same|default] [--no-torch]\n";
      return 2;
    }
  }
  InitSizes sizes;
  if (opt.shape == "134m") {
    sizes.hidden_size = 768; sizes.num_layers = 12; sizes.num_heads = 12; sizes.num_kv_heads = 12;
    sizes.intermediate_size = 2048; sizes.vocab_size = 32000; sizes.max_position_embeddings = 2048;
  } else if (opt.shape == "tiny") {
    sizes.hidden_size = 256; sizes.num_layers = 4; sizes.num_heads = 4; sizes.num_kv_heads = 4;
    sizes.intermediate_size = 688; sizes.vocab_size = 8000; sizes.max_position_embeddings = 2048;
  } else {
    std::cerr << "unknown --shape " << opt.shape << "\n";
    return 2;
  }
  if (opt.batch < 1 || opt.seq < 2 || opt.steps < 1 || opt.threads < 1 ||
      (opt.torch_blas != "same" && opt.torch_blas != "default")) {
    std::cerr << "need --batch >= 1, --seq >= 2, --steps >= 1, --threads >= 1, --torch-blas same|default\n";
    return 2;
  }
  if (opt.seq > sizes.max_position_embeddings) {
    std::cerr << "--seq must be at most " << sizes.max_position_embeddings << "\n";
    return 2;
  }

  const fs::path model_dir = opt.dir / ("llama-" + opt.shape + "-f32");
  const fs::path ids_file = opt.dir / "ids.json";
  try {
    if (!fs::exists(model_dir / "config.json")) {
      fs::create_directories(model_dir);
      write_random_causal_lm(default_causal_lm_config("llama", sizes), model_dir, 1234, DType::F32);
    }
    const std::vector<int64_t> ids = random_ids(opt.batch, opt.seq, sizes.vocab_size);
    json rows = json::array();
    for (int64_t b = 0; b < opt.batch; ++b)
      rows.push_back(std::vector<int64_t>(ids.begin() + b * opt.seq, ids.begin() + (b + 1) * opt.seq));
    std::ofstream(ids_file) << rows.dump();

    ensure_blas_ready();
    std::printf("train_bench: Llama %s (hidden %lld, %lld layers, %lld heads, intermediate %lld, vocab %lld), fp32\n",
                opt.shape.c_str(), (long long)sizes.hidden_size, (long long)sizes.num_layers,
                (long long)sizes.num_heads, (long long)sizes.intermediate_size, (long long)sizes.vocab_size);
    std::printf("step: batch %lld x seq %lld = %lld tokens, loss + backward + AdamW + zero_grad; 1 warm-up step, "
                "%d timed; %d threads\n",
                (long long)opt.batch, (long long)opt.seq, (long long)(opt.batch * opt.seq), opt.steps, opt.threads);
    std::printf("our GEMM: %s\n", blas_description().c_str());
    std::printf("load average before: %s\n", load_average().c_str());
    std::fflush(stdout);

    const Side ours = run_ours_forked(model_dir, opt, ids);
    Side torch;
    if (opt.no_torch) torch.what = "reference not run (--no-torch)";
    else torch = run_torch(model_dir, ids_file, opt);

    std::printf("load average after:  %s\n", load_average().c_str());
    std::printf("\n%-10s %11s %10s %10s %10s %10s %9s %11s %11s %8s\n", "", "tokens/s", "warm-up s", "fwd s/step",
                "bwd s/step", "opt s/step", "RSS GiB", "loss first", "loss last", "params");
    auto row = [&](const char* name, const Side& s) {
      if (!s.ok) {
        std::printf("%-10s %s\n", name, s.what.c_str());
        return;
      }
      auto per = [&](double v) { return v > 0 ? std::to_string(v / opt.steps).substr(0, 6) : std::string("-"); };
      std::printf("%-10s %11.1f %10.2f %10s %10s %10s %9.2f %11.6f %11.6f %7.1fM\n", name, s.tokens_per_s, s.warmup_s,
                  per(s.forward_s).c_str(), per(s.backward_s).c_str(), per(s.optimizer_s).c_str(), s.rss_gib,
                  s.loss_first, s.loss_last, double(s.parameters) / 1e6);
    };
    row("automodel", ours);
    row("pytorch", torch);
    if (torch.ok) {
      std::printf("pytorch: %s; OpenBLAS kernels %s\n", torch.what.c_str(),
                  torch.blas_core.empty() ? "?" : torch.blas_core.c_str());
      if (ours.ok) std::printf("ratio (automodel / pytorch tokens/s): %.2fx\n", ours.tokens_per_s / torch.tokens_per_s);
    }
    std::fflush(stdout);
    return ours.ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_bench: %s\n", e.what());
    return 1;
  }
}
