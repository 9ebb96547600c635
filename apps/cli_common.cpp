#include "cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace automodel::cli {

namespace fs = std::filesystem;

namespace {
bool looks_like_path(const std::string& s) {
  if (s.empty()) return true;
  if (s[0] == '/' || s[0] == '.' || s[0] == '~') return true;
  return std::count(s.begin(), s.end(), '/') > 1;  // a repo id has at most one '/'
}

// "loading <what>..." on a terminal, erased when done; nothing when stderr is redirected.
class LoadingLine {
 public:
  explicit LoadingLine(const std::string& what) : on_(isatty(STDERR_FILENO) == 1) {
    if (on_) std::fprintf(stderr, "loading %s ...", what.c_str()), std::fflush(stderr);
  }
  ~LoadingLine() {
    if (on_) std::fprintf(stderr, "\r\033[K"), std::fflush(stderr);
  }

 private:
  bool on_;
};
}  // namespace

fs::path resolve_model_arg(const std::string& id_or_path, const HubFilePatterns& files) {
  std::error_code ec;
  if (fs::is_directory(id_or_path, ec)) return fs::absolute(id_or_path).lexically_normal();
  if (fs::exists(id_or_path, ec)) fail("'", id_or_path, "' is a file; expected a model folder or a Hub repo id");
  if (looks_like_path(id_or_path)) fail("model folder '", id_or_path, "' does not exist");
  ResolveOptions ro;
  ro.files = files;
  return resolve_model(id_or_path, ro);
}

void add_model_flags(CLI::App* cmd, ModelFlags& f, bool with_dtype) {
  cmd->add_option("model", f.model, "Model folder (config.json, safetensors, tokenizer files) or Hub repo id")->required();
  if (with_dtype)
    cmd->add_option("--dtype", f.dtype, "Compute dtype: float32 (default, as transformers), bfloat16, float16, auto")
        ->check(CLI::IsMember({"float32", "float", "bfloat16", "float16", "auto"}));
  cmd->add_option("--threads", f.threads, "CPU threads (default: all cores)")->check(greater_than(0));
}

LoadedModel load_model(const ModelFlags& f, bool with_model, bool with_tokenizer) {
  if (f.threads > 0) ThreadPool::set_global_threads(f.threads);
  LoadedModel out;
  HubFilePatterns files;
  if (!with_model) files = tokenizers::AutoTokenizerOptions::tokenizer_files();
  out.folder = resolve_model_arg(f.model, files);
  LoadingLine line(out.folder.filename().string());
  if (with_model) {  // first: an unsupported architecture or bad weights fail before the tokenizer loads
    FromPretrainedOptions o;
    o.torch_dtype = f.dtype;
    out.model = AutoModelForCausalLM::from_pretrained(out.folder.string(), o);
  }
  if (with_tokenizer)
    out.tokenizer = std::make_unique<AutoTokenizer>(AutoTokenizer::from_pretrained(out.folder.string()));
  return out;
}

void add_generation_flags(CLI::App* cmd, GenerationFlags& g) {
  cmd->add_option("--max-new-tokens,-n", g.max_new_tokens, "Tokens to generate at most (default: the model's "
                  "generation config, else 20 in total as transformers)")->check(greater_than(0));
  auto* sample = cmd->add_flag("--do-sample", g.do_sample, "Sample instead of greedy decoding");
  cmd->add_flag("--greedy", g.greedy, "Greedy decoding even if the model's generation config samples")->excludes(sample);
  cmd->add_option("--temperature", g.temperature, "Sampling temperature (> 0)")->check(greater_than(0));
  cmd->add_option("--top-k", g.top_k, "Keep the k most likely tokens (0: off)")->check(at_least(0));
  cmd->add_option("--top-p", g.top_p, "Nucleus sampling mass in (0, 1]")->check(in_range(0, 1, true));
  cmd->add_option("--min-p", g.min_p, "Drop tokens below min-p times the top probability, in [0, 1]")
      ->check(in_range(0, 1, false));
  cmd->add_option("--repetition-penalty", g.repetition_penalty, "Penalty for repeated tokens (> 0; 1 = none)")
      ->check(greater_than(0));
  cmd->add_option("--no-repeat-ngram-size", g.no_repeat_ngram_size, "Forbid repeating n-grams of this size")
      ->check(at_least(0));
  cmd->add_option("--num-beams", g.num_beams, "Beam search width (output is printed at the end, not streamed)")
      ->check(greater_than(0));
  cmd->add_option("--seed", g.seed, "Sampling seed (default: random)");
  cmd->add_option("--stop", g.stop, "Stop when this text is generated (repeatable)");
  cmd->add_flag("--verbose", g.verbose, "Print transformers' generation warnings on stderr");
}

