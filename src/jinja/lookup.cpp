// Jinja2's sandboxed attribute and item lookup (Environment.getattr / getitem with
// ImmutableSandboxedEnvironment's safety rules), slicing, calls and argument binding.
#include <algorithm>
#include <cmath>
#include <optional>

#include "interpreter.h"
#include "text.h"

namespace automodel::jinja {
namespace {

Value missing_attribute(const Value& obj, const std::string& name) {
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + name + "'");
}

Value missing_element(const Value& obj, const Value& key) {
  if (key.is_string()) return missing_attribute(obj, key.as_string());
  return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
}

Value unsafe_attribute(const Value& obj, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + obj.type_name() + "' object is unsafe.", true);
}

Value loop_attribute(const Value& obj, const std::string& name) {
  LoopState& l = obj.as_loop();
  auto n = static_cast<int64_t>(l.items->size());
  auto i = static_cast<int64_t>(l.index0);
  if (name == "index") return Value(i + 1);
  if (name == "index0") return Value(i);
  if (name == "revindex") return Value(n - i);
  if (name == "revindex0") return Value(n - i - 1);
  if (name == "first") return Value(i == 0);
  if (name == "last") return Value(i == n - 1);
  if (name == "length") return Value(n);
  if (name == "depth") return Value(int64_t{l.depth0} + 1);
  if (name == "depth0") return Value(int64_t{l.depth0});
  if (name == "previtem")
    return i > 0 ? (*l.items)[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item");
  if (name == "nextitem")
    return i + 1 < n ? (*l.items)[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item");
  if (name == "cycle") {
    size_t index = l.index0;
    return Value::callable("cycle", [index](CallArgs& args) -> Value {
      if (args.positional.empty()) raise("TypeError", "no items for cycling given");
      return args.positional[index % args.positional.size()];
    });
  }
  if (name == "changed") {
    std::shared_ptr<LoopState> state = obj.loop_ptr();
    return Value::callable("changed", [state](CallArgs& args) -> Value {
      Value current = Value::list(args.positional, Value::ListStyle::Tuple);
      if (state->has_changed && py_equal(state->last_changed, current)) return Value(false);
      state->has_changed = true;
      state->last_changed = current;
      return Value(true);
    });
  }
  return missing_attribute(obj, name);
}

}  // namespace

std::string loop_repr(const LoopState& loop) {
  return "<LoopContext " + std::to_string(loop.index0 + 1) + "/" + std::to_string(loop.items->size()) + ">";
}

Value get_attribute(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) raise_undefined(obj);
  if (!name.empty() && name[0] == '_') return unsafe_attribute(obj, name);
  switch (obj.kind()) {
    case Value::Kind::Dict: {
      Value method = bound_method(obj, name);
      if (!method.is_undefined() || method.undefined_is_unsafe()) return method;
      if (const Value* v = obj.as_dict().find(name)) return *v;
      return missing_attribute(obj, name);
    }
    case Value::Kind::String:
    case Value::Kind::List: {
      Value method = bound_method(obj, name);
      if (!method.is_undefined() || method.undefined_is_unsafe()) return method;
      return missing_attribute(obj, name);
    }
    case Value::Kind::Namespace: {
      if (const Value* v = obj.as_namespace().attributes.find(name)) return *v;
      return missing_attribute(obj, name);
    }
    case Value::Kind::Loop: return loop_attribute(obj, name);
    case Value::Kind::Float:
      if (name == "real") return obj;
      if (name == "imag") return Value(0.0);
      if (name == "is_integer") {
        double d = obj.as_float();
        return Value::callable("is_integer", [d](CallArgs&) { return Value(std::isfinite(d) && d == std::floor(d)); });
      }
      return missing_attribute(obj, name);
    case Value::Kind::Int:
    case Value::Kind::Bool:
      if (name == "real" || name == "numerator") return Value(obj.is_bool() ? int64_t{obj.as_bool()} : obj.as_int());
      if (name == "imag") return Value(int64_t{0});
      if (name == "denominator") return Value(int64_t{1});
      return missing_attribute(obj, name);
    default:
      return missing_attribute(obj, name);
  }
}

