// Python operator semantics on Values: arithmetic, comparison, membership, len and iteration,
// with Python's exception classes and messages.
#include <cmath>

#include "interpreter.h"
#include "text.h"

namespace automodel::jinja {

[[noreturn]] void raise(const std::string& python_class, const std::string& message) {
  throw TemplateError(python_class, message);
}

std::string object_type_repr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::None: return "None";
    case Value::Kind::Namespace: return "jinja2.utils.Namespace object";
    case Value::Kind::Loop: return "jinja2.runtime.LoopContext object";
    case Value::Kind::Callable: return v.type_name() == "Macro" ? "jinja2.runtime.Macro object" : "builtin_function_or_method object";
    default: return v.type_name() + " object";
  }
}

[[noreturn]] void raise_undefined(const Value& u) {
  if (u.undefined_is_unsafe()) raise("SecurityError", u.undefined_hint());
  raise("UndefinedError", u.undefined_hint().empty() ? "value is undefined" : u.undefined_hint());
}

namespace {

bool is_intlike(const Value& v) { return v.is_int() || v.is_bool(); }
int64_t int_of(const Value& v) { return v.is_bool() ? int64_t{v.as_bool()} : v.as_int(); }

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  raise("TypeError", "unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

[[noreturn]] void overflow() { raise("OverflowError", "integer result does not fit in 64 bits"); }

Value repeat(const Value& seq, int64_t n, const RenderLimits& limits) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const auto& s = seq.as_string();
    if (!s.empty() && static_cast<uint64_t>(n) > limits.max_output_bytes / s.size())
      raise("ResourceLimitError", "string repetition result exceeds the output limit");
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& l = seq.as_list();
  if (!l.empty() && static_cast<uint64_t>(n) > limits.max_output_bytes / (l.size() * 16))
    raise("ResourceLimitError", "list repetition result exceeds the size limit");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), l.begin(), l.end());
  return Value::list(std::move(out), seq.is_tuple() ? Value::ListStyle::Tuple : Value::ListStyle::List);
}

bool plain_sequence(const Value& v) {
  return v.is_list() && (v.list_style() == Value::ListStyle::List || v.list_style() == Value::ListStyle::Tuple);
}

