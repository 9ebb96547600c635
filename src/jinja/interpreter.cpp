// Evaluation of expression nodes and execution of statement nodes, with Jinja2's scoping:
// loop bodies, macros, call/with/set blocks get a fresh scope; if-blocks do not.
#include "interpreter.h"

#include "lexer.h"
#include "parser.h"

namespace automodel::jinja {

// ---------------------------------------------------------------- context helpers

void Context::write(const std::string& s) {
  if (out->size() + s.size() > st.limits.max_output_bytes)
    raise("ResourceLimitError", "rendered output exceeds " + std::to_string(st.limits.max_output_bytes) + " bytes");
  out->append(s);
}

void Context::count_iteration() {
  if (++st.iterations > st.limits.max_loop_iterations)
    raise("ResourceLimitError", "more than " + std::to_string(st.limits.max_loop_iterations) + " loop iterations");
}

void Context::run(const Body& body) {
  for (const auto& s : body) {
    s->exec(*this);
    if (flow != Flow::Normal) return;
  }
}

void Context::relocate(const TemplateError& e, size_t pos) const {
  if (e.line() != 0) throw e;
  int line, column;
  line_and_column(st.tpl->source, pos, line, column);
  throw TemplateError(e.python_class(), e.message(), st.tpl->name, line, column);
}

DepthGuard::DepthGuard(RenderState& st) : st_(st) {
  if (++st_.depth > st_.limits.max_call_depth) {
    --st_.depth;
    raise("RecursionError", "maximum template call depth (" + std::to_string(st_.limits.max_call_depth) + ") exceeded");
  }
}

namespace {

// Runs fn(); errors without a location get the template line/column of `pos`.
template <class F>
auto located(Context& ctx, size_t pos, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const TemplateError& e) {
    ctx.relocate(e, pos);
  }
}

std::shared_ptr<Frame> child_frame(const std::shared_ptr<Frame>& parent) {
  auto f = std::make_shared<Frame>();
  f->parent = parent;
  return f;
}

// Captures what a body writes.
std::string capture(Context& ctx, const std::shared_ptr<Frame>& frame, const Body& body) {
  std::string buffer;
  Context inner(ctx.st, frame, &buffer);
  inner.run(body);
  return buffer;
}

void assign(Context& ctx, Frame& frame, const Target& target, const Value& value) {
  if (!target.attribute.empty()) {
    const Value* ns = ctx.frame->find(target.name);
    if (!ns || !ns->is_namespace())
      raise("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
    value.nesting();
    ns->as_namespace().attributes.set(Value(target.attribute), value);
    if (ns->nesting() > Value::kMaxNesting) raise("ResourceLimitError", "namespace nested too deeply");
    return;
  }
  if (!target.is_tuple) {
    frame.vars[target.name] = value;
    return;
  }
  auto items = iterate(value);
  if (items->size() < target.items.size())
    raise("ValueError", "not enough values to unpack (expected " + std::to_string(target.items.size()) + ", got " +
                            std::to_string(items->size()) + ")");
  if (items->size() > target.items.size())
    raise("ValueError", "too many values to unpack (expected " + std::to_string(target.items.size()) + ")");
  for (size_t i = 0; i < target.items.size(); ++i) assign(ctx, frame, target.items[i], (*items)[i]);
}

// A macro or call-block body as a callable value.
struct MacroSignature {
  std::string name;
  const std::vector<MacroParam>* params;
  const Body* body;
  bool catch_caller, catch_varargs, catch_kwargs;
};

Value make_macro(Context& ctx, MacroSignature sig, std::weak_ptr<Frame> defined_in, Value caller) {
  RenderState* st = &ctx.st;
  return Value::callable("macro " + sig.name, [st, sig, defined_in, caller](CallArgs& args) -> Value {
    auto parent = defined_in.lock();
    if (!parent) parent = st->template_frame;
    auto frame = child_frame(parent);
    const auto& params = *sig.params;
    List varargs;
    Dict kwargs;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (i < params.size()) frame->vars[params[i].name] = args.positional[i];
      else if (sig.catch_varargs) varargs.push_back(args.positional[i]);
      else
        raise("TypeError", "macro '" + sig.name + "' takes not more than " + std::to_string(params.size()) + " argument(s)");
    }
    Value caller_value = caller;
    for (auto& [key, value] : args.keyword) {
      bool matched = false;
      for (size_t i = 0; i < params.size(); ++i) {
        if (params[i].name != key) continue;
        if (i < args.positional.size()) raise("TypeError", "macro '" + sig.name + "' got multiple values for argument '" + key + "'");
        frame->vars[key] = value;
        matched = true;
      }
      if (matched) continue;
      if (key == "caller" && sig.catch_caller) caller_value = value;
      else if (sig.catch_kwargs) kwargs.set(Value(key), value);
      else raise("TypeError", "macro '" + sig.name + "' takes no keyword argument '" + key + "'");
    }
    std::string out;
    Context inner(*st, frame, &out);
    for (const auto& p : params) {
      if (frame->vars.count(p.name)) continue;
      frame->vars[p.name] = p.default_value ? p.default_value->eval(inner)
                                            : Value::undefined("parameter '" + p.name + "' was not provided");
    }
    if (sig.catch_varargs) frame->vars["varargs"] = Value::tuple(std::move(varargs));
    if (sig.catch_kwargs) frame->vars["kwargs"] = Value::dict(std::move(kwargs));
    if (sig.catch_caller) frame->vars["caller"] = caller_value.is_undefined() ? Value::undefined("No caller defined") : caller_value;
    inner.run(*sig.body);
    return Value(std::move(out));
  });
}

}  // namespace

