// Typed access to the fields of a tokenizer.json component, with errors that name the JSON
// path, the component type, what was expected and what was found. Used by the model,
// post-processor and decoder factories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"

namespace automodel::tokenizers::jf {

inline std::string at(const std::string& path, const std::string& key) { return path + "." + key; }
inline std::string at(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

[[noreturn]] inline void bad(const std::string& path, const std::string& component, const std::string& expected,
                             const json& found) {
  std::string shown;
  if (found.is_primitive()) {
    shown = found.dump();
    shown.insert(shown.begin(), ' ');
  }
  fail("tokenizer.json: ", path, " (", component, "): expected ", expected, ", found ", json_type_name(found), shown);
}

inline const json& require(const json& j, const char* key, const std::string& path, const std::string& component) {
  auto it = j.find(key);
  AM_CHECK(it != j.end(), "tokenizer.json: ", path, " (", component, "): missing field \"", key, "\"");
  return *it;
}

inline const json* find(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

inline std::string as_string(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_string()) bad(path, component, "a string", v);
  return v.get<std::string>();
}

inline bool as_bool(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_boolean()) bad(path, component, "true or false", v);
  return v.get<bool>();
}

inline int64_t as_int(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_number_integer()) bad(path, component, "an integer", v);
  return v.get<int64_t>();
}

inline uint64_t as_uint(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) bad(path, component, "a non-negative integer", v);
  return v.get<uint64_t>();
}

inline int32_t as_id(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
    bad(path, component, "a token id (integer in [0, 2^31))", v);
  return static_cast<int32_t>(v.get<int64_t>());
}

inline double as_double(const json& v, const std::string& path, const std::string& component) {
  if (!v.is_number()) bad(path, component, "a number", v);
  return v.get<double>();
}

// Optional fields: absent or null give the default.
inline std::string get_string(const json& j, const char* key, const std::string& path, const std::string& component,
                              const std::string& def) {
  const json* v = find(j, key);
  return v ? as_string(*v, at(path, key), component) : def;
}
inline std::optional<std::string> get_opt_string(const json& j, const char* key, const std::string& path,
                                                 const std::string& component) {
  const json* v = find(j, key);
  if (!v) return std::nullopt;
  return as_string(*v, at(path, key), component);
}
inline bool get_bool(const json& j, const char* key, const std::string& path, const std::string& component, bool def) {
  const json* v = find(j, key);
  return v ? as_bool(*v, at(path, key), component) : def;
}
inline uint64_t get_uint(const json& j, const char* key, const std::string& path, const std::string& component,
                         uint64_t def) {
  const json* v = find(j, key);
  return v ? as_uint(*v, at(path, key), component) : def;
}

// A single code point given as a one-character string (Rust `char` fields).
inline char32_t as_char(const json& v, const std::string& path, const std::string& component);

}  // namespace automodel::tokenizers::jf

#include "utf8_chars.h"

inline char32_t automodel::tokenizers::jf::as_char(const json& v, const std::string& path,
                                                   const std::string& component) {
  if (!v.is_string()) bad(path, component, "a one-character string", v);
  const std::string s = v.get<std::string>();
  if (s.empty() || utf8::char_len(s, 0) != s.size() || !utf8::is_valid(s))
    bad(path, component, "a one-character string", v);
  return utf8::decode_at(s, 0);
}
