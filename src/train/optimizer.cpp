// The Optimizer base: parameter bookkeeping, master weights, the step driver, checkpoint state.
#include "automodel/train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"
#include "update_kernels.h"

namespace automodel::train {
namespace {

bool is_trainable_dtype(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16; }

// Optimizer-internal copies are plain data: no graph is recorded for them.
Tensor float32_copy(const Tensor& t) {
  NoGradGuard no_grad;
  return t.to(DType::F32).clone();
}

// Writes a float32 master back into its bf16 / f16 parameter, rounding to nearest even.
void write_back(const Tensor& master, Tensor& param) {
  const float* src = master.data<float>();
  auto* dst = static_cast<uint16_t*>(param.mutable_raw_data());
  if (param.dtype() == DType::BF16)
    kernels::round_to_bf16(src, dst, master.numel());
  else
    kernels::round_to_f16(src, dst, master.numel());
}

json shape_json(const Shape& s) { return json(s.vec()); }

}  // namespace

Tensor& Optimizer::Slot::state_tensor(const std::string& key) {
  for (auto& [k, t] : state)
    if (k == key) return t;
  state.emplace_back(key, Tensor::zeros(param.shape(), DType::F32));
  return state.back().second;
}

const Tensor* Optimizer::Slot::find_state(const std::string& key) const {
  for (const auto& [k, t] : state)
    if (k == key) return &t;
  return nullptr;
}

Optimizer::Optimizer(NamedParameters params, double lr, double weight_decay, const std::vector<std::string>& no_decay)
    : params_(std::move(params)), lr_(lr), weight_decay_(weight_decay), no_decay_(no_decay) {
  AM_CHECK(std::isfinite(lr) && lr >= 0, "optimizer: invalid learning rate ", lr, " (expected a finite value >= 0)");
  AM_CHECK(std::isfinite(weight_decay) && weight_decay >= 0, "optimizer: invalid weight_decay ", weight_decay,
           " (expected a finite value >= 0)");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, p] = params_[i];
    AM_CHECK(!name.empty(), "optimizer: parameter #", i, " has an empty name");
    AM_CHECK(p.defined(), "optimizer: parameter '", name, "' is an undefined tensor");
    AM_CHECK(index.emplace(name, i).second, "optimizer: parameter name '", name, "' appears twice");
    AM_CHECK(is_trainable_dtype(p.dtype()), "optimizer: parameter '", name, "' is ", dtype_name(p.dtype()),
             "; optimizers update float32, bfloat16 or float16 parameters");
    AM_CHECK(p.is_contiguous(), "optimizer: parameter '", name, "' ", p.str(),
             " is not contiguous; optimizers update whole contiguous parameters");
    for (size_t j = 0; j < i; ++j) {
      const Tensor& q = params_[j].second;
      AM_CHECK(!(q.storage() == p.storage() && q.offset() == p.offset()), "optimizer: parameters '",
               params_[j].first, "' and '", name,
               "' are the same tensor (tied weights); list a shared parameter once");
    }
  }
  for (const auto& n : no_decay_)
    AM_CHECK(index.count(n), "optimizer: no_decay names '", n, "', which is not one of the ", params_.size(),
             " parameters");
  std::set<std::string> excluded(no_decay_.begin(), no_decay_.end());
  slots_.reserve(params_.size());
  for (const auto& [name, p] : params_) {
    Slot s;
    s.name = name;
    s.param = p;
    s.weight_decay = excluded.count(name) ? 0.0 : weight_decay_;
    // Master copies for the parameters being trained now; one that is unfrozen later gets its
    // copy at its first update.
    if (p.dtype() != DType::F32 && autograd::requires_grad(p)) s.master = float32_copy(p);
    slots_.push_back(std::move(s));
  }
}

Optimizer::~Optimizer() = default;

void Optimizer::set_lr(double lr) {
  AM_CHECK(std::isfinite(lr) && lr >= 0, "optimizer: invalid learning rate ", lr, " (expected a finite value >= 0)");
  lr_ = lr;
}

