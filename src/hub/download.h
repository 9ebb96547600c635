// Fetching one repo file into the cache the way huggingface_hub's hf_hub_download does: HEAD
// {endpoint}/{repo}/resolve/{commit}/{file} for the blob name (X-Linked-Etag, else ETag) and the
// commit (X-Repo-Commit), then GET into blobs/<etag>.incomplete, resuming with a Range request
// when a partial file is there, under a per-blob lock; the complete blob is renamed into
// place and snapshots/<commit>/<file> is linked to it.
#pragma once

#include <cstdint>
#include <string>

#include "automodel/hub/resolve.h"
#include "hub_cache.h"
#include "http_client.h"

namespace automodel::hub_detail {

class SnapshotFetcher {
 public:
  SnapshotFetcher(const RepoCache& cache, HttpClient& http, std::string endpoint, std::string revision,
                  std::string commit, bool token_set, const ResolveOptions& options);

  // Makes snapshots/<commit>/<file> exist; returns the bytes transferred for it.
  std::uint64_t ensure_file(const std::string& file);

 private:
  struct FileMetadata {
    std::string etag;
    std::string download_url;
    bool send_token = true;
    std::optional<std::uint64_t> size;
  };
  FileMetadata fetch_metadata(const std::string& file);
  std::uint64_t download_blob(const std::string& file, const FileMetadata& meta);

  const RepoCache& cache_;
  HttpClient& http_;
  std::string endpoint_, revision_, commit_;
  bool token_set_;
  const ResolveOptions& options_;
};

}  // namespace automodel::hub_detail
