#include <algorithm>
#include <cmath>

#include "automodel/hub/checkpoint.h"
#include "automodel/nn/var_builder.h"

namespace automodel {

namespace fs = std::filesystem;

std::shared_ptr<ParameterStore> ParameterStore::open_checkpoint(const fs::path& folder) {
  std::shared_ptr<ParameterStore> s(new ParameterStore());
  // The hub's Checkpoint finds model.safetensors or the index (transformers' order), validates
  // every header and names the tensor whose shard is missing.
  s->checkpoint_ = Checkpoint::open(folder);
  s->source_ = s->checkpoint_->origin();
  return s;
}

std::shared_ptr<ParameterStore> ParameterStore::creating(DType dtype, uint64_t seed) {
  std::shared_ptr<ParameterStore> s(new ParameterStore());
  s->creating_ = true;
  s->create_dtype_ = dtype;
  s->rng_.seed(seed);
  s->source_ = "new random weights";
  return s;
}

void ParameterStore::create_missing(std::vector<std::string> prefixes, uint64_t seed) {
  create_missing_prefixes_ = std::move(prefixes);
  rng_.seed(seed);
}

bool ParameterStore::contains(const std::string& name) const {
  return creating_ ? created_index_.count(name) != 0 : (checkpoint_ && checkpoint_->contains(name));
}

Tensor ParameterStore::lookup(const std::string& name) const {
  AM_CHECK(contains(name), source_, ": the checkpoint has no tensor '", name, "'");
  return checkpoint_->tensor(name);
}

DType ParameterStore::stored_dtype(const std::string& name) const {
  AM_CHECK(contains(name), source_, ": the checkpoint has no tensor '", name, "'");
  return checkpoint_->entry(name).dtype;
}

DType ParameterStore::dominant_dtype() const {
  std::map<DType, int64_t> count;
  if (checkpoint_)
    for (const auto& name : checkpoint_->names()) {
      const SafetensorsEntry& e = checkpoint_->entry(name);
      if (dtype_info(e.dtype).is_floating) count[e.dtype] += int64_t(e.nbytes());
    }
  DType best = DType::F32;
  int64_t most = -1;
  for (auto [d, n] : count)
    if (n > most) best = d, most = n;
  return best;
}

Tensor ParameterStore::create(const Shape& shape, const ParamInit& init) {
  Tensor t = Tensor::empty(shape, DType::F32);
  float* p = t.mutable_data<float>();
  const int64_t n = t.numel();
  switch (init.kind) {
    case ParamInit::Kind::kZeros: std::fill(p, p + n, 0.0f); break;
    case ParamInit::Kind::kOnes: std::fill(p, p + n, 1.0f); break;
    case ParamInit::Kind::kNormal: {
      std::normal_distribution<float> dist(0.0f, float(init.std));
      for (int64_t i = 0; i < n; ++i) p[i] = dist(rng_);
      break;
    }
  }
  return create_dtype_ == DType::F32 ? t : t.to(create_dtype_);
}

Tensor ParameterStore::get(const std::string& name, const Shape& shape, const ParamInit& init) {
  if (creating_) {
    auto it = created_index_.find(name);
    if (it != created_index_.end()) return created_[it->second].second;
    Tensor t = create(shape, init);
    created_index_[name] = created_.size();
    created_.emplace_back(name, t);
    return t;
  }
  if (auto it = created_index_.find(name); it != created_index_.end()) {
    const Tensor& seen = created_[it->second].second;  // asked again (tied weights): the same tensor
    if (!shape.empty())
      AM_CHECK(seen.shape() == shape, source_, ": tensor '", name, "' has shape ", seen.shape().str(),
               ", the config implies ", shape.str());
    return seen;
  }
  if (checkpoint_ && !checkpoint_->contains(name)) {
    for (const std::string& prefix : create_missing_prefixes_)
      if (name.compare(0, prefix.size(), prefix) == 0) {
        Tensor t = create(shape, init);
        if (target_dtype_ && t.dtype() != *target_dtype_) t = t.to(*target_dtype_);
        newly_created_.push_back(name);
        created_index_[name] = created_.size();
        created_.emplace_back(name, t);
        return t;
      }
  }
  Tensor t = lookup(name);
  used_.insert(name);
  if (!shape.empty() || t.dim() == 0)
    AM_CHECK(t.shape() == shape, source_, ": tensor '", name, "' has shape ", t.shape().str(), ", the config implies ",
             shape.str());
  AM_CHECK(dtype_info(t.dtype()).is_floating, source_, ": tensor '", name, "' has dtype ", dtype_name(t.dtype()),
           ", expected a floating dtype");
  if (target_dtype_ && t.dtype() != *target_dtype_) {
    const bool exact_widen = *target_dtype_ == DType::F32 && (t.dtype() == DType::BF16 || t.dtype() == DType::F16);
    if (!exact_widen) t = t.to(*target_dtype_).contiguous();
  }
  created_index_[name] = created_.size();
  created_.emplace_back(name, t);
  return t;
}

std::vector<std::string> ParameterStore::unused_names() const {
  std::vector<std::string> out;
  if (checkpoint_)
    for (const auto& name : checkpoint_->names())
      if (!used_.count(name)) out.push_back(name);
  return out;
}

VarBuilder VarBuilder::pp(const std::string& name) const { return VarBuilder(store_, full_name(name)); }

}  // namespace automodel
