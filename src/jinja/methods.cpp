// Python methods of str, dict, list and tuple that templates call (`s.strip()`,
// `d.items()`, ...). Methods that would mutate a list or dict resolve to an "unsafe" Undefined,
// so calling them raises SecurityError exactly as ImmutableSandboxedEnvironment does.
#include <algorithm>

#include "interpreter.h"
#include "python_format.h"
#include "text.h"

namespace automodel::jinja {
namespace {

using Method = std::function<Value(const Value& self, CallArgs& args)>;

std::string str_arg(const Value& v, const std::string& fn, const char* what = "argument") {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) raise_undefined(v);
  raise("TypeError", fn + "() " + what + " must be str, not " + v.type_name());
}

std::optional<std::string> optional_chars(const Value& v, const std::string& fn) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return str_arg(v, fn);
}

int64_t int_arg(const Value& v, const std::string& fn, int64_t dflt) {
  if (v.is_undefined() || v.is_none()) return dflt;
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  raise("TypeError", "'" + v.type_name() + "' object cannot be interpreted as an integer");
}

std::vector<std::string> split_whitespace(const std::u32string& u, int64_t maxsplit, bool from_right) {
  std::vector<std::string> parts;
  if (!from_right) {
    size_t i = 0, n = u.size();
    while (true) {
      while (i < n && text::is_space(u[i])) ++i;
      if (i >= n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        size_t e = n;
        while (e > i && text::is_space(u[e - 1])) --e;
        parts.push_back(text::encode(u.substr(i, e - i)));
        break;
      }
      size_t j = i;
      while (j < n && !text::is_space(u[j])) ++j;
      parts.push_back(text::encode(u.substr(i, j - i)));
      i = j;
    }
    return parts;
  }
  size_t e = u.size();
  while (true) {
    while (e > 0 && text::is_space(u[e - 1])) --e;
    if (e == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      size_t b = 0;
      while (b < e && text::is_space(u[b])) ++b;
      parts.push_back(text::encode(u.substr(b, e - b)));
      break;
    }
    size_t b = e;
    while (b > 0 && !text::is_space(u[b - 1])) --b;
    parts.push_back(text::encode(u.substr(b, e - b)));
    e = b;
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::vector<std::string> split_on(const std::string& s, const std::string& sep, int64_t maxsplit, bool from_right) {
  if (sep.empty()) raise("ValueError", "empty separator");
  std::vector<std::string> parts;
  if (!from_right) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      size_t p = s.find(sep, start);
      if (p == std::string::npos) break;
      parts.push_back(s.substr(start, p - start));
      start = p + sep.size();
    }
    parts.push_back(s.substr(start));
    return parts;
  }
  size_t end = s.size();
  int64_t splits = 0;
  while (maxsplit < 0 || splits < maxsplit) {
    if (end < sep.size()) break;
    size_t p = s.rfind(sep, end - sep.size());
    if (p == std::string::npos) break;
    parts.push_back(s.substr(p + sep.size(), end - p - sep.size()));
    end = p;
    ++splits;
  }
  parts.push_back(s.substr(0, end));
  std::reverse(parts.begin(), parts.end());
  return parts;
}

Value string_list(const std::vector<std::string>& parts) {
  List out;
  for (const auto& p : parts) out.emplace_back(p);
  return Value::list(std::move(out));
}

// startswith/endswith accept a str or a tuple of str.
bool affix_match(const std::string& s, const Value& affix, bool prefix, const std::string& fn) {
  auto one = [&](const std::string& a) {
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_tuple()) {
    for (const auto& a : affix.as_list())
      if (one(str_arg(a, fn))) return true;
    return false;
  }
  if (!affix.is_string())
    raise("TypeError", fn + " first arg must be str or a tuple of str, not " + affix.type_name());
  return one(affix.as_string());
}

