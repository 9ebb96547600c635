#include <algorithm>
#include <cmath>

#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"
#include "automodel/nn/var_builder.h"

namespace automodel {

namespace fs = std::filesystem;

std::shared_ptr<ParameterStore> ParameterStore::open_checkpoint(const fs::path& folder) {
  std::shared_ptr<ParameterStore> s(new ParameterStore());
  const fs::path index = folder / "model.safetensors.index.json";
  const fs::path single = folder / "model.safetensors";
  std::vector<fs::path> shard_paths;
  if (fs::exists(index)) {
    s->source_ = index.string();
    const json j = read_json_file(index);
    AM_CHECK(j.contains("weight_map") && j["weight_map"].is_object(), index.string(),
             ": expected an object at \"weight_map\"");
    std::map<std::string, size_t> file_ids;
    for (const auto& [name, file] : j["weight_map"].items()) {
      AM_CHECK(file.is_string(), index.string(), ": weight_map[\"", name, "\"] must be a file name, got ",
               json_type_name(file));
      const std::string f = file.get<std::string>();
      AM_CHECK(f.find('/') == std::string::npos && f.find("..") == std::string::npos, index.string(),
               ": weight_map[\"", name, "\"] = \"", f, "\" is not a file of this folder");
      auto [it, inserted] = file_ids.emplace(f, shard_paths.size());
      if (inserted) shard_paths.push_back(folder / f);
    }
    for (const fs::path& p : shard_paths) s->files_.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(p)));
    for (const auto& [name, file] : j["weight_map"].items()) {
      const size_t fi = file_ids.at(file.get<std::string>());
      AM_CHECK(s->files_[fi]->contains(name), index.string(), ": weight_map says tensor '", name, "' is in ",
               file.get<std::string>(), " but that file does not contain it");
      s->where_[name] = fi;
    }
  } else if (fs::exists(single)) {
    s->source_ = single.string();
    s->files_.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(single)));
    for (const auto& e : s->files_[0]->entries()) s->where_[e.name] = 0;
  } else {
    fail(folder.string(), ": no model.safetensors or model.safetensors.index.json (only safetensors checkpoints are supported)");
  }
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

bool ParameterStore::contains(const std::string& name) const {
  return creating_ ? created_index_.count(name) != 0 : where_.count(name) != 0;
}

Tensor ParameterStore::lookup(const std::string& name) const {
  auto it = where_.find(name);
  AM_CHECK(it != where_.end(), source_, ": the checkpoint has no tensor '", name, "'");
  return files_[it->second]->tensor(name);
}

DType ParameterStore::stored_dtype(const std::string& name) const {
  auto it = where_.find(name);
  AM_CHECK(it != where_.end(), source_, ": the checkpoint has no tensor '", name, "'");
  return files_[it->second]->entry(name).dtype;
}

DType ParameterStore::dominant_dtype() const {
  std::map<DType, int64_t> count;
  for (const auto& f : files_)
    for (const auto& e : f->entries())
      if (dtype_info(e.dtype).is_floating) count[e.dtype] += int64_t(e.nbytes());
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
  return t;
}

std::vector<std::string> ParameterStore::unused_names() const {
  std::vector<std::string> out;
  for (const auto& [name, fi] : where_)
    if (!used_.count(name)) out.push_back(name);
  return out;
}

VarBuilder VarBuilder::pp(const std::string& name) const { return VarBuilder(store_, full_name(name)); }

}  // namespace automodel
