// StagedFolder: write a folder beside its target, then swap it in.
#include "automodel/hub/staged_folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "automodel/core/error.h"

namespace automodel {

namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d-%08x", int(::getpid()), unsigned(rd()));
  return buf;
}

// Atomically exchanges two paths; false when the filesystem or kernel cannot.
bool exchange(const fs::path& a, const fs::path& b) {
#ifdef RENAME_EXCHANGE
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  AM_CHECK(errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP, b.string(), ": cannot swap in the saved folder: ",
           std::strerror(errno));
#endif
  (void)a;
  (void)b;
  return false;
}

void link_or_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  AM_CHECK(!ec, from.string(), ": cannot carry over into the saved folder: ", ec.message());
}

}  // namespace

StagedFolder::StagedFolder(const fs::path& target) : target_(fs::absolute(target).lexically_normal()) {
  if (target_.filename().empty()) target_ = target_.parent_path();  // "dir/" -> "dir"
  std::error_code ec;
  // Resolve a symlinked target so the swap replaces the folder, not the link.
  if (fs::is_symlink(target_, ec)) target_ = fs::canonical(target_, ec);
  AM_CHECK(!fs::exists(target_, ec) || fs::is_directory(target_, ec), target_.string(),
           ": exists and is not a folder");
  fs::create_directories(target_.parent_path(), ec);
  AM_CHECK(!ec, target_.parent_path().string(), ": cannot create folder: ", ec.message());
  staging_ = target_.parent_path() / ("." + target_.filename().string() + ".saving-" + random_suffix());
  fs::create_directory(staging_, ec);
  AM_CHECK(!ec, staging_.string(), ": cannot create the staging folder: ", ec.message());
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedFolder::commit(const std::function<bool(const std::string&)>& stale) {
  AM_CHECK(!committed_, staging_.string(), ": already committed");
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    AM_CHECK(::rename(staging_.c_str(), target_.c_str()) == 0, target_.string(), ": cannot move the saved folder in: ",
             std::strerror(errno));
    committed_ = true;
    return;
  }
  // Carry over what the old folder has and the new one does not write (tokenizer files next to
  // a model, a README, ...). Files are linked before the swap so the target never lacks them.
  std::vector<fs::path> folders_to_move;
  for (const auto& de : fs::directory_iterator(target_, ec)) {
    const std::string name = de.path().filename().string();
    if (fs::exists(fs::symlink_status(staging_ / name)) || (stale && stale(name))) continue;
    if (de.is_symlink()) {
      fs::copy_symlink(de.path(), staging_ / name, ec);
      AM_CHECK(!ec, de.path().string(), ": cannot carry over: ", ec.message());
    } else if (de.is_directory()) {
      folders_to_move.push_back(de.path().filename());
    } else {
      link_or_copy(de.path(), staging_ / name);
    }
  }
  AM_CHECK(!ec, target_.string(), ": cannot list: ", ec.message());

  const fs::path old = staging_;  // after the swap the staging name holds the old folder
  if (!exchange(staging_, target_)) {
    const fs::path backup = target_.parent_path() / ("." + target_.filename().string() + ".old-" + random_suffix());
    AM_CHECK(::rename(target_.c_str(), backup.c_str()) == 0, target_.string(), ": cannot move the old folder aside: ",
             std::strerror(errno));
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      const int err = errno;
      ::rename(backup.c_str(), target_.c_str());  // put the old folder back
      fail(target_.string(), ": cannot move the saved folder in: ", std::strerror(err));
    }
    fs::rename(backup, old, ec);
  }
  committed_ = true;
  for (const auto& name : folders_to_move) fs::rename(old / name, target_ / name, ec);
  fs::remove_all(old, ec);
}

}  // namespace automodel
