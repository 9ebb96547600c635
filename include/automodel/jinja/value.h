// The values a Jinja2 template computes with, modelled on the Python objects Jinja2 sees in
// transformers' chat-template environment: None, bool, int, float, str, list, tuple, dict
// (insertion-ordered, any hashable key), callables (macros, globals, bound methods), namespace
// objects, loop contexts and Jinja2's default Undefined. Lists and dicts are shared and
// immutable once built (the sandbox forbids mutating them); a namespace is the one mutable object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automodel/hub/json_file.h"

namespace automodel::jinja {

class Value;
struct CallArgs;
struct LoopState;

using List = std::vector<Value>;
using NativeFunction = std::function<Value(CallArgs&)>;

struct Dict;
struct Callable {
  std::string name;  // shown in error messages and when printed
  NativeFunction fn;
};
// Attribute storage of a `namespace(...)` object: the one thing `{% set ns.x = ... %}` may change.
struct Namespace;

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Callable, Namespace, Loop };
  // How a List prints: Python's list, tuple and the dict views returned by items/keys/values.
  enum class ListStyle { List, Tuple, DictItems, DictKeys, DictValues };

  Value();  // Undefined
  static Value undefined(std::string hint = {}, bool unsafe = false);
  static Value none();
  Value(bool b);
  Value(int v) : Value(static_cast<int64_t>(v)) {}
  Value(int64_t v);
  Value(double v);
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  static Value list(List items, ListStyle style = ListStyle::List);
  static Value tuple(List items) { return list(std::move(items), ListStyle::Tuple); }
  static Value dict(std::shared_ptr<const Dict> d);
  static Value dict(Dict d);
  static Value callable(std::string name, NativeFunction fn);
  static Value make_namespace(std::shared_ptr<Namespace> ns);
  static Value loop(std::shared_ptr<LoopState> state);
  static Value from_json(const json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::List && style_ == ListStyle::Tuple; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_callable() const { return kind_ == Kind::Callable || kind_ == Kind::Loop; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  double as_float() const { return f_; }
  // Numeric value of a bool / int / float as a double.
  double to_double() const;
  const std::string& as_string() const { return *s_; }
  const List& as_list() const { return *l_; }
  ListStyle list_style() const { return style_; }
  const Dict& as_dict() const { return *d_; }
  const Callable& as_callable() const { return *c_; }
  Namespace& as_namespace() const { return *ns_; }
  LoopState& as_loop() const { return *loop_; }
  const std::shared_ptr<const List>& list_ptr() const { return l_; }
  const std::shared_ptr<const Dict>& dict_ptr() const { return d_; }
  const std::shared_ptr<LoopState>& loop_ptr() const { return loop_; }
  // Undefined only: why the value is undefined ("'x' is undefined"), and whether it stands for
  // an attribute the sandbox refused (using it raises SecurityError instead of UndefinedError).
  const std::string& undefined_hint() const { return *s_; }
  bool undefined_is_unsafe() const { return b_; }

  // Python truthiness.
  bool truthy() const;
  // Python type name ("NoneType", "str", "dict", ...), as in Python's error messages.
  std::string type_name() const;
  // Python str() / repr() of the value, as Jinja2 prints it.
  std::string str() const;
  std::string repr() const;
  // Converts to JSON; throws TypeError for values json.dumps cannot serialize.
  json to_json() const;
  // Identity for `is sameas` on containers, equality of the scalar otherwise.
  bool same_object(const Value& other) const;
  // Container nesting depth (0 for scalars); lists and dicts deeper than kMaxNesting are refused
  // so that printing, comparing and freeing them cannot exhaust the stack.
  static constexpr int kMaxNesting = 256;
  int nesting() const;

 private:
  Kind kind_ = Kind::Undefined;
  ListStyle style_ = ListStyle::List;
  int depth_ = 0;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<const List> l_;
  std::shared_ptr<const Dict> d_;
  std::shared_ptr<const Callable> c_;
  std::shared_ptr<Namespace> ns_;
  std::shared_ptr<LoopState> loop_;
};

// Python equality (1 == 1.0 == True, lists elementwise, dicts regardless of order).
bool py_equal(const Value& a, const Value& b);

struct Dict {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  // Inserts or replaces, keeping the first insertion's position (Python dict semantics).
  void set(Value key, Value value);
  size_t size() const { return items.size(); }
};

struct Namespace {
  Dict attributes;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

}  // namespace automodel::jinja
