// automodel info <model>: what a model folder holds — architecture (and whether automodel runs
// it), sizes, parameter count, dtypes, memory needed, files, tokenizer — read from config.json,
// the safetensors headers and the tokenizer files (no weights are read).
// automodel info --supported [--markdown]: the architectures the registry knows.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/config.h"
#include "automodel/hub/json_file.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/sequence_classification.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

struct InfoOptions {
  std::string path;
  bool tensors = false, supported = false, markdown = false;
};

// The registries as a table: each model_type, the HF class that runs it as a causal LM and as
// a sequence classifier ("-" when transformers 4.47 or automodel has none).
std::string squashed_lower(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (ch != '_') out += char(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

void print_supported(bool markdown) {
  std::vector<std::string> types = AutoModelForCausalLM::supported_model_types();
  for (const auto& t : AutoModelForSequenceClassification::supported_model_types())
    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  const auto causal = AutoModelForCausalLM::supported_model_types();
  const auto classifiers = AutoModelForSequenceClassification::supported_architectures();
  std::ostringstream out;
  if (markdown)
    out << "| model_type | AutoModelForCausalLM | AutoModelForSequenceClassification |\n| --- | --- | --- |\n";
  for (const auto& type : types) {
    std::string lm = "-", cls = "-";
    if (std::find(causal.begin(), causal.end(), type) != causal.end())
      lm = default_causal_lm_config(type, {})["architectures"][0].get<std::string>();
    for (const auto& a : classifiers)  // "GPTNeoXForSequenceClassification" belongs to gpt_neox
      if (squashed_lower(a.substr(0, a.find("For"))) == squashed_lower(type)) cls = a;
    if (markdown) {
      auto cell = [](const std::string& v) { return v == "-" ? v : "`" + v + "`"; };
      out << "| `" << type << "` | " << cell(lm) << " | " << cell(cls) << " |\n";
    } else {
      out << type << std::string(type.size() < 12 ? 12 - type.size() : 1, ' ') << lm
          << std::string(lm.size() < 22 ? 22 - lm.size() : 1, ' ') << cls << "\n";
    }
  }
  std::cout << out.str();
}

// One line: class, kind, vocabulary, special tokens, chat template.
std::string tokenizer_summary(const fs::path& folder) {
  try {
    const AutoTokenizer tok = AutoTokenizer::from_pretrained(folder.string());
    std::ostringstream s;
    const std::string cls = tok.config().tokenizer_class;
    s << (cls.empty() ? std::string("(class not given)") : cls) << ", " << (tok.is_fast() ? "tokenizer.json" : "slow (SentencePiece / vocab files)")
      << ", " << with_commas(tok.size()) << " tokens";
    auto special = [&](const char* name, const std::optional<std::string>& t, std::optional<int32_t> id) {
      if (t) s << ", " << name << " " << json(*t).dump() << (id ? "=" + std::to_string(*id) : "");
    };
    special("bos", tok.bos_token(), tok.bos_token_id());
    special("eos", tok.eos_token(), tok.eos_token_id());
    special("pad", tok.pad_token(), tok.pad_token_id());
    bool has_template = true;
    try {
      (void)tok.get_chat_template();
    } catch (const Error&) {
      has_template = false;
    }
    s << ", chat template " << (has_template ? "yes" : "no");
    return s.str();
  } catch (const Error& e) {
    return std::string("does not load: ") + e.what();
  }
}

void print_info(const InfoOptions& o) {
  std::error_code ec;
  const fs::path dir = fs::exists(o.path, ec) ? fs::path(o.path) : resolve_model_arg(o.path);
  const fs::path folder = fs::is_directory(dir, ec) ? dir : dir.parent_path();

  std::optional<ModelConfig> cfg;
  std::string config_problem;  // a config.json this build cannot read sizes from (unknown family)
  json raw_config;
  if (fs::exists(folder / "config.json", ec)) {
    raw_config = read_json_file(folder / "config.json");
    try {
      cfg = ModelConfig::load(folder / "config.json");
    } catch (const Error& e) {
      config_problem = e.what();
    }
  }
  const Checkpoint ckpt = Checkpoint::open(dir);

  // Parameters: every stored element once; a tied lm_head stored anyway is not counted again.
  const bool tied = cfg && cfg->tie_word_embeddings;
  uint64_t params = 0;
  std::map<std::string, std::pair<size_t, uint64_t>> by_dtype;  // name → (tensors, bytes)
  for (const auto& name : ckpt.names()) {
    const auto& e = ckpt.entry(name);
    auto& d = by_dtype[std::string(dtype_info(e.dtype).safetensors_name)];
    ++d.first;
    d.second += e.nbytes();
    if (tied && name == "lm_head.weight" && ckpt.size() > 1) continue;
    params += uint64_t(e.shape.numel());
  }

  std::ostringstream out;
  auto row = [&](const std::string& key, const std::string& value) { out << key << std::string(16 - key.size(), ' ') << value << "\n"; };
  row("model", fs::absolute(dir).lexically_normal().string());
  if (cfg) {
    std::string arch;
    for (const auto& a : cfg->architectures) arch += (arch.empty() ? "" : ", ") + a;
    row("architecture", arch.empty() ? "(not given)" : arch);
    row("model_type", cfg->model_type + (cfg->known_family() ? "" : " (no built-in defaults)"));
    const auto types = AutoModelForCausalLM::supported_model_types();
    const auto archs = AutoModelForCausalLM::supported_architectures();
    // A *ForSequenceClassification checkpoint runs as a classifier, not as a causal LM.
    const auto classifiers = AutoModelForSequenceClassification::supported_architectures();
    const bool classifier = !cfg->architectures.empty() && std::find(classifiers.begin(), classifiers.end(),
                                                                     cfg->architectures[0]) != classifiers.end();
    const bool runs = (!cfg->architectures.empty() &&
                       std::find(archs.begin(), archs.end(), cfg->architectures[0]) != archs.end()) ||
                      std::find(types.begin(), types.end(), cfg->model_type) != types.end();
    row("supported", classifier ? "yes (AutoModelForSequenceClassification)"
                     : runs     ? "yes (AutoModelForCausalLM)"
                                : "no: automodel has no implementation of this architecture");
    std::ostringstream sizes;
    sizes << "hidden " << cfg->hidden_size << ", layers " << cfg->num_hidden_layers << ", heads "
          << cfg->num_attention_heads << " (kv " << cfg->num_key_value_heads << ", head_dim " << cfg->head_dim
          << "), intermediate " << cfg->intermediate_size << ", vocab " << cfg->vocab_size;
    row("sizes", sizes.str());
    row("context", std::to_string(cfg->max_position_embeddings) + " positions");
    row("tied embeddings", cfg->tie_word_embeddings ? "yes" : "no");
  } else if (!config_problem.empty()) {
    std::string arch;
    if (raw_config.contains("architectures") && raw_config["architectures"].is_array())
      for (const auto& a : raw_config["architectures"]) arch += (arch.empty() ? "" : ", ") + a.dump();
    row("architecture", arch.empty() ? "(not given)" : arch);
    row("model_type", raw_config.contains("model_type") ? raw_config["model_type"].dump() : "(not given)");
    row("supported", "no: automodel has no implementation of this architecture");
    row("config", config_problem);
  } else {
    row("config", "no config.json next to the weights");
  }
  row("parameters", with_commas(params) + (tied ? " (tied embeddings counted once)" : ""));
  std::string dtypes;
  for (const auto& [name, d] : by_dtype)
    dtypes += (dtypes.empty() ? "" : ", ") + name + " (" + std::to_string(d.first) + " tensors, " + human_bytes(d.second) + ")";
  if (cfg && !cfg->torch_dtype.empty()) dtypes += "; config torch_dtype " + cfg->torch_dtype;
  row("dtypes", dtypes);
  row("memory", human_bytes(ckpt.total_bytes()) + " of weights as stored (memory-mapped, not copied; float32 compute "
                "widens bf16/f16 weights in the kernels)");
  if (cfg && cfg->num_hidden_layers > 0 && cfg->head_dim > 0) {
    // Keys and values of every layer, float32: what each token of context adds.
    const uint64_t per_token = uint64_t(2 * cfg->num_hidden_layers * cfg->num_key_value_heads * cfg->head_dim) * 4;
    row("KV cache", human_bytes(per_token) + " per token in float32 (" +
                        human_bytes(per_token * uint64_t(std::max<int64_t>(cfg->max_position_embeddings, 0))) +
                        " at the full " + std::to_string(cfg->max_position_embeddings) + "-token context)");
  }
  row("tensors", std::to_string(ckpt.size()) + (ckpt.sharded() ? " in " + std::to_string(ckpt.files().size() - 1) + " shards" : ""));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::string file_list;
  for (const auto& f : files)
    file_list += (file_list.empty() ? "" : "\n" + std::string(16, ' ')) + f.filename().string() + " (" +
                 human_bytes(fs::file_size(f, ec)) + ")";
  row("files", file_list);
  const bool has_tokenizer = fs::exists(folder / "tokenizer.json", ec) || fs::exists(folder / "tokenizer.model", ec) ||
                             fs::exists(folder / "vocab.json", ec) || fs::exists(folder / "vocab.txt", ec);
  row("tokenizer", has_tokenizer ? tokenizer_summary(folder) : "none (no tokenizer.json, tokenizer.model or vocab files)");

  if (o.tensors) {
    out << "\n";
    size_t width = 4;
    for (const auto& n : ckpt.names()) width = std::max(width, n.size());
    for (const auto& n : ckpt.names()) {
      const auto& e = ckpt.entry(n);
      out << n << std::string(width + 2 - n.size(), ' ') << dtype_info(e.dtype).safetensors_name << "  "
          << e.shape.str() << "  " << human_bytes(e.nbytes()) << "\n";
    }
  }
  std::cout << out.str();
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<InfoOptions>();
  auto* cmd = parent.add_subcommand("info", "Describe a model folder: architecture, sizes, parameters, dtypes, files");
  auto* path = cmd->add_option("path", opts->path, "Model folder, Hub repo id, .safetensors file or model.safetensors.index.json");
  cmd->add_flag("--tensors", opts->tensors, "Also list every tensor (name, dtype, shape, size)");
  auto* supported = cmd->add_flag("--supported", opts->supported, "List the architectures automodel runs instead");
  cmd->add_flag("--markdown", opts->markdown, "With --supported: a Markdown table (the README's coverage table)")->needs(supported);
  supported->excludes(path);
  cmd->callback([opts] {
    if (opts->supported) return print_supported(opts->markdown);
    if (opts->path.empty()) throw CLI::RequiredError("path");
    print_info(*opts);
  });
}

AUTOMODEL_COMMAND("info", setup);

}  // namespace
}  // namespace automodel::cli
