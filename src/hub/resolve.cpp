// resolve_model: a local folder, else a complete snapshot in the cache (no network), else the
// Hub (repo info, then each missing file), else a clear error. The steps mirror
// huggingface_hub's snapshot_download; the cache-first rule is ours (see README.md).
#include "automodel/hub/resolve.h"

#include <algorithm>

#include "automodel/core/error.h"
#include "download.h"
#include "file_selection.h"
#include "hub_cache.h"
#include "hub_errors.h"
#include "repo_info.h"

namespace fs = std::filesystem;

namespace automodel {

using namespace hub_detail;

namespace {

// What the cache holds for one commit, judged against the requested patterns.
struct CachedSnapshot {
  bool exists = false;
  bool complete = false;  // every file the patterns select is there (known from the file list)
  bool usable = false;    // required patterns and weight shards are satisfied (enough offline)
  std::vector<std::string> files;    // selected files (when judged from a recorded file list)
  std::vector<std::string> missing;  // what is known to be missing
};

bool has_wildcard(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

CachedSnapshot inspect_snapshot(const RepoCache& cache, const std::string& commit, const HubFilePatterns& patterns,
                                const std::string& where) {
  CachedSnapshot s;
  std::error_code ec;
  s.exists = fs::is_directory(cache.snapshot_dir(commit), ec);
  if (!s.exists) return s;

  auto add_shards = [&](const FilePlan& plan, const std::vector<std::string>* repo_files) {
    std::vector<std::string> files = plan.files;
    if (plan.weights_index) {
      if (cache.has_file(commit, *plan.weights_index)) {
        auto shards = index_shards(cache.pointer_path(commit, *plan.weights_index),
                                   str_cat(where, ": ", *plan.weights_index), repo_files);
        files.insert(files.end(), shards.begin(), shards.end());
      }
    }
    return files;
  };

  if (auto listing = cache.read_file_list(commit)) {
    // We recorded the repo's full file list at this commit: completeness is exact.
    FilePlan plan = plan_files(*listing, patterns);
    if (!plan.unmatched_required.empty()) fail_unmatched(plan.unmatched_required, *listing, where);
    s.files = add_shards(plan, &*listing);
    if (plan.weights_index && !cache.has_file(commit, *plan.weights_index)) s.missing.push_back(*plan.weights_index);
    for (const auto& f : s.files)
      if (!cache.has_file(commit, f)) s.missing.push_back(f);
    s.complete = s.usable = s.missing.empty();
    return s;
  }

  // A snapshot made by another tool (huggingface_hub): judge by what is on disk.
  const std::vector<std::string> local = cache.snapshot_files(commit);
  FilePlan plan = plan_files(local, patterns);
  s.missing = plan.unmatched_required;
  s.files = add_shards(plan, nullptr);
  for (const auto& f : s.files)
    if (!cache.has_file(commit, f)) s.missing.push_back(f);
  s.usable = s.missing.empty();
  // Complete only if every optional file named exactly is present or known to be absent
  // (huggingface_hub's .no_exist markers); wildcard patterns cannot be judged without a list.
  s.complete = s.usable;
  for (const auto& p : patterns.optional) {
    if (has_wildcard(p)) continue;
    if (!cache.has_file(commit, p) && !cache.marked_absent(commit, p)) s.complete = false;
  }
  return s;
}

[[noreturn]] void fail_offline(const RepoCache& cache, const std::string& revision, const std::optional<std::string>& commit,
                               const CachedSnapshot& snap, const std::string& why) {
  std::string subject = str_cat("'", cache.repo_id(), "' (revision '", revision, "')");
  std::string reason;
  std::error_code ec;
  if (!fs::is_directory(cache.storage(), ec)) {
    reason = str_cat("the repo is not in the cache (no ", cache.storage().string(), ")");
  } else if (!commit) {
    reason = str_cat("the cache does not know which commit '", revision, "' is (no ",
                     (cache.storage() / "refs" / revision).string(), ")");
  } else if (!snap.exists) {
    reason = str_cat("commit ", *commit, " is not in the cache (no ", cache.snapshot_dir(*commit).string(), ")");
  } else {
    std::string list;
    for (size_t i = 0; i < snap.missing.size(); ++i) list += (i ? ", " : "") + snap.missing[i];
    reason = str_cat("the cached snapshot ", cache.snapshot_dir(*commit).string(), " lacks ",
                     list.empty() ? std::string("files") : list);
  }
  fail(subject, ": not available offline: ", reason, "; ", why, ", so nothing was downloaded");
}

ModelSnapshot from_cache(const RepoCache& cache, const std::string& revision, const std::string& commit,
                         const CachedSnapshot& snap) {
  ModelSnapshot out;
  out.folder = cache.snapshot_dir(commit);
  out.repo_id = cache.repo_id();
  out.revision = revision;
  out.commit = commit;
  out.files = snap.files;
  return out;
}

bool looks_like_path(const std::string& s) {
  return s.empty() || s[0] == '/' || s[0] == '.' || s[0] == '~' || s.back() == '/' ||
         std::count(s.begin(), s.end(), '/') > 1;
}

}  // namespace

ModelSnapshot resolve_model_snapshot(const std::string& id_or_path, const ResolveOptions& options) {
  std::error_code ec;
  if (fs::is_directory(id_or_path, ec)) {
    ModelSnapshot out;
    out.folder = fs::absolute(id_or_path);
    out.revision = options.revision;
    out.local_folder = true;
    return out;
  }
  AM_CHECK(!fs::exists(id_or_path, ec), "'", id_or_path, "' is a file; expected a model folder or a Hub repo id");
  AM_CHECK(!looks_like_path(id_or_path), "local folder '", id_or_path, "' does not exist");
  try {
    validate_repo_id(id_or_path);
  } catch (const Error& e) {
    fail("'", id_or_path, "' is neither an existing folder nor a Hub repo id: ", e.what());
  }
  const std::string& revision = options.revision;
  check_revision(revision);

  const RepoCache cache(options.cache_dir.value_or(hub_cache_dir()), id_or_path);
  const std::string where_rev = str_cat("'", id_or_path, "' (revision '", revision, "')");
  std::optional<std::string> commit = is_commit_hash(revision) ? std::optional(revision) : cache.read_ref(revision);
  const bool env_offline = hub_offline_mode();
  const bool offline = options.local_files_only || env_offline;

  CachedSnapshot cached;
  if (commit) {
    cached = inspect_snapshot(cache, *commit, options.files, where_rev);
    if (cached.complete && (!options.refresh || offline)) return from_cache(cache, revision, *commit, cached);
    if (offline && cached.usable) return from_cache(cache, revision, *commit, cached);
  }
  if (offline) {
    fail_offline(cache, revision, commit, cached,
                 env_offline ? "offline mode is on (HF_HUB_OFFLINE=1)" : "local_files_only is set");
  }

  const std::string endpoint = options.endpoint.value_or(hub_endpoint());
  const std::string token = options.token ? *options.token : hub_token().value_or("");
  HttpClient http(HttpSettings{token, options.connect_timeout_s, options.stall_timeout_s});
  HubRequest request{endpoint, id_or_path, revision, "", "", "GET", "", !token.empty()};

  RepoInfo info;
  try {
    info = fetch_repo_info(http, request);
  } catch (const Error&) {
    // Like huggingface_hub: when the Hub cannot be asked, a usable cached snapshot still serves.
    if (commit && cached.usable) return from_cache(cache, revision, *commit, cached);
    throw;
  }
  if (is_commit_hash(revision))
    AM_CHECK(info.commit == revision, where_rev, ": the Hub answered commit ", info.commit);
  const std::string where = str_cat("'", id_or_path, "' (revision '", revision, "', commit ", info.commit, ")");

  FilePlan plan = plan_files(info.files, options.files);
  if (!plan.unmatched_required.empty()) fail_unmatched(plan.unmatched_required, info.files, where);

  fs::create_directories(cache.snapshot_dir(info.commit));
  cache.write_ref(revision, info.commit);
  cache.write_file_list(info.commit, info.files);
  for (const auto& p : options.files.optional)
    if (!has_wildcard(p) && std::find(info.files.begin(), info.files.end(), p) == info.files.end())
      cache.mark_absent(info.commit, p);

  ModelSnapshot out;
  out.folder = cache.snapshot_dir(info.commit);
  out.repo_id = id_or_path;
  out.revision = revision;
  out.commit = info.commit;
  out.network_used = true;
  SnapshotFetcher fetcher(cache, http, endpoint, revision, info.commit, !token.empty(), options);
  for (const auto& f : plan.files) out.bytes_downloaded += fetcher.ensure_file(f);
  out.files = plan.files;
  if (plan.weights_index) {
    auto shards = index_shards(cache.pointer_path(info.commit, *plan.weights_index),
                               str_cat(where, ": ", *plan.weights_index), &info.files);
    for (const auto& s : shards) out.bytes_downloaded += fetcher.ensure_file(s);
    out.files.insert(out.files.end(), shards.begin(), shards.end());
  }
  return out;
}

fs::path resolve_model(const std::string& id_or_path, const ResolveOptions& options) {
  return resolve_model_snapshot(id_or_path, options).folder;
}

}  // namespace automodel
