// Jinja2's built-in filters, tests and globals as transformers configures them (tojson with
// ensure_ascii=False, raise_exception, strftime_now), with the sandbox's range limit.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include "interpreter.h"
#include "python_format.h"
#include "text.h"

namespace automodel::jinja {
namespace {

using Filter = Value (*)(Context&, const Value&, CallArgs&);
using Test = bool (*)(Context&, const Value&, CallArgs&);

std::vector<Value> bind(const char* fn, CallArgs& args, std::vector<std::string> params, size_t required = 0) {
  return bind_arguments(fn, args, params, required);
}
bool given(const Value& v) { return !v.is_undefined(); }

// Jinja2's make_attrgetter: "a.b.0" walks attributes/items; case-insensitive keys lower strings.
Value attr_path(const Value& item, const Value& attribute) {
  if (!attribute.is_string()) return get_item(item, attribute);
  Value v = item;
  const std::string& path = attribute.as_string();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    v = get_item(v, numeric ? Value(static_cast<int64_t>(std::stoll(part.substr(0, 18)))) : Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return v;
}

Value ignore_case(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value(text::lower(v.as_string())) : v;
}

std::string soft_str(const Value& v) {
  return v.str();
}

Value to_list(const Value& v) { return Value::list(*iterate(v)); }

// ---- filters ----

Value f_abs(Context&, const Value& v, CallArgs& a) {
  bind("abs", a, {});
  if (v.is_int() || v.is_bool()) {
    int64_t x = v.is_bool() ? v.as_bool() : v.as_int();
    if (x == INT64_MIN) raise("OverflowError", "integer result does not fit in 64 bits");
    return Value(x < 0 ? -x : x);
  }
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_undefined()) raise_undefined(v);
  raise("TypeError", "bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_attr(Context&, const Value& v, CallArgs& a) {
  auto p = bind("attr", a, {"name"}, 1);
  std::string name = soft_str(p[0]);
  // getattr only: a dict's keys are items, not attributes.
  if (v.is_dict()) return bound_method(v, name);
  return get_attribute(v, name);
}

Value f_batch(Context&, const Value& v, CallArgs& a) {
  auto p = bind("batch", a, {"linecount", "fill_with"}, 1);
  if (!p[0].is_int() || p[0].as_int() <= 0) raise("ValueError", "batch size must be a positive integer");
  auto n = static_cast<size_t>(p[0].as_int());
  List out, cur;
  auto items_1 = iterate(v);  // keep the list alive for the loop
  for (const auto& item : *items_1) {
    if (cur.size() == n) out.push_back(Value::list(std::move(cur))), cur.clear();
    cur.push_back(item);
  }
  if (!cur.empty()) {
    if (given(p[1]) && !p[1].is_none())
      while (cur.size() < n) cur.push_back(p[1]);
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::list(std::move(out));
}

Value f_capitalize(Context&, const Value& v, CallArgs& a) {
  bind("capitalize", a, {});
  return Value(text::capitalize(soft_str(v)));
}

Value f_center(Context&, const Value& v, CallArgs& a) {
  auto p = bind("center", a, {"width"});
  CallArgs inner;
  inner.positional.push_back(given(p[0]) ? p[0] : Value(int64_t{80}));
  return call_value_free(Value(soft_str(v)), "center", inner);
}

Value f_default(Context&, const Value& v, CallArgs& a) {
  auto p = bind("default", a, {"default_value", "boolean"});
  Value dflt = given(p[0]) ? p[0] : Value("");
  if (v.is_undefined() || (p[1].truthy() && !v.truthy())) return dflt;
  return v;
}

Value f_dictsort(Context&, const Value& v, CallArgs& a) {
  auto p = bind("dictsort", a, {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) raise("TypeError", "dictsort filter needs a dict, got " + v.type_name());
  bool cs = p[0].truthy();
  std::string by = given(p[1]) ? soft_str(p[1]) : "key";
  if (by != "key" && by != "value") raise("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
  size_t pos = by == "key" ? 0 : 1;
  List items;
  for (const auto& [k, val] : v.as_dict().items) items.push_back(Value::tuple({k, val}));
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    return py_less(ignore_case(x.as_list()[pos], cs), ignore_case(y.as_list()[pos], cs));
  });
  if (p[2].truthy()) std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_escape(Context&, const Value& v, CallArgs& a) {
  bind("escape", a, {});
  std::string out;
  for (char c : soft_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return Value(out);
}

Value f_first(Context&, const Value& v, CallArgs& a) {
  bind("first", a, {});
  auto items = iterate(v);
  if (items->empty()) return Value::undefined("No first item, sequence was empty.");
  return items->front();
}

Value f_last(Context&, const Value& v, CallArgs& a) {
  bind("last", a, {});
  auto items = iterate(v);
  if (items->empty()) return Value::undefined("No last item, sequence was empty.");
  return items->back();
}

std::optional<double> parse_float(const std::string& s) {
  std::string t = text::strip(s, nullptr, true, true);
  std::string clean;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_' && i > 0 && i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(t[i + 1])))
      continue;
    clean.push_back(t[i]);
  }
  if (clean.empty()) return std::nullopt;
  std::string lower = text::lower(clean);
  std::string body = lower[0] == '+' || lower[0] == '-' ? lower.substr(1) : lower;
  if (body == "inf" || body == "infinity" || body == "nan") {
    double x = body == "nan" ? NAN : INFINITY;
    return lower[0] == '-' ? -x : x;
  }
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return d;
}

Value f_float(Context&, const Value& v, CallArgs& a) {
  auto p = bind("float", a, {"default"});
  Value dflt = given(p[0]) ? p[0] : Value(0.0);
  if (v.is_number()) return Value(v.to_double());
  if (v.is_string()) {
    auto d = parse_float(v.as_string());
    return d ? Value(*d) : dflt;
  }
  return dflt;
}

Value f_int(Context&, const Value& v, CallArgs& a) {
  auto p = bind("int", a, {"default", "base"});
  Value dflt = given(p[0]) ? p[0] : Value(int64_t{0});
  int base = given(p[1]) && p[1].is_int() ? static_cast<int>(p[1].as_int()) : 10;
  if (v.is_int()) return v;
  if (v.is_bool()) return Value(int64_t{v.as_bool()});
  if (v.is_float()) {
    double d = v.as_float();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    std::string s = text::strip(v.as_string(), nullptr, true, true);
    std::string clean;
    for (char c : s)
      if (c != '_') clean.push_back(c);
    if (!clean.empty() && base >= 2 && base <= 36) {
      errno = 0;
      char* end = nullptr;
      long long n = std::strtoll(clean.c_str(), &end, base);
      if (errno == 0 && end == clean.c_str() + clean.size()) return Value(static_cast<int64_t>(n));
    }
    // Jinja2 falls back to int(float(value)).
    if (auto d = parse_float(v.as_string()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) return Value(static_cast<int64_t>(*d));
  }
  return dflt;
}

Value f_format(Context&, const Value& v, CallArgs& a) {
  if (!a.positional.empty() && !a.keyword.empty())
    raise("FilterArgumentError", "can't handle positional and keyword arguments at the same time");
  if (!a.keyword.empty()) {
    Dict d;
    for (auto& [k, val] : a.keyword) d.set(Value(k), val);
    return Value(python_percent_format(soft_str(v), Value::dict(std::move(d))));
  }
  return Value(python_percent_format(soft_str(v), Value::tuple(a.positional)));
}

Value f_groupby(Context&, const Value& v, CallArgs& a) {
  auto p = bind("groupby", a, {"attribute", "default", "case_sensitive"}, 1);
  bool cs = p[2].truthy();
  auto key_of = [&](const Value& item) {
    Value k = attr_path(item, p[0]);
    if (k.is_undefined() && given(p[1])) k = p[1];
    return ignore_case(k, cs);
  };
  List items = *iterate(v);
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) { return py_less(key_of(x), key_of(y)); });
  List groups;
  for (size_t i = 0; i < items.size();) {
    Value k = key_of(items[i]);
    List members;
    size_t j = i;
    while (j < items.size() && py_equal(key_of(items[j]), k)) members.push_back(items[j++]);
    Value shown = cs ? k : attr_path(items[i], p[0]);
    if (shown.is_undefined() && given(p[1])) shown = p[1];
    groups.push_back(Value::tuple({shown, Value::list(std::move(members))}));
    i = j;
  }
  return Value::list(std::move(groups));
}

Value f_indent(Context&, const Value& v, CallArgs& a) {
  auto p = bind("indent", a, {"width", "first", "blank"});
  std::string prefix;
  if (!given(p[0])) prefix = "    ";
  else if (p[0].is_string()) prefix = p[0].as_string();
  else {
    int64_t w = p[0].is_int() ? p[0].as_int() : 4;
    prefix.assign(static_cast<size_t>(std::clamp<int64_t>(w, 0, 10000)), ' ');
  }
  std::string s = soft_str(v) + "\n";  // Jinja2 appends a newline and strips it again at the end
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n') lines.push_back(s.substr(start, i - start)), start = i + 1;
  std::string out;
  bool blank = p[2].truthy();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    bool indent_line = i == 0 ? p[1].truthy() : (blank || !lines[i].empty());
    if (i == 0 && p[1].truthy() && !blank && lines[i].empty()) indent_line = false;
    if (indent_line) out += prefix;
    out += lines[i];
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return Value(out);
}

Value f_items(Context&, const Value& v, CallArgs& a) {
  bind("items", a, {});
  if (v.is_undefined()) return Value::list({});
  if (!v.is_dict()) raise("TypeError", "Can only get item pairs from a mapping.");
  List out;
  for (const auto& [k, val] : v.as_dict().items) out.push_back(Value::tuple({k, val}));
  return Value::list(std::move(out));
}

Value f_join(Context&, const Value& v, CallArgs& a) {
  auto p = bind("join", a, {"d", "attribute"});
  std::string sep = given(p[0]) ? soft_str(p[0]) : "";
  std::string out;
  bool first = true;
  auto items_2 = iterate(v);  // keep the list alive for the loop
  for (const auto& item : *items_2) {
    if (!first) out += sep;
    first = false;
    out += soft_str(given(p[1]) ? attr_path(item, p[1]) : item);
  }
  return Value(out);
}

Value f_length(Context&, const Value& v, CallArgs& a) {
  bind("length", a, {});
  return Value(static_cast<int64_t>(py_len(v)));
}

Value f_list(Context&, const Value& v, CallArgs& a) {
  bind("list", a, {});
  return to_list(v);
}

Value f_lower(Context&, const Value& v, CallArgs& a) {
  bind("lower", a, {});
  return Value(text::lower(soft_str(v)));
}

Value f_upper(Context&, const Value& v, CallArgs& a) {
  bind("upper", a, {});
  return Value(text::upper(soft_str(v)));
}

Value f_map(Context& ctx, const Value& v, CallArgs& a) {
  List out;
  auto items = iterate(v);
  if (a.positional.empty()) {  // map(attribute='x', default=...)
    Value attribute, dflt;
    for (auto& [k, val] : a.keyword) {
      if (k == "attribute") attribute = val;
      else if (k == "default") dflt = val;
      else raise("FilterArgumentError", "Unexpected keyword argument '" + k + "'");
    }
    if (!given(attribute)) raise("FilterArgumentError", "map requires a filter argument");
    for (const auto& item : *items) {
      Value x = attr_path(item, attribute);
      out.push_back(x.is_undefined() && given(dflt) ? dflt : x);
    }
    return Value::list(std::move(out));
  }
  std::string name = soft_str(a.positional[0]);
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const auto& item : *items) {
    CallArgs copy = rest;
    out.push_back(apply_filter(ctx, name, item, copy));
  }
  return Value::list(std::move(out));
}

Value min_max(const Value& v, CallArgs& a, bool want_max, const char* fn) {
  auto p = bind(fn, a, {"case_sensitive", "attribute"});
  bool cs = p[0].truthy();
  auto items = iterate(v);
  if (items->empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
  auto key = [&](const Value& x) { return ignore_case(given(p[1]) ? attr_path(x, p[1]) : x, cs); };
  const Value* best = &(*items)[0];
  for (const auto& x : *items) {
    bool better = want_max ? py_less(key(*best), key(x)) : py_less(key(x), key(*best));
    if (better) best = &x;
  }
  return *best;
}
Value f_max(Context&, const Value& v, CallArgs& a) { return min_max(v, a, true, "max"); }
Value f_min(Context&, const Value& v, CallArgs& a) { return min_max(v, a, false, "min"); }

Value f_pprint(Context&, const Value& v, CallArgs& a) {
  bind("pprint", a, {});
  return Value(v.repr());
}

Value select_impl(Context& ctx, const Value& v, CallArgs& a, bool by_attribute, bool keep_matching) {
  size_t skip = by_attribute ? 2 : 1;
  Value attribute;
  if (by_attribute) {
    if (a.positional.empty()) raise("TypeError", "selectattr/rejectattr need an attribute name");
    attribute = a.positional[0];
  }
  bool has_test = a.positional.size() >= skip;
  std::string test_name = has_test ? soft_str(a.positional[skip - 1]) : "";
  CallArgs test_args;
  if (has_test) test_args.positional.assign(a.positional.begin() + static_cast<long>(skip), a.positional.end());
  test_args.keyword = a.keyword;
  List out;
  auto items_3 = iterate(v);  // keep the list alive for the loop
  for (const auto& item : *items_3) {
    Value subject = by_attribute ? attr_path(item, attribute) : item;
    bool ok;
    if (has_test) {
      CallArgs copy = test_args;
      ok = apply_test(ctx, test_name, subject, copy);
    } else {
      ok = subject.truthy();
    }
    if (ok == keep_matching) out.push_back(item);
  }
  return Value::list(std::move(out));
}
Value f_select(Context& c, const Value& v, CallArgs& a) { return select_impl(c, v, a, false, true); }
Value f_reject(Context& c, const Value& v, CallArgs& a) { return select_impl(c, v, a, false, false); }
Value f_selectattr(Context& c, const Value& v, CallArgs& a) { return select_impl(c, v, a, true, true); }
Value f_rejectattr(Context& c, const Value& v, CallArgs& a) { return select_impl(c, v, a, true, false); }

Value f_replace(Context&, const Value& v, CallArgs& a) {
  auto p = bind("replace", a, {"old", "new", "count"}, 2);
  CallArgs inner;
  inner.positional = {Value(soft_str(p[0])), Value(soft_str(p[1]))};
  if (given(p[2]) && !p[2].is_none()) inner.positional.push_back(p[2]);
  return call_value_free(Value(soft_str(v)), "replace", inner);
}

Value f_reverse(Context&, const Value& v, CallArgs& a) {
  bind("reverse", a, {});
  if (v.is_string()) {
    auto u = text::decode(v.as_string());
    std::reverse(u.begin(), u.end());
    return Value(text::encode(u));
  }
  List items = *iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_round(Context&, const Value& v, CallArgs& a) {
  auto p = bind("round", a, {"precision", "method"});
  int64_t precision = given(p[0]) && p[0].is_int() ? p[0].as_int() : 0;
  std::string method = given(p[1]) ? soft_str(p[1]) : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    raise("FilterArgumentError", "method must be common, ceil or floor");
  if (!v.is_number()) {
    if (v.is_undefined()) raise_undefined(v);
    raise("TypeError", "type " + v.type_name() + " doesn't define __round__ method");
  }
  if (method == "common" && (v.is_int() || v.is_bool())) {
    int64_t x = v.is_bool() ? int64_t{v.as_bool()} : v.as_int();
    if (precision >= 0) return Value(x);
    if (precision < -18) return Value(int64_t{0});
    int64_t unit = 1;
    for (int64_t i = 0; i < -precision; ++i) unit *= 10;
    // round(int, -n): nearest multiple of 10^n, ties to even (Python)
    int64_t q = x / unit, r = x % unit;
    if (r < 0) r += unit, --q;
    if (2 * r > unit || (2 * r == unit && (q % 2 != 0))) ++q;
    int64_t out;
    if (__builtin_mul_overflow(q, unit, &out)) raise("OverflowError", "integer result does not fit in 64 bits");
    return Value(out);
  }
  double x = v.to_double();
  double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -308, 308)));
  double r;
  if (method == "ceil") r = std::ceil(x * scale) / scale;
  else if (method == "floor") r = std::floor(x * scale) / scale;
  else {
    // Python's round(): correctly rounded, ties to even. Use the shortest repr digits to decide.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::clamp<int64_t>(precision, 0, 30)), x);
    r = precision >= 0 ? std::strtod(buf, nullptr) : std::nearbyint(x * scale) / scale;
  }
  return Value(r);
}

Value f_safe(Context&, const Value& v, CallArgs& a) {
  bind("safe", a, {});
  return Value(soft_str(v));
}

Value f_slice(Context&, const Value& v, CallArgs& a) {
  auto p = bind("slice", a, {"slices", "fill_with"}, 1);
  if (!p[0].is_int() || p[0].as_int() <= 0) raise("ValueError", "slices must be a positive integer");
  List seq = *iterate(v);
  auto slices = static_cast<size_t>(std::min<int64_t>(p[0].as_int(), 1'000'000));
  size_t per = seq.size() / slices, extra = seq.size() % slices, offset = 0;
  List out;
  for (size_t i = 0; i < slices; ++i) {
    size_t start = offset + i * per;
    if (i < extra) ++offset;
    size_t end = offset + (i + 1) * per;
    List part(seq.begin() + static_cast<long>(start), seq.begin() + static_cast<long>(end));
    if (given(p[1]) && i >= extra && extra > 0) part.push_back(p[1]);
    out.push_back(Value::list(std::move(part)));
  }
  return Value::list(std::move(out));
}

Value f_sort(Context&, const Value& v, CallArgs& a) {
  auto p = bind("sort", a, {"reverse", "case_sensitive", "attribute"});
  bool cs = p[1].truthy();
  List items = *iterate(v);
  auto key = [&](const Value& x) { return ignore_case(given(p[2]) ? attr_path(x, p[2]) : x, cs); };
  bool rev = p[0].truthy();
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    return rev ? py_less(key(y), key(x)) : py_less(key(x), key(y));
  });
  return Value::list(std::move(items));
}

