// Render-time machinery shared by the node evaluators (interpreter.cpp) and the built-in
// filters, tests, globals and methods (builtins.cpp, methods.cpp): scopes, the render context,
// Python operator semantics, Jinja2's sandboxed attribute/item lookup and call dispatch.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "ast.h"
#include "automodel/jinja/template.h"
#include "automodel/jinja/value.h"

namespace automodel::jinja {

struct TemplateNode;

// One variable scope. Loop iterations, macros, with-blocks get their own; lookups walk up.
struct Frame {
  std::shared_ptr<Frame> parent;
  std::unordered_map<std::string, Value> vars;
  const Value* find(const std::string& name) const {
    for (const Frame* f = this; f; f = f->parent.get()) {
      auto it = f->vars.find(name);
      if (it != f->vars.end()) return &it->second;
    }
    return nullptr;
  }
};

struct RenderState {
  const TemplateNode* tpl = nullptr;
  RenderLimits limits;
  size_t iterations = 0;
  int depth = 0;
  std::shared_ptr<Frame> template_frame;  // top-level {% set %} targets; parent = variables + globals
  std::vector<std::weak_ptr<Namespace>> namespaces;  // created by namespace(); cleared after the render
};

class Context {
 public:
  enum class Flow { Normal, Break, Continue };

  Context(RenderState& state, std::shared_ptr<Frame> frame, std::string* out)
      : st(state), frame(std::move(frame)), out(out) {}

  RenderState& st;
  std::shared_ptr<Frame> frame;
  std::string* out;
  Flow flow = Flow::Normal;

  void write(const std::string& s);
  void count_iteration();
  // Runs a body; stops early on break/continue (left in `flow` for the loop to handle).
  void run(const Body& body);
  // Adds the template name, line and column of `pos` to errors raised without a location.
  [[noreturn]] void relocate(const TemplateError& e, size_t pos) const;
};

// Guards nested calls (macros, recursive loops, filters calling back) against stack exhaustion.
class DepthGuard {
 public:
  explicit DepthGuard(RenderState& st);
  ~DepthGuard() { --st_.depth; }

 private:
  RenderState& st_;
};

// Loop context (`loop.index`, `loop.cycle(...)`, recursive `loop(children)`).
struct LoopState {
  std::shared_ptr<const List> items;
  size_t index0 = 0;
  int depth0 = 0;
  Value last_changed;
  bool has_changed = false;
  // For recursive loops: renders the loop body over another iterable.
  std::function<Value(const Value&)> recurse;
};
std::string loop_repr(const LoopState& loop);

// ---- errors ----
[[noreturn]] void raise(const std::string& python_class, const std::string& message);
// Using an Undefined: UndefinedError (or SecurityError for a refused attribute).
[[noreturn]] void raise_undefined(const Value& undefined);
// Jinja2's object_type_repr: "dict object", "None", ...
std::string object_type_repr(const Value& v);

// ---- Python semantics ----
Value binary_op(const std::string& op, const Value& a, const Value& b, const RenderLimits& limits);
Value unary_minus(const Value& v);
bool compare_op(const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
// Iterating a value in a for loop or a filter: list items, dict keys, string characters.
std::shared_ptr<const List> iterate(const Value& v);
size_t py_len(const Value& v);  // len(); TypeError if unsized
// Python ordering for sort/min/max; throws TypeError for mismatched types.
bool py_less(const Value& a, const Value& b);

// Jinja2 sandboxed lookups.
Value get_attribute(const Value& obj, const std::string& name);
Value get_item(const Value& obj, const Value& key);
Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);
Value call_value(Context& ctx, const Value& callee, CallArgs& args);

// Binds call arguments to named parameters like a Python signature (positional, then
// keywords); missing optional ones are Undefined. Throws TypeError on unknown/extra arguments.
std::vector<Value> bind_arguments(const std::string& function, CallArgs& args,
                                  const std::vector<std::string>& params, size_t required);

// Built-ins (builtins.cpp / methods.cpp).
Value apply_filter(Context& ctx, const std::string& name, const Value& input, CallArgs& args);
bool apply_test(Context& ctx, const std::string& name, const Value& input, CallArgs& args);
bool has_test(const std::string& name);
bool has_filter(const std::string& name);
void install_globals(Frame& globals, RenderState& st);
// Bound method `obj.name` for str / dict / list, or nullopt-equivalent Undefined.
Value bound_method(const Value& obj, const std::string& name);
// Python str.format() with positional/keyword fields (the subset templates use).
std::string python_format(const std::string& fmt, CallArgs& args);
std::string python_percent_format(const std::string& fmt, const Value& args);
// Calls the str/dict/list method `method` of `self`.
Value call_value_free(const Value& self, const std::string& method, CallArgs& args);

}  // namespace automodel::jinja