std::string pad(const std::string& s, int64_t width, const std::string& fill, int where) {  // -1 ljust, 0 center, 1 rjust
  auto n = static_cast<int64_t>(text::length(s));
  if (width <= n) return s;
  auto total = static_cast<size_t>(width - n);
  size_t left = where == 1 ? total : where == -1 ? 0 : total / 2 + (total & static_cast<size_t>(width) & 1);
  size_t right = total - left;
  std::string out;
  for (size_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (size_t i = 0; i < right; ++i) out += fill;
  return out;
}

std::string fill_char(const Value& v, const std::string& fn) {
  if (v.is_undefined()) return " ";
  std::string f = str_arg(v, fn);
  if (text::length(f) != 1) raise("TypeError", "The fill character must be exactly one character long");
  return f;
}

bool all_chars(const std::string& s, bool (*pred)(char32_t)) {
  auto u = text::decode(s);
  if (u.empty()) return false;
  for (char32_t c : u)
    if (!pred(c)) return false;
  return true;
}

Value string_method(const std::string& name, const Value& self, CallArgs& args) {
  const std::string& s = self.as_string();
  auto bind = [&](std::vector<std::string> params, size_t required) {
    return bind_arguments("str." + name, args, params, required);
  };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto a = bind({"chars"}, 0);
    auto chars = optional_chars(a[0], name);
    return Value(text::strip(s, chars ? &*chars : nullptr, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    auto a = bind({"sep", "maxsplit"}, 0);
    int64_t maxsplit = int_arg(a[1], name, -1);
    auto sep = optional_chars(a[0], name);
    if (!sep) return string_list(split_whitespace(text::decode(s), maxsplit, name == "rsplit"));
    return string_list(split_on(s, *sep, maxsplit, name == "rsplit"));
  }
  if (name == "splitlines") {
    auto a = bind({"keepends"}, 0);
    bool keep = a[0].truthy();
    auto u = text::decode(s);
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t i = 0; i < u.size(); ++i) {
      char32_t c = u[i];
      bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                 c == 0x85 || c == 0x2028 || c == 0x2029;
      if (!brk) continue;
      size_t end = i;
      if (c == '\r' && i + 1 < u.size() && u[i + 1] == '\n') ++i;
      lines.push_back(text::encode(u.substr(start, (keep ? i + 1 : end) - start)));
      start = i + 1;
    }
    if (start < u.size()) lines.push_back(text::encode(u.substr(start)));
    return string_list(lines);
  }
  if (name == "startswith" || name == "endswith") {
    auto a = bind({"affix", "start", "end"}, 1);
    std::string sub = s;
    if (!a[1].is_undefined() || !a[2].is_undefined()) sub = slice_value(self, a[1], a[2], Value::none()).as_string();
    return Value(affix_match(sub, a[0], name == "startswith", name));
  }
  if (name == "upper") return bind({}, 0), Value(text::upper(s));
  if (name == "lower" || name == "casefold") return bind({}, 0), Value(text::lower(s));
  if (name == "title") return bind({}, 0), Value(text::title(s));
  if (name == "capitalize") return bind({}, 0), Value(text::capitalize(s));
  if (name == "swapcase") {
    bind({}, 0);
    auto u = text::decode(s);
    for (auto& c : u) c = text::is_upper(c) ? text::to_lower(c) : text::is_lower(c) ? text::to_upper(c) : c;
    return Value(text::encode(u));
  }
  if (name == "replace") {
    auto a = bind({"old", "new", "count"}, 2);
    std::string from = str_arg(a[0], name), to = str_arg(a[1], name);
    int64_t count = int_arg(a[2], name, -1);
    std::string out;
    if (from.empty()) {  // Python inserts `to` between characters and at both ends
      auto u = text::decode(s);
      int64_t done = 0;
      for (size_t i = 0; i <= u.size(); ++i) {
        if (count < 0 || done < count) out += to, ++done;
        if (i < u.size()) text::append_utf8(out, u[i]);
      }
      return Value(out);
    }
    size_t start = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
      size_t p = s.find(from, start);
      if (p == std::string::npos) break;
      out.append(s, start, p - start);
      out += to;
      start = p + from.size();
      ++done;
    }
    out.append(s, start, std::string::npos);
    return Value(out);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    auto a = bind({"sub", "start", "end"}, 1);
    std::string sub = str_arg(a[0], name);
    auto u = text::decode(s);
    auto n = static_cast<int64_t>(u.size());
    auto norm = [&](const Value& v, int64_t dflt) {
      int64_t x = int_arg(v, name, dflt);
      if (x < 0) x += n;
      return std::clamp<int64_t>(x, 0, n);
    };
    int64_t b = norm(a[1], 0), e = norm(a[2], n);
    auto sub_u = text::decode(sub);
    std::u32string_view hay(u);
    if (name == "count") {
      if (b > e) return Value(int64_t{0});
      auto window = hay.substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
      if (sub_u.empty()) return Value(static_cast<int64_t>(window.size()) + 1);
      int64_t c = 0;
      for (size_t p = window.find(sub_u); p != std::u32string_view::npos; p = window.find(sub_u, p + sub_u.size())) ++c;
      return Value(c);
    }
    int64_t found = -1;
    if (b <= e && static_cast<int64_t>(sub_u.size()) <= e - b) {
      auto window = hay.substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
      size_t p = name[0] == 'r' ? window.rfind(sub_u) : window.find(sub_u);
      if (p != std::u32string_view::npos) found = b + static_cast<int64_t>(p);
    }
    if (found < 0 && (name == "index" || name == "rindex")) raise("ValueError", "substring not found");
    return Value(found);
  }
  if (name == "join") {
    auto a = bind({"iterable"}, 1);
    auto items = iterate(a[0]);
    std::string out;
    for (size_t i = 0; i < items->size(); ++i) {
      const Value& item = (*items)[i];
      if (!item.is_string())
        raise("TypeError", "sequence item " + std::to_string(i) + ": expected str instance, " + item.type_name() + " found");
      if (i) out += s;
      out += item.as_string();
    }
    return Value(out);
  }
  if (name == "format") return Value(python_format(s, args));
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") return bind({}, 0), Value(all_chars(s, text::is_digit));
  if (name == "isalpha") return bind({}, 0), Value(all_chars(s, text::is_alpha));
  if (name == "isalnum") return bind({}, 0), Value(all_chars(s, text::is_alnum));
  if (name == "isspace") return bind({}, 0), Value(all_chars(s, text::is_space));
  if (name == "isupper" || name == "islower") {
    bind({}, 0);
    bool cased = false, ok = true;
    for (char32_t c : text::decode(s)) {
      if (text::is_upper(c) || text::is_lower(c)) cased = true;
      if (name == "isupper" ? text::is_lower(c) : text::is_upper(c)) ok = false;
    }
    return Value(cased && ok);
  }
  if (name == "zfill") {
    auto a = bind({"width"}, 1);
    int64_t width = int_arg(a[0], name, 0);
    auto n = static_cast<int64_t>(text::length(s));
    if (width <= n) return Value(s);
    std::string zeros(static_cast<size_t>(width - n), '0');
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return Value(s.substr(0, 1) + zeros + s.substr(1));
    return Value(zeros + s);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    auto a = bind({"width", "fillchar"}, 1);
    return Value(pad(s, int_arg(a[0], name, 0), fill_char(a[1], name), name == "center" ? 0 : name == "ljust" ? -1 : 1));
  }
  if (name == "partition" || name == "rpartition") {
    auto a = bind({"sep"}, 1);
    std::string sep = str_arg(a[0], name);
    if (sep.empty()) raise("ValueError", "empty separator");
    size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (p == std::string::npos)
      return name == "partition" ? Value::tuple({Value(s), Value(""), Value("")}) : Value::tuple({Value(""), Value(""), Value(s)});
    return Value::tuple({Value(s.substr(0, p)), Value(sep), Value(s.substr(p + sep.size()))});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    auto a = bind({"affix"}, 1);
    std::string affix = str_arg(a[0], name);
    if (name == "removeprefix") return Value(s.compare(0, affix.size(), affix) == 0 ? s.substr(affix.size()) : s);
    if (affix.size() <= s.size() && s.compare(s.size() - affix.size(), affix.size(), affix) == 0)
      return Value(s.substr(0, s.size() - affix.size()));
    return Value(s);
  }
  raise("AttributeError", "'str' object has no attribute '" + name + "'");
}