Value f_string(Context&, const Value& v, CallArgs& a) {
  bind("string", a, {});
  return Value(soft_str(v));
}

Value f_striptags(Context&, const Value& v, CallArgs& a) {
  bind("striptags", a, {});
  std::string s = soft_str(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      size_t e = s.find('>', i);
      if (e != std::string::npos) {
        i = e;
        out.push_back(' ');
        continue;
      }
    }
    out.push_back(s[i]);
  }
  // Markup.striptags unescapes entities, then collapses whitespace like " ".join(s.split())
  static const std::pair<const char*, const char*> entities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#34;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", "\u00a0"}};
  for (auto [from, to] : entities) {
    std::string f = from, t = to;
    for (size_t p = out.find(f); p != std::string::npos; p = out.find(f, p + t.size())) out.replace(p, f.size(), t);
  }
  std::string collapsed;
  bool space = false;
  for (char32_t c : text::decode(out)) {
    if (text::is_space(c)) {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) collapsed.push_back(' ');
    space = false;
    text::append_utf8(collapsed, c);
  }
  return Value(collapsed);
}

Value f_sum(Context& ctx, const Value& v, CallArgs& a) {
  auto p = bind("sum", a, {"attribute", "start"});
  Value total = given(p[1]) ? p[1] : Value(int64_t{0});
  auto items_4 = iterate(v);  // keep the list alive for the loop
  for (const auto& item : *items_4) total = binary_op("+", total, given(p[0]) ? attr_path(item, p[0]) : item, ctx.st.limits);
  return total;
}

