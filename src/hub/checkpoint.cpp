// Checkpoint: one name → tensor view over a single safetensors file or an indexed set of shards.
#include "automodel/hub/checkpoint.h"

#include <algorithm>
#include <set>

#include "automodel/core/error.h"

namespace automodel {

namespace fs = std::filesystem;

namespace {

constexpr const char* kWeightsName = "model.safetensors";
constexpr const char* kIndexName = "model.safetensors.index.json";

bool ends_with(const std::string& s, std::string_view suffix) { return std::string_view(s).ends_with(suffix); }

// A shard named by an index must be a plain relative path below the index's folder.
void check_shard_path(const fs::path& index, const std::string& tensor, const std::string& shard) {
  const fs::path p(shard);
  bool ok = !shard.empty() && p.is_relative();
  for (const auto& part : p)
    if (part == "..") ok = false;
  AM_CHECK(ok, index.string(), ": weight_map['", tensor, "'] = '", shard,
           "' must be a file name relative to the index's folder");
}

}  // namespace

Checkpoint Checkpoint::open(const fs::path& path) {
  std::error_code ec;
  fs::path file = path;
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / kWeightsName, ec)) {
      file = path / kWeightsName;
    } else if (fs::is_regular_file(path / kIndexName, ec)) {
      file = path / kIndexName;
    } else {
      fail(path.string(), ": no weights found (looked for ", kWeightsName, " and ", kIndexName, ")");
    }
  } else {
    AM_CHECK(fs::exists(path, ec), path.string(), ": no such file or folder");
  }

  Checkpoint c;
  c.origin_ = file.string();
  if (!ends_with(file.filename().string(), ".index.json")) {
    auto f = std::make_shared<SafetensorsFile>(SafetensorsFile::open(file));
    c.names_ = f->names();
    for (const auto& n : c.names_) c.where_.emplace(n, 0);
    c.files_.push_back(std::move(f));
    return c;
  }

  c.index_path_ = file;
  const json index = read_json_file(file);
  AM_CHECK(index.is_object(), file.string(), ": expected a JSON object with \"weight_map\", found ", json_type_name(index));
  auto wm = index.find("weight_map");
  AM_CHECK(wm != index.end(), file.string(), ": missing \"weight_map\"");
  AM_CHECK(wm->is_object(), file.string(), ": \"weight_map\" must be an object of tensor name → file, found ",
           json_type_name(*wm));
  if (auto md = index.find("metadata"); md != index.end()) {
    AM_CHECK(md->is_object() || md->is_null(), file.string(), ": \"metadata\" must be an object, found ",
             json_type_name(*md));
    c.index_metadata_ = *md;
  }

  // Shards in name order (model-00001-of-N first), each opened once.
  std::map<std::string, std::string> first_tensor_of_shard;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    AM_CHECK(it.value().is_string(), file.string(), ": weight_map['", it.key(), "'] must be a file name (string), found ",
             json_type_name(it.value()));
    const auto& shard = it.value().get_ref<const std::string&>();
    check_shard_path(file, it.key(), shard);
    first_tensor_of_shard.emplace(shard, it.key());
  }
  const fs::path folder = file.parent_path();
  std::map<std::string, size_t> shard_index;
  for (const auto& [shard, tensor] : first_tensor_of_shard) {
    const fs::path shard_path = folder / shard;
    AM_CHECK(fs::is_regular_file(shard_path, ec), file.string(), ": tensor '", tensor, "' is stored in '", shard,
             "', which is missing (", shard_path.string(), " does not exist)");
    shard_index.emplace(shard, c.files_.size());
    c.files_.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(shard_path)));
  }
  c.names_.reserve(wm->size());
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    const auto& shard = it.value().get_ref<const std::string&>();
    const size_t fi = shard_index.at(shard);
    AM_CHECK(c.files_[fi]->contains(it.key()), file.string(), ": tensor '", it.key(), "' is mapped to '", shard,
             "', but that file does not contain it");
    c.names_.push_back(it.key());
    c.where_.emplace(it.key(), fi);
  }
  return c;
}

const SafetensorsFile& Checkpoint::file_of(std::string_view name) const {
  auto it = where_.find(std::string(name));
  AM_CHECK(it != where_.end(), origin_, ": no tensor named '", name, "' (the checkpoint has ", names_.size(),
           " tensors)");
  return *files_[it->second];
}

Tensor Checkpoint::tensor(std::string_view name) const { return file_of(name).tensor(name); }

const SafetensorsEntry& Checkpoint::entry(std::string_view name) const { return file_of(name).entry(name); }

const std::map<std::string, std::string>& Checkpoint::metadata() const {
  static const std::map<std::string, std::string> kEmpty;
  return files_.empty() ? kEmpty : files_.front()->metadata();
}

std::vector<fs::path> Checkpoint::files() const {
  std::vector<fs::path> out;
  if (index_path_) out.push_back(*index_path_);
  for (const auto& f : files_) out.emplace_back(f->path());
  return out;
}

uint64_t Checkpoint::total_bytes() const {
  uint64_t total = 0;
  for (const auto& n : names_) total += entry(n).nbytes();
  return total;
}

}  // namespace automodel