json generation_kwargs(const GenerationFlags& g) {
  json k = json::object();
  if (g.max_new_tokens) k["max_new_tokens"] = *g.max_new_tokens;
  if (g.do_sample) k["do_sample"] = true;
  if (g.greedy) k["do_sample"] = false;
  if (g.temperature) k["temperature"] = *g.temperature;
  if (g.top_k) k["top_k"] = *g.top_k;
  if (g.top_p) k["top_p"] = *g.top_p;
  if (g.min_p) k["min_p"] = *g.min_p;
  if (g.repetition_penalty) k["repetition_penalty"] = *g.repetition_penalty;
  if (g.no_repeat_ngram_size) k["no_repeat_ngram_size"] = *g.no_repeat_ngram_size;
  if (g.num_beams) k["num_beams"] = *g.num_beams;
  if (!g.stop.empty()) k["stop_strings"] = g.stop;
  return k;
}

GenerateOptions generation_options(const GenerationFlags& g, const AutoTokenizer& tokenizer) {
  GenerateOptions o;
  o.seed = g.seed;
  if (g.verbose) o.logger = stderr_generation_logger();
  if (!g.stop.empty()) {
    // HF's StopStringCriteria sees a token's text as decoded after other text: decode it behind
    // a fixed prefix token and strip the prefix's text.
    const std::vector<int32_t> prefix = tokenizer.encode("a", false);
    AM_CHECK(!prefix.empty(), "--stop: the tokenizer encodes \"a\" to nothing; cannot build token texts");
    const int32_t p = prefix.back();
    const std::string p_text = tokenizer.decode({p});
    o.token_string = [&tokenizer, p, p_text](int64_t id) {
      std::string t = tokenizer.decode({p, int32_t(id)});
      return t.compare(0, p_text.size(), p_text) == 0 ? t.substr(p_text.size()) : tokenizer.decode({int32_t(id)});
    };
    o.tokenizer_vocab_size = int64_t(tokenizer.size());
  }
  return o;
}

void write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::optional<std::string> chat_template_arg(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::error_code ec;
  if (fs::is_regular_file(value, ec)) {
    std::ifstream in(value, std::ios::binary);
    AM_CHECK(in.good(), value, ": cannot read the chat template file");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  return value;
}

namespace {
CLI::Validator number_check(std::function<bool(double)> ok, const std::string& what) {
  return CLI::Validator(
      [ok, what](std::string& value) -> std::string {
        double v = 0;
        try {
          size_t used = 0;
          v = std::stod(value, &used);
          if (used != value.size()) throw std::invalid_argument(value);
        } catch (const std::exception&) {
          return "expected a number, found '" + value + "'";
        }
        return ok(v) ? std::string() : "must be " + what + ", found " + value;
      },
      "", "");
}
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

CLI::Validator greater_than(double bound) {
  return number_check([bound](double v) { return v > bound; }, "greater than " + num(bound));
}
CLI::Validator at_least(double bound) {
  return number_check([bound](double v) { return v >= bound; }, "at least " + num(bound));
}
CLI::Validator in_range(double lo, double hi, bool lo_open) {
  return number_check([=](double v) { return (lo_open ? v > lo : v >= lo) && v <= hi; },
                      std::string("in ") + (lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + "]");
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = double(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

std::string with_commas(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace automodel::cli
