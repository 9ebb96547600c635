#include "parser.h"

#include <set>

#include "automodel/jinja/template.h"
#include "interpreter.h"
#include "lexer.h"

namespace automodel::jinja {
namespace {

constexpr int kMaxNesting = 100;  // expression / block nesting; keeps the C++ stack bounded

std::string describe(const Token& t) {
  switch (t.type) {
    case TokenType::Data: return "template data";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::Eof: return "end of template";
    default: return t.value;
  }
}

class Parser {
 public:
  Parser(LexedTemplate lexed, std::string name) : lx_(std::move(lexed)), name_(std::move(name)) {}

  Body parse_root() {
    Body body = subparse({});
    if (cur().type != TokenType::Eof) fail(cur().pos, "unexpected '" + describe(cur()) + "'");
    return body;
  }

  std::string& source() { return lx_.source; }

 private:
  // ---- token stream ----
  const Token& cur() const { return lx_.tokens[i_]; }
  const Token& look() const { return lx_.tokens[std::min(i_ + 1, lx_.tokens.size() - 1)]; }
  const Token& next() {
    const Token& t = lx_.tokens[i_];
    if (i_ + 1 < lx_.tokens.size()) ++i_;
    return t;
  }
  bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().value == op; }
  bool is_name(const char* n) const { return cur().type == TokenType::Name && cur().value == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(size_t pos, const std::string& message) {
    int line, column;
    line_and_column(lx_.source, pos, line, column);
    throw TemplateError("TemplateSyntaxError", message, name_, line, column);
  }
  // Jinja2 checks filter and test names when it compiles the template.
  [[noreturn]] void assertion_error(size_t pos, const std::string& message) {
    int line, column;
    line_and_column(lx_.source, pos, line, column);
    throw TemplateError("TemplateAssertionError", message, name_, line, column);
  }
  [[noreturn]] void fail_eof() {
    std::string msg = "Unexpected end of template.";
    if (!open_blocks_.empty())
      msg += " Jinja was looking for the following tags: '" + open_blocks_.back().second +
             "'. The innermost block that needs to be closed is '" + open_blocks_.back().first + "'.";
    fail(cur().pos, msg);
  }
  void expect_op(const char* op) {
    if (cur().type == TokenType::Eof) fail_eof();
    if (!skip_op(op)) fail(cur().pos, std::string("expected token '") + op + "', got '" + describe(cur()) + "'");
  }
  const Token& expect_name() {
    if (cur().type == TokenType::Eof) fail_eof();
    if (cur().type != TokenType::Name) fail(cur().pos, "expected token 'name', got '" + describe(cur()) + "'");
    return next();
  }
  void expect_name(const char* n) {
    if (cur().type == TokenType::Eof) fail_eof();
    if (!skip_name(n)) fail(cur().pos, std::string("expected token '") + n + "', got '" + describe(cur()) + "'");
  }
  void expect(TokenType type) {
    if (cur().type == TokenType::Eof) fail_eof();
    if (cur().type != type) {
      Token t{type, "", 0};
      fail(cur().pos, "expected token '" + describe(t) + "', got '" + describe(cur()) + "'");
    }
    next();
  }

  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, size_t pos) : p(parser) {
      if (++p.depth_ > kMaxNesting) p.fail(pos, "template nested too deeply (limit " + std::to_string(kMaxNesting) + ")");
    }
    ~DepthGuard() { --p.depth_; }
  };

  template <class T>
  std::unique_ptr<T> node(size_t pos) {
    auto n = std::make_unique<T>();
    n->pos = pos;
    return n;
  }

  // ---- statements ----
  bool at_end_tag(const std::vector<std::string>& end_tags) const {
    if (cur().type != TokenType::Name) return false;
    for (const auto& t : end_tags)
      if (cur().value == t) return true;
    return false;
  }

