#include "automodel/jinja/value.h"

#include <algorithm>
#include <cmath>

#include "automodel/jinja/template.h"
#include "interpreter.h"
#include "python_format.h"

namespace automodel::jinja {

Value::Value() : s_(std::make_shared<const std::string>()) {}

Value Value::undefined(std::string hint, bool unsafe) {
  Value v;
  v.s_ = std::make_shared<const std::string>(std::move(hint));
  v.b_ = unsafe;
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value::Value(bool b) : kind_(Kind::Bool), b_(b) {}
Value::Value(int64_t v) : kind_(Kind::Int), i_(v) {}
Value::Value(double v) : kind_(Kind::Float), f_(v) {}
Value::Value(std::string s) : kind_(Kind::String), s_(std::make_shared<const std::string>(std::move(s))) {}

namespace {
thread_local int repr_depth = 0;
struct ReprDepth {
  ReprDepth() {
    if (++repr_depth > Value::kMaxNesting)
      --repr_depth, throw TemplateError("RecursionError", "maximum recursion depth exceeded while getting the repr of an object");
  }
  ~ReprDepth() { --repr_depth; }
};
int checked_depth(int d) {
  if (d > Value::kMaxNesting)
    throw TemplateError("ResourceLimitError", "containers nested more than " + std::to_string(Value::kMaxNesting) + " levels deep");
  return d;
}
}  // namespace

int Value::nesting() const {
  if (kind_ == Kind::List || kind_ == Kind::Dict) return depth_;
  if (kind_ == Kind::Namespace) {
    ReprDepth guard;
    int d = 0;
    for (const auto& kv : ns_->attributes.items) d = std::max(d, kv.second.nesting());
    return checked_depth(d + 1);
  }
  return 0;
}

Value Value::list(List items, ListStyle style) {
  Value v;
  int d = 0;
  for (const auto& e : items) d = std::max(d, e.nesting());
  v.depth_ = checked_depth(d + 1);
  v.kind_ = Kind::List;
  v.style_ = style;
  v.l_ = std::make_shared<const List>(std::move(items));
  return v;
}

Value Value::dict(std::shared_ptr<const Dict> d) {
  Value v;
  int depth = 0;
  for (const auto& kv : d->items) depth = std::max({depth, kv.first.nesting(), kv.second.nesting()});
  v.depth_ = checked_depth(depth + 1);
  v.kind_ = Kind::Dict;
  v.d_ = std::move(d);
  return v;
}

Value Value::dict(Dict d) { return dict(std::make_shared<const Dict>(std::move(d))); }

Value Value::callable(std::string name, NativeFunction fn) {
  Value v;
  v.kind_ = Kind::Callable;
  v.c_ = std::make_shared<const Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

Value Value::make_namespace(std::shared_ptr<Namespace> ns) {
  Value v;
  v.kind_ = Kind::Namespace;
  v.ns_ = std::move(ns);
  return v;
}

Value Value::loop(std::shared_ptr<LoopState> state) {
  Value v;
  v.kind_ = Kind::Loop;
  v.loop_ = std::move(state);
  return v;
}

Value Value::from_json(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return none();
    case json::value_t::boolean: return Value(j.get<bool>());
    case json::value_t::number_integer: return Value(j.get<int64_t>());
    case json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case json::value_t::number_float: return Value(j.get<double>());
    case json::value_t::string: return Value(j.get<std::string>());
    case json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case json::value_t::object: {
      Dict d;
      d.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d.items.emplace_back(Value(it.key()), from_json(it.value()));
      return dict(std::move(d));
    }
    default:
      throw TemplateError("TypeError", "unsupported JSON value (binary) in template context");
  }
}

double Value::to_double() const {
  switch (kind_) {
    case Kind::Bool: return b_ ? 1.0 : 0.0;
    case Kind::Int: return static_cast<double>(i_);
    case Kind::Float: return f_;
    default: return 0.0;
  }
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined: return false;
    case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0.0;
    case Kind::String: return !s_->empty();
    case Kind::List: return !l_->empty();
    case Kind::Dict: return !d_->items.empty();
    default: return true;
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List:
      switch (style_) {
        case ListStyle::Tuple: return "tuple";
        case ListStyle::DictItems: return "dict_items";
        case ListStyle::DictKeys: return "dict_keys";
        case ListStyle::DictValues: return "dict_values";
        default: return "list";
      }
    case Kind::Dict: return "dict";
    case Kind::Callable: return c_->name.rfind("macro ", 0) == 0 ? "Macro" : "function";
    case Kind::Namespace: return "Namespace";
    case Kind::Loop: return "LoopContext";
  }
  return "object";
}

std::string Value::str() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::String: return *s_;
    default: return repr();
  }
}

