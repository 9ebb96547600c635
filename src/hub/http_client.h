// The little HTTP the Hub needs, on libcurl: GET into memory (the API), HEAD without following
// cross-host redirects (file metadata, like huggingface_hub), and GET into a file that resumes
// at an offset with a Range request. It reports what happened; mapping a status to a message
// that names the repo and file is the caller's job (hub_errors.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace automodel::hub_detail {

struct HttpSettings {
  std::string token;  // sent as "Authorization: Bearer" when non-empty
  long connect_timeout_s = 10;
  long stall_timeout_s = 30;  // below 1 byte/s for this long => the transfer is abandoned
};

struct HttpResponse {
  long status = 0;                             // 0 when no HTTP response arrived
  std::map<std::string, std::string> headers;  // final response; names lower-case
  std::string body;                            // GET body, or the error body of a download
  std::string url;                             // the URL that gave the final response
  std::string transport_error;                 // non-empty when the exchange failed below HTTP
  std::uint64_t body_bytes = 0;                // bytes of body received in this exchange

  const std::string* header(const std::string& lower_name) const;
  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
};

// Called as bytes arrive: bytes now in the file, and the full size when known.
using ProgressFn = std::function<void(std::uint64_t done, std::optional<std::uint64_t> total)>;

class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET following redirects; a body over max_body_bytes fails the exchange.
  HttpResponse get(const std::string& url, std::size_t max_body_bytes);
  // HEAD that does not follow redirects (the caller follows the ones it wants).
  HttpResponse head(const std::string& url, bool send_token);
  // GET following redirects into the open file `fd`. With resume_from > 0 it asks for
  // "Range: bytes=<resume_from>-": a 206 whose Content-Range starts there is appended, a 200
  // (server ignored the Range) truncates the file and starts over. A non-2xx body goes to
  // response.body, never into the file.
  HttpResponse download(const std::string& url, int fd, std::uint64_t resume_from, bool send_token,
                        const ProgressFn& progress);

 private:
  void* curl_;  // CURL*, reused so connections are kept alive between requests
  HttpSettings settings_;
};

// Percent-encodes everything except unreserved characters (and '/' when keep_slash).
std::string url_quote(const std::string& s, bool keep_slash);
// Host[:port] of an absolute URL; empty for a relative one.
std::string url_authority(const std::string& url);

}  // namespace automodel::hub_detail