const std::vector<std::string>& string_method_names() {
  static const std::vector<std::string> names = {
      "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
      "casefold", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count", "join",
      "format", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "isupper", "islower", "zfill",
      "center", "ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix"};
  return names;
}

Value dict_method(const std::string& name, const Value& self, CallArgs& args) {
  const Dict& d = self.as_dict();
  auto bind = [&](std::vector<std::string> params, size_t required) {
    return bind_arguments("dict." + name, args, params, required);
  };
  if (name == "items") {
    bind({}, 0);
    List out;
    for (const auto& [k, v] : d.items) out.push_back(Value::tuple({k, v}));
    return Value::list(std::move(out), Value::ListStyle::DictItems);
  }
  if (name == "keys" || name == "values") {
    bind({}, 0);
    List out;
    for (const auto& [k, v] : d.items) out.push_back(name == "keys" ? k : v);
    return Value::list(std::move(out), name == "keys" ? Value::ListStyle::DictKeys : Value::ListStyle::DictValues);
  }
  if (name == "get") {
    auto a = bind({"key", "default"}, 1);
    if (const Value* v = d.find(a[0])) return *v;
    return a[1].is_undefined() ? Value::none() : a[1];
  }
  if (name == "copy") return bind({}, 0), Value::dict(self.dict_ptr());
  raise("AttributeError", "'dict' object has no attribute '" + name + "'");
}