Value f_title(Context&, const Value& v, CallArgs& a) {
  bind("title", a, {});
  // Jinja2 capitalises after runs of whitespace, '-', '(', '{', '[' and '<'.
  auto u = text::decode(soft_str(v));
  bool word_start = true;
  for (auto& c : u) {
    bool sep = text::is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (sep) {
      word_start = true;
      continue;
    }
    c = word_start ? text::to_upper(c) : text::to_lower(c);
    word_start = false;
  }
  return Value(text::encode(u));
}

Value f_tojson(Context&, const Value& v, CallArgs& a) {
  auto p = bind("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = given(p[0]) && p[0].truthy();
  if (given(p[1]) && !p[1].is_none()) {
    if (p[1].is_string()) o.indent = p[1].as_string();
    else if (p[1].is_int() || p[1].is_bool()) o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(p[1].is_bool() ? p[1].as_bool() : p[1].as_int(), 0, 1000)), ' ');
    else raise("TypeError", "indent must be an int or a str");
    o.item_separator = ",";
  }
  if (given(p[2]) && !p[2].is_none()) {
    auto seps = iterate(p[2]);
    if (seps->size() != 2 || !(*seps)[0].is_string() || !(*seps)[1].is_string())
      raise("ValueError", "separators must be an (item_separator, key_separator) pair of strings");
    o.item_separator = (*seps)[0].as_string();
    o.key_separator = (*seps)[1].as_string();
  }
  o.sort_keys = given(p[3]) && p[3].truthy();
  return Value(python_json_dumps(v, o));
}

