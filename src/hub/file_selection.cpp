#include "file_selection.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "hub_cache.h"

namespace automodel::hub_detail {

namespace {

constexpr const char* kSingleWeights = "model.safetensors";
constexpr const char* kWeightsIndex = "model.safetensors.index.json";

bool has_wildcard(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool matches_pattern(const std::string& pattern, const std::string& path) {
  return ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0;
}

FilePlan plan_files(const std::vector<std::string>& repo_files, const HubFilePatterns& patterns) {
  FilePlan plan;
  std::vector<std::string> all_patterns = patterns.required;
  all_patterns.insert(all_patterns.end(), patterns.optional.begin(), patterns.optional.end());

  for (const auto& p : patterns.required) {
    bool any = std::any_of(repo_files.begin(), repo_files.end(), [&](const auto& f) { return matches_pattern(p, f); });
    if (!any) plan.unmatched_required.push_back(p);
  }

  // Weight files picked only by a wildcard are subject to the weights rule; a file named
  // exactly by a pattern is always fetched.
  std::vector<std::string> selected, wildcard_weights;
  for (const auto& f : repo_files) {
    bool exact = false, wild = false;
    for (const auto& p : all_patterns) {
      if (!matches_pattern(p, f)) continue;
      (has_wildcard(p) ? wild : exact) = true;
    }
    if (!exact && !wild) continue;
    if (!exact && ends_with(f, ".safetensors") && f.find('/') == std::string::npos) {
      wildcard_weights.push_back(f);
    } else {
      selected.push_back(f);
    }
  }

  const bool index_in_repo = contains(repo_files, kWeightsIndex);
  if (contains(wildcard_weights, kSingleWeights) || contains(selected, kSingleWeights)) {
    // transformers loads model.safetensors when present and never looks at an index then.
    selected.erase(std::remove(selected.begin(), selected.end(), std::string(kWeightsIndex)), selected.end());
    if (!contains(selected, kSingleWeights)) selected.push_back(kSingleWeights);
  } else if (!wildcard_weights.empty() && index_in_repo) {
    if (!contains(selected, kWeightsIndex)) selected.push_back(kWeightsIndex);
    plan.weights_index = kWeightsIndex;
  } else {
    selected.insert(selected.end(), wildcard_weights.begin(), wildcard_weights.end());
  }
  plan.files = std::move(selected);
  return plan;
}

std::vector<std::string> index_shards(const std::filesystem::path& index_path, const std::string& what,
                                      const std::vector<std::string>* repo_files) {
  const json index = read_json_file(index_path);
  AM_CHECK(index.is_object(), what, ": expected a JSON object, found ", json_type_name(index));
  AM_CHECK(index.contains("weight_map"), what, ": missing 'weight_map'");
  const json& map = index["weight_map"];
  AM_CHECK(map.is_object(), what, ": 'weight_map' must be an object, found ", json_type_name(map));
  std::vector<std::string> shards;
  std::set<std::string> seen;
  for (const auto& [tensor, shard] : map.items()) {
    AM_CHECK(shard.is_string(), what, ": weight_map['", tensor, "'] must be a string, found ", json_type_name(shard));
    const std::string name = shard.get<std::string>();
    check_repo_path(name, what);
    if (!seen.insert(name).second) continue;
    if (repo_files != nullptr)
      AM_CHECK(contains(*repo_files, name), what, ": weight_map['", tensor, "'] names shard '", name,
               "', which the repo does not have");
    shards.push_back(name);
  }
  return shards;
}

void fail_unmatched(const std::vector<std::string>& unmatched, const std::vector<std::string>& repo_files,
                    const std::string& where) {
  std::string msg = str_cat(where, " has no file matching '", unmatched.front(), "'");
  for (size_t i = 1; i < unmatched.size(); ++i) msg += str_cat(", nor '", unmatched[i], "'");
  const bool wants_weights = std::any_of(unmatched.begin(), unmatched.end(),
                                         [](const auto& p) { return matches_pattern(p, "model.safetensors"); });
  const bool has_bin = std::any_of(repo_files.begin(), repo_files.end(), [](const auto& f) { return ends_with(f, ".bin"); });
  if (wants_weights && has_bin) msg += " (it has PyTorch .bin weights only; automodel reads safetensors)";
  std::string listing;
  for (size_t i = 0; i < repo_files.size() && i < 20; ++i) listing += (i ? ", " : "") + repo_files[i];
  if (repo_files.size() > 20) listing += str_cat(", ... (", repo_files.size(), " files)");
  msg += str_cat("; its files: ", repo_files.empty() ? std::string("none") : listing);
  throw Error(msg);
}

}  // namespace automodel::hub_detail