Value list_method(const std::string& name, const Value& self, CallArgs& args) {
  const List& l = self.as_list();
  auto a = bind_arguments(self.type_name() + "." + name, args, name == "copy" ? std::vector<std::string>{} : std::vector<std::string>{"value"},
                          name == "copy" ? 0 : 1);
  if (name == "copy") return Value::list(l, self.list_style());
  if (name == "count") {
    int64_t c = 0;
    for (const auto& e : l) c += py_equal(e, a[0]);
    return Value(c);
  }
  for (size_t i = 0; i < l.size(); ++i)  // index
    if (py_equal(l[i], a[0])) return Value(static_cast<int64_t>(i));
  raise("ValueError", a[0].repr() + " is not in " + self.type_name());
}

}  // namespace

Value bound_method(const Value& obj, const std::string& name) {
  static const std::vector<std::string> dict_safe = {"items", "keys", "values", "get", "copy"};
  static const std::vector<std::string> dict_unsafe = {"pop", "popitem", "setdefault", "update", "clear"};
  static const std::vector<std::string> list_unsafe = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
  auto has = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), name) != v.end(); };
  auto unsafe = [&] {
    return Value::undefined("access to attribute '" + name + "' of '" + obj.type_name() + "' object is unsafe.", true);
  };
  if (obj.is_string() && has(string_method_names()))
    return Value::callable("str." + name, [obj, name](CallArgs& a) { return string_method(name, obj, a); });
  if (obj.is_dict()) {
    if (has(dict_safe)) return Value::callable("dict." + name, [obj, name](CallArgs& a) { return dict_method(name, obj, a); });
    if (has(dict_unsafe)) return unsafe();
  }
  if (obj.is_list() && (obj.list_style() == Value::ListStyle::List || obj.is_tuple())) {
    if (name == "index" || name == "count" || (name == "copy" && !obj.is_tuple()))
      return Value::callable(obj.type_name() + "." + name, [obj, name](CallArgs& a) { return list_method(name, obj, a); });
    if (!obj.is_tuple() && has(list_unsafe)) return unsafe();
  }
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + name + "'");
}

// str.format: {}, {0}, {name}, {name.attr}, {0[key]}, {{ }}, with !r / !s and simple format specs.
std::string python_format(const std::string& fmt, CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      raise("ValueError", "Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) raise("ValueError", "Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec, conversion;
    if (auto colon = field.find(':'); colon != std::string::npos) spec = field.substr(colon + 1), field.resize(colon);
    if (auto bang = field.find('!'); bang != std::string::npos) conversion = field.substr(bang + 1), field.resize(bang);
    size_t name_end = field.find_first_of(".[");
    std::string head = field.substr(0, name_end);
    Value v;
    if (head.empty()) {
      if (auto_index >= args.positional.size()) raise("IndexError", "Replacement index " + std::to_string(auto_index) + " out of range for positional args tuple");
      v = args.positional[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      size_t k = std::stoul(head);
      if (k >= args.positional.size()) raise("IndexError", "Replacement index " + head + " out of range for positional args tuple");
      v = args.positional[k];
    } else {
      bool found = false;
      for (const auto& [key, val] : args.keyword)
        if (key == head) v = val, found = true;
      if (!found) raise("KeyError", "'" + head + "'");
    }
    for (size_t p = name_end; p != std::string::npos && p < field.size();) {
      if (field[p] == '.') {
        size_t e = field.find_first_of(".[", p + 1);
        v = get_attribute(v, field.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1));
        p = e;
      } else {
        size_t e = field.find(']', p);
        if (e == std::string::npos) raise("ValueError", "Missing ']' in format string");
        std::string key = field.substr(p + 1, e - p - 1);
        bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        v = get_item(v, numeric ? Value(static_cast<int64_t>(std::stoll(key))) : Value(key));
        p = e + 1 < field.size() ? e + 1 : std::string::npos;
      }
    }
    if (v.is_undefined()) raise_undefined(v);
    std::string piece = conversion == "r" ? v.repr() : v.str();
    if (!spec.empty()) {
      // [[fill]align][width] for strings, [.precision]f for floats: the common cases.
      if (spec.back() == 'f' && v.is_number()) {
        size_t dot = spec.find('.');
        int prec = dot == std::string::npos ? 6 : std::atoi(spec.c_str() + dot + 1);
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", std::clamp(prec, 0, 100), v.to_double());
        piece = buf;
      } else if (spec.back() == 'd' && (v.is_int() || v.is_bool())) {
        piece = std::to_string(v.is_bool() ? int64_t{v.as_bool()} : v.as_int());
      }
      size_t k = 0;
      std::string fill = " ";
      char align = v.is_number() ? '>' : '<';
      if (spec.size() >= 2 && (spec[1] == '<' || spec[1] == '>' || spec[1] == '^')) fill = spec.substr(0, 1), align = spec[1], k = 2;
      else if (!spec.empty() && (spec[0] == '<' || spec[0] == '>' || spec[0] == '^')) align = spec[0], k = 1;
      int64_t width = 0;
      while (k < spec.size() && spec[k] >= '0' && spec[k] <= '9' && width < 100000) width = width * 10 + (spec[k++] - '0');
      piece = pad(piece, width, fill, align == '<' ? -1 : align == '^' ? 0 : 1);
    }
    out += piece;
  }
  return out;
}

