#include "http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "automodel/core/error.h"

namespace automodel::hub_detail {

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    AM_CHECK(rc == CURLE_OK, "libcurl initialisation failed: ", curl_easy_strerror(rc));
  });
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// State shared with the libcurl callbacks of one exchange.
struct Exchange {
  HttpResponse response;
  std::size_t max_body = 0;
  bool body_overflow = false;
  // download only
  int fd = -1;
  std::uint64_t resume_from = 0;
  std::uint64_t position = 0;  // next write offset in the file
  bool body_started = false;
  bool to_file = false;  // the final response is a 2xx whose body belongs in the file
  std::optional<std::uint64_t> total;
  std::string file_error;  // why a download write callback stopped the transfer
  const ProgressFn* progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response in a redirect chain: only the last one's headers describe the body.
    ex->response.headers.clear();
    size_t sp = line.find(' ');
    ex->response.status = sp == std::string::npos ? 0 : std::strtol(line.c_str() + sp + 1, nullptr, 10);
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    ex->response.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t on_body_to_memory(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t len = size * n;
  if (ex->response.body.size() + len > ex->max_body) {
    ex->body_overflow = true;
    return 0;
  }
  ex->response.body.append(data, len);
  ex->response.body_bytes += len;
  return len;
}

bool parse_content_range(const std::string& v, std::uint64_t& start, std::optional<std::uint64_t>& total) {
  // "bytes 100-199/200" or "bytes 100-199/*"
  if (v.rfind("bytes ", 0) != 0) return false;
  char* end = nullptr;
  start = std::strtoull(v.c_str() + 6, &end, 10);
  if (end == v.c_str() + 6 || *end != '-') return false;
  size_t slash = v.find('/');
  if (slash == std::string::npos) return false;
  std::string t = v.substr(slash + 1);
  if (t != "*" && !t.empty()) total = std::strtoull(t.c_str(), nullptr, 10);
  return true;
}

// Decides, once the final response's headers are known, where its body goes.
bool start_body(Exchange* ex) {
  ex->body_started = true;
  const long status = ex->response.status;
  if (status == 206) {
    std::uint64_t start = 0;
    std::optional<std::uint64_t> total;
    const std::string* cr = ex->response.header("content-range");
    if (cr == nullptr || !parse_content_range(*cr, start, total) || start != ex->resume_from) {
      ex->file_error = str_cat("server answered a request for bytes ", ex->resume_from,
                               "- with a partial response for '", cr ? *cr : std::string("(no Content-Range)"), "'");
      return false;
    }
    ex->total = total;
    ex->position = ex->resume_from;
    ex->to_file = true;
  } else if (status >= 200 && status < 300) {
    // A 200 to a Range request means the server sends the whole file: start over.
    if (ex->resume_from > 0 && ::ftruncate(ex->fd, 0) != 0) {
      ex->file_error = str_cat("cannot truncate the partial file: ", std::strerror(errno));
      return false;
    }
    ex->position = 0;
    if (const std::string* cl = ex->response.header("content-length"))
      ex->total = std::strtoull(cl->c_str(), nullptr, 10);
    ex->to_file = true;
  }
  return true;
}

size_t on_body_to_file(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t len = size * n;
  if (!ex->body_started && !start_body(ex)) return 0;
  ex->response.body_bytes += len;
  if (!ex->to_file) {
    if (ex->response.body.size() < kMaxErrorBody)
      ex->response.body.append(data, std::min(len, kMaxErrorBody - ex->response.body.size()));
    return len;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = ::pwrite(ex->fd, data + off, len - off, off_t(ex->position + off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ex->file_error = str_cat("cannot write the downloaded bytes: ", std::strerror(errno));
      return 0;
    }
    off += size_t(w);
  }
  ex->position += len;
  if (ex->progress != nullptr && *ex->progress) (*ex->progress)(ex->position, ex->total);
  return len;
}

}  // namespace

const std::string* HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

std::string url_quote(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string url_authority(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return lower(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

HttpClient::HttpClient(HttpSettings settings) : curl_(nullptr), settings_(std::move(settings)) {
  init_curl_once();
  curl_ = curl_easy_init();
  AM_CHECK(curl_ != nullptr, "libcurl: cannot create a transfer handle");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

namespace {

struct HeaderList {
  curl_slist* list = nullptr;
  void add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    AM_CHECK(next != nullptr, "libcurl: out of memory building request headers");
    list = next;
  }
  ~HeaderList() { curl_slist_free_all(list); }
};

// Options every Hub request shares.
void common_setup(CURL* c, const HttpSettings& s, const std::string& url, HeaderList& headers, bool send_token,
                  Exchange& ex) {
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "automodel/0.1 (libcurl)");
  // Sizes must be the real byte counts: no compression.
  headers.add("Accept-Encoding: identity");
  // libcurl never forwards this header to another host on a redirect, so a signed CDN URL
  // does not receive the token (huggingface_hub drops it the same way).
  if (send_token && !s.token.empty()) headers.add("Authorization: Bearer " + s.token);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
}

void finish(CURL* c, CURLcode rc, Exchange& ex) {
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) ex.response.url = effective;
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 0) ex.response.status = code;
  if (rc != CURLE_OK) {
    ex.response.transport_error = !ex.file_error.empty() ? ex.file_error
                                  : ex.body_overflow     ? std::string("response body too large")
                                                         : std::string(curl_easy_strerror(rc));
  }
}

}  // namespace

HttpResponse HttpClient::get(const std::string& url, std::size_t max_body_bytes) {
  CURL* c = static_cast<CURL*>(curl_);
  Exchange ex;
  ex.max_body = max_body_bytes;
  HeaderList headers;
  common_setup(c, settings_, url, headers, true, ex);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_to_memory);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, settings_.connect_timeout_s + 4 * settings_.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  CURLcode rc = curl_easy_perform(c);
  finish(c, rc, ex);
  return ex.response;
}

HttpResponse HttpClient::head(const std::string& url, bool send_token) {
  CURL* c = static_cast<CURL*>(curl_);
  Exchange ex;
  HeaderList headers;
  common_setup(c, settings_, url, headers, send_token, ex);
  curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, settings_.connect_timeout_s + 2 * settings_.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  CURLcode rc = curl_easy_perform(c);
  finish(c, rc, ex);
  return ex.response;
}

HttpResponse HttpClient::download(const std::string& url, int fd, std::uint64_t resume_from, bool send_token,
                                  const ProgressFn& progress) {
  CURL* c = static_cast<CURL*>(curl_);
  Exchange ex;
  ex.fd = fd;
  ex.resume_from = resume_from;
  ex.progress = &progress;
  HeaderList headers;
  common_setup(c, settings_, url, headers, send_token, ex);
  if (resume_from > 0) headers.add(str_cat("Range: bytes=", resume_from, "-"));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_to_file);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  CURLcode rc = curl_easy_perform(c);
  // An empty 2xx body never reaches the write callback; it still has to reset a stale partial.
  if (rc == CURLE_OK && !ex.body_started && !start_body(&ex)) rc = CURLE_WRITE_ERROR;
  finish(c, rc, ex);
  return ex.response;
}

}  // namespace automodel::hub_detail
