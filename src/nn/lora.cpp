#include "automodel/nn/lora.h"

#include <fnmatch.h>

#include <cmath>
#include <regex>
#include <sstream>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/core/ops.h"
#include "automodel/nn/layers.h"
#include "automodel/nn/var_builder.h"

namespace automodel::nn {

namespace {

bool is_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string last_component(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Python's re patterns as written in adapter configs (alternations, classes, \d, \.) mean the
// same in ECMAScript, which std::regex implements.
std::regex compile_regex(const std::string& pattern, const std::string& what) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    fail(what, ": target_modules regular expression \"", pattern, "\" does not compile (", e.what(), ")");
  }
}

// The layer index PEFT reads from a module name when layers_to_transform is set:
// re.match(r".*\.[^.]*\.(\d+)\.") or r".*\.<pattern>\.(\d+)\." for each layers_pattern.
std::optional<int64_t> layer_index(const std::string& name, const std::vector<std::string>& patterns) {
  std::smatch m;
  auto try_pattern = [&](const std::string& p) {
    const std::regex re(p, std::regex::ECMAScript);
    return std::regex_search(name, m, re, std::regex_constants::match_continuous);
  };
  if (patterns.empty()) {
    if (try_pattern(R"(.*\.[^.]*\.(\d+)\.)")) return std::stoll(m[1].str());
    return std::nullopt;
  }
  for (const auto& p : patterns)
    if (try_pattern(".*\\." + p + "\\.(\\d+)\\.")) return std::stoll(m[1].str());
  return std::nullopt;
}

// A float in [0, 1) from the top 24 bits: the same on every standard library, unlike
// std::uniform_real_distribution.
float unit_float(std::mt19937_64& rng) { return float(rng() >> 40) * (1.0f / 16777216.0f); }

}  // namespace

double LoraConfig::scaling() const { return use_rslora ? alpha / std::sqrt(double(r)) : alpha / double(r); }

bool LoraConfig::targets(const std::string& module) const {
  if (target_regex) {
    if (*target_regex == "all-linear") return true;
    return std::regex_match(module, compile_regex(*target_regex, "LoraConfig"));
  }
  bool found = false;
  for (const auto& t : target_modules) {
    if (is_glob(t)) {
      found = fnmatch(t.c_str(), module.c_str(), 0) == 0 || fnmatch(t.c_str(), last_component(module).c_str(), 0) == 0;
    } else {
      found = module == t || ends_with(module, "." + t);
    }
    if (found) break;
  }
  if (!found || layers_to_transform.empty()) return found;
  const auto index = layer_index(module, layers_pattern);
  if (!index) return false;
  for (int64_t i : layers_to_transform)
    if (i == *index) return true;
  return false;
}

void LoraConfig::validate(const std::string& what) const {
  AM_CHECK(r > 0, what, ": LoRA rank r must be positive, got ", r);
  AM_CHECK(std::isfinite(alpha), what, ": lora_alpha must be a finite number, got ", alpha);
  AM_CHECK(dropout >= 0 && dropout < 1, what, ": lora_dropout must be in [0, 1), got ", dropout);
  if (target_regex) {
    if (*target_regex != "all-linear") compile_regex(*target_regex, what);
  } else {
    AM_CHECK(!target_modules.empty(), what, ": target_modules is empty (no module would get an adapter)");
    for (const auto& t : target_modules) AM_CHECK(!t.empty(), what, ": target_modules has an empty entry");
  }
  for (const auto& p : layers_pattern) compile_regex(".*\\." + p + "\\.(\\d+)\\.", what + " layers_pattern");
}

Tensor LoraAdapter::add_to(const Tensor& x, const Tensor& base_out) const {
  if (merged) return base_out;
  Tensor h = ops::cast(x, DType::F32);
  if (dropout > 0 && runtime && runtime->training) {
    // nn.Dropout: keep with probability 1 - p, kept values scaled by 1 / (1 - p).
    std::vector<float> mask(size_t(h.numel()));
    const float keep_scale = float(1.0 / (1.0 - dropout));
    for (auto& m : mask) m = unit_float(runtime->dropout_rng) < float(dropout) ? 0.0f : keep_scale;
    h = ops::mul(h, Tensor::from_vector(mask, h.shape()));
  }
  Tensor delta = ops::mul_scalar(ops::linear(ops::linear(h, A), B), scaling);
  Tensor sum = ops::add(base_out, delta);  // bf16 + f32 -> f32, like torch's type promotion
  return ops::cast(sum, base_out.dtype());
}

