// A tiny Hugging Face Hub for tests: an HTTP/1.1 server on 127.0.0.1 (ephemeral port, one
// thread, one request per connection) that serves the routes resolve_model uses:
//   GET  /api/models/{repo}/revision/{rev}      -> {"sha", "siblings": [{"rfilename"}]}
//   HEAD/GET /{repo}/resolve/{rev}/{file}       -> small files: 200 + ETag + X-Repo-Commit
//                                                  LFS files: 302 to /cdn/{sha256} with
//                                                  X-Linked-Etag / X-Linked-Size / X-Repo-Commit
//   GET  /cdn/{sha256}                          -> the bytes, honouring "Range: bytes=N-"
// with knobs for the failures the client must survive (cut connections, ignored Range,
// corrupt bytes, private/gated repos, malformed JSON). It records every request.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hub/sha256.h"

namespace automodel::testing {

class FakeHub {
 public:
  struct File {
    std::string content;
    bool lfs = false;  // served through the CDN redirect, named by its sha256
  };
  struct Commit {
    std::map<std::string, File> files;
  };
  struct Repo {
    std::map<std::string, std::string> refs;  // branch/tag -> commit
    std::map<std::string, Commit> commits;
    bool is_private = false;  // 401 RepoNotFound without the right token
    bool gated = false;       // files 403 GatedRepo without the right token
    std::vector<std::string> phantom_files;  // listed in siblings, 404 on resolve
  };
  struct Seen {
    std::string method, path;
    std::map<std::string, std::string> headers;  // lower-case names
  };

  FakeHub() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0)
      throw std::runtime_error("FakeHub: cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeHub() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_repo(const std::string& id, Repo repo) {
    std::lock_guard<std::mutex> g(mu_);
    repos_[id] = std::move(repo);
  }
  void move_ref(const std::string& id, const std::string& ref, const std::string& commit) {
    std::lock_guard<std::mutex> g(mu_);
    repos_[id].refs[ref] = commit;
  }

  // Knobs.
  std::atomic<int> cut_bodies{0};         // the next N CDN bodies stop after cut_after bytes
  std::atomic<size_t> cut_after{0};
  std::atomic<bool> ignore_range{false};  // answer Range requests with the full file (200)
  std::atomic<bool> corrupt_cdn{false};   // flip a byte in CDN bodies
  std::atomic<bool> malformed_api{false};
  std::string token;                      // the token private/gated repos accept

  std::vector<Seen> requests() const {
    std::lock_guard<std::mutex> g(mu_);
    return seen_;
  }
  size_t request_count() const {
    std::lock_guard<std::mutex> g(mu_);
    return seen_.size();
  }
  size_t count(const std::string& method, const std::string& path_prefix) const {
    std::lock_guard<std::mutex> g(mu_);
    size_t n = 0;
    for (const auto& s : seen_)
      if (s.method == method && s.path.rfind(path_prefix, 0) == 0) ++n;
    return n;
  }

  static std::string sha256(const std::string& s) { return hub_detail::sha256_hex(s.data(), s.size()); }
  // Stand-in for a git blob id (40 hex): what the Hub sends as ETag of a small file.
  static std::string git_etag(const std::string& s) { return sha256("blob " + s).substr(0, 40); }

