// JsonBinder: one description of "typed field ↔ JSON key (+ HF default)" used both to read a
// config file into a struct and to write the struct back into the original JSON.
//
// Reading: the key's value is type-checked (errors name the file and the key, the expected and
// the found type); an absent key takes the default (or a value derived from fields bound
// earlier).
// Writing: the JSON starts as the file as read, so unknown keys survive. A key present in the
// file is rewritten only when its typed value changed since reading (so 10000 stays 10000, an
// int eos stays an int); an absent key is added only when the value differs from what reading
// it back without the key would give.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"

namespace automodel::detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
std::string expected_name() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean";
  else if constexpr (std::is_integral_v<T>) return "an integer";
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else if constexpr (std::is_same_v<T, std::string>) return "a string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a list of strings";
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>) return "an integer or a list of integers";
  else return "a value";
}

inline std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return json_type_name(v) + " " + text;
}

inline bool integral_number(const json& v, int64_t& out) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) return false;
    out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_float()) {  // 64.0 is an integer to Python's int() users; 64.5 is not
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) {
      out = int64_t(d);
      return true;
    }
  }
  return false;
}

// Converts a non-null JSON value to T or throws naming where/key.
template <class T>
T from_json_value(const json& v, const std::string& where, std::string_view key) {
  auto bad = [&]() -> T { fail(where, ": '", key, "' must be ", expected_name<T>(), ", found ", describe(v)); };
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) return bad();
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    int64_t i;
    if (v.is_boolean() || !integral_number(v, i)) return bad();
    return T(i);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) return bad();
    return v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return bad();
    return v.get<std::string>();
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (v.is_string()) return {v.get<std::string>()};
    if (!v.is_array()) return bad();
    T out;
    for (const auto& e : v) {
      if (!e.is_string()) return bad();
      out.push_back(e.get<std::string>());
    }
    return out;
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    int64_t i;
    if (!v.is_boolean() && integral_number(v, i)) return {i};
    if (!v.is_array()) return bad();
    T out;
    for (const auto& e : v) {
      if (e.is_boolean() || !integral_number(e, i)) return bad();
      out.push_back(i);
    }
    return out;
  } else {
    static_assert(sizeof(T) == 0, "unsupported field type");
  }
}

template <class T>
json to_json_value(const T& v) {
  if constexpr (is_optional<T>::value) {
    return v ? to_json_value(*v) : json(nullptr);
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    // Token-id fields: one id is written as a plain integer, like HF configs do.
    if (v.size() == 1) return json(v[0]);
    return json(v);
  } else {
    return json(v);
  }
}

template <class Cfg>
class JsonBinder {
 public:
  enum class Mode { Read, Write };

  // Read: fills cfg from raw. Write: updates *out (a copy of raw) from cfg, comparing with
  // baseline (cfg as read from raw).
  JsonBinder(Mode mode, std::string where, const json& raw, Cfg& cfg, const Cfg* baseline = nullptr,
             json* out = nullptr)
      : mode_(mode), where_(std::move(where)), raw_(raw), cfg_(cfg), baseline_(baseline), out_(out) {}

  const std::string& where() const { return where_; }
  bool reading() const { return mode_ == Mode::Read; }
  const json& raw() const { return raw_; }

  // A key with an HF default. For std::optional<T> fields an explicit null means "unset"
  // (not the default); for other fields null is an error.
  template <class T>
  void field(T Cfg::*member, std::string_view key, T default_value) {
    bind(member, key, [default_value](const Cfg&) { return default_value; }, /*null_is_absent=*/false);
  }
  // An optional key with no default.
  template <class T>
  void optional(std::optional<T> Cfg::*member, std::string_view key) {
    field(member, key, std::optional<T>{});
  }
  // A key whose absence (or null) derives the value from fields bound before it.
  template <class T>
  void derived(T Cfg::*member, std::string_view key, std::function<T(const Cfg&)> derive) {
    bind(member, key, derive, /*null_is_absent=*/true);
  }
  // A key that must be present and not null.
  template <class T>
  void required(T Cfg::*member, std::string_view key) {
    if (reading()) {
      auto it = raw_.find(std::string(key));
      AM_CHECK(it != raw_.end() && !it->is_null(), where_, ": missing required key '", key, "'");
    }
    bind(member, key, [](const Cfg& c) -> T { return T{}; }, false);
  }
  // A property the family fixes or computes with no config key of its own (e.g. qwen2 always
  // has q/k/v biases; its head_dim is hidden_size / num_attention_heads). Writing fails if the
  // value was changed, since it cannot be saved.
  template <class T>
  void computed(T Cfg::*member, std::function<T(const Cfg&)> compute, std::string_view what) {
    if (reading()) {
      cfg_.*member = compute(cfg_);
    } else {
      // Unchanged since reading is fine too: a stale derived value is recomputed on reload.
      AM_CHECK(cfg_.*member == compute(cfg_) || cfg_.*member == baseline_->*member, where_, ": ", what,
               " is fixed by the model family and has no config key, so a changed value cannot be saved");
    }
  }
  template <class T>
  void fixed(T Cfg::*member, T value, std::string_view what) {
    computed<T>(member, [value](const Cfg&) { return value; }, what);
  }

 private:
  template <class T, class Absent>
  void bind(T Cfg::*member, std::string_view key, Absent absent_value, bool null_is_absent) {
    const std::string k(key);
    auto it = raw_.find(k);
    const bool present = it != raw_.end() && !(null_is_absent && it->is_null());
    if (reading()) {
      if (!present) {
        cfg_.*member = absent_value(cfg_);
      } else if constexpr (is_optional<T>::value) {
        using V = typename T::value_type;
        cfg_.*member = it->is_null() ? T{} : T(from_json_value<V>(*it, where_, key));
      } else {
        AM_CHECK(!it->is_null(), where_, ": '", key, "' must be ", expected_name<T>(), ", found null");
        cfg_.*member = from_json_value<T>(*it, where_, key);
      }
      return;
    }
    const T& now = cfg_.*member;
    const bool changed = present ? !(now == baseline_->*member) : !(now == absent_value(cfg_));
    if (changed) (*out_)[k] = to_json_value(now);
  }

  Mode mode_;
  std::string where_;
  const json& raw_;
  Cfg& cfg_;
  const Cfg* baseline_;
  json* out_;
};

}  // namespace automodel::detail
