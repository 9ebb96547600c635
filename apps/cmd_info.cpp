// automodel info <dir>: what a model folder holds — architecture, sizes, parameter count,
// dtypes, memory, files — read from config.json and the safetensors headers only (no weights
// are read).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/config.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

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
  std::string s = std::to_string(n);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  return s;
}

struct InfoOptions {
  std::string path;
  bool tensors = false;
};

void print_info(const InfoOptions& o) {
  const fs::path dir = o.path;
  std::error_code ec;
  AM_CHECK(fs::exists(dir, ec), dir.string(), ": no such file or folder");
  const fs::path folder = fs::is_directory(dir, ec) ? dir : dir.parent_path();

  std::optional<ModelConfig> cfg;
  if (fs::exists(folder / "config.json", ec)) cfg = ModelConfig::load(folder / "config.json");
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
    std::ostringstream sizes;
    sizes << "hidden " << cfg->hidden_size << ", layers " << cfg->num_hidden_layers << ", heads "
          << cfg->num_attention_heads << " (kv " << cfg->num_key_value_heads << ", head_dim " << cfg->head_dim
          << "), intermediate " << cfg->intermediate_size << ", vocab " << cfg->vocab_size;
    row("sizes", sizes.str());
    row("context", std::to_string(cfg->max_position_embeddings) + " positions");
    row("tied embeddings", cfg->tie_word_embeddings ? "yes" : "no");
  } else {
    row("config", "no config.json next to the weights");
  }
  row("parameters", with_commas(params) + (tied ? " (tied embeddings counted once)" : ""));
  std::string dtypes;
  for (const auto& [name, d] : by_dtype)
    dtypes += (dtypes.empty() ? "" : ", ") + name + " (" + std::to_string(d.first) + " tensors, " + human_bytes(d.second) + ")";
  if (cfg && !cfg->torch_dtype.empty()) dtypes += "; config torch_dtype " + cfg->torch_dtype;
  row("dtypes", dtypes);
  row("memory", human_bytes(ckpt.total_bytes()) + " of weights as stored (memory-mapped, not copied)");
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
  cmd->add_option("path", opts->path, "Model folder, .safetensors file or model.safetensors.index.json")->required();
  cmd->add_flag("--tensors", opts->tensors, "Also list every tensor (name, dtype, shape, size)");
  cmd->callback([opts] { print_info(*opts); });
}

AUTOMODEL_COMMAND("info", setup);

}  // namespace
}  // namespace automodel::cli
