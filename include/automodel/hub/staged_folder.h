// Writing a whole folder (a saved model or tokenizer) so that it appears complete or not at all.
//
// Files are written into a hidden sibling folder; commit() then makes it the target:
//  * target absent: one rename;
//  * target present: the entries of the old folder that the new save does not write (and that
//    the caller does not call stale, e.g. weight shards of an older save) are hard-linked
//    (copied where links are impossible) into the staged folder, the two folders are swapped
//    atomically (renameat2 RENAME_EXCHANGE; on filesystems without it, two renames), and the old
//    folder is removed. Sub-folders of the old folder are moved over after the swap.
// An exception or crash before commit() leaves the target untouched; the staged folder is
// removed by the destructor (a crash leaves only a hidden `.<name>.saving-*` sibling).
// Tensors memory-mapped from the old folder stay valid: its files are unlinked, not rewritten.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace automodel {

class StagedFolder {
 public:
  // Creates the staging folder next to `target` (the parent is created if needed). Throws when
  // `target` exists and is not a folder.
  explicit StagedFolder(const std::filesystem::path& target);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  // Where to write the new files.
  const std::filesystem::path& path() const { return staging_; }
  const std::filesystem::path& target() const { return target_; }

  // Makes the staged folder the target. `stale(name)` says which entries of an existing target
  // folder must not be carried over (names the new save writes are never carried over).
  void commit(const std::function<bool(const std::string& name)>& stale = {});

 private:
  std::filesystem::path target_, staging_;
  bool committed_ = false;
};

}  // namespace automodel
