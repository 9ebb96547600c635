// A model's weights as one name → tensor map, whether they sit in one safetensors file or in
// shards listed by model.safetensors.index.json. Opening maps every file and validates every
// header (cheap: no tensor data is read); tensors are zero-copy views.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"

namespace automodel {

class Checkpoint {
 public:
  // `path` is one of:
  //  - a folder: `model.safetensors` if present, else `model.safetensors.index.json` (the order
  //    transformers' from_pretrained looks for them);
  //  - a `.safetensors` file;
  //  - an index file (`*.safetensors.index.json`), whose shards are resolved next to it.
  // Throws automodel::Error naming the file (and for a missing shard, a tensor that needs it).
  static Checkpoint open(const std::filesystem::path& path);

  // Tensor names: for an index, in weight_map order; for a single file, in data-offset order.
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }
  bool contains(std::string_view name) const { return where_.count(std::string(name)) != 0; }
  // Zero-copy view in the stored dtype. Throws naming the checkpoint and the tensor.
  Tensor tensor(std::string_view name) const;
  const SafetensorsEntry& entry(std::string_view name) const;
  // The safetensors file holding `name`.
  const SafetensorsFile& file_of(std::string_view name) const;

  // "__metadata__" of the first file (HF writes the same {"format": "pt"} into every shard).
  const std::map<std::string, std::string>& metadata() const;
  // The index's "metadata" object ({"total_size": ...}); null for a single file.
  const json& index_metadata() const { return index_metadata_; }
  bool sharded() const { return index_path_.has_value(); }
  // The files read: the index (if any) first, then the safetensors files in shard order.
  std::vector<std::filesystem::path> files() const;
  // Sum of all tensors' byte sizes.
  uint64_t total_bytes() const;
  // Human-readable origin for error messages (the folder, file or index path).
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::optional<std::filesystem::path> index_path_;
  json index_metadata_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> where_;  // name → index into files_
};

}  // namespace automodel