// ---------------------------------------------------------------- expressions

CallArgs CallArgsExpr::evaluate(Context& ctx) const {
  CallArgs a;
  for (const auto& e : positional) a.positional.push_back(e->eval(ctx));
  for (const auto& [k, e] : keyword) a.keyword.emplace_back(k, e->eval(ctx));
  if (dyn_args) {
    auto items = iterate(dyn_args->eval(ctx));
    a.positional.insert(a.positional.end(), items->begin(), items->end());
  }
  if (dyn_kwargs) {
    Value d = dyn_kwargs->eval(ctx);
    if (!d.is_dict()) raise("TypeError", "argument after ** must be a mapping, not " + d.type_name());
    for (const auto& [k, v] : d.as_dict().items) {
      if (!k.is_string()) raise("TypeError", "keywords must be strings");
      a.keyword.emplace_back(k.as_string(), v);
    }
  }
  return a;
}

Value ConstExpr::eval(Context&) const { return value; }

Value NameExpr::eval(Context& ctx) const {
  if (const Value* v = ctx.frame->find(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

Value ListExpr::eval(Context& ctx) const {
  List out;
  out.reserve(items.size());
  for (const auto& e : items) out.push_back(e->eval(ctx));
  return located(ctx, pos, [&] { return Value::list(std::move(out), tuple ? Value::ListStyle::Tuple : Value::ListStyle::List); });
}

Value DictExpr::eval(Context& ctx) const {
  Dict d;
  for (const auto& [k, v] : items) {
    Value key = k->eval(ctx);
    if (key.is_list() && !key.is_tuple()) ctx.relocate(TemplateError("TypeError", "unhashable type: 'list'"), k->pos);
    if (key.is_dict()) ctx.relocate(TemplateError("TypeError", "unhashable type: 'dict'"), k->pos);
    d.set(std::move(key), v->eval(ctx));
  }
  return located(ctx, pos, [&] { return Value::dict(std::move(d)); });
}

Value GetattrExpr::eval(Context& ctx) const {
  Value obj = object->eval(ctx);
  return located(ctx, pos, [&] { return get_attribute(obj, attribute); });
}

Value SliceExpr::eval(Context&) const { raise("TemplateSyntaxError", "slice outside of a subscript"); }

Value GetitemExpr::eval(Context& ctx) const {
  Value obj = object->eval(ctx);
  if (auto* slice = dynamic_cast<const SliceExpr*>(argument.get())) {
    Value a = slice->start ? slice->start->eval(ctx) : Value::none();
    Value b = slice->stop ? slice->stop->eval(ctx) : Value::none();
    Value c = slice->step ? slice->step->eval(ctx) : Value::none();
    return located(ctx, pos, [&] { return slice_value(obj, a, b, c); });
  }
  Value key = argument->eval(ctx);
  return located(ctx, pos, [&] { return get_item(obj, key); });
}

Value CallExpr::eval(Context& ctx) const {
  Value fn = callee->eval(ctx);
  CallArgs a = located(ctx, pos, [&] { return args.evaluate(ctx); });
  return located(ctx, pos, [&] { return call_value(ctx, fn, a); });
}

Value FilterExpr::apply(Context& ctx, Value input) const {
  CallArgs a = located(ctx, pos, [&] { return args.evaluate(ctx); });
  return located(ctx, pos, [&] { return apply_filter(ctx, name, input, a); });
}

Value FilterExpr::eval(Context& ctx) const {
  Value input = operand ? operand->eval(ctx) : Value::undefined("filter has no input");
  return apply(ctx, std::move(input));
}

Value TestExpr::eval(Context& ctx) const {
  Value input = operand->eval(ctx);
  CallArgs a = located(ctx, pos, [&] { return args.evaluate(ctx); });
  return located(ctx, pos, [&] { return Value(apply_test(ctx, name, input, a)); });
}

Value UnaryExpr::eval(Context& ctx) const {
  Value v = operand->eval(ctx);
  return located(ctx, pos, [&]() -> Value {
    if (op == '!') return Value(!v.truthy());
    if (op == '-') return unary_minus(v);
    if (v.is_undefined()) raise_undefined(v);
    if (!v.is_number()) raise("TypeError", "bad operand type for unary +: '" + v.type_name() + "'");
    return v.is_bool() ? Value(int64_t{v.as_bool()}) : v;
  });
}

Value BinaryExpr::eval(Context& ctx) const {
  if (op == "and") {
    Value l = left->eval(ctx);
    return l.truthy() ? right->eval(ctx) : l;
  }
  if (op == "or") {
    Value l = left->eval(ctx);
    return l.truthy() ? l : right->eval(ctx);
  }
  Value l = left->eval(ctx);
  Value r = right->eval(ctx);
  return located(ctx, pos, [&] { return binary_op(op, l, r, ctx.st.limits); });
}

Value CompareExpr::eval(Context& ctx) const {
  Value l = first->eval(ctx);
  for (const auto& step : rest) {
    const std::string& op = step.first;
    Value r = step.second->eval(ctx);
    bool ok = located(ctx, pos, [&] { return compare_op(op, l, r); });
    if (!ok) return Value(false);
    l = std::move(r);
  }
  return Value(true);
}

Value ConcatExpr::eval(Context& ctx) const {
  std::string s;
  for (const auto& p : parts) {
    Value v = p->eval(ctx);
    s += located(ctx, p->pos, [&] { return v.str(); });
    if (s.size() > ctx.st.limits.max_output_bytes)
      ctx.relocate(TemplateError("ResourceLimitError", "string result exceeds the output limit"), pos);
  }
  return Value(std::move(s));
}

Value CondExpr::eval(Context& ctx) const {
  if (test->eval(ctx).truthy()) return then_value->eval(ctx);
  if (else_value) return else_value->eval(ctx);
  return Value::undefined("the inline if-expression on line evaluated to false and no else section was defined.");
}

// ---------------------------------------------------------------- statements

void OutputStmt::exec(Context& ctx) const {
  for (const auto& part : parts) {
    const std::string& text = part.first;
    const ExprPtr& expr = part.second;
    if (!expr) {
      located(ctx, pos, [&] { ctx.write(text); });
      continue;
    }
    Value v = expr->eval(ctx);
    located(ctx, expr->pos, [&] { ctx.write(v.str()); });
  }
}

void ForStmt::exec(Context& ctx) const {
  Value source = iterable->eval(ctx);
  run_over(ctx, source, 0);
}

void ForStmt::run_over(Context& ctx, const Value& source, int depth0) const {
  auto items = located(ctx, iterable->pos, [&] { return iterate(source); });
  auto outer = ctx.frame;
  if (filter) {  // `for x in xs if cond`: the loop sees only the items that pass
    List kept;
    for (const auto& item : *items) {
      located(ctx, pos, [&] { ctx.count_iteration(); });
      auto f = child_frame(outer);
      located(ctx, target.pos, [&] { assign(ctx, *f, target, item); });
      Context probe(ctx.st, f, ctx.out);
      if (filter->eval(probe).truthy()) kept.push_back(item);
    }
    items = std::make_shared<const List>(std::move(kept));
  }
  auto state = std::make_shared<LoopState>();
  state->items = items;
  state->depth0 = depth0;
  if (recursive) {
    std::weak_ptr<Frame> weak_outer = outer;
    RenderState* st = &ctx.st;
    const ForStmt* self = this;
    state->recurse = [self, st, weak_outer, depth0](const Value& children) -> Value {
      auto frame = weak_outer.lock();
      if (!frame) frame = st->template_frame;
      std::string buffer;
      Context inner(*st, frame, &buffer);
      self->run_over(inner, children, depth0 + 1);
      return Value(std::move(buffer));
    };
  }
  Value loop_value = Value::loop(state);
  Context body_ctx(ctx.st, outer, ctx.out);
  for (size_t i = 0; i < items->size(); ++i) {
    located(ctx, pos, [&] { ctx.count_iteration(); });
    state->index0 = i;
    body_ctx.frame = child_frame(outer);
    located(ctx, target.pos, [&] { assign(ctx, *body_ctx.frame, target, (*items)[i]); });
    body_ctx.frame->vars["loop"] = loop_value;
    body_ctx.flow = Context::Flow::Normal;
    body_ctx.run(body);
    if (body_ctx.flow == Context::Flow::Break) break;
  }
  state->recurse = nullptr;  // nothing may call back into this loop once it is done
  if (items->empty() && !else_body.empty()) {
    Context else_ctx(ctx.st, outer, ctx.out);
    else_ctx.run(else_body);
  }
}

void IfStmt::exec(Context& ctx) const {
  for (const auto& [test, body] : branches) {
    if (test->eval(ctx).truthy()) {
      ctx.run(body);
      return;
    }
  }
  ctx.run(else_body);
}

void SetStmt::exec(Context& ctx) const {
  Value v = value->eval(ctx);
  located(ctx, pos, [&] { assign(ctx, *ctx.frame, target, v); });
}

void SetBlockStmt::exec(Context& ctx) const {
  Value v(capture(ctx, child_frame(ctx.frame), body));
  if (filter) {
    // The innermost filter of the chain receives the captured text.
    std::vector<const FilterExpr*> chain;
    for (const FilterExpr* f = filter.get(); f; f = static_cast<const FilterExpr*>(f->operand.get())) chain.push_back(f);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) v = (*it)->apply(ctx, v);
  }
  located(ctx, pos, [&] { assign(ctx, *ctx.frame, target, v); });
}

void FilterBlockStmt::exec(Context& ctx) const {
  Value v(capture(ctx, child_frame(ctx.frame), body));
  std::vector<const FilterExpr*> chain;
  for (const FilterExpr* f = filter.get(); f; f = static_cast<const FilterExpr*>(f->operand.get())) chain.push_back(f);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) v = (*it)->apply(ctx, v);
  located(ctx, pos, [&] { ctx.write(v.str()); });
}

void MacroStmt::exec(Context& ctx) const {
  MacroSignature sig{name, &params, &body, uses_caller, uses_varargs, uses_kwargs};
  ctx.frame->vars[name] = make_macro(ctx, sig, ctx.frame, Value());
}

void CallBlockStmt::exec(Context& ctx) const {
  MacroSignature sig{"caller", &params, &body, false, uses_varargs, uses_kwargs};
  Value caller = make_macro(ctx, sig, ctx.frame, Value());
  Value fn = call->callee->eval(ctx);
  CallArgs a = located(ctx, pos, [&] { return call->args.evaluate(ctx); });
  a.keyword.emplace_back("caller", caller);
  Value result = located(ctx, pos, [&] { return call_value(ctx, fn, a); });
  located(ctx, pos, [&] { ctx.write(result.str()); });
}

void WithStmt::exec(Context& ctx) const {
  auto frame = child_frame(ctx.frame);
  for (const auto& assignment : assignments) {
    const Target& target = assignment.first;
    Value v = assignment.second->eval(ctx);
    located(ctx, target.pos, [&] { assign(ctx, *frame, target, v); });
  }
  Context inner(ctx.st, frame, ctx.out);
  inner.run(body);
  ctx.flow = inner.flow;  // break/continue inside a with-block still reach the loop
}

void LoopControlStmt::exec(Context& ctx) const { ctx.flow = is_break ? Context::Flow::Break : Context::Flow::Continue; }

void ScopeStmt::exec(Context& ctx) const {
  if (!scoped) {
    ctx.run(body);
    return;
  }
  Context inner(ctx.st, child_frame(ctx.frame), ctx.out);
  inner.run(body);
  ctx.flow = inner.flow;
}

void UnsupportedStmt::exec(Context& ctx) const { ctx.relocate(TemplateError(python_class, message), pos); }

}  // namespace automodel::jinja
