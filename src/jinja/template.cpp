#include "automodel/jinja/template.h"

#include "interpreter.h"
#include "parser.h"

namespace automodel::jinja {

namespace {
std::string describe_error(const std::string& cls, const std::string& message, const std::string& name, int line, int column) {
  std::string s = cls + ": " + message;
  if (line > 0) s += " (template '" + name + "', line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
  return s;
}
}  // namespace

TemplateError::TemplateError(std::string python_class, std::string message, std::string template_name, int line, int column)
    : automodel::Error(describe_error(python_class, message, template_name, line, column)),
      class_(std::move(python_class)),
      message_(std::move(message)),
      name_(std::move(template_name)),
      line_(line),
      column_(column) {}

Template::Template(const std::string& source, std::string name) : name_(std::move(name)), root_(parse_template(source, name_)) {}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const json& context, const RenderLimits& limits) const {
  if (!context.is_object() && !context.is_null())
    throw TemplateError("TypeError", "template context must be a JSON object, got " + json_type_name(context));
  std::map<std::string, Value> vars;
  if (context.is_object())
    for (auto it = context.begin(); it != context.end(); ++it) vars[it.key()] = Value::from_json(it.value());
  return render_values(vars, limits);
}

std::string Template::render_values(const std::map<std::string, Value>& variables, const RenderLimits& limits) const {
  RenderState st;
  st.tpl = root_.get();
  st.limits = limits;
  auto globals = std::make_shared<Frame>();
  install_globals(*globals, st);
  auto vars = std::make_shared<Frame>();
  vars->parent = globals;
  for (const auto& [k, v] : variables) vars->vars[k] = v;
  st.template_frame = std::make_shared<Frame>();
  st.template_frame->parent = vars;
  std::string out;
  Context ctx(st, st.template_frame, &out);
  struct ReleaseCycles {  // namespaces may reference themselves; break those cycles when done
    RenderState& st;
    ~ReleaseCycles() {
      for (auto& weak : st.namespaces)
        if (auto ns = weak.lock()) ns->attributes.items.clear();
    }
  } release{st};
  ctx.run(root_->body);
  return out;
}

}  // namespace automodel::jinja
