#include "download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "automodel/core/error.h"
#include "hub_errors.h"
#include "progress_bar.h"
#include "sha256.h"

namespace fs = std::filesystem;

namespace automodel::hub_detail {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::uint64_t file_size(int fd, const fs::path& path) {
  struct stat st {};
  AM_CHECK(::fstat(fd, &st) == 0, path.string(), ": cannot stat: ", std::strerror(errno));
  return std::uint64_t(st.st_size);
}

// huggingface_hub's _normalize_etag: drop a weak-validator prefix and the quotes.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  while (!etag.empty() && etag.front() == '"') etag.erase(etag.begin());
  while (!etag.empty() && etag.back() == '"') etag.pop_back();
  return etag;
}

bool usable_blob_name(const std::string& etag) {
  if (etag.empty() || etag == "." || etag == ".." || etag.size() > 200) return false;
  for (unsigned char c : etag)
    if (c < 0x21 || c == '/' || c == '\\' || c == 0x7f) return false;
  return true;
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::uint64_t> parse_size(const std::string* v) {
  if (v == nullptr || v->empty()) return std::nullopt;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return n;
}

// Resolves a Location header against the URL that sent it.
std::string join_location(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  const size_t scheme_end = base.find("://");
  const size_t path_start = base.find('/', scheme_end + 3);
  const std::string origin = base.substr(0, path_start);
  if (!location.empty() && location[0] == '/') return origin + location;
  const size_t last_slash = base.rfind('/');
  return base.substr(0, last_slash + 1) + location;
}

bool is_absolute_url(const std::string& location) {
  return location.find("://") != std::string::npos || location.rfind("//", 0) == 0;
}

}  // namespace

SnapshotFetcher::SnapshotFetcher(const RepoCache& cache, HttpClient& http, std::string endpoint, std::string revision,
                                 std::string commit, bool token_set, const ResolveOptions& options)
    : cache_(cache),
      http_(http),
      endpoint_(std::move(endpoint)),
      revision_(std::move(revision)),
      commit_(std::move(commit)),
      token_set_(token_set),
      options_(options) {}

SnapshotFetcher::FileMetadata SnapshotFetcher::fetch_metadata(const std::string& file) {
  const std::string first_url =
      str_cat(endpoint_, "/", cache_.repo_id(), "/resolve/", url_quote(commit_, false), "/", url_quote(file, true));
  HubRequest req{endpoint_, cache_.repo_id(), revision_, commit_, file, "HEAD", first_url, token_set_};
  std::string url = first_url;
  // Like huggingface_hub: follow same-host (relative) redirects such as renamed repos; an
  // absolute redirect points at the CDN copy, and the metadata is the one sent with it.
  for (int hop = 0; hop < 10; ++hop) {
    req.url = url;
    HttpResponse r = http_.head(url, true);
    if (!r.transport_error.empty()) fail_hub_response(r, req);
    const std::string* location = r.header("location");
    const bool redirect = r.status >= 300 && r.status < 400;
    if (redirect && location == nullptr)
      fail(describe(req), ": HTTP ", r.status, " redirect without a Location header (HEAD ", url, ")");
    if (redirect && !is_absolute_url(*location)) {
      url = join_location(url, *location);
      continue;
    }
    if (!redirect && (r.status < 200 || r.status >= 300)) fail_hub_response(r, req);

    FileMetadata meta;
    const std::string* linked = r.header("x-linked-etag");
    const std::string* plain = r.header("etag");
    meta.etag = normalize_etag(linked ? *linked : plain ? *plain : "");
    AM_CHECK(!meta.etag.empty(), describe(req), ": the server sent no ETag/X-Linked-Etag (HEAD ", url,
             "), so the file cannot be stored by content name; is HF_ENDPOINT a Hugging Face Hub?");
    AM_CHECK(usable_blob_name(meta.etag), describe(req), ": ETag '", meta.etag, "' is not usable as a file name (HEAD ",
             url, ")");
    const std::string* commit = r.header("x-repo-commit");
    AM_CHECK(commit != nullptr, describe(req), ": the server sent no X-Repo-Commit header (HEAD ", url,
             "); is HF_ENDPOINT a Hugging Face Hub?");
    AM_CHECK(*commit == commit_, describe(req), ": the Hub served commit ", *commit, " for a request at commit ",
             commit_, " (HEAD ", url, ")");
    meta.size = parse_size(r.header("x-linked-size"));
    if (!meta.size && !redirect) meta.size = parse_size(r.header("content-length"));
    meta.download_url = redirect ? join_location(url, *location) : url;
    // A signed CDN URL on another host must not receive the user's token.
    meta.send_token = url_authority(meta.download_url) == url_authority(first_url);
    return meta;
  }
  fail(describe(req), ": more than 10 redirects starting at ", first_url);
}

