#include "automodel/hub/json_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "automodel/core/error.h"

namespace automodel {

namespace {
std::string read_all(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  AM_CHECK(f, path.string(), ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void line_col(std::string_view text, size_t byte, size_t& line, size_t& col) {
  line = 1;
  col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
}
}  // namespace

json parse_json(std::string_view text, const std::string& what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    size_t line, col;
    line_col(text, e.byte > 0 ? e.byte - 1 : 0, line, col);
    std::string msg = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line ..."
    if (auto p = msg.find(": "); p != std::string::npos) msg = msg.substr(p + 2);
    fail(what, ": invalid JSON at line ", line, ", column ", col, ": ", msg);
  } catch (const json::exception& e) {
    // e.g. out_of_range.406: a number literal too large for a double (1e999).
    std::string msg = e.what();
    if (auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    fail(what, ": invalid JSON: ", msg);
  }
}

json read_json_file(const std::filesystem::path& path) { return parse_json(read_all(path), path.string()); }

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  AM_CHECK(fd >= 0, tmp, ": cannot create: ", std::strerror(errno));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(tmp, ": write failed: ", std::strerror(e));
    }
    off += size_t(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail(tmp, ": cannot flush: ", std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail(path.string(), ": cannot rename from temporary file: ", std::strerror(e));
  }
}

void write_json_file(const std::filesystem::path& path, const json& value, int indent) {
  write_file_atomic(path, value.dump(indent, ' ', false) + "\n");
}

std::string json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

}  // namespace automodel