Value f_trim(Context&, const Value& v, CallArgs& a) {
  auto p = bind("trim", a, {"chars"});
  std::string chars;
  bool has_chars = given(p[0]) && !p[0].is_none();
  if (has_chars) chars = soft_str(p[0]);
  return Value(text::strip(soft_str(v), has_chars ? &chars : nullptr, true, true));
}

Value f_truncate(Context&, const Value& v, CallArgs& a) {
  auto p = bind("truncate", a, {"length", "killwords", "end", "leeway"});
  int64_t length = given(p[0]) && p[0].is_int() ? p[0].as_int() : 255;
  bool killwords = p[1].truthy();
  std::string end = given(p[2]) ? soft_str(p[2]) : "...";
  int64_t leeway = given(p[3]) && p[3].is_int() ? p[3].as_int() : 5;
  auto u = text::decode(soft_str(v));
  auto end_len = static_cast<int64_t>(text::length(end));
  if (length < end_len) raise("AssertionError", "expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) raise("AssertionError", "expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<int64_t>(u.size()) <= length + leeway) return Value(text::encode(u));
  auto cut = u.substr(0, static_cast<size_t>(length - end_len));
  if (killwords) return Value(text::encode(cut) + end);
  size_t sp = cut.rfind(U' ');
  if (sp != std::u32string::npos) cut = cut.substr(0, sp);
  return Value(text::encode(cut) + end);
}