std::uint64_t SnapshotFetcher::ensure_file(const std::string& file) {
  if (cache_.has_file(commit_, file)) return 0;
  const FileMetadata meta = fetch_metadata(file);
  const fs::path blob = cache_.blob_path(meta.etag);
  std::error_code ec;
  if (fs::is_regular_file(blob, ec)) {  // same content already cached for another file or commit
    cache_.link_file(commit_, file, meta.etag);
    return 0;
  }
  fs::create_directories(blob.parent_path());
  const fs::path lock_path = cache_.lock_path(meta.etag);
  fs::create_directories(lock_path.parent_path());
  Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  AM_CHECK(lock.get() >= 0, lock_path.string(), ": cannot open lock file: ", std::strerror(errno));
  while (::flock(lock.get(), LOCK_EX) != 0) {
    AM_CHECK(errno == EINTR, lock_path.string(), ": cannot lock: ", std::strerror(errno));
  }
  std::uint64_t transferred = 0;
  if (!fs::is_regular_file(blob, ec)) transferred = download_blob(file, meta);  // else another process finished it
  cache_.link_file(commit_, file, meta.etag);
  return transferred;
}

std::uint64_t SnapshotFetcher::download_blob(const std::string& file, const FileMetadata& meta) {
  const fs::path blob = cache_.blob_path(meta.etag);
  const fs::path incomplete = blob.string() + ".incomplete";
  Fd fd(::open(incomplete.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  AM_CHECK(fd.get() >= 0, incomplete.string(), ": cannot open: ", std::strerror(errno));
  if (meta.size && file_size(fd.get(), incomplete) > *meta.size) {
    AM_CHECK(::ftruncate(fd.get(), 0) == 0, incomplete.string(), ": cannot truncate: ", std::strerror(errno));
  }

  HubRequest req{endpoint_, cache_.repo_id(), revision_, commit_, file, "GET", meta.download_url,
                 token_set_ && meta.send_token};
  ProgressBar bar(file, options_.progress);
  const ProgressFn progress = [&](std::uint64_t done, std::optional<std::uint64_t> total) {
    bar.update(done, total ? total : meta.size);
  };
  std::uint64_t transferred = 0;
  int retries_left = options_.resume_retries;
  bool restarted = false;
  while (true) {
    const std::uint64_t have = file_size(fd.get(), incomplete);
    if (meta.size && have == *meta.size && have > 0) break;  // finished earlier, not yet renamed
    HttpResponse r = http_.download(meta.download_url, fd.get(), have, meta.send_token, progress);
    const bool success_status = r.status >= 200 && r.status < 300;
    if (success_status) transferred += r.body_bytes;
    if (!r.transport_error.empty() && (r.status == 0 || success_status)) {
      // huggingface_hub resumes a broken transfer as long as each try brings new bytes.
      if (r.body_bytes > 0 && retries_left-- > 0) continue;
      fail(describe(req), ": download interrupted: ", r.transport_error, " (GET ", meta.download_url, "); ",
           file_size(fd.get(), incomplete), " bytes are kept in ", incomplete.string(),
           " and the next call resumes from there");
    }
    if (r.status == 416 && !restarted) {  // our partial file does not fit the server's: start over
      AM_CHECK(::ftruncate(fd.get(), 0) == 0, incomplete.string(), ": cannot truncate: ", std::strerror(errno));
      restarted = true;
      continue;
    }
    if (!success_status) fail_hub_response(r, req);
    break;
  }
  bar.finish();

  const std::uint64_t size = file_size(fd.get(), incomplete);
  if (meta.size && size != *meta.size) {
    ::unlink(incomplete.c_str());
    fail(describe(req), ": consistency check failed: received ", size, " bytes but the Hub announced ", *meta.size,
         " (GET ", meta.download_url, "); the partial file was removed, run again to download it afresh");
  }
  if (is_sha256_hex(meta.etag)) {
    const std::string actual = sha256_file_hex(incomplete);
    if (actual != meta.etag) {
      ::unlink(incomplete.c_str());
      fail(describe(req), ": downloaded content has sha256 ", actual, " but its ETag says ", meta.etag, " (GET ",
           meta.download_url, "); the corrupt file was removed, run again to download it afresh");
    }
  }
  AM_CHECK(::rename(incomplete.c_str(), blob.c_str()) == 0, incomplete.string(), ": cannot rename to ", blob.string(),
           ": ", std::strerror(errno));
  return transferred;
}

}  // namespace automodel::hub_detail