 private:
  struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool head = false;
    std::optional<size_t> cut;  // close after this many body bytes
  };

  static std::string reason(int s) {
    switch (s) {
      case 200: return "OK";
      case 206: return "Partial Content";
      case 302: return "Found";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 416: return "Range Not Satisfiable";
      default: return "Status";
    }
  }

  static std::string url_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  static Response error(int status, const std::string& code, const std::string& message) {
    Response r;
    r.status = status;
    if (!code.empty()) r.headers.push_back({"X-Error-Code", code});
    r.headers.push_back({"X-Error-Message", message});
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = "{\"error\":\"" + message + "\"}";
    return r;
  }

  bool authorized(const Seen& req) const {
    auto it = req.headers.find("authorization");
    return !token.empty() && it != req.headers.end() && it->second == "Bearer " + token;
  }

  // Splits "/org/name/<rest>" (repo ids here always have a namespace).
  static bool split_repo(const std::string& path, size_t start, std::string& repo, std::string& rest) {
    size_t a = path.find('/', start);
    if (a == std::string::npos) return false;
    size_t b = path.find('/', a + 1);
    if (b == std::string::npos) return false;
    repo = path.substr(start, b - start);
    rest = path.substr(b + 1);
    return true;
  }

  Response route(const Seen& req) {
    std::lock_guard<std::mutex> g(mu_);
    const std::string& path = req.path;
    std::string repo_id, rest;
    if (path.rfind("/api/models/", 0) == 0 && split_repo(path, 12, repo_id, rest) && rest.rfind("revision/", 0) == 0) {
      auto it = repos_.find(repo_id);
      if (it == repos_.end() || (it->second.is_private && !authorized(req)))
        return error(401, "RepoNotFound", "Repository not found");
      const std::string rev = url_decode(rest.substr(9));
      const std::string* commit = find_commit(it->second, rev);
      if (commit == nullptr) return error(404, "RevisionNotFound", "Invalid rev id: " + rev);
      Response r;
      r.headers.push_back({"Content-Type", "application/json"});
      if (malformed_api) {
        r.body = "{\"sha\": \"" + *commit + "\", \"siblings\": [";
        return r;
      }
      std::string body = "{\"_id\":\"x\",\"id\":\"" + repo_id + "\",\"private\":false,\"sha\":\"" + *commit +
                         "\",\"tags\":[],\"siblings\":[";
      bool first = true;
      auto add = [&](const std::string& name) {
        body += std::string(first ? "" : ",") + "{\"rfilename\":\"" + name + "\"}";
        first = false;
      };
      for (const auto& [name, file] : it->second.commits[*commit].files) add(name);
      for (const auto& name : it->second.phantom_files) add(name);
      r.body = body + "]}";
      return r;
    }
    if (path.rfind("/cdn/", 0) == 0) return serve_cdn(req, path.substr(5));
    if (split_repo(path, 1, repo_id, rest) && rest.rfind("resolve/", 0) == 0) {
      auto it = repos_.find(repo_id);
      if (it == repos_.end() || (it->second.is_private && !authorized(req)))
        return error(401, "RepoNotFound", "Repository not found");
      size_t slash = rest.find('/', 8);
      if (slash == std::string::npos) return error(404, "", "bad path");
      const std::string rev = url_decode(rest.substr(8, slash - 8));
      const std::string file = url_decode(rest.substr(slash + 1));
      const std::string* commit = find_commit(it->second, rev);
      if (commit == nullptr) return error(404, "RevisionNotFound", "Invalid rev id: " + rev);
      if (it->second.gated && !authorized(req))
        return error(403, "GatedRepo", "Access to model " + repo_id + " is restricted and you are not in the authorized list");
      auto& files = it->second.commits[*commit].files;
      auto f = files.find(file);
      if (f == files.end()) {
        Response r = error(404, "EntryNotFound", file + " does not exist on \"" + rev + "\"");
        r.headers.push_back({"X-Repo-Commit", *commit});
        return r;
      }
      Response r;
      r.headers.push_back({"X-Repo-Commit", *commit});
      if (f->second.lfs) {
        const std::string sha = sha256(f->second.content);
        r.status = 302;
        r.headers.push_back({"ETag", "W/\"pointer-" + git_etag(f->second.content) + "\""});
        r.headers.push_back({"X-Linked-Etag", "\"" + sha + "\""});
        r.headers.push_back({"X-Linked-Size", std::to_string(f->second.content.size())});
        r.headers.push_back({"Location", endpoint() + "/cdn/" + sha});
        cdn_[sha] = f->second.content;
        return r;
      }
      r.headers.push_back({"ETag", "\"" + git_etag(f->second.content) + "\""});
      r.body = f->second.content;
      return r;
    }
    return error(404, "", "no route");
  }

  Response serve_cdn(const Seen& req, const std::string& sha) {
    auto it = cdn_.find(sha);
    if (it == cdn_.end()) return error(404, "", "no such object");
    std::string content = it->second;
    if (corrupt_cdn && !content.empty()) content[content.size() / 2] ^= 0x5a;
    Response r;
    r.headers.push_back({"ETag", "\"cdn-" + sha.substr(0, 8) + "\""});
    size_t start = 0;
    auto range = req.headers.find("range");
    if (range != req.headers.end() && !ignore_range && range->second.rfind("bytes=", 0) == 0) {
      start = std::stoull(range->second.substr(6));
      if (start >= content.size()) {
        Response bad = error(416, "", "range not satisfiable");
        bad.headers.push_back({"Content-Range", "bytes */" + std::to_string(content.size())});
        return bad;
      }
      r.status = 206;
      r.headers.push_back({"Content-Range", "bytes " + std::to_string(start) + "-" +
                                                std::to_string(content.size() - 1) + "/" +
                                                std::to_string(content.size())});
    }
    r.body = content.substr(start);
    if (req.method == "GET" && cut_bodies > 0) {
      --cut_bodies;
      r.cut = std::min(cut_after.load(), r.body.size());
    }
    return r;
  }

  static const std::string* find_commit(const Repo& repo, const std::string& rev) {
    auto ref = repo.refs.find(rev);
    if (ref != repo.refs.end()) return &ref->second;
    auto c = repo.commits.find(rev);
    return c == repo.commits.end() ? nullptr : &c->first;
  }

  static bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= size_t(w);
    }
    return true;
  }

  void handle(int fd) {
    timeval tv{2, 0};  // a stuck client can never hang the server
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string data;
    char buf[4096];
    while (data.find("\r\n\r\n") == std::string::npos && data.size() < 65536) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, size_t(n));
    }
    Seen req;
    size_t line_end = data.find("\r\n");
    std::string line = data.substr(0, line_end);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 <= sp1) return;
    req.method = line.substr(0, sp1);
    req.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (true) {
      size_t e = data.find("\r\n", pos);
      if (e == std::string::npos || e == pos) break;
      std::string h = data.substr(pos, e - pos);
      size_t colon = h.find(':');
      if (colon != std::string::npos) {
        std::string name = h.substr(0, colon);
        for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        size_t v = h.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : h.substr(v);
      }
      pos = e + 2;
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      seen_.push_back(req);
    }
    Response r = route(req);
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    head += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!send_all(fd, head.data(), head.size()) || req.method == "HEAD") return;
    send_all(fd, r.body.data(), r.cut ? *r.cut : r.body.size());
  }

  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      handle(fd);
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Repo> repos_;
  std::map<std::string, std::string> cdn_;
  std::vector<Seen> seen_;
};

}  // namespace automodel::testing
