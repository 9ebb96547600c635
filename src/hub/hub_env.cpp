// The Hub settings a user controls through the environment, with huggingface_hub's names and
// precedence (constants.py), plus repo id rules (utils/_validators.py). Read at each call
// rather than once at start-up so a program (or a test) can change them.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/hub/resolve.h"

namespace automodel {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Python's os.path.expanduser + os.path.expandvars (for "~" and "$VAR" / "${VAR}"); unknown
// variables stay as written, as in Python.
std::string expand_path(std::string p) {
  if (!p.empty() && p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
    if (auto home = env("HOME")) p = *home + p.substr(1);
  }
  std::string out;
  for (size_t i = 0; i < p.size();) {
    if (p[i] != '$') {
      out += p[i++];
      continue;
    }
    size_t start = i + 1;
    bool braced = start < p.size() && p[start] == '{';
    if (braced) ++start;
    size_t end = start;
    while (end < p.size() && (std::isalnum(static_cast<unsigned char>(p[end])) || p[end] == '_')) ++end;
    bool closed = !braced || (end < p.size() && p[end] == '}');
    if (end == start || !closed) {
      out += p[i++];
      continue;
    }
    std::string name = p.substr(start, end - start);
    size_t next = braced ? end + 1 : end;
    if (const char* v = std::getenv(name.c_str())) {
      out += v;
    } else {
      out += p.substr(i, next - i);
    }
    i = next;
  }
  return out;
}

bool env_true(const char* name) {
  auto v = env(name);
  if (!v) return false;
  std::string u;
  for (char c : *v) u += char(std::toupper(static_cast<unsigned char>(c)));
  return u == "1" || u == "ON" || u == "YES" || u == "TRUE";
}

std::string clean_token(std::string t) {
  std::string out;
  for (char c : t)
    if (c != '\r' && c != '\n') out += c;
  size_t b = out.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = out.find_last_not_of(" \t");
  return out.substr(b, e - b + 1);
}

bool repo_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::filesystem::path hf_home_dir() {
  if (auto home = env("HF_HOME")) return expand_path(*home);
  std::string xdg = env("XDG_CACHE_HOME").value_or(expand_path("~/.cache"));
  return expand_path((std::filesystem::path(xdg) / "huggingface").string());
}

std::filesystem::path hub_cache_dir() {
  if (auto v = env("HF_HUB_CACHE")) return expand_path(*v);
  if (auto v = env("HUGGINGFACE_HUB_CACHE")) return expand_path(*v);
  return hf_home_dir() / "hub";
}

std::string hub_endpoint() {
  std::string e = env("HF_ENDPOINT").value_or("https://huggingface.co");
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

bool hub_offline_mode() { return env_true("HF_HUB_OFFLINE") || env_true("TRANSFORMERS_OFFLINE"); }

std::optional<std::string> hub_token() {
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    if (auto v = env(name)) {
      auto t = clean_token(*v);
      if (!t.empty()) return t;
    }
  }
  std::filesystem::path file =
      env("HF_TOKEN_PATH") ? std::filesystem::path(expand_path(*env("HF_TOKEN_PATH"))) : hf_home_dir() / "token";
  std::ifstream f(file);
  if (!f) return std::nullopt;
  std::ostringstream ss;
  ss << f.rdbuf();
  auto t = clean_token(ss.str());
  if (t.empty()) return std::nullopt;
  return t;
}

void validate_repo_id(const std::string& repo_id) {
  auto bad = [&](const std::string& why) {
    fail("'", repo_id, "' is not a valid Hugging Face repo id (", why,
         "); expected \"name\" or \"namespace/name\" using letters, digits, '-', '_' and '.'");
  };
  if (repo_id.empty()) bad("it is empty");
  size_t slash = repo_id.find('/');
  if (slash != std::string::npos && repo_id.find('/', slash + 1) != std::string::npos) bad("more than one '/'");
  if (repo_id.find("--") != std::string::npos || repo_id.find("..") != std::string::npos)
    bad("'--' and '..' are not allowed");
  std::vector<std::string> parts;
  if (slash == std::string::npos) {
    parts = {repo_id};
  } else {
    parts = {repo_id.substr(0, slash), repo_id.substr(slash + 1)};
  }
  for (const auto& part : parts) {
    if (part.empty()) bad("an empty part");
    if (part.size() > 96) bad("a part longer than 96 characters");
    for (char c : part)
      if (!repo_name_char(c)) bad(str_cat("character '", c, "'"));
    for (char edge : {part.front(), part.back()})
      if (edge == '-' || edge == '.') bad("a part starting or ending with '-' or '.'");
  }
}

std::string hub_repo_folder_name(const std::string& repo_id) {
  std::string out = "models";
  size_t start = 0;
  while (true) {
    size_t slash = repo_id.find('/', start);
    out += "--" + repo_id.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_commit_hash(const std::string& revision) {
  if (revision.size() != 40) return false;
  for (char c : revision)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace automodel
