// AutoModelForCausalLM: folder/Hub resolution, dtype policy, registry lookup, and the
// random-weight writer behind `automodel init`.
#include "automodel/models/auto_model.h"

#include <filesystem>

#include "automodel/hub/safetensors.h"
#include "automodel/nn/var_builder.h"
#include "loading.h"
#include "registry.h"

namespace automodel {

namespace fs = std::filesystem;
using models::families;
using models::Family;

namespace {

const Family& find_family(const json& config, const std::string& what) {
  const std::string arch = models::config_architecture(config);
  for (const Family& f : families())
    for (const auto& a : f.architectures)
      if (a == arch) return f;
  const std::string model_type = config.value("model_type", std::string());
  for (const Family& f : families())
    if (f.model_type == model_type && (arch.empty() || arch.find("ForCausalLM") != std::string::npos ||
                                       arch.find("LMHeadModel") != std::string::npos))
      return f;
  // A classifier checkpoint is a common mix-up: say which Auto class loads it.
  const std::string hint = arch.find("ForSequenceClassification") != std::string::npos
                               ? " (a sequence-classification checkpoint: load it with AutoModelForSequenceClassification)"
                               : "";
  fail(what, ": unsupported architecture '", arch.empty() ? std::string("(none)") : arch, "' (model_type '", model_type,
       "')", hint, "; supported causal-LM architectures: ", models::join_names(AutoModelForCausalLM::supported_architectures()));
}

std::string lora_targets_text(const nn::LoraConfig& c) {
  std::string s(1, c.target_regex ? '"' : '[');
  s += c.target_regex ? *c.target_regex : models::join_names(c.target_modules);
  s += c.target_regex ? '"' : ']';
  return s;
}

}  // namespace

std::vector<std::string> AutoModelForCausalLM::supported_architectures() {
  std::vector<std::string> out;
  for (const Family& f : families())
    for (const auto& a : f.architectures) out.push_back(a);
  return out;
}

std::vector<std::string> AutoModelForCausalLM::supported_model_types() {
  std::vector<std::string> out;
  for (const Family& f : families()) out.push_back(f.model_type);
  return out;
}

std::unique_ptr<CausalLM> AutoModelForCausalLM::from_config(const json& config, const VarBuilder& vb,
                                                            DType compute_dtype, const json& generation_config,
                                                            const std::string& what) {
  AM_CHECK(config.is_object(), what, ": expected a JSON object");
  const Family& f = find_family(config, what);
  models::DecoderModel m = f.build(config, vb, compute_dtype, what, models::Head::kLm);
  const std::string architecture = m.architecture;
  auto lm = std::make_unique<models::DecoderLM>(std::move(m), config, generation_config);
  // What the store handed out is the model's state dict (HF names, order and layout).
  lm->set_parameters(architecture, compute_dtype, vb.store().named_parameters());
  if (const auto& lora = vb.store().lora()) {
    // PEFT refuses a config that adapts nothing; so do we, naming what was looked for.
    AM_CHECK(!lora->modules().empty(), what, ": LoRA target_modules ", lora_targets_text(lora->config()),
             " match none of the model's linear modules (", lora->linear_names().size(), " linear modules, e.g. ",
             lora->linear_names().empty() ? std::string("none") : lora->linear_names().front(), ")");
    lm->set_lora(lora);
  }
  return lm;
}

std::unique_ptr<CausalLM> AutoModelForCausalLM::from_pretrained(const std::string& id_or_path,
                                                                const FromPretrainedOptions& options) {
  const fs::path folder = models::resolve_model_folder(id_or_path, options);
  const fs::path config_path = folder / "config.json";
  AM_CHECK(fs::exists(config_path), folder.string(), ": no config.json (not a Hugging Face model folder)");
  const json config = read_json_file(config_path);
  json generation_config;
  if (fs::exists(folder / "generation_config.json")) generation_config = read_json_file(folder / "generation_config.json");
  find_family(config, config_path.string());  // an unsupported architecture fails before any weight is read
  auto store = ParameterStore::open_checkpoint(folder);
  const DType compute = models::resolve_compute_dtype(options.torch_dtype, config, *store);
  store->set_target_dtype(compute);
  if (options.lora) {
    auto lora = std::make_shared<nn::LoraAdapters>(*options.lora);
    lora->set_base_model_name_or_path(id_or_path);
    store->set_lora(std::move(lora));
  }
  return from_config(config, VarBuilder(store), compute, generation_config, config_path.string());
}

json default_causal_lm_config(const std::string& model_type, const InitSizes& sizes) {
  for (const Family& f : families())
    if (f.model_type == model_type) {
      json c = f.default_config(sizes);
      c["torch_dtype"] = "float32";
      c["transformers_version"] = "4.47.1";
      return c;
    }
  fail("unknown model_type '", model_type, "' (supported: ", models::join_names(AutoModelForCausalLM::supported_model_types()), ")");
}

int64_t write_random_causal_lm(const json& config, const fs::path& dir, uint64_t seed, DType dtype) {
  auto store = ParameterStore::creating(dtype, seed);
  // Building the model enumerates (and creates) every parameter under its HF name.
  AutoModelForCausalLM::from_config(config, VarBuilder(store), dtype, json(), "config");
  NamedTensors tensors(store->created().begin(), store->created().end());
  int64_t params = 0;
  for (const auto& [name, t] : tensors) params += t.numel();
  fs::create_directories(dir);
  json cfg = config;
  cfg["torch_dtype"] = std::string(dtype_name(dtype));
  json gen = {{"_from_model_config", true}};
  for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"})
    if (config.contains(key) && !config[key].is_null()) gen[key] = config[key];
  if (config.value("cache_implementation", std::string()) == "hybrid") gen["cache_implementation"] = "hybrid";
  gen["transformers_version"] = config.value("transformers_version", std::string("4.47.1"));
  // Weights first, config last: a folder with a config.json is complete.
  save_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
  write_json_file(dir / "generation_config.json", gen);
  write_json_file(dir / "config.json", cfg);
  return params;
}

}  // namespace automodel