  Body subparse(const std::vector<std::string>& end_tags) {
    Body body;
    std::unique_ptr<OutputStmt> output;
    auto flush = [&] {
      if (output) body.push_back(std::move(output));
      output.reset();
    };
    while (cur().type != TokenType::Eof) {
      const Token& t = cur();
      if (t.type == TokenType::Data) {
        if (!output) output = node<OutputStmt>(t.pos);
        output->parts.emplace_back(t.value, nullptr);
        next();
      } else if (t.type == TokenType::VariableBegin) {
        next();
        if (!output) output = node<OutputStmt>(t.pos);
        auto e = parse_tuple(false, true, {}, false);
        output->parts.emplace_back(std::string(), std::move(e));
        expect(TokenType::VariableEnd);
      } else if (t.type == TokenType::BlockBegin) {
        flush();
        next();
        if (!end_tags.empty() && at_end_tag(end_tags)) return body;
        body.push_back(parse_statement());
        expect(TokenType::BlockEnd);
      } else {
        fail(t.pos, "unexpected '" + describe(t) + "'");
      }
    }
    flush();
    return body;
  }

  Body parse_statements(const std::vector<std::string>& end_tags, bool drop_needle) {
    skip_op(":");
    expect(TokenType::BlockEnd);
    Body body = subparse(end_tags);
    if (cur().type == TokenType::Eof) fail_eof();
    if (drop_needle) next();
    return body;
  }

  StmtPtr parse_statement() {
    const Token& t = cur();
    DepthGuard guard(*this, t.pos);
    if (t.type == TokenType::Eof) fail_eof();
    if (t.type != TokenType::Name) fail(t.pos, "tag name expected");
    const std::string tag = t.value;
    auto open = [&](const char* ends) { open_blocks_.emplace_back(tag, ends); };
    StmtPtr result;
    if (tag == "for") open("endfor' or 'else"), result = parse_for();
    else if (tag == "if") open("endif' or 'elif' or 'else"), result = parse_if();
    else if (tag == "set") open("endset"), result = parse_set();
    else if (tag == "macro") open("endmacro"), result = parse_macro();
    else if (tag == "call") open("endcall"), result = parse_call_block();
    else if (tag == "filter") open("endfilter"), result = parse_filter_block();
    else if (tag == "with") open("endwith"), result = parse_with();
    else if (tag == "block") open("endblock"), result = parse_block();
    else if (tag == "generation") open("endgeneration"), result = parse_generation();
    else if (tag == "print") open(""), result = parse_print();
    else if (tag == "break" || tag == "continue") {
      open("");
      if (loop_depth_ == 0) {  // Python's compiler rejects the generated code: SyntaxError
        int line, column;
        line_and_column(lx_.source, t.pos, line, column);
        throw TemplateError("SyntaxError", "'" + tag + "' outside loop", name_, line, column);
      }
      auto n = node<LoopControlStmt>(t.pos);
      n->is_break = tag == "break";
      next();
      result = std::move(n);
    } else if (tag == "include" || tag == "import" || tag == "from" || tag == "extends") {
      open("");
      result = parse_loader_statement();
    } else {
      std::string msg = "Encountered unknown tag '" + tag + "'.";
      if (!open_blocks_.empty())
        msg += " Jinja was looking for the following tags: '" + open_blocks_.back().second +
               "'. The innermost block that needs to be closed is '" + open_blocks_.back().first + "'.";
      fail(t.pos, msg);
    }
    open_blocks_.pop_back();
    return result;
  }

