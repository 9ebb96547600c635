// PEFT adapter files (adapter_config.json + adapter_model.safetensors): writing, reading and
// merging the LoRA adapters of a causal LM. See include/automodel/models/lora.h.
#include <algorithm>
#include <cmath>
#include <set>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/hub/staged_folder.h"
#include "automodel/models/lora.h"

namespace automodel {

namespace fs = std::filesystem;

namespace {

std::string last_component(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') out += '\\';
    out += c;
  }
  return out;
}

// target_modules as PEFT will read it back: exactly the modules adapted here.
json exported_target_modules(const nn::LoraAdapters& lora) {
  const nn::LoraConfig& c = lora.config();
  if (c.target_regex) return *c.target_regex;
  std::set<std::string> adapted, names;
  for (const auto& m : lora.modules()) {
    adapted.insert(m.name);
    names.insert(last_component(m.name));
  }
  nn::LoraConfig plain = c;
  plain.target_modules.assign(names.begin(), names.end());
  bool exact = true;
  for (const auto& n : lora.linear_names()) exact = exact && plain.targets(n) == (adapted.count(n) != 0);
  if (exact) return json(plain.target_modules);
  std::string pattern = "(?:";
  for (size_t i = 0; i < lora.modules().size(); ++i) {
    if (i) pattern += '|';
    pattern += regex_escape(lora.modules()[i].name);
  }
  pattern += ')';
  return pattern;
}

json number_json(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) return json(int64_t(v));
  return json(v);
}

}  // namespace

json peft_adapter_config(const nn::LoraAdapters& lora) {
  const nn::LoraConfig& c = lora.config();
  const json targets = exported_target_modules(lora);
  bool fan_in_fan_out = false;
  for (const auto& m : lora.modules()) fan_in_fan_out = fan_in_fan_out || m.fan_in_fan_out;
  const bool layer_filter = targets.is_array() && !c.layers_to_transform.empty();
  // Keys in the order json.dumps(sort_keys=True) writes them.
  json j = json::object();
  j["alpha_pattern"] = json::object();
  j["auto_mapping"] = nullptr;
  j["base_model_name_or_path"] =
      lora.base_model_name_or_path().empty() ? json(nullptr) : json(lora.base_model_name_or_path());
  j["bias"] = "none";
  j["fan_in_fan_out"] = fan_in_fan_out;
  j["inference_mode"] = true;
  j["init_lora_weights"] = true;
  j["layer_replication"] = nullptr;
  j["layers_pattern"] = layer_filter && !c.layers_pattern.empty() ? json(c.layers_pattern) : json(nullptr);
  j["layers_to_transform"] = layer_filter ? json(c.layers_to_transform) : json(nullptr);
  j["loftq_config"] = json::object();
  j["lora_alpha"] = number_json(c.alpha);
  j["lora_dropout"] = c.dropout;
  j["megatron_config"] = nullptr;
  j["megatron_core"] = "megatron.core";
  j["modules_to_save"] = nullptr;
  j["peft_type"] = "LORA";
  j["r"] = c.r;
  j["rank_pattern"] = json::object();
  j["revision"] = nullptr;
  j["target_modules"] = targets;
  j["task_type"] = "CAUSAL_LM";
  j["use_dora"] = false;
  j["use_rslora"] = c.use_rslora;
  return j;
}

