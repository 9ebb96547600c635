// Which files of a repo a load needs: the caller's patterns, plus the weights rule of
// transformers' from_pretrained (a single model.safetensors wins; else the shards that
// model.safetensors.index.json names, and only those; else every matching *.safetensors).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automodel/hub/resolve.h"

namespace automodel::hub_detail {

// Shell-style match where '*', '?' and '[...]' never match '/'.
bool matches_pattern(const std::string& pattern, const std::string& path);

struct FilePlan {
  std::vector<std::string> files;               // fetch these (in this order)
  std::optional<std::string> weights_index;     // then the shards this index (also in files) names
  std::vector<std::string> unmatched_required;  // required patterns no repo file matches
};

FilePlan plan_files(const std::vector<std::string>& repo_files, const HubFilePatterns& patterns);

// The distinct shard files named by an index's weight_map, in first-seen order. Throws naming
// the index when it is malformed, when a shard name is unsafe, or (with repo_files) when a
// shard is not in the repo.
std::vector<std::string> index_shards(const std::filesystem::path& index_path, const std::string& what,
                                      const std::vector<std::string>* repo_files);

// "repo 'org/name' (revision 'main', commit abc...) has no file matching 'config.json'" plus a
// hint when the repo only has PyTorch .bin weights.
[[noreturn]] void fail_unmatched(const std::vector<std::string>& unmatched, const std::vector<std::string>& repo_files,
                                 const std::string& where);

}  // namespace automodel::hub_detail