  StmtPtr parse_for() {
    auto n = node<ForStmt>(next().pos);
    n->target = parse_assign_target(true, false, {"in"}, false);
    expect_name("in");
    n->iterable = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) n->filter = parse_expression(true);
    n->recursive = skip_name("recursive");
    ++loop_depth_;
    n->body = parse_statements({"endfor", "else"}, false);
    --loop_depth_;
    if (next().value == "endfor") return n;
    int saved = loop_depth_;
    loop_depth_ = 0;  // `else` runs outside the loop: break/continue are not allowed there
    n->else_body = parse_statements({"endfor"}, true);
    loop_depth_ = saved;
    return n;
  }

  StmtPtr parse_if() {
    auto n = node<IfStmt>(next().pos);
    // Like Jinja2, unknown filters/tests inside if-blocks only fail when they are evaluated.
    struct Soft {
      int& d;
      ~Soft() { --d; }
    } soft{++soft_depth_};
    while (true) {
      auto test = parse_tuple(false, false, {}, false);
      auto body = parse_statements({"elif", "else", "endif"}, false);
      n->branches.emplace_back(std::move(test), std::move(body));
      const Token& t = next();
      if (t.value == "elif") continue;
      if (t.value == "else") n->else_body = parse_statements({"endif"}, true);
      break;
    }
    return n;
  }

  StmtPtr parse_set() {
    size_t pos = next().pos;
    Target target = parse_assign_target(true, false, {}, true);
    if (skip_op("=")) {
      auto n = node<SetStmt>(pos);
      n->target = std::move(target);
      n->value = parse_tuple(false, true, {}, false);
      return n;
    }
    auto n = node<SetBlockStmt>(pos);
    n->target = std::move(target);
    n->filter = parse_filter_chain(nullptr, false);
    n->body = parse_statements({"endset"}, true);
    return n;
  }

  std::vector<MacroParam> parse_signature() {
    std::vector<MacroParam> params;
    expect_op("(");
    while (!is_op(")")) {
      if (!params.empty()) expect_op(",");
      MacroParam p;
      p.name = parse_assign_target(false, true, {}, false).name;
      if (skip_op("=")) p.default_value = parse_expression(true);
      else if (!params.empty() && params.back().default_value)
        fail(cur().pos, "non-default argument follows default argument");
      params.push_back(std::move(p));
    }
    expect_op(")");
    return params;
  }

  StmtPtr parse_macro() {
    auto n = node<MacroStmt>(next().pos);
    n->name = parse_assign_target(false, true, {}, false).name;
    name_uses_.emplace_back();
    n->params = parse_signature();
    int saved = loop_depth_;
    loop_depth_ = 0;
    n->body = parse_statements({"endmacro"}, true);
    loop_depth_ = saved;
    auto used = std::move(name_uses_.back());
    name_uses_.pop_back();
    n->uses_caller = used.count("caller") > 0;
    n->uses_varargs = used.count("varargs") > 0;
    n->uses_kwargs = used.count("kwargs") > 0;
    return n;
  }

  StmtPtr parse_call_block() {
    auto n = node<CallBlockStmt>(next().pos);
    name_uses_.emplace_back();
    if (is_op("(")) n->params = parse_signature();
    auto used_in_signature = std::move(name_uses_.back());
    name_uses_.back().clear();
    auto call = parse_expression(true);
    auto* as_call = dynamic_cast<CallExpr*>(call.get());
    if (!as_call) fail(n->pos, "expected call");
    call.release();
    n->call.reset(as_call);
    int saved = loop_depth_;
    loop_depth_ = 0;
    n->body = parse_statements({"endcall"}, true);
    loop_depth_ = saved;
    auto used = std::move(name_uses_.back());
    name_uses_.pop_back();
    n->uses_varargs = used.count("varargs") > 0;
    n->uses_kwargs = used.count("kwargs") > 0;
    return n;
  }

  StmtPtr parse_filter_block() {
    auto n = node<FilterBlockStmt>(next().pos);
    n->filter = parse_filter_chain(nullptr, true);
    n->body = parse_statements({"endfilter"}, true);
    return n;
  }

  StmtPtr parse_with() {
    auto n = node<WithStmt>(next().pos);
    while (cur().type != TokenType::BlockEnd) {
      if (cur().type == TokenType::Eof) fail_eof();
      if (!n->assignments.empty()) expect_op(",");
      Target t = parse_assign_target(true, false, {}, false);
      expect_op("=");
      n->assignments.emplace_back(std::move(t), parse_expression(true));
    }
    n->body = parse_statements({"endwith"}, true);
    return n;
  }

  StmtPtr parse_block() {
    auto n = node<ScopeStmt>(next().pos);
    const Token& name = expect_name();
    std::string block_name = name.value;
    n->scoped = skip_name("scoped");
    skip_name("required");
    int saved = loop_depth_;
    loop_depth_ = 0;
    n->body = parse_statements({"endblock"}, true);
    loop_depth_ = saved;
    if (cur().type == TokenType::Name) {
      if (cur().value != block_name) fail(cur().pos, "mismatching name of block '" + block_name + "'");
      next();
    }
    return n;
  }

  StmtPtr parse_generation() {
    auto n = node<ScopeStmt>(next().pos);
    n->scoped = false;
    n->body = parse_statements({"endgeneration"}, true);
    return n;
  }

  StmtPtr parse_print() {
    auto n = node<OutputStmt>(next().pos);
    bool first = true;
    while (cur().type != TokenType::BlockEnd) {
      if (cur().type == TokenType::Eof) fail_eof();
      if (!first) expect_op(",");
      n->parts.emplace_back(std::string(), parse_expression(true));
      first = false;
    }
    return n;
  }

  // include / import / from / extends parse, but this environment (like transformers') has
  // no template loader, so rendering them raises Jinja2's error.
  StmtPtr parse_loader_statement() {
    auto n = node<UnsupportedStmt>(cur().pos);
    std::string tag = next().value;
    parse_expression(true);
    while (cur().type != TokenType::BlockEnd && cur().type != TokenType::Eof) next();
    n->python_class = "TypeError";
    n->message = "no loader for this environment specified";
    return n;
  }

  // ---- assignment targets ----
  Target parse_assign_target(bool with_tuple, bool name_only, const std::vector<std::string>& extra_end,
                             bool with_namespace) {
    Target t;
    t.pos = cur().pos;
    if (with_namespace && cur().type == TokenType::Name && look().type == TokenType::Operator && look().value == ".") {
      t.name = next().value;
      next();
      t.attribute = expect_name().value;
      return t;
    }
    if (name_only) {
      t.name = expect_name().value;
      return t;
    }
    // simplified tuple of names: a, (b, c)
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(parse_target_primary());
      if (is_op(",")) is_tuple = true;
      else break;
      if (!with_tuple) break;
    }
    if (!is_tuple) {
      if (items.empty()) fail(cur().pos, "Expected an expression, got '" + describe(cur()) + "'");
      return std::move(items[0]);
    }
    t.is_tuple = true;
    t.items = std::move(items);
    return t;
  }

  Target parse_target_primary() {
    Target t;
    t.pos = cur().pos;
    if (cur().type == TokenType::Name) {
      const std::string& v = cur().value;
      if (v == "true" || v == "false" || v == "True" || v == "False" || v == "none" || v == "None")
        fail(cur().pos, "can't assign to 'const'");
      t.name = next().value;
      return t;
    }
    if (skip_op("(")) {
      Target inner = parse_assign_target(true, false, {}, false);
      expect_op(")");
      return inner;
    }
    if (cur().type == TokenType::Eof) fail_eof();
    fail(cur().pos, "can't assign to '" + describe(cur()) + "'");
  }

  bool is_tuple_end(const std::vector<std::string>& extra_end) const {
    auto type = cur().type;
    if (type == TokenType::VariableEnd || type == TokenType::BlockEnd || is_op(")")) return true;
    return at_end_tag(extra_end);
  }

  // ---- expressions ----
  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const std::vector<std::string>& extra_end,
                      bool explicit_parentheses) {
    size_t pos = cur().pos;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      args.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
      if (is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parentheses) {
        if (cur().type == TokenType::Eof) fail_eof();
        fail(cur().pos, "Expected an expression, got '" + describe(cur()) + "'");
      }
    }
    auto n = node<ListExpr>(pos);
    n->tuple = true;
    n->items = std::move(args);
    return n;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this, cur().pos);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    size_t pos = cur().pos;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
      auto n = node<CondExpr>(pos);
      n->test = parse_or();
      if (skip_name("else")) n->else_value = parse_condexpr();
      n->then_value = std::move(expr1);
      expr1 = std::move(n);
    }
    return expr1;
  }

  ExprPtr binary(size_t pos, const std::string& op, ExprPtr l, ExprPtr r) {
    auto n = node<BinaryExpr>(pos);
    n->op = op;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }

  ExprPtr parse_or() {
    size_t pos = cur().pos;
    ExprPtr left = parse_and();
    while (skip_name("or")) left = binary(pos, "or", std::move(left), parse_and());
    return left;
  }

  ExprPtr parse_and() {
    size_t pos = cur().pos;
    ExprPtr left = parse_not();
    while (skip_name("and")) left = binary(pos, "and", std::move(left), parse_not());
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this, cur().pos);
      auto n = node<UnaryExpr>(next().pos);
      n->op = '!';
      n->operand = parse_not();
      return n;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    size_t pos = cur().pos;
    ExprPtr expr = parse_math1();
    std::vector<std::pair<std::string, ExprPtr>> ops;
    while (true) {
      static const std::pair<const char*, const char*> cmp_ops[] = {
          {"==", "eq"}, {"!=", "ne"}, {"<", "lt"}, {"<=", "lteq"}, {">", "gt"}, {">=", "gteq"}};
      bool matched = false;
      for (auto [tok, op] : cmp_ops) {
        if (is_op(tok)) {
          next();
          ops.emplace_back(op, parse_math1());
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (skip_name("in")) {
        ops.emplace_back("in", parse_math1());
      } else if (is_name("not") && look().type == TokenType::Name && look().value == "in") {
        next();
        next();
        ops.emplace_back("notin", parse_math1());
      } else {
        break;
      }
    }
    if (ops.empty()) return expr;
    auto n = node<CompareExpr>(pos);
    n->first = std::move(expr);
    n->rest = std::move(ops);
    return n;
  }

  ExprPtr parse_math1() {
    size_t pos = cur().pos;
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = next().value;
      left = binary(pos, op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    size_t pos = cur().pos;
    std::vector<ExprPtr> args;
    args.push_back(parse_math2());
    while (skip_op("~")) args.push_back(parse_math2());
    if (args.size() == 1) return std::move(args[0]);
    auto n = node<ConcatExpr>(pos);
    n->parts = std::move(args);
    return n;
  }

  ExprPtr parse_math2() {
    size_t pos = cur().pos;
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = next().value;
      left = binary(pos, op, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    size_t pos = cur().pos;
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) left = binary(pos, "**", std::move(left), parse_unary(true));
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, cur().pos);
    size_t pos = cur().pos;
    ExprPtr n;
    if (is_op("-") || is_op("+")) {
      auto u = node<UnaryExpr>(pos);
      u->op = next().value[0];
      u->operand = parse_unary(false);
      n = std::move(u);
    } else {
      n = parse_primary();
    }
    n = parse_postfix(std::move(n));
    if (with_filter) n = parse_filter_expr(std::move(n));
    return n;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(*this, cur().pos);
    const Token& t = cur();
    size_t pos = t.pos;
    if (t.type == TokenType::Name) {
      const std::string& v = t.value;
      if (v == "true" || v == "True" || v == "false" || v == "False" || v == "none" || v == "None") {
        auto c = node<ConstExpr>(pos);
        c->value = (v == "none" || v == "None") ? Value::none() : Value(v == "true" || v == "True");
        next();
        return c;
      }
      auto n = node<NameExpr>(pos);
      n->name = v;
      for (auto& uses : name_uses_) uses.insert(v);
      next();
      return n;
    }
    if (t.type == TokenType::String) {
      std::string s = next().value;
      while (cur().type == TokenType::String) s += next().value;
      auto c = node<ConstExpr>(pos);
      c->value = Value(std::move(s));
      return c;
    }
    if (t.type == TokenType::Integer || t.type == TokenType::Float) {
      auto c = node<ConstExpr>(pos);
      c->value = t.type == TokenType::Integer ? Value(t.int_value) : Value(t.float_value);
      next();
      return c;
    }
    if (is_op("(")) {
      next();
      auto e = parse_tuple(false, true, {}, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) {
      next();
      auto n = node<ListExpr>(pos);
      while (!is_op("]")) {
        if (!n->items.empty()) expect_op(",");
        if (is_op("]")) break;
        n->items.push_back(parse_expression(true));
      }
      expect_op("]");
      return n;
    }
    if (is_op("{")) {
      next();
      auto n = node<DictExpr>(pos);
      while (!is_op("}")) {
        if (!n->items.empty()) expect_op(",");
        if (is_op("}")) break;
        auto key = parse_expression(true);
        expect_op(":");
        n->items.emplace_back(std::move(key), parse_expression(true));
      }
      expect_op("}");
      return n;
    }
    if (t.type == TokenType::Eof) fail_eof();
    fail(pos, "unexpected '" + describe(t) + "'");
  }

  ExprPtr parse_postfix(ExprPtr n) {
    while (true) {
      if (is_op(".") || is_op("[")) n = parse_subscript(std::move(n));
      else if (is_op("(")) n = parse_call(std::move(n));
      else break;
    }
    return n;
  }

  ExprPtr parse_filter_expr(ExprPtr n) {
    while (true) {
      if (is_op("|")) n = parse_filter_chain(std::move(n), false);
      else if (is_name("is")) n = parse_test(std::move(n));
      else if (is_op("(")) n = parse_call(std::move(n));
      else break;
    }
    return n;
  }

  ExprPtr parse_subscript(ExprPtr obj) {
    DepthGuard guard(*this, cur().pos);
    const Token& t = next();
    if (t.value == ".") {
      const Token& attr = cur();
      if (attr.type == TokenType::Name) {
        auto n = node<GetattrExpr>(t.pos);
        n->object = std::move(obj);
        n->attribute = next().value;
        return n;
      }
      if (attr.type != TokenType::Integer) fail(attr.pos, "expected name or number");
      auto n = node<GetitemExpr>(t.pos);
      n->object = std::move(obj);
      auto c = node<ConstExpr>(attr.pos);
      c->value = Value(attr.int_value);
      n->argument = std::move(c);
      next();
      return n;
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (cur().type == TokenType::Eof) fail_eof();
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto n = node<GetitemExpr>(t.pos);
    n->object = std::move(obj);
    if (args.size() == 1) {
      n->argument = std::move(args[0]);
    } else {
      auto tup = node<ListExpr>(t.pos);
      tup->tuple = true;
      tup->items = std::move(args);
      n->argument = std::move(tup);
    }
    return n;
  }

  ExprPtr parse_subscribed() {
    size_t pos = cur().pos;
    auto slice = node<SliceExpr>(pos);
    if (is_op(":")) {
      next();
    } else {
      auto e = parse_expression(true);
      if (!is_op(":")) return e;
      next();
      slice->start = std::move(e);
    }
    if (!is_op(":") && !is_op("]") && !is_op(",")) slice->stop = parse_expression(true);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) slice->step = parse_expression(true);
    }
    return slice;
  }

  CallArgsExpr parse_call_args() {
    CallArgsExpr a;
    size_t open_pos = cur().pos;
    expect_op("(");
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail(open_pos, "invalid syntax for function call expression");
    };
    while (!is_op(")")) {
      if (cur().type == TokenType::Eof) fail_eof();
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*")) {
        ensure(!a.dyn_args && !a.dyn_kwargs);
        next();
        a.dyn_args = parse_expression(true);
      } else if (is_op("**")) {
        ensure(!a.dyn_kwargs);
        next();
        a.dyn_kwargs = parse_expression(true);
      } else if (cur().type == TokenType::Name && look().type == TokenType::Operator && look().value == "=") {
        ensure(!a.dyn_kwargs);
        std::string key = next().value;
        next();
        a.keyword.emplace_back(key, parse_expression(true));
      } else {
        ensure(!a.dyn_args && !a.dyn_kwargs && a.keyword.empty());
        a.positional.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
    return a;
  }

  ExprPtr parse_call(ExprPtr callee) {
    DepthGuard guard(*this, cur().pos);
    auto n = node<CallExpr>(cur().pos);
    n->callee = std::move(callee);
    n->args = parse_call_args();
    return n;
  }

  // `| name(args) | name2 ...`; with start_inline the first filter has no leading pipe
  // ({% filter %} blocks). A null operand means "the captured block text".
  std::unique_ptr<FilterExpr> parse_filter_chain(ExprPtr operand, bool start_inline) {
    std::unique_ptr<FilterExpr> result;
    ExprPtr current = std::move(operand);
    while (is_op("|") || start_inline) {
      DepthGuard guard(*this, cur().pos);
      if (!start_inline) next();
      const Token& name_tok = expect_name();
      auto f = node<FilterExpr>(name_tok.pos);
      f->name = name_tok.value;
      while (is_op(".")) {
        next();
        f->name += "." + expect_name().value;
      }
      if (soft_depth_ == 0 && !has_filter(f->name)) assertion_error(name_tok.pos, "No filter named '" + f->name + "'.");
      if (is_op("(")) f->args = parse_call_args();
      f->operand = std::move(current);
      current = std::move(f);
      start_inline = false;
    }
    if (current) result.reset(static_cast<FilterExpr*>(current.release()));
    return result;
  }

  ExprPtr parse_test(ExprPtr operand) {
    DepthGuard guard(*this, cur().pos);
    size_t pos = next().pos;  // 'is'
    bool negated = skip_name("not");
    auto t = node<TestExpr>(pos);
    size_t name_pos = cur().pos;
    t->name = expect_name().value;
    while (is_op(".")) {
      next();
      t->name += "." + expect_name().value;
    }
    if (soft_depth_ == 0 && !has_test(t->name)) assertion_error(name_pos, "No test named '" + t->name + "'.");
    if (is_op("(")) {
      t->args = parse_call_args();
    } else {
      bool arg_start = cur().type == TokenType::Name || cur().type == TokenType::String ||
                       cur().type == TokenType::Integer || cur().type == TokenType::Float ||
                       is_op("(") || is_op("[") || is_op("{");
      if (arg_start && !is_name("else") && !is_name("or") && !is_name("and")) {
        if (is_name("is")) fail(cur().pos, "You cannot chain multiple tests with is");
        auto arg = parse_postfix(parse_primary());
        t->args.positional.push_back(std::move(arg));
      }
    }
    t->operand = std::move(operand);
    if (!negated) return t;
    auto n = node<UnaryExpr>(pos);
    n->op = '!';
    n->operand = std::move(t);
    return n;
  }

  LexedTemplate lx_;
  std::string name_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  int soft_depth_ = 0;  // inside if-blocks
  std::vector<std::pair<std::string, std::string>> open_blocks_;  // tag, expected end tags
  std::vector<std::set<std::string>> name_uses_;                  // names read inside macros
};

}  // namespace

std::shared_ptr<const TemplateNode> parse_template(const std::string& source, const std::string& name) {
  Parser parser(lex_template(source, name), name);
  auto root = std::make_shared<TemplateNode>();
  root->name = name;
  root->body = parser.parse_root();
  root->source = std::move(parser.source());
  return root;
}

}  // namespace automodel::jinja
