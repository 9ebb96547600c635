#include "automodel/hub/json_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

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
// nlohmann's SAX interface building the same document as json::parse, with every object
// assembled by a JsonObjectBuilder (json::parse inserts keys through ordered_json's linear
// lookup). Errors are thrown as json::parse returns them, so parse_json reports both alike.
class LinearTimeDomBuilder {
 public:
  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return put(v); }
  bool string(json::string_t& v) { return put(std::move(v)); }
  bool binary(json::binary_t& v) { return put(json::binary(std::move(v))); }
  bool start_object(std::size_t) {
    stack_.emplace_back();
    stack_.back().is_object = true;
    return true;
  }
  bool key(json::string_t& k) {
    stack_.back().key = std::move(k);
    return true;
  }
  bool end_object() {
    json done = stack_.back().object.take();
    stack_.pop_back();
    return put(std::move(done));
  }
  bool start_array(std::size_t) {
    stack_.emplace_back();
    stack_.back().array = json::array();
    return true;
  }
  bool end_array() {
    json done = std::move(stack_.back().array);
    stack_.pop_back();
    return put(std::move(done));
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    throw e;
  }
  json take() { return std::move(root_); }

 private:
  struct Frame {
    bool is_object = false;
    JsonObjectBuilder object;
    std::string key;
    json array;
  };
  bool put(json v) {
    if (stack_.empty())
      root_ = std::move(v);
    else if (stack_.back().is_object)
      stack_.back().object[std::move(stack_.back().key)] = std::move(v);
    else
      stack_.back().array.push_back(std::move(v));
    return true;
  }
  std::vector<Frame> stack_;
  json root_;
};

}  // namespace

json& JsonObjectBuilder::operator[](std::string key) {
  // Below this many keys a scan is cheaper than hashing every key.
  constexpr size_t kScanLimit = 16;
  auto& entries = static_cast<json::object_t::Container&>(object_.get_ref<json::object_t&>());
  if (index_.empty() && entries.size() < kScanLimit) {
    for (auto& entry : entries)
      if (entry.first == key) return entry.second;
  } else {
    if (index_.empty())
      for (size_t i = 0; i < entries.size(); ++i) index_.emplace(entries[i].first, i);
    auto [it, added] = index_.emplace(key, entries.size());
    if (!added) return entries[it->second].second;
  }
  entries.emplace_back(std::move(key), nullptr);
  return entries.back().second;
}

json JsonObjectBuilder::take() {
  json out = std::move(object_);
  object_ = json::object();
  index_.clear();
  return out;
}

json parse_json(std::string_view text, const std::string& what) {
  try {
    LinearTimeDomBuilder builder;
    json::sax_parse(text.begin(), text.end(), &builder);
    return builder.take();
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