static int64_t normalize_index(int64_t i, size_t n) { return i < 0 ? i + static_cast<int64_t>(n) : i; }

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) raise_undefined(obj);
  if (key.is_list() && key.list_style() == Value::ListStyle::List) return missing_element(obj, key);  // unhashable
  switch (obj.kind()) {
    case Value::Kind::Dict:
      if (key.is_undefined()) break;
      if (const Value* v = obj.as_dict().find(key)) return *v;
      break;
    case Value::Kind::List:
      if (key.is_int() || key.is_bool()) {
        int64_t i = normalize_index(key.is_bool() ? int64_t{key.as_bool()} : key.as_int(), obj.as_list().size());
        if (i >= 0 && i < static_cast<int64_t>(obj.as_list().size())) return obj.as_list()[static_cast<size_t>(i)];
      }
      break;
    case Value::Kind::String:
      if (key.is_int() || key.is_bool()) {
        auto u = text::decode(obj.as_string());
        int64_t i = normalize_index(key.is_bool() ? int64_t{key.as_bool()} : key.as_int(), u.size());
        if (i >= 0 && i < static_cast<int64_t>(u.size())) {
          std::string s;
          text::append_utf8(s, u[static_cast<size_t>(i)]);
          return Value(std::move(s));
        }
      }
      break;
    default:
      break;
  }
  // Jinja2 falls back to the attribute of the same name (so d['items'] finds the method when
  // the key is absent), then to Undefined.
  if (key.is_string()) {
    Value attr = get_attribute(obj, key.as_string());
    if (!attr.is_undefined() || attr.undefined_is_unsafe()) return attr;
  }
  return missing_element(obj, key);
}

Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) raise_undefined(obj);
  auto as_index = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (v.is_int()) return v.as_int();
    if (v.is_bool()) return int64_t{v.as_bool()};
    raise("TypeError", std::string("slice indices must be integers or None or have an __index__ method (") + what + ")");
  };
  auto st = as_index(step, "step");
  int64_t k = st.value_or(1);
  if (k == 0) raise("ValueError", "slice step cannot be zero");
  auto select = [&](size_t n) {
    auto len = static_cast<int64_t>(n);
    auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
      if (!v) return dflt;
      int64_t x = *v < 0 ? *v + len : *v;
      if (k > 0) return std::clamp<int64_t>(x, 0, len);
      return std::clamp<int64_t>(x, -1, len - 1);
    };
    int64_t b = clamp(as_index(start, "start"), k > 0 ? 0 : len - 1);
    int64_t e = clamp(as_index(stop, "stop"), k > 0 ? len : -1);
    std::vector<size_t> idx;
    if (k > 0)
      for (int64_t i = b; i < e; i += k) idx.push_back(static_cast<size_t>(i));
    else
      for (int64_t i = b; i > e; i += k) idx.push_back(static_cast<size_t>(i));
    return idx;
  };
  if (obj.is_string()) {
    auto u = text::decode(obj.as_string());
    std::u32string out;
    for (size_t i : select(u.size())) out.push_back(u[i]);
    return Value(text::encode(out));
  }
  if (obj.is_list()) {
    const auto& l = obj.as_list();
    List out;
    for (size_t i : select(l.size())) out.push_back(l[i]);
    return Value::list(std::move(out), obj.is_tuple() ? Value::ListStyle::Tuple : Value::ListStyle::List);
  }
  return Value::undefined(object_type_repr(obj) + " has no element slice(" + start.repr() + ", " + stop.repr() + ", " + step.repr() + ")");
}

Value call_value(Context& ctx, const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) raise_undefined(callee);
  if (callee.kind() == Value::Kind::Callable) {
    DepthGuard guard(ctx.st);
    return callee.as_callable().fn(args);
  }
  if (callee.kind() == Value::Kind::Loop) {
    LoopState& l = callee.as_loop();
    if (!l.recurse) raise("TypeError", "The loop must have the 'recursive' marker to be called recursively.");
    if (args.positional.size() != 1 || !args.keyword.empty())
      raise("TypeError", "loop() takes exactly one argument (the iterable)");
    DepthGuard guard(ctx.st);
    return l.recurse(args.positional[0]);
  }
  raise("TypeError", "'" + callee.type_name() + "' object is not callable");
}

std::vector<Value> bind_arguments(const std::string& function, CallArgs& args,
                                  const std::vector<std::string>& params, size_t required) {
  std::vector<Value> out(params.size());
  std::vector<bool> set(params.size(), false);
  if (args.positional.size() > params.size())
    raise("TypeError", function + "() takes at most " + std::to_string(params.size()) + " positional argument(s) (" +
                           std::to_string(args.positional.size()) + " given)");
  for (size_t i = 0; i < args.positional.size(); ++i) {
    out[i] = args.positional[i];
    set[i] = true;
  }
  for (auto& [name, value] : args.keyword) {
    auto it = std::find(params.begin(), params.end(), name);
    if (it == params.end()) raise("TypeError", function + "() got an unexpected keyword argument '" + name + "'");
    size_t i = static_cast<size_t>(it - params.begin());
    if (set[i]) raise("TypeError", function + "() got multiple values for argument '" + name + "'");
    out[i] = value;
    set[i] = true;
  }
  for (size_t i = 0; i < required; ++i)
    if (!set[i]) raise("TypeError", function + "() missing required argument '" + params[i] + "'");
  return out;
}

}  // namespace automodel::jinja