Value f_unique(Context&, const Value& v, CallArgs& a) {
  auto p = bind("unique", a, {"case_sensitive", "attribute"});
  bool cs = p[0].truthy();
  List out, seen;
  auto items_5 = iterate(v);  // keep the list alive for the loop
  for (const auto& item : *items_5) {
    Value key = ignore_case(given(p[1]) ? attr_path(item, p[1]) : item, cs);
    bool dup = false;
    for (const auto& s : seen)
      if (py_equal(s, key)) dup = true;
    if (dup) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value f_wordcount(Context&, const Value& v, CallArgs& a) {
  bind("wordcount", a, {});
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : text::decode(soft_str(v))) {
    bool w = text::is_alnum(c) || c == '_';
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize}, {"center", f_center},
      {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort}, {"e", f_escape},
      {"escape", f_escape}, {"forceescape", f_escape}, {"first", f_first}, {"float", f_float}, {"format", f_format},
      {"groupby", f_groupby}, {"indent", f_indent}, {"int", f_int}, {"items", f_items}, {"join", f_join},
      {"last", f_last}, {"length", f_length}, {"list", f_list}, {"lower", f_lower}, {"map", f_map}, {"max", f_max},
      {"min", f_min}, {"pprint", f_pprint}, {"reject", f_reject}, {"rejectattr", f_rejectattr},
      {"replace", f_replace}, {"reverse", f_reverse}, {"round", f_round}, {"safe", f_safe}, {"select", f_select},
      {"selectattr", f_selectattr}, {"slice", f_slice}, {"sort", f_sort}, {"string", f_string},
      {"striptags", f_striptags}, {"sum", f_sum}, {"title", f_title}, {"tojson", f_tojson}, {"trim", f_trim},
      {"truncate", f_truncate}, {"unique", f_unique}, {"upper", f_upper}, {"wordcount", f_wordcount}};
  return table;
}

