#include "hub_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/resolve.h"

namespace fs = std::filesystem;

namespace automodel::hub_detail {

namespace {

std::vector<std::string> split_segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  if (path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) return false;
  for (const auto& seg : split_segments(path))
    if (seg.empty() || seg == "." || seg == "..") return false;
  return true;
}

// Atomic replace with a temporary name unique to this call (mkstemp), so concurrent resolves in
// one process or many never write through the same temporary file.
void write_text_atomic(const fs::path& path, const std::string& text) {
  std::string tmpl = path.string() + ".XXXXXX.tmp";
  int fd = ::mkstemps(tmpl.data(), 4);
  AM_CHECK(fd >= 0, path.string(), ": cannot create a temporary file: ", std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t w = ::write(fd, text.data() + off, text.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      fail(tmpl, ": write failed: ", std::strerror(e));
    }
    off += size_t(w);
  }
  ::fchmod(fd, 0644);
  if (::close(fd) != 0 || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    fail(path.string(), ": cannot write: ", std::strerror(e));
  }
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

void check_repo_path(const std::string& path, const std::string& what) {
  AM_CHECK(safe_relative_path(path), what, ": file name '", path,
           "' is not a safe relative path (absolute, empty segment, '.', '..' or backslash)");
}

void check_revision(const std::string& revision) {
  AM_CHECK(safe_relative_path(revision), "revision '", revision,
           "' is not usable: expected a branch, tag or commit hash without empty, '.' or '..' parts");
}

RepoCache::RepoCache(fs::path root, std::string repo_id)
    : root_(std::move(root)), repo_id_(std::move(repo_id)), storage_(root_ / hub_repo_folder_name(repo_id_)) {}

fs::path RepoCache::snapshot_dir(const std::string& commit) const { return storage_ / "snapshots" / commit; }

fs::path RepoCache::pointer_path(const std::string& commit, const std::string& file) const {
  check_repo_path(file, repo_id_);
  return snapshot_dir(commit) / file;
}

fs::path RepoCache::blob_path(const std::string& etag) const { return storage_ / "blobs" / etag; }

fs::path RepoCache::lock_path(const std::string& etag) const {
  return root_ / ".locks" / hub_repo_folder_name(repo_id_) / (etag + ".lock");
}

std::optional<std::string> RepoCache::read_ref(const std::string& revision) const {
  auto text = read_text(storage_ / "refs" / revision);
  if (!text) return std::nullopt;
  // huggingface_hub writes the bare hash; tolerate a trailing newline from hand-made caches.
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ')) text->pop_back();
  if (!is_commit_hash(*text)) return std::nullopt;
  return text;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  if (read_ref(revision) == commit) return;
  const fs::path ref = storage_ / "refs" / revision;
  fs::create_directories(ref.parent_path());
  write_text_atomic(ref, commit);
}

bool RepoCache::has_file(const std::string& commit, const std::string& file) const {
  std::error_code ec;
  return fs::is_regular_file(pointer_path(commit, file), ec);
}

void RepoCache::link_file(const std::string& commit, const std::string& file, const std::string& etag) const {
  const fs::path pointer = pointer_path(commit, file);
  fs::create_directories(pointer.parent_path());
  std::string target;
  const auto depth = std::count(file.begin(), file.end(), '/');
  for (long i = 0; i < 2 + depth; ++i) target += "../";
  target += "blobs/" + etag;
  ::unlink(pointer.c_str());
  if (::symlink(target.c_str(), pointer.c_str()) != 0) {
    int e = errno;
    // Another process may have linked the same file between our unlink and symlink.
    std::error_code ec;
    if (e == EEXIST && fs::read_symlink(pointer, ec) == target) return;
    fail(pointer.string(), ": cannot create symlink to ", target, ": ", std::strerror(e));
  }
}

std::vector<std::string> RepoCache::snapshot_files(const std::string& commit) const {
  std::vector<std::string> out;
  const fs::path dir = snapshot_dir(commit);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code ec2;
    if (fs::is_regular_file(it->path(), ec2)) out.push_back(it->path().lexically_relative(dir).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool RepoCache::marked_absent(const std::string& commit, const std::string& file) const {
  if (!safe_relative_path(file)) return false;
  std::error_code ec;
  return fs::is_regular_file(storage_ / ".no_exist" / commit / file, ec);
}

void RepoCache::mark_absent(const std::string& commit, const std::string& file) const {
  if (!safe_relative_path(file)) return;
  const fs::path marker = storage_ / ".no_exist" / commit / file;
  std::error_code ec;
  if (fs::exists(marker, ec)) return;
  fs::create_directories(marker.parent_path(), ec);
  if (ec) return;  // a read-only cache only loses the shortcut
  std::ofstream touch(marker);
}

std::optional<std::vector<std::string>> RepoCache::read_file_list(const std::string& commit) const {
  auto text = read_text(storage_ / ".automodel" / "files" / (commit + ".json"));
  if (!text) return std::nullopt;
  try {
    auto j = parse_json(*text, "file list");
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array()) return std::nullopt;
    std::vector<std::string> files;
    for (const auto& f : j["files"]) {
      if (!f.is_string()) return std::nullopt;
      files.push_back(f.get<std::string>());
    }
    return files;
  } catch (const Error&) {
    return std::nullopt;  // a damaged list only costs one request to the Hub
  }
}

void RepoCache::write_file_list(const std::string& commit, const std::vector<std::string>& files) const {
  const fs::path path = storage_ / ".automodel" / "files" / (commit + ".json");
  fs::create_directories(path.parent_path());
  json j = json::object();
  j["commit"] = commit;
  j["files"] = files;
  write_text_atomic(path, j.dump(1) + "\n");
}

}  // namespace automodel::hub_detail
