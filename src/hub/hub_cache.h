// One repo's folder in the Hugging Face cache, in huggingface_hub's layout:
//   <root>/models--org--name/refs/<revision>             text file holding the commit hash
//   <root>/models--org--name/blobs/<etag>                file contents, named by ETag
//   <root>/models--org--name/snapshots/<commit>/<path>   relative symlink -> ../../blobs/<etag>
//   <root>/models--org--name/.no_exist/<commit>/<path>   empty: the file is absent at that commit
//   <root>/.locks/models--org--name/<etag>.lock          one downloader per blob
// plus, ours alone, .automodel/files/<commit>.json: the repo's file list at that commit (a
// commit never changes, so the list is valid forever), which lets a later call decide that a
// snapshot is complete without asking the Hub.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automodel::hub_detail {

class RepoCache {
 public:
  RepoCache(std::filesystem::path root, std::string repo_id);

  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& storage() const { return storage_; }
  const std::string& repo_id() const { return repo_id_; }

  std::filesystem::path snapshot_dir(const std::string& commit) const;
  // snapshots/<commit>/<file>; throws when `file` would escape the snapshot folder.
  std::filesystem::path pointer_path(const std::string& commit, const std::string& file) const;
  std::filesystem::path blob_path(const std::string& etag) const;
  std::filesystem::path lock_path(const std::string& etag) const;

  // The commit a branch/tag points to, from refs/<revision>; nullopt when not recorded.
  std::optional<std::string> read_ref(const std::string& revision) const;
  // Atomic, and skipped when unchanged (a read-only cache stays usable).
  void write_ref(const std::string& revision, const std::string& commit) const;

  // True when snapshots/<commit>/<file> exists and (through its symlink) is a regular file.
  bool has_file(const std::string& commit, const std::string& file) const;
  // Points snapshots/<commit>/<file> at blobs/<etag> with a relative symlink.
  void link_file(const std::string& commit, const std::string& file, const std::string& etag) const;
  // Every file under snapshots/<commit>/ as repo paths ("a/b.json"), sorted.
  std::vector<std::string> snapshot_files(const std::string& commit) const;

  bool marked_absent(const std::string& commit, const std::string& file) const;
  void mark_absent(const std::string& commit, const std::string& file) const;  // best effort

  std::optional<std::vector<std::string>> read_file_list(const std::string& commit) const;
  void write_file_list(const std::string& commit, const std::vector<std::string>& files) const;

 private:
  std::filesystem::path root_;
  std::string repo_id_;
  std::filesystem::path storage_;
};

// A repo path from the Hub ("dir/file.json") that is safe to join under a folder: relative, no
// empty, "." or ".." segment, no backslash or NUL. Throws naming `what` otherwise.
void check_repo_path(const std::string& path, const std::string& what);
// A revision usable under refs/: non-empty, relative, no "." / ".." / empty segments.
void check_revision(const std::string& revision);

}  // namespace automodel::hub_detail