// ---- tests ----

bool t_defined(Context&, const Value& v, CallArgs& a) { return bind("defined", a, {}), !v.is_undefined(); }
bool t_undefined(Context&, const Value& v, CallArgs& a) { return bind("undefined", a, {}), v.is_undefined(); }
bool t_none(Context&, const Value& v, CallArgs& a) { return bind("none", a, {}), v.is_none(); }
bool t_boolean(Context&, const Value& v, CallArgs& a) { return bind("boolean", a, {}), v.is_bool(); }
bool t_false(Context&, const Value& v, CallArgs& a) { return bind("false", a, {}), v.is_bool() && !v.as_bool(); }
bool t_true(Context&, const Value& v, CallArgs& a) { return bind("true", a, {}), v.is_bool() && v.as_bool(); }
bool t_integer(Context&, const Value& v, CallArgs& a) { return bind("integer", a, {}), v.is_int(); }
bool t_float(Context&, const Value& v, CallArgs& a) { return bind("float", a, {}), v.is_float(); }
bool t_number(Context&, const Value& v, CallArgs& a) { return bind("number", a, {}), v.is_number(); }
bool t_string(Context&, const Value& v, CallArgs& a) { return bind("string", a, {}), v.is_string(); }
bool t_mapping(Context&, const Value& v, CallArgs& a) { return bind("mapping", a, {}), v.is_dict(); }
bool t_callable(Context&, const Value& v, CallArgs& a) { return bind("callable", a, {}), v.is_callable(); }
bool t_escaped(Context&, const Value&, CallArgs& a) { return bind("escaped", a, {}), false; }
bool t_iterable(Context&, const Value& v, CallArgs& a) {
  bind("iterable", a, {});
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
}
bool t_sequence(Context&, const Value& v, CallArgs& a) {
  bind("sequence", a, {});
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
}
bool t_lower(Context&, const Value& v, CallArgs& a) {
  bind("lower", a, {});
  std::string s = soft_str(v);
  return text::lower(s) == s && text::upper(s) != s;
}
bool t_upper(Context&, const Value& v, CallArgs& a) {
  bind("upper", a, {});
  std::string s = soft_str(v);
  return text::upper(s) == s && text::lower(s) != s;
}
int64_t int_operand(const Value& v, const char* test) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  if (v.is_undefined()) raise_undefined(v);
  raise("TypeError", std::string("test '") + test + "' needs an integer, got " + v.type_name());
}
bool t_odd(Context&, const Value& v, CallArgs& a) {
  bind("odd", a, {});
  if (v.is_float()) return std::fmod(v.as_float(), 2.0) != 0;
  return int_operand(v, "odd") % 2 != 0;
}
bool t_even(Context&, const Value& v, CallArgs& a) {
  bind("even", a, {});
  if (v.is_float()) return std::fmod(v.as_float(), 2.0) == 0;
  return int_operand(v, "even") % 2 == 0;
}
bool t_divisibleby(Context& ctx, const Value& v, CallArgs& a) {
  auto p = bind("divisibleby", a, {"num"}, 1);
  return py_equal(binary_op("%", v, p[0], ctx.st.limits), Value(int64_t{0}));
}
bool t_eq(Context&, const Value& v, CallArgs& a) { return py_equal(v, bind("eq", a, {"other"}, 1)[0]); }
bool t_ne(Context&, const Value& v, CallArgs& a) { return !py_equal(v, bind("ne", a, {"other"}, 1)[0]); }
bool t_lt(Context&, const Value& v, CallArgs& a) { return compare_op("lt", v, bind("lt", a, {"other"}, 1)[0]); }
bool t_le(Context&, const Value& v, CallArgs& a) { return compare_op("lteq", v, bind("le", a, {"other"}, 1)[0]); }
bool t_gt(Context&, const Value& v, CallArgs& a) { return compare_op("gt", v, bind("gt", a, {"other"}, 1)[0]); }
bool t_ge(Context&, const Value& v, CallArgs& a) { return compare_op("gteq", v, bind("ge", a, {"other"}, 1)[0]); }
bool t_in(Context&, const Value& v, CallArgs& a) { return contains(bind("in", a, {"seq"}, 1)[0], v); }
bool t_sameas(Context&, const Value& v, CallArgs& a) { return v.same_object(bind("sameas", a, {"other"}, 1)[0]); }
bool t_filter(Context&, const Value& v, CallArgs& a) { return bind("filter", a, {}), v.is_string() && filters().count(v.as_string()) > 0; }
bool t_test(Context&, const Value& v, CallArgs& a) { return bind("test", a, {}), v.is_string() && has_test(v.as_string()); }