void Optimizer::step() {
  // Check every parameter first, so that a bad one leaves all of them untouched.
  std::vector<std::pair<Slot*, Tensor>> work;
  for (auto& slot : slots_) {
    if (!autograd::requires_grad(slot.param)) continue;
    Tensor g = autograd::grad(slot.param);
    if (!g.defined()) continue;
    AM_CHECK(g.dtype() == DType::F32, "optimizer: gradient of '", slot.name, "' is ", dtype_name(g.dtype()),
             ", expected float32");
    AM_CHECK(g.shape() == slot.param.shape(), "optimizer: gradient of '", slot.name, "' has shape ",
             g.shape().str(), ", expected the parameter's shape ", slot.param.shape().str());
    AM_CHECK(!slot.param.storage()->read_only(), "optimizer: parameter '", slot.name,
             "' is on read-only (memory-mapped) storage; give it owned storage before training "
             "(param.replace_data(param.clone()))");
    AM_CHECK(slot.param.is_contiguous(), "optimizer: parameter '", slot.name, "' ", slot.param.str(),
             " is no longer contiguous");
    work.emplace_back(&slot, g.contiguous());
  }
  for (auto& [slot, g] : work) {
    Tensor& p = slot->param;
    if (p.dtype() != DType::F32 && !slot->master.defined()) slot->master = float32_copy(p);
    ++slot->steps;
    float* value = slot->master.defined() ? slot->master.mutable_data<float>() : p.mutable_data<float>();
    update(*slot, value, g.data<float>(), p.numel());
    if (slot->master.defined()) write_back(slot->master, p);
  }
}

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) autograd::zero_grad(p);
}

int64_t Optimizer::parameter_steps(const std::string& name) const {
  for (const auto& s : slots_)
    if (s.name == name) return s.steps;
  fail("optimizer: no parameter named '", name, "'");
}

Tensor Optimizer::master_weight(const std::string& name) const {
  for (const auto& s : slots_)
    if (s.name == name) return s.master;
  fail("optimizer: no parameter named '", name, "'");
}

Tensor Optimizer::state(const std::string& name, const std::string& key) const {
  for (const auto& s : slots_)
    if (s.name == name) {
      const Tensor* t = s.find_state(key);
      return t ? *t : Tensor();
    }
  fail("optimizer: no parameter named '", name, "'");
}

void Optimizer::save_state(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  NamedTensors tensors;
  json params = json::array();
  for (const auto& s : slots_) {
    params.push_back({{"name", s.name}, {"shape", shape_json(s.param.shape())}, {"dtype", dtype_name(s.param.dtype())}});
    tensors.emplace_back(s.name + ".step", Tensor::from_vector<int64_t>({s.steps}, Shape{}));
    if (s.master.defined()) tensors.emplace_back(s.name + ".master", s.master);
    for (const auto& [key, t] : s.state) tensors.emplace_back(s.name + "." + key, t);
  }
  json hyper = hyperparameters();
  hyper["lr"] = lr_;
  hyper["weight_decay"] = weight_decay_;
  hyper["no_decay"] = no_decay_;
  json doc = {{"format", "automodel.optimizer"},
              {"version", 1},
              {"kind", kind()},
              {"hyperparameters", std::move(hyper)},
              {"parameters", std::move(params)}};
  save_safetensors(dir / kOptimizerStateFile, tensors, {{"format", "automodel.optimizer"}});
  write_json_file(dir / kOptimizerConfigFile, doc);
}