nn::LoraConfig lora_config_from_peft(const json& j, const std::string& what) {
  AM_CHECK(j.is_object(), what, ": expected a JSON object, found ", json_type_name(j));
  auto has = [&](const char* key) { return j.contains(key) && !j[key].is_null(); };
  auto expect = [&](const char* key, bool ok, const char* expected) {
    AM_CHECK(ok, what, ": \"", key, "\" must be ", expected, ", found ", j[key].dump());
  };
  AM_CHECK(j.contains("peft_type"), what, ": no \"peft_type\" (not a PEFT adapter_config.json)");
  AM_CHECK(j["peft_type"] == "LORA", what, ": \"peft_type\" is ", j["peft_type"].dump(),
           "; automodel loads LoRA adapters only (\"LORA\")");
  nn::LoraConfig c;  // PEFT's defaults for keys an adapter_config.json omits
  if (has("r")) {
    expect("r", j["r"].is_number_integer() && j["r"].get<int64_t>() > 0, "a positive integer");
    c.r = j["r"].get<int64_t>();
  }
  if (has("lora_alpha")) {
    expect("lora_alpha", j["lora_alpha"].is_number(), "a number");
    c.alpha = j["lora_alpha"].get<double>();
  }
  if (has("lora_dropout")) {
    expect("lora_dropout", j["lora_dropout"].is_number(), "a number");
    c.dropout = j["lora_dropout"].get<double>();
  }
  if (has("use_rslora")) {
    expect("use_rslora", j["use_rslora"].is_boolean(), "true or false");
    c.use_rslora = j["use_rslora"].get<bool>();
  }
  AM_CHECK(has("target_modules"), what, ": \"target_modules\" is missing or null (PEFT then picks per-architecture "
           "defaults, which automodel does not reproduce); list the modules explicitly");
  const json& t = j["target_modules"];
  if (t.is_string()) {
    c.target_regex = t.get<std::string>();
  } else {
    expect("target_modules", t.is_array() && !t.empty(), "a non-empty list of module names or a regex string");
    c.target_modules.clear();
    for (const auto& e : t) {
      expect("target_modules", e.is_string(), "a list of strings");
      c.target_modules.push_back(e.get<std::string>());
    }
  }
  if (has("layers_to_transform")) {
    const json& l = j["layers_to_transform"];
    if (l.is_number_integer()) c.layers_to_transform = {l.get<int64_t>()};
    else {
      expect("layers_to_transform", l.is_array(), "an integer or a list of integers");
      for (const auto& e : l) {
        expect("layers_to_transform", e.is_number_integer(), "an integer or a list of integers");
        c.layers_to_transform.push_back(e.get<int64_t>());
      }
    }
  }
  if (has("layers_pattern")) {
    const json& p = j["layers_pattern"];
    if (p.is_string()) c.layers_pattern = {p.get<std::string>()};
    else {
      expect("layers_pattern", p.is_array(), "a string or a list of strings");
      for (const auto& e : p) {
        expect("layers_pattern", e.is_string(), "a string or a list of strings");
        c.layers_pattern.push_back(e.get<std::string>());
      }
    }
  }
  // What automodel's adapters cannot represent exactly is refused rather than half-applied.
  if (has("use_dora")) {
    expect("use_dora", j["use_dora"].is_boolean(), "true or false");
    AM_CHECK(!j["use_dora"].get<bool>(), what, ": DoRA adapters (\"use_dora\": true) are not supported");
  }
  if (has("bias"))
    AM_CHECK(j["bias"] == "none", what, ": \"bias\" is ", j["bias"].dump(),
             "; only \"none\" is supported (adapters that also train biases are not)");
  for (const char* key : {"modules_to_save", "layer_replication"})
    AM_CHECK(!has(key) || j[key].empty(), what, ": \"", key, "\" is ", j[key].dump(), "; automodel supports only null");
  for (const char* key : {"rank_pattern", "alpha_pattern"})
    AM_CHECK(!has(key) || (j[key].is_object() && j[key].empty()), what, ": \"", key, "\" is ", j[key].dump(),
             "; per-module ranks/alphas are not supported (only {})");
  c.validate(what);
  return c;
}

