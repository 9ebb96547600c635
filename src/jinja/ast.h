// The parsed form of a template: expression and statement nodes mirroring Jinja2's nodes.py.
// Each node evaluates itself against a render Context (interpreter.cpp).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automodel/jinja/value.h"

namespace automodel::jinja {

class Context;

struct Node {
  size_t pos = 0;  // byte offset in the template source, for error locations
  virtual ~Node() = default;
};

struct Expr : Node {
  virtual Value eval(Context& ctx) const = 0;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Stmt : Node {
  virtual void exec(Context& ctx) const = 0;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// ---- expressions ----

struct ConstExpr : Expr {
  Value value;
  Value eval(Context& ctx) const override;
};
struct NameExpr : Expr {
  std::string name;
  Value eval(Context& ctx) const override;
};
struct ListExpr : Expr {  // list or tuple literal
  std::vector<ExprPtr> items;
  bool tuple = false;
  Value eval(Context& ctx) const override;
};
struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  Value eval(Context& ctx) const override;
};
struct GetattrExpr : Expr {  // obj.name
  ExprPtr object;
  std::string attribute;
  Value eval(Context& ctx) const override;
};
struct SliceExpr : Expr {  // start:stop:step inside [...]
  ExprPtr start, stop, step;
  Value eval(Context& ctx) const override;
};
struct GetitemExpr : Expr {  // obj[arg]
  ExprPtr object;
  ExprPtr argument;
  Value eval(Context& ctx) const override;
};
struct CallArgsExpr {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr dyn_args, dyn_kwargs;  // *args, **kwargs
  CallArgs evaluate(Context& ctx) const;
};
struct CallExpr : Expr {
  ExprPtr callee;
  CallArgsExpr args;
  Value eval(Context& ctx) const override;
};
struct FilterExpr : Expr {  // operand | name(args); operand is null inside {% filter %}
  ExprPtr operand;
  std::string name;
  CallArgsExpr args;
  Value eval(Context& ctx) const override;
  Value apply(Context& ctx, Value input) const;
};
struct TestExpr : Expr {  // operand is name(args)
  ExprPtr operand;
  std::string name;
  CallArgsExpr args;
  Value eval(Context& ctx) const override;
};
struct UnaryExpr : Expr {
  char op;  // '-', '+', '!' (not)
  ExprPtr operand;
  Value eval(Context& ctx) const override;
};
struct BinaryExpr : Expr {
  std::string op;  // + - * / // % ** and or
  ExprPtr left, right;
  Value eval(Context& ctx) const override;
};
struct CompareExpr : Expr {  // a < b <= c ... (chained like Python)
  ExprPtr first;
  std::vector<std::pair<std::string, ExprPtr>> rest;  // op: eq ne lt lteq gt gteq in notin
  Value eval(Context& ctx) const override;
};
struct ConcatExpr : Expr {  // a ~ b ~ c
  std::vector<ExprPtr> parts;
  Value eval(Context& ctx) const override;
};
struct CondExpr : Expr {  // a if test else b
  ExprPtr test, then_value, else_value;  // else_value may be null (→ undefined)
  Value eval(Context& ctx) const override;
};

// ---- statements ----

struct OutputStmt : Stmt {  // literal text and {{ expr }} in order
  std::vector<std::pair<std::string, ExprPtr>> parts;  // text if expr is null
  void exec(Context& ctx) const override;
};
// Assignment target: a name, a tuple of targets, or `ns.attr`.
struct Target {
  std::string name;
  std::string attribute;       // non-empty for ns.attr
  std::vector<Target> items;   // non-empty for tuple unpacking
  bool is_tuple = false;
  size_t pos = 0;
};
struct ForStmt : Stmt {
  Target target;
  ExprPtr iterable;
  Body body, else_body;
  ExprPtr filter;  // {% for x in xs if cond %}
  bool recursive = false;
  void exec(Context& ctx) const override;
  void run_over(Context& ctx, const Value& source, int depth0) const;  // also loop(children)
};
struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, Body>> branches;  // if / elif ...
  Body else_body;
  void exec(Context& ctx) const override;
};
struct SetStmt : Stmt {
  Target target;
  ExprPtr value;
  void exec(Context& ctx) const override;
};
struct SetBlockStmt : Stmt {
  Target target;
  std::unique_ptr<FilterExpr> filter;  // chain of filters applied to the captured text
  Body body;
  void exec(Context& ctx) const override;
};
struct MacroParam {
  std::string name;
  ExprPtr default_value;
};
struct MacroStmt : Stmt {
  std::string name;
  std::vector<MacroParam> params;
  Body body;
  bool uses_caller = false, uses_varargs = false, uses_kwargs = false;
  void exec(Context& ctx) const override;
};
struct CallBlockStmt : Stmt {  // {% call(params) macro(args) %}body{% endcall %}
  std::unique_ptr<CallExpr> call;
  std::vector<MacroParam> params;
  Body body;
  bool uses_varargs = false, uses_kwargs = false;
  void exec(Context& ctx) const override;
};
struct FilterBlockStmt : Stmt {
  std::unique_ptr<FilterExpr> filter;
  Body body;
  void exec(Context& ctx) const override;
};
struct WithStmt : Stmt {
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
  void exec(Context& ctx) const override;
};
struct LoopControlStmt : Stmt {
  bool is_break = true;
  void exec(Context& ctx) const override;
};
struct ScopeStmt : Stmt {  // {% block %} (a template without inheritance renders it in place),
                           // transformers' {% generation %}
  Body body;
  bool scoped = true;
  void exec(Context& ctx) const override;
};
struct UnsupportedStmt : Stmt {  // include / import / extends: no loader in this environment
  std::string python_class, message;
  void exec(Context& ctx) const override;
};

}  // namespace automodel::jinja