std::string Value::repr() const {
  ReprDepth guard;
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "None";
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return python_float_repr(f_);
    case Kind::String: return python_string_repr(*s_);
    case Kind::List: {
      std::string inner;
      for (size_t i = 0; i < l_->size(); ++i) {
        if (i) inner += ", ";
        inner += (*l_)[i].repr();
      }
      switch (style_) {
        case ListStyle::Tuple: return "(" + inner + (l_->size() == 1 ? ",)" : ")");
        case ListStyle::DictItems: return "dict_items([" + inner + "])";
        case ListStyle::DictKeys: return "dict_keys([" + inner + "])";
        case ListStyle::DictValues: return "dict_values([" + inner + "])";
        default: return "[" + inner + "]";
      }
    }
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < d_->items.size(); ++i) {
        if (i) out += ", ";
        out += d_->items[i].first.repr() + ": " + d_->items[i].second.repr();
      }
      return out + "}";
    }
    case Kind::Callable:
      if (c_->name.rfind("macro ", 0) == 0) return "<Macro '" + c_->name.substr(6) + "'>";
      return "<function " + c_->name + ">";
    case Kind::Namespace: return "<Namespace " + Value::dict(std::make_shared<const Dict>(ns_->attributes)).repr() + ">";
    case Kind::Loop: return loop_repr(*loop_);
  }
  return "";
}

json Value::to_json() const {
  switch (kind_) {
    case Kind::None: return nullptr;
    case Kind::Bool: return b_;
    case Kind::Int: return i_;
    case Kind::Float: return f_;
    case Kind::String: return *s_;
    case Kind::List: {
      json a = json::array();
      for (const auto& e : *l_) a.push_back(e.to_json());
      return a;
    }
    case Kind::Dict: {
      json o = json::object();
      for (const auto& [k, v] : d_->items) {
        if (!k.is_string()) throw TemplateError("TypeError", "dict key of type " + k.type_name() + " cannot be a JSON key");
        o[k.as_string()] = v.to_json();
      }
      return o;
    }
    default:
      throw TemplateError("TypeError", "Object of type " + type_name() + " is not JSON serializable");
  }
}

bool Value::same_object(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::List: return l_ == other.l_;
    case Kind::Dict: return d_ == other.d_;
    case Kind::Callable: return c_ == other.c_;
    case Kind::Namespace: return ns_ == other.ns_;
    case Kind::Loop: return loop_ == other.loop_;
    case Kind::String: return *s_ == *other.s_;
    default: return py_equal(*this, other);
  }
}

bool py_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.to_double() == b.to_double();
    return (a.is_bool() ? int64_t{a.as_bool()} : a.as_int()) == (b.is_bool() ? int64_t{b.as_bool()} : b.as_int());
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::List: {
      bool a_tuple = a.is_tuple(), b_tuple = b.is_tuple();
      if (a_tuple != b_tuple) return false;
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!py_equal(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::Dict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (!other || !py_equal(v, *other)) return false;
      }
      return true;
    }
    default: return a.same_object(b);
  }
}

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : items)
    if (py_equal(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (py_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

}  // namespace automodel::jinja
