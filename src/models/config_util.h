// Typed reads of config.json fields with HF defaults and errors naming the file and key.
#pragma once

#include <string>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"

namespace automodel::models {

inline bool cfg_present(const json& c, const char* key) { return c.contains(key) && !c[key].is_null(); }

inline int64_t cfg_int(const json& c, const char* key, const std::string& what) {
  AM_CHECK(cfg_present(c, key), what, ": missing required integer \"", key, "\"");
  AM_CHECK(c[key].is_number_integer() || (c[key].is_number() && c[key].get<double>() == double(int64_t(c[key].get<double>()))),
           what, ": \"", key, "\" must be an integer, got ", json_type_name(c[key]));
  return c[key].is_number_integer() ? c[key].get<int64_t>() : int64_t(c[key].get<double>());
}
inline int64_t cfg_int(const json& c, const char* key, int64_t dflt, const std::string& what) {
  return cfg_present(c, key) ? cfg_int(c, key, what) : dflt;
}
inline double cfg_double(const json& c, const char* key, double dflt, const std::string& what) {
  if (!cfg_present(c, key)) return dflt;
  AM_CHECK(c[key].is_number(), what, ": \"", key, "\" must be a number, got ", json_type_name(c[key]));
  return c[key].get<double>();
}
inline bool cfg_bool(const json& c, const char* key, bool dflt, const std::string& what) {
  if (!cfg_present(c, key)) return dflt;
  AM_CHECK(c[key].is_boolean(), what, ": \"", key, "\" must be true or false, got ", json_type_name(c[key]));
  return c[key].get<bool>();
}
inline std::string cfg_string(const json& c, const char* key, const std::string& dflt, const std::string& what) {
  if (!cfg_present(c, key)) return dflt;
  AM_CHECK(c[key].is_string(), what, ": \"", key, "\" must be a string, got ", json_type_name(c[key]));
  return c[key].get<std::string>();
}

}  // namespace automodel::models