const std::map<std::string, Test>& tests() {
  static const std::map<std::string, Test> table = {
      {"defined", t_defined}, {"undefined", t_undefined}, {"none", t_none}, {"boolean", t_boolean},
      {"false", t_false}, {"true", t_true}, {"integer", t_integer}, {"float", t_float}, {"number", t_number},
      {"string", t_string}, {"mapping", t_mapping}, {"callable", t_callable}, {"escaped", t_escaped},
      {"iterable", t_iterable}, {"sequence", t_sequence}, {"lower", t_lower}, {"upper", t_upper}, {"odd", t_odd},
      {"even", t_even}, {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq}, {"==", t_eq},
      {"ne", t_ne}, {"!=", t_ne}, {"lt", t_lt}, {"lessthan", t_lt}, {"<", t_lt}, {"le", t_le}, {"<=", t_le},
      {"gt", t_gt}, {"greaterthan", t_gt}, {">", t_gt}, {"ge", t_ge}, {">=", t_ge}, {"in", t_in},
      {"sameas", t_sameas}, {"filter", t_filter}, {"test", t_test}};
  return table;
}

}  // namespace

Value call_value_free(const Value& self, const std::string& method, CallArgs& args) {
  Value m = bound_method(self, method);
  if (m.is_undefined()) raise_undefined(m);
  return m.as_callable().fn(args);
}

Value apply_filter(Context& ctx, const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) raise("TemplateRuntimeError", "No filter named '" + name + "'.");
  return it->second(ctx, input, args);
}

bool apply_test(Context& ctx, const std::string& name, const Value& input, CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) raise("TemplateRuntimeError", "No test named '" + name + "'.");
  return it->second(ctx, input, args);
}

bool has_test(const std::string& name) { return tests().count(name) > 0; }
bool has_filter(const std::string& name) { return filters().count(name) > 0; }