SavedAdapter save_adapter(const CausalLM& model, const fs::path& dir) {
  const auto& lora = model.lora();
  AM_CHECK(lora, "save_adapter(", dir.string(), "): the model has no LoRA adapters (load it with FromPretrainedOptions::lora)");
  AM_CHECK(!lora->merged(), "save_adapter(", dir.string(), "): the adapters were merged into the base weights");
  SavedAdapter saved;
  NamedTensors tensors;
  for (const auto& [name, t] : lora->parameters()) {
    tensors.emplace_back(kPeftTensorPrefix + name, t.contiguous());
    saved.tensor_names.push_back(kPeftTensorPrefix + name);
  }
  StagedFolder staged(dir);
  save_safetensors(staged.path() / kAdapterWeightsFile, tensors, {{"format", "pt"}});
  std::string text = python_json_dumps(peft_adapter_config(*lora), /*ensure_ascii=*/true);
  if (!text.empty() && text.back() == '\n') text.pop_back();  // PEFT writes json.dumps(...) without a newline
  write_file_atomic(staged.path() / kAdapterConfigFile, text);
  // A pickle adapter of an older save would be loaded by PEFT only if ours were missing, but it
  // no longer belongs to this folder's config.
  staged.commit([](const std::string& name) { return name == "adapter_model.bin"; });
  saved.folder = dir;
  return saved;
}

void load_adapter_weights(CausalLM& model, const fs::path& adapter_dir) {
  const auto& lora = model.lora();
  AM_CHECK(lora, "load_adapter_weights(", adapter_dir.string(),
           "): the model has no LoRA adapters (load it with the adapter's config: load_peft_model)");
  const fs::path path = adapter_dir / kAdapterWeightsFile;
  if (!fs::exists(path)) {
    AM_CHECK(!fs::exists(adapter_dir / "adapter_model.bin"), path.string(),
             " is missing; the folder has adapter_model.bin (a PyTorch pickle), which automodel does not read: "
             "re-save the adapter with safe_serialization=True");
    fail(path.string(), " is missing (not a PEFT adapter folder)");
  }
  const SafetensorsFile file = SafetensorsFile::open(path);
  std::set<std::string> expected;
  NoGradGuard no_grad;
  for (const auto& m : lora->modules()) {
    const int64_t r = m.adapter->A.size(0);
    const std::pair<const char*, std::pair<Tensor, Shape>> parts[] = {
        {"lora_A", {m.adapter->A, Shape{r, m.in}}}, {"lora_B", {m.adapter->B, Shape{m.out, r}}}};
    for (const auto& [part, target] : parts) {
      const std::string name = kPeftTensorPrefix + m.name + "." + part + ".weight";
      expected.insert(name);
      AM_CHECK(file.contains(name), path.string(), ": missing tensor ", name, " (the adapter of module ", m.name,
               "; adapter_config.json targets it)");
      const SafetensorsEntry& e = file.entry(name);
      AM_CHECK(e.shape == target.second, path.string(), ": tensor ", name, " has shape ", e.shape.str(), ", expected ",
               target.second.str(), " (r = ", r, ", module ", m.name, " is ", m.in, " -> ", m.out, ")");
      AM_CHECK(dtype_info(e.dtype).is_floating && dtype_info(e.dtype).computable, path.string(), ": tensor ", name, " has dtype ", dtype_name(e.dtype),
               ", expected a floating dtype");
      Tensor dst = target.first;
      dst.copy_from(file.tensor(name));
    }
  }
  for (const auto& name : file.names())
    AM_CHECK(expected.count(name), path.string(), ": tensor ", name, " belongs to no adapted module of the model",
             name.find("lora_embedding") != std::string::npos ? " (embedding adapters are not supported)" : "",
             name.find("lora_") == std::string::npos ? " (only lora_A / lora_B tensors are supported)" : "");
}

std::unique_ptr<CausalLM> load_peft_model(const std::string& base, const fs::path& adapter_dir,
                                          FromPretrainedOptions options) {
  const fs::path config_path = adapter_dir / kAdapterConfigFile;
  AM_CHECK(fs::exists(config_path), config_path.string(), " is missing (not a PEFT adapter folder)");
  options.lora = lora_config_from_peft(read_json_file(config_path), config_path.string());
  auto model = AutoModelForCausalLM::from_pretrained(base, options);
  load_adapter_weights(*model, adapter_dir);
  return model;
}

void merge_lora(CausalLM& model) {
  AM_CHECK(model.lora(), "merge_lora: the model has no LoRA adapters");
  model.lora()->merge(model.dtype());
  model.set_lora(nullptr);
}

}  // namespace automodel