// printf-style `"%s and %d" % (a, b)` (used by Jinja2's `format` filter).
std::string python_percent_format(const std::string& fmt, const Value& args) {
  List values;
  const Dict* mapping = nullptr;
  if (args.is_tuple()) values = args.as_list();
  else if (args.is_dict()) mapping = &args.as_dict();
  else values.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) raise("ValueError", "incomplete format");
    Value v;
    bool have = false;
    if (fmt[i] == '(') {
      size_t e = fmt.find(')', i);
      if (e == std::string::npos || !mapping) raise("TypeError", "format requires a mapping");
      const Value* found = mapping->find(fmt.substr(i + 1, e - i - 1));
      if (!found) raise("KeyError", "'" + fmt.substr(i + 1, e - i - 1) + "'");
      v = *found;
      have = true;
      i = e + 1;
    }
    std::string flags;
    while (i < fmt.size() && std::string("-+ #0").find(fmt[i]) != std::string::npos) flags.push_back(fmt[i++]);
    std::string width, precision;
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') width.push_back(fmt[i++]);
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') precision.push_back(fmt[i++]);
    }
    if (i >= fmt.size()) raise("ValueError", "incomplete format");
    char conv = fmt[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (!have) {
      if (mapping && values.empty()) v = args;
      else if (next >= values.size()) raise("TypeError", "not enough arguments for format string");
      else v = values[next++];
    }
    std::string piece;
    auto number_format = [&](char spec) {
      if (!v.is_number()) raise("TypeError", std::string("%") + spec + " format: a real number is required, not " + v.type_name());
      std::string f = "%" + flags + width.substr(0, 5) + (precision.empty() ? "" : "." + precision.substr(0, 2)) + spec;
      char buf[512];
      if (spec == 'd' || spec == 'i' || spec == 'x' || spec == 'X' || spec == 'o') {
        f.insert(f.size() - 1, "ll");
        long long n = v.is_float() ? static_cast<long long>(v.as_float()) : v.is_bool() ? v.as_bool() : v.as_int();
        std::snprintf(buf, sizeof buf, f.c_str(), n);
      } else {
        std::snprintf(buf, sizeof buf, f.c_str(), v.to_double());
      }
      return std::string(buf);
    };
    switch (conv) {
      case 's': piece = v.str(); break;
      case 'r': case 'a': piece = v.repr(); break;
      case 'd': case 'i': case 'x': case 'X': case 'o': case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        piece = number_format(conv);
        break;
      default: raise("ValueError", std::string("unsupported format character '") + conv + "'");
    }
    if (conv == 's' || conv == 'r' || conv == 'a') {
      int64_t w = width.empty() ? 0 : std::min<int64_t>(std::stoll(width.substr(0, 6)), 100000);
      if (!precision.empty()) piece = text::encode(text::decode(piece).substr(0, static_cast<size_t>(std::stoll(precision.substr(0, 6)))));
      piece = pad(piece, w, " ", flags.find('-') != std::string::npos ? -1 : 1);
    }
    out += piece;
  }
  if (!mapping && next < values.size()) raise("TypeError", "not all arguments converted during string formatting");
  return out;
}

}  // namespace automodel::jinja