void install_globals(Frame& globals, RenderState& st) {
  RenderState* state = &st;
  globals.vars["range"] = Value::callable("range", [](CallArgs& a) -> Value {
    if (!a.keyword.empty()) raise("TypeError", "range() takes no keyword arguments");
    if (a.positional.empty() || a.positional.size() > 3)
      raise("TypeError", "range expected at most 3 arguments, got " + std::to_string(a.positional.size()));
    std::vector<int64_t> n;
    for (const auto& v : a.positional) {
      if (v.is_int()) n.push_back(v.as_int());
      else if (v.is_bool()) n.push_back(v.as_bool());
      else if (v.is_undefined()) raise_undefined(v);
      else raise("TypeError", "'" + v.type_name() + "' object cannot be interpreted as an integer");
    }
    int64_t start = n.size() == 1 ? 0 : n[0], stop = n.size() == 1 ? n[0] : n[1], step = n.size() == 3 ? n[2] : 1;
    if (step == 0) raise("ValueError", "range() arg 3 must not be zero");
    // Sandbox: at most MAX_RANGE (100000) items.
    long double count = step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                                  : (static_cast<long double>(start) - stop - step - 1) / -step;
    if (count > 100000)
      raise("OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(Value(i));
    return Value::list(std::move(out));
  });
  globals.vars["dict"] = Value::callable("dict", [](CallArgs& a) -> Value {
    Dict d;
    for (const auto& p : a.positional) {
      if (p.is_dict()) {
        for (const auto& [k, v] : p.as_dict().items) d.set(k, v);
      } else {
        auto items_6 = iterate(p);  // keep the list alive for the loop
        for (const auto& pair : *items_6) {
          auto kv = iterate(pair);
          if (kv->size() != 2) raise("ValueError", "dictionary update sequence element has wrong length");
          d.set((*kv)[0], (*kv)[1]);
        }
      }
    }
    for (auto& [k, v] : a.keyword) d.set(Value(k), v);
    return Value::dict(std::move(d));
  });
  globals.vars["namespace"] = Value::callable("namespace", [state](CallArgs& a) -> Value {
    auto ns = std::make_shared<Namespace>();
    for (const auto& p : a.positional) {
      if (!p.is_dict()) raise("TypeError", "namespace() positional argument must be a mapping");
      for (const auto& [k, v] : p.as_dict().items) ns->attributes.set(k, v);
    }
    for (auto& [k, v] : a.keyword) ns->attributes.set(Value(k), v);
    state->namespaces.push_back(ns);
    Value result = Value::make_namespace(ns);
    result.nesting();
    return result;
  });
  globals.vars["joiner"] = Value::callable("joiner", [](CallArgs& a) -> Value {
    auto p = bind_arguments("joiner", a, {"sep"}, 0);
    std::string sep = p[0].is_undefined() ? ", " : soft_str(p[0]);
    auto used = std::make_shared<bool>(false);
    return Value::callable("joiner", [sep, used](CallArgs&) -> Value {
      if (!*used) {
        *used = true;
        return Value("");
      }
      return Value(sep);
    });
  });
  globals.vars["cycler"] = Value::callable("cycler", [state](CallArgs& a) -> Value {
    if (a.positional.empty()) raise("RuntimeError", "at least one item has to be provided");
    auto ns = std::make_shared<Namespace>();
    auto items = std::make_shared<List>(a.positional);
    auto pos = std::make_shared<size_t>(0);
    std::weak_ptr<Namespace> weak = ns;
    auto refresh = [weak, items, pos] {
      if (auto n = weak.lock()) n->attributes.set(Value("current"), (*items)[*pos]);
    };
    ns->attributes.set(Value("items"), Value::list(*items));
    refresh();
    ns->attributes.set(Value("next"), Value::callable("next", [items, pos, refresh](CallArgs&) -> Value {
      Value v = (*items)[*pos];
      *pos = (*pos + 1) % items->size();
      refresh();
      return v;
    }));
    ns->attributes.set(Value("reset"), Value::callable("reset", [pos, refresh](CallArgs&) -> Value {
      *pos = 0;
      refresh();
      return Value::none();
    }));
    state->namespaces.push_back(ns);
    return Value::make_namespace(ns);
  });
  globals.vars["raise_exception"] = Value::callable("raise_exception", [](CallArgs& a) -> Value {
    auto p = bind_arguments("raise_exception", a, {"message"}, 1);
    throw TemplateError("TemplateError", soft_str(p[0]));
  });
  globals.vars["strftime_now"] = Value::callable("strftime_now", [](CallArgs& a) -> Value {
    auto p = bind_arguments("strftime_now", a, {"format"}, 1);
    std::string fmt = soft_str(p[0]);
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    if (fmt.empty()) return Value("");
    std::vector<char> buf(256 + fmt.size() * 16);
    size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &local);
    return Value(std::string(buf.data(), n));
  });
}

}  // namespace automodel::jinja