double float_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  if (m == 0) m = std::copysign(0.0, b);
  return m;
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b, const RenderLimits& limits) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  bool numbers = a.is_number() && b.is_number();
  bool ints = numbers && is_intlike(a) && is_intlike(b);
  if (op == "+") {
    if (ints) {
      int64_t r;
      if (__builtin_add_overflow(int_of(a), int_of(b), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_double() + b.to_double());
    if (a.is_string()) {
      if (!b.is_string()) raise("TypeError", "can only concatenate str (not \"" + b.type_name() + "\") to str");
      if (a.as_string().size() + b.as_string().size() > limits.max_output_bytes)
        raise("ResourceLimitError", "string result exceeds the output limit");
      return Value(a.as_string() + b.as_string());
    }
    if (plain_sequence(a)) {
      if (!plain_sequence(b) || a.is_tuple() != b.is_tuple())
        raise("TypeError", "can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " + a.type_name());
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(out), a.list_style());
    }
    unsupported("+", a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      if (__builtin_sub_overflow(int_of(a), int_of(b), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_double() - b.to_double());
    unsupported("-", a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      if (__builtin_mul_overflow(int_of(a), int_of(b), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_double() * b.to_double());
    if ((a.is_string() || plain_sequence(a)) && is_intlike(b)) return repeat(a, int_of(b), limits);
    if ((b.is_string() || plain_sequence(b)) && is_intlike(a)) return repeat(b, int_of(a), limits);
    if (a.is_string() || plain_sequence(a))
      raise("TypeError", "can't multiply sequence by non-int of type '" + b.type_name() + "'");
    unsupported("*", a, b);
  }
  if (op == "/") {
    if (!numbers) unsupported("/", a, b);
    if (b.to_double() == 0) raise("ZeroDivisionError", ints ? "division by zero" : "float division by zero");
    return Value(a.to_double() / b.to_double());
  }
  if (op == "//") {
    if (!numbers) unsupported("//", a, b);
    if (ints) {
      int64_t x = int_of(a), y = int_of(b);
      if (y == 0) raise("ZeroDivisionError", "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) overflow();
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value(q);
    }
    if (b.to_double() == 0) raise("ZeroDivisionError", "float floor division by zero");
    return Value(std::floor(a.to_double() / b.to_double()));
  }
  if (op == "%") {
    if (a.is_string()) return Value(python_percent_format(a.as_string(), b));
    if (!numbers) unsupported("%", a, b);
    if (ints) {
      int64_t x = int_of(a), y = int_of(b);
      if (y == 0) raise("ZeroDivisionError", "integer modulo by zero");
      if (y == -1) return Value(int64_t{0});
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
    if (b.to_double() == 0) raise("ZeroDivisionError", "float modulo");
    return Value(float_mod(a.to_double(), b.to_double()));
  }
  if (op == "**") {
    if (!numbers) unsupported("** or pow()", a, b);
    if (ints && int_of(b) >= 0) {
      int64_t base = int_of(a), e = int_of(b), r = 1;
      while (e > 0) {
        if (e & 1) {
          if (__builtin_mul_overflow(r, base, &r)) overflow();
        }
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
      }
      return Value(r);
    }
    double x = a.to_double(), y = b.to_double();
    if (x == 0 && y < 0) raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    double r = std::pow(x, y);
    if (std::isnan(r) && !std::isnan(x) && !std::isnan(y))
      raise("ValueError", "math domain error (negative number raised to a fractional power)");
    return Value(r);
  }
  raise("TypeError", "unknown operator " + op);
}

Value unary_minus(const Value& v) {
  if (v.is_undefined()) raise_undefined(v);
  if (is_intlike(v)) {
    if (int_of(v) == INT64_MIN) overflow();
    return Value(-int_of(v));
  }
  if (v.is_float()) return Value(-v.as_float());
  raise("TypeError", "bad operand type for unary -: '" + v.type_name() + "'");
}

bool py_less(const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (is_intlike(a) && is_intlike(b)) return int_of(a) < int_of(b);
    return a.to_double() < b.to_double();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 order = code point order
  if (plain_sequence(a) && plain_sequence(b) && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (py_equal(x[i], y[i])) continue;
      return py_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  raise("TypeError", "'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "eq") return py_equal(a, b);
  if (op == "ne") return !py_equal(a, b);
  if (op == "in") return contains(b, a);
  if (op == "notin") return !contains(b, a);
  auto mismatch = [&](const char* sym) {
    if (a.is_undefined()) raise_undefined(a);
    if (b.is_undefined()) raise_undefined(b);
    bool comparable = (a.is_number() && b.is_number()) || (a.is_string() && b.is_string()) ||
                      (plain_sequence(a) && plain_sequence(b) && a.is_tuple() == b.is_tuple());
    if (!comparable)
      raise("TypeError", std::string("'") + sym + "' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
  };
  if (op == "lt") return mismatch("<"), py_less(a, b);
  if (op == "gt") return mismatch(">"), py_less(b, a);
  if (op == "lteq") return mismatch("<="), !py_less(b, a);
  if (op == "gteq") return mismatch(">="), !py_less(a, b);
  raise("TypeError", "unknown comparison " + op);
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined:
      if (container.undefined_is_unsafe()) raise_undefined(container);
      return false;  // Undefined iterates as empty
    case Value::Kind::String:
      if (!item.is_string()) {
        if (item.is_undefined()) raise_undefined(item);
        raise("TypeError", "'in <string>' requires string as left operand, not " + item.type_name());
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& e : container.as_list())
        if (py_equal(e, item)) return true;
      return false;
    case Value::Kind::Dict: return container.as_dict().find(item) != nullptr;
    default:
      raise("TypeError", "argument of type '" + container.type_name() + "' is not iterable");
  }
}

std::shared_ptr<const List> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      if (v.undefined_is_unsafe()) raise_undefined(v);
      return std::make_shared<const List>();
    case Value::Kind::List: return v.list_ptr();
    case Value::Kind::Dict: {
      List keys;
      keys.reserve(v.as_dict().size());
      for (const auto& kv : v.as_dict().items) keys.push_back(kv.first);
      return std::make_shared<const List>(std::move(keys));
    }
    case Value::Kind::String: {
      List chars;
      for (char32_t c : text::decode(v.as_string())) {
        std::string s;
        text::append_utf8(s, c);
        chars.emplace_back(std::move(s));
      }
      return std::make_shared<const List>(std::move(chars));
    }
    default:
      raise("TypeError", "'" + v.type_name() + "' object is not iterable");
  }
}

size_t py_len(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return 0;
    case Value::Kind::String: return text::length(v.as_string());
    case Value::Kind::List: return v.as_list().size();
    case Value::Kind::Dict: return v.as_dict().size();
    case Value::Kind::Loop: return v.as_loop().items->size();
    default: raise("TypeError", "object of type '" + v.type_name() + "' has no len()");
  }
}

}  // namespace automodel::jinja