LoraAdapters::LoraAdapters(LoraConfig config)
    : config_(std::move(config)), runtime_(std::make_shared<LoraRuntime>()), init_rng_(config_.seed) {
  config_.validate("LoraConfig");
  // Dropout masks come from their own stream, so enabling dropout does not change A's init.
  runtime_->dropout_rng.seed(config_.seed ^ 0x9E3779B97F4A7C15ull);
}

std::shared_ptr<LoraAdapter> LoraAdapters::add(const std::string& name, int64_t in, int64_t out, const Tensor& weight,
                                               const Tensor& stored_weight, bool fan_in_fan_out) {
  AM_CHECK(!merged_, "LoRA: cannot add an adapter to ", name, " after the adapters were merged");
  auto a = std::make_shared<LoraAdapter>();
  const int64_t r = config_.r;
  // kaiming_uniform_(a=sqrt(5)) on [r, in]: gain sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / in) = 1 / sqrt(in).
  const float bound = float(1.0 / std::sqrt(double(in)));
  std::vector<float> values(size_t(r * in));
  for (auto& v : values) v = (2.0f * unit_float(init_rng_) - 1.0f) * bound;
  a->A = Tensor::from_vector(values, {r, in});
  a->B = Tensor::zeros({out, r}, DType::F32);
  a->scaling = config_.scaling();
  a->dropout = config_.dropout;
  a->runtime = runtime_;
  modules_.push_back({name, a, weight, stored_weight, fan_in_fan_out, in, out});
  return a;
}

NamedTensors LoraAdapters::parameters() const {
  NamedTensors out;
  for (const auto& m : modules_) {
    out.emplace_back(m.name + ".lora_A.weight", m.adapter->A);
    out.emplace_back(m.name + ".lora_B.weight", m.adapter->B);
  }
  return out;
}

std::string LoraAdapters::dropout_rng_state() const {
  std::ostringstream s;
  s << runtime_->dropout_rng;
  return s.str();
}

void LoraAdapters::set_dropout_rng_state(const std::string& state) {
  std::istringstream s(state);
  std::mt19937_64 rng;
  s >> rng;
  AM_CHECK(!s.fail(), "LoRA: dropout generator state is not a std::mt19937_64 state (", state.size(), " characters)");
  runtime_->dropout_rng = rng;
}

void LoraAdapters::merge(std::optional<DType> dtype) {
  NoGradGuard no_grad;
  for (auto& m : modules_) {
    if (m.adapter->merged) continue;
    // delta [out, in] = scaling * B @ A in float32; one rounding to W's dtype after the add.
    Tensor delta = ops::mul_scalar(ops::matmul(m.adapter->B, m.adapter->A), m.adapter->scaling);
    Tensor merged = ops::cast(ops::add(ops::cast(m.weight, DType::F32), delta), dtype.value_or(m.weight.dtype()));
    m.weight.replace_data(merged);
    if (m.fan_in_fan_out) m.stored_weight.replace_data(merged.transpose(0, 1).contiguous());
    else if (!m.stored_weight.same(m.weight)) m.stored_weight.replace_data(merged);
    m.adapter->merged = true;
  }
  merged_ = true;
}

void attach_lora(const VarBuilder& vb, Linear& linear, int64_t in, int64_t out, const Tensor& stored_weight,
                 bool fan_in_fan_out) {
  const auto& lora = vb.store().lora();
  if (!lora) return;
  const std::string& name = vb.prefix();
  lora->record_linear(name);
  if (!lora->config().targets(name)) return;
  linear.lora = lora->add(name, in, out, linear.weight, stored_weight, fan_in_fan_out);
}

}  // namespace automodel::nn