void Optimizer::load_state(const std::filesystem::path& dir) {
  const auto config_path = dir / kOptimizerConfigFile;
  const auto state_path = dir / kOptimizerStateFile;
  const std::string cfg = config_path.string();
  AM_CHECK(std::filesystem::exists(config_path), "optimizer state: ", cfg, " does not exist");
  AM_CHECK(std::filesystem::exists(state_path), "optimizer state: ", state_path.string(), " does not exist");
  json doc = read_json_file(config_path);
  AM_CHECK(doc.is_object() && doc.value("format", "") == "automodel.optimizer", cfg,
           ": not an automodel optimizer state (expected \"format\": \"automodel.optimizer\")");
  AM_CHECK(doc.contains("kind") && doc["kind"].is_string(), cfg, ": missing string field \"kind\"");
  AM_CHECK(doc["kind"].get<std::string>() == kind(), cfg, ": the state is of a '", doc["kind"].get<std::string>(),
           "' optimizer, this optimizer is '", kind(), "'");
  AM_CHECK(doc.contains("parameters") && doc["parameters"].is_array(), cfg, ": missing array \"parameters\"");
  const json& saved = doc["parameters"];
  for (size_t i = 0; i < std::max(saved.size(), slots_.size()); ++i) {
    AM_CHECK(i < saved.size(), cfg, ": parameter #", i, " '", slots_[i].name, "' of this model is not in the state (",
             saved.size(), " parameters saved, ", slots_.size(), " now)");
    const json& e = saved[i];
    AM_CHECK(e.is_object() && e.contains("name") && e["name"].is_string() && e.contains("shape") &&
                 e["shape"].is_array() && e.contains("dtype") && e["dtype"].is_string(),
             cfg, ": parameters[", i, "] needs string \"name\", array \"shape\" and string \"dtype\"");
    const std::string name = e["name"].get<std::string>();
    AM_CHECK(i < slots_.size(), cfg, ": saved parameter #", i, " '", name, "' is not a parameter of this model (",
             saved.size(), " parameters saved, ", slots_.size(), " now)");
    const Slot& s = slots_[i];
    AM_CHECK(name == s.name, cfg, ": parameters[", i, "] is '", name, "', this model's parameter #", i, " is '", s.name,
             "'");
    Shape shape;
    for (const auto& d : e["shape"]) {
      AM_CHECK(d.is_number_integer(), cfg, ": parameters[", i, "].shape has a non-integer entry");
      shape.push_back(d.get<int64_t>());
    }
    AM_CHECK(shape == s.param.shape(), cfg, ": parameter '", name, "' was saved with shape ", shape.str(),
             ", the model's has shape ", s.param.shape().str());
    AM_CHECK(e["dtype"].get<std::string>() == dtype_name(s.param.dtype()), cfg, ": parameter '", name,
             "' was saved as ", e["dtype"].get<std::string>(), ", the model's is ", dtype_name(s.param.dtype()));
  }
  AM_CHECK(doc.contains("hyperparameters") && doc["hyperparameters"].is_object(), cfg,
           ": missing object \"hyperparameters\"");
  const json& hyper = doc["hyperparameters"];
  auto number = [&](const char* key) {
    AM_CHECK(hyper.contains(key) && hyper[key].is_number(), cfg, ": hyperparameters.", key, " must be a number");
    return hyper[key].get<double>();
  };
  const double lr = number("lr");
  const double weight_decay = number("weight_decay");
  AM_CHECK(hyper.contains("no_decay") && hyper["no_decay"].is_array(), cfg,
           ": hyperparameters.no_decay must be an array of parameter names");
  std::set<std::string> no_decay;
  for (const auto& n : hyper["no_decay"]) {
    AM_CHECK(n.is_string(), cfg, ": hyperparameters.no_decay must hold strings");
    no_decay.insert(n.get<std::string>());
  }

  // Read every tensor into new slot state before changing anything.
  SafetensorsFile file = SafetensorsFile::open(state_path);
  const std::string st = state_path.string();
  const std::vector<std::string> keys = state_keys();
  std::set<std::string> consumed;
  struct Loaded {
    int64_t steps;
    Tensor master;
    std::vector<std::pair<std::string, Tensor>> state;
  };
  std::vector<Loaded> loaded;
  auto read_f32 = [&](const std::string& tname, const Slot& s) {
    Tensor t = file.tensor(tname);
    AM_CHECK(t.dtype() == DType::F32 && t.shape() == s.param.shape(), st, ": tensor '", tname, "' is ",
             dtype_name(t.dtype()), " ", t.shape().str(), ", expected float32 ", s.param.shape().str());
    consumed.insert(tname);
    return t.clone();  // owned: the mapping goes away with `file`
  };
  for (const Slot& s : slots_) {
    Loaded l;
    const std::string step_name = s.name + ".step";
    AM_CHECK(file.contains(step_name), st, ": missing tensor '", step_name, "'");
    Tensor step = file.tensor(step_name);
    AM_CHECK(step.dtype() == DType::I64 && step.numel() == 1, st, ": tensor '", step_name,
             "' must be one int64, found ", step.str());
    l.steps = int64_t(step.item());
    AM_CHECK(l.steps >= 0, st, ": tensor '", step_name, "' is negative");
    consumed.insert(step_name);
    if (file.contains(s.name + ".master")) {
      AM_CHECK(s.param.dtype() != DType::F32, st, ": tensor '", s.name,
               ".master' given for a float32 parameter (only bf16/f16 parameters have master weights)");
      l.master = read_f32(s.name + ".master", s);
    }
    for (const auto& key : keys)
      if (file.contains(s.name + "." + key)) l.state.emplace_back(key, read_f32(s.name + "." + key, s));
    loaded.push_back(std::move(l));
  }
  for (const auto& n : file.names())
    AM_CHECK(consumed.count(n), st, ": unexpected tensor '", n, "' (not a ", kind(), " state entry of any parameter)");

  AM_CHECK(std::isfinite(lr) && lr >= 0, cfg, ": hyperparameters.lr = ", lr, " is not a valid learning rate");
  AM_CHECK(std::isfinite(weight_decay) && weight_decay >= 0, cfg, ": hyperparameters.weight_decay = ", weight_decay,
           " is invalid");
  for (const auto& n : no_decay) {
    bool known = std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.name == n; });
    AM_CHECK(known, cfg, ": hyperparameters.no_decay names '", n, "', which is not a parameter");
  }
  restore_hyperparameters(hyper, cfg);  // validates everything before assigning
  lr_ = lr;
  weight_decay_ = weight_decay;
  no_decay_.assign(no_decay.begin(), no_decay.end());
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].steps = loaded[i].steps;
    slots_[i].master = loaded[i].master;
    slots_[i].state = std::move(loaded[i].state);
    slots_[i].weight_decay = no_decay.count(slots_[i].name) ? 0.0 : weight_decay_;
  }
}

}  // namespace automodel::train
