// Finding a model: turn "org/name" or a folder path into a local folder holding the model's
// files, reading and filling the Hugging Face cache exactly like huggingface_hub does
// (models--org--name/{refs,blobs,snapshots}), so a model downloaded by Python is found here and
// the other way round. See src/hub/README.md ("Finding a model") for the full rules.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automodel {

// The files a model load needs. Patterns are matched against repo paths; `*` and `?` do not
// cross '/', so "*.safetensors" means top-level weight files only.
struct HubFilePatterns {
  // Each must match at least one file of the repo, else resolution fails naming the pattern.
  std::vector<std::string> required = {"config.json", "*.safetensors"};
  // Fetched when the repo has them; their absence is not an error.
  std::vector<std::string> optional = {"model.safetensors.index.json", "generation_config.json",
                                       "tokenizer*", "special_tokens_map.json", "added_tokens.json",
                                       "vocab.json", "merges.txt", "vocab.txt", "tokenizer.model",
                                       "chat_template.jinja"};
};

struct ResolveOptions {
  std::string revision = "main";     // branch, tag or 40-hex commit hash
  bool local_files_only = false;     // never touch the network (also HF_HUB_OFFLINE=1)
  // Ask the Hub which commit a branch/tag points to even when the cache already has it.
  // Off by default: a complete cached snapshot is used with no network request at all.
  bool refresh = false;
  std::optional<std::filesystem::path> cache_dir;  // default: hub_cache_dir()
  std::optional<std::string> token;                // default: hub_token(); "" sends none
  std::optional<std::string> endpoint;             // default: hub_endpoint()
  HubFilePatterns files;
  bool progress = true;  // progress bar on stderr, only when stderr is a terminal
  // Times a transfer that broke off mid-way is resumed (Range request) within one call.
  int resume_retries = 5;
  long connect_timeout_s = 10;  // TCP/TLS connect limit per request
  // A transfer that moves fewer than 1 byte/s for this long is abandoned (kept for resume).
  long stall_timeout_s = 30;
};

// What resolve_model_snapshot found or fetched.
struct ModelSnapshot {
  std::filesystem::path folder;     // the folder to load from
  std::string repo_id;              // empty for a local folder
  std::string revision;             // as asked
  std::string commit;               // 40-hex commit; empty for a local folder
  bool local_folder = false;        // id_or_path was an existing folder
  bool network_used = false;        // false for a pure cache hit
  std::vector<std::string> files;   // repo paths selected by the patterns (cache/download only)
  std::uint64_t bytes_downloaded = 0;
};

// id_or_path: an existing folder (returned as is, made absolute), else a Hub repo id
// ("name" or "org/name"), looked up in the cache and downloaded when missing.
// Throws automodel::Error naming the repo, revision and file on any failure.
std::filesystem::path resolve_model(const std::string& id_or_path, const ResolveOptions& options = {});
ModelSnapshot resolve_model_snapshot(const std::string& id_or_path, const ResolveOptions& options = {});

// Environment, read at each call with huggingface_hub's precedence:
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (~ and $VAR expanded).
std::filesystem::path hub_cache_dir();
// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::filesystem::path hf_home_dir();
// $HF_ENDPOINT without trailing '/', else https://huggingface.co.
std::string hub_endpoint();
// $HF_HUB_OFFLINE (or $TRANSFORMERS_OFFLINE) is 1/ON/YES/TRUE (any case).
bool hub_offline_mode();
// $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH or $HF_HOME/token
// (whitespace and newlines stripped); nullopt when none.
std::optional<std::string> hub_token();

// "org/name" -> "models--org--name" (the repo's folder inside the cache).
std::string hub_repo_folder_name(const std::string& repo_id);
// Throws when repo_id is not "name" or "namespace/name" with [A-Za-z0-9._-], no "--" or "..",
// not starting/ending with '-' or '.', at most 96 characters per part.
void validate_repo_id(const std::string& repo_id);
bool is_commit_hash(const std::string& revision);  // exactly 40 lowercase hex digits

}  // namespace automodel
