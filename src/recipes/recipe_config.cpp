// The SFT recipe schema: one table of fields (section, key, how to read a YAML node into the
// typed member, how to write it back) drives reading files, command-line overrides, the lists
// of known keys in errors, and the YAML written into checkpoints.
#include "automodel/recipes/recipe_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>

#include "automodel/core/error.h"

namespace automodel::recipes {
namespace {

// ---- reading YAML nodes --------------------------------------------------------------------

// Quoted scalars carry the non-specific tag "!", plain ones "?": a quoted "2e-4" is a string.
bool is_plain(const YAML::Node& n) { return n.IsScalar() && n.Tag() == "?"; }

std::string describe(const YAML::Node& n) {
  if (n.IsNull()) return "null";
  if (n.IsScalar()) return is_plain(n) ? str_cat("'", n.Scalar(), "'") : str_cat("the string \"", n.Scalar(), "\"");
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

[[noreturn]] void type_error(const std::string& where, const std::string& key, std::string_view expected,
                             const YAML::Node& found) {
  fail(where, ": ", key, ": expected ", expected, ", found ", describe(found));
}

std::string location(const std::string& source, const YAML::Mark& mark) {
  return str_cat(source, ":", mark.line + 1, ":", mark.column + 1);
}

std::optional<double> number_from(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

double read_double(const YAML::Node& n, const std::string& where, const std::string& key) {
  if (is_plain(n))
    if (auto v = number_from(n.Scalar())) return *v;
  type_error(where, key, "a number", n);
}

int64_t read_int(const YAML::Node& n, const std::string& where, const std::string& key) {
  if (is_plain(n)) {
    std::string_view s = n.Scalar();
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) fail(where, ": ", key, ": ", n.Scalar(), " is out of the 64-bit integer range");
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  type_error(where, key, "an integer", n);
}

bool read_bool(const YAML::Node& n, const std::string& where, const std::string& key) {
  // YAML 1.2's true/false plus the YAML 1.1 words PyYAML also reads as booleans.
  static const std::set<std::string> yes = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const std::set<std::string> no = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  if (is_plain(n)) {
    if (yes.count(n.Scalar())) return true;
    if (no.count(n.Scalar())) return false;
  }
  type_error(where, key, "true or false", n);
}

std::string read_string(const YAML::Node& n, const std::string& where, const std::string& key) {
  if (n.IsScalar() && !n.IsNull()) return n.Scalar();
  type_error(where, key, "a string", n);
}

// ---- writing YAML --------------------------------------------------------------------------

// Shortest text that reads back as the same double, with a '.' in the mantissa and a signed
// exponent, the form YAML 1.1 (PyYAML) also reads as a float: 2e-05 -> 2.0e-05, 1 -> 1.0.
std::string format_double(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, p);
  const size_t e = s.find('e');
  std::string mantissa = s.substr(0, e), exponent = e == std::string::npos ? "" : s.substr(e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  return mantissa + exponent;
}

// ---- typed fields --------------------------------------------------------------------------

template <class T>
struct Codec;

template <>
struct Codec<double> {
  static double read(const YAML::Node& n, const std::string& w, const std::string& k) { return read_double(n, w, k); }
  static void write(YAML::Emitter& out, double v) { out << format_double(v); }
};
template <>
struct Codec<int64_t> {
  static int64_t read(const YAML::Node& n, const std::string& w, const std::string& k) { return read_int(n, w, k); }
  static void write(YAML::Emitter& out, int64_t v) { out << v; }
};
template <>
struct Codec<bool> {
  static bool read(const YAML::Node& n, const std::string& w, const std::string& k) { return read_bool(n, w, k); }
  static void write(YAML::Emitter& out, bool v) { out << (v ? "true" : "false"); }
};
template <>
struct Codec<std::string> {
  static std::string read(const YAML::Node& n, const std::string& w, const std::string& k) {
    return read_string(n, w, k);
  }
  static void write(YAML::Emitter& out, const std::string& v) { out << YAML::DoubleQuoted << v; }
};
template <class T>
struct Codec<std::optional<T>> {
  static std::optional<T> read(const YAML::Node& n, const std::string& w, const std::string& k) {
    if (n.IsNull()) return std::nullopt;
    return Codec<T>::read(n, w, k);
  }
  static void write(YAML::Emitter& out, const std::optional<T>& v) {
    if (v)
      Codec<T>::write(out, *v);
    else
      out << YAML::Null;
  }
};
template <>
struct Codec<std::vector<std::string>> {
  static std::vector<std::string> read(const YAML::Node& n, const std::string& w, const std::string& k) {
    if (n.IsScalar() && !n.IsNull()) return {n.Scalar()};
    if (!n.IsSequence()) type_error(w, k, "a list of strings", n);
    std::vector<std::string> out;
    for (size_t i = 0; i < n.size(); ++i) out.push_back(read_string(n[i], w, str_cat(k, "[", i, "]")));
    return out;
  }
  static void write(YAML::Emitter& out, const std::vector<std::string>& v) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : v) out << YAML::DoubleQuoted << s;
    out << YAML::EndSeq;
  }
};
template <>
struct Codec<std::array<double, 2>> {
  static std::array<double, 2> read(const YAML::Node& n, const std::string& w, const std::string& k) {
    if (!n.IsSequence() || n.size() != 2) type_error(w, k, "a list of two numbers", n);
    return {read_double(n[0], w, k + "[0]"), read_double(n[1], w, k + "[1]")};
  }
  static void write(YAML::Emitter& out, const std::array<double, 2>& v) {
    out << YAML::Flow << YAML::BeginSeq << format_double(v[0]) << format_double(v[1]) << YAML::EndSeq;
  }
};

// Enumerations: the names a file uses.
template <class E>
struct EnumNames;
template <>
struct EnumNames<TorchDtype> {
  static constexpr std::pair<TorchDtype, const char*> table[] = {
      {TorchDtype::float32, "float32"}, {TorchDtype::bfloat16, "bfloat16"}, {TorchDtype::from_checkpoint, "auto"}};
};
template <>
struct EnumNames<OptimizerName> {
  static constexpr std::pair<OptimizerName, const char*> table[] = {{OptimizerName::adamw, "adamw"},
                                                                    {OptimizerName::sgd, "sgd"}};
};
template <>
struct EnumNames<DataFormat> {
  static constexpr std::pair<DataFormat, const char*> table[] = {{DataFormat::auto_detect, "auto"},
                                                                 {DataFormat::text, "text"},
                                                                 {DataFormat::prompt_completion, "prompt_completion"},
                                                                 {DataFormat::messages, "messages"}};
};

template <class E>
std::string enum_choices() {
  std::string s;
  for (const auto& [value, name] : EnumNames<E>::table) s += (s.empty() ? "" : ", ") + std::string(name);
  return s;
}

template <class E>
const char* enum_name(E e) {
  for (const auto& [value, name] : EnumNames<E>::table)
    if (value == e) return name;
  return "?";
}

template <class E>
  requires std::is_enum_v<E>
struct Codec<E> {
  static E read(const YAML::Node& n, const std::string& w, const std::string& k) {
    if (n.IsScalar() && !n.IsNull())
      for (const auto& [value, name] : EnumNames<E>::table)
        if (n.Scalar() == name) return value;
    type_error(w, k, str_cat("one of ", enum_choices<E>()), n);
  }
  static void write(YAML::Emitter& out, E v) { out << enum_name(v); }
};

struct Field {
  std::string section;
  std::string key;
  std::function<void(SftRecipe&, const YAML::Node&, const std::string& where)> read;
  std::function<void(const SftRecipe&, YAML::Emitter&)> write;
  std::string path() const { return section + "." + key; }
};

template <class Section, class T>
Field field(const char* section, const char* key, Section SftRecipe::*sec, T Section::*member) {
  const std::string path = str_cat(section, ".", key);
  return Field{section, key,
               [=](SftRecipe& r, const YAML::Node& n, const std::string& where) {
                 (r.*sec).*member = Codec<T>::read(n, where, path);
               },
               [=](const SftRecipe& r, YAML::Emitter& out) { Codec<T>::write(out, (r.*sec).*member); }};
}

const std::vector<Field>& schema() {
  using R = SftRecipe;
  static const std::vector<Field> fields = {
      field("model", "name_or_path", &R::model, &ModelSection::name_or_path),
      field("model", "torch_dtype", &R::model, &ModelSection::torch_dtype),
      field("data", "train_file", &R::data, &DataSection::train_file),
      field("data", "validation_file", &R::data, &DataSection::validation_file),
      field("data", "format", &R::data, &DataSection::format),
      field("data", "max_length", &R::data, &DataSection::max_length),
      field("data", "packing", &R::data, &DataSection::packing),
      field("data", "shuffle_seed", &R::data, &DataSection::shuffle_seed),
      field("data", "add_eos", &R::data, &DataSection::add_eos),
      field("training", "output_dir", &R::training, &TrainingSection::output_dir),
      field("training", "num_epochs", &R::training, &TrainingSection::num_epochs),
      field("training", "max_steps", &R::training, &TrainingSection::max_steps),
      field("training", "per_device_batch_size", &R::training, &TrainingSection::per_device_batch_size),
      field("training", "gradient_accumulation_steps", &R::training, &TrainingSection::gradient_accumulation_steps),
      field("training", "eval_every", &R::training, &TrainingSection::eval_every),
      field("training", "save_every", &R::training, &TrainingSection::save_every),
      field("training", "log_every", &R::training, &TrainingSection::log_every),
      field("training", "seed", &R::training, &TrainingSection::seed),
      field("training", "max_checkpoints_to_keep", &R::training, &TrainingSection::max_checkpoints_to_keep),
      field("optim", "name", &R::optim, &OptimSection::name),
      field("optim", "lr", &R::optim, &OptimSection::lr),
      field("optim", "betas", &R::optim, &OptimSection::betas),
      field("optim", "eps", &R::optim, &OptimSection::eps),
      field("optim", "weight_decay", &R::optim, &OptimSection::weight_decay),
      field("optim", "momentum", &R::optim, &OptimSection::momentum),
      field("optim", "max_grad_norm", &R::optim, &OptimSection::max_grad_norm),
      field("scheduler", "name", &R::scheduler, &SchedulerSection::name),
      field("scheduler", "warmup_steps", &R::scheduler, &SchedulerSection::warmup_steps),
      field("scheduler", "warmup_ratio", &R::scheduler, &SchedulerSection::warmup_ratio),
      field("lora", "enabled", &R::lora, &LoraSection::enabled),
      field("lora", "r", &R::lora, &LoraSection::r),
      field("lora", "alpha", &R::lora, &LoraSection::alpha),
      field("lora", "dropout", &R::lora, &LoraSection::dropout),
      field("lora", "target_modules", &R::lora, &LoraSection::target_modules),
      field("lora", "use_rslora", &R::lora, &LoraSection::use_rslora),
  };
  return fields;
}

std::vector<std::string> section_names() {
  std::vector<std::string> out;
  for (const auto& f : schema())
    if (std::find(out.begin(), out.end(), f.section) == out.end()) out.push_back(f.section);
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

void check_section(const std::string& section, const std::string& where) {
  const auto names = section_names();
  if (std::find(names.begin(), names.end(), section) == names.end())
    fail(where, ": unknown section '", section, "'; the sections are: ", join(names));
}

const Field& find_field(const std::string& section, const std::string& key, const std::string& where) {
  check_section(section, where);
  std::vector<std::string> keys;
  for (const auto& f : schema()) {
    if (f.section != section) continue;
    if (f.key == key) return f;
    keys.push_back(f.key);
  }
  fail(where, ": unknown key '", section, ".", key, "'; the keys of '", section, "' are: ", join(keys));
}

// The byte offset of the first malformed UTF-8 sequence (overlong forms, surrogates and code
// points above U+10FFFF included), or npos. yaml-cpp passes such bytes through into strings,
// which then cannot be written back as YAML.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b >> 6) != 0x2) return i;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return std::string_view::npos;
}

void check_utf8(std::string_view text, const std::string& source) {
  const size_t bad = invalid_utf8_at(text);
  if (bad == std::string_view::npos) return;
  const std::string_view head = text.substr(0, bad);
  const size_t newline = head.rfind('\n');
  const size_t line = 1 + size_t(std::count(head.begin(), head.end(), '\n'));
  const size_t column = bad - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
  fail(source, ":", line, ":", column, ": not UTF-8 text (byte 0x", std::hex,
       int(static_cast<unsigned char>(text[bad])), ")");
}

YAML::Node load_yaml(std::string_view text, const std::string& source) {
  check_utf8(text, source);
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail(location(source, e.mark), ": invalid YAML: ", e.msg);
  }
}

void read_file_node(SftRecipe& recipe, const YAML::Node& root, const std::string& source) {
  if (root.IsNull()) return;  // an empty file: every default
  if (!root.IsMap())
    fail(source, ": a recipe is a mapping of sections (", join(section_names()), "), found ", describe(root));
  std::set<std::string> sections_seen;
  for (const auto& entry : root) {
    const std::string where = location(source, entry.first.Mark());
    if (!entry.first.IsScalar()) fail(where, ": a section name must be a string, found ", describe(entry.first));
    const std::string section = entry.first.Scalar();
    check_section(section, where);
    if (!sections_seen.insert(section).second) fail(where, ": section '", section, "' appears twice");
    const YAML::Node& body = entry.second;
    if (body.IsNull()) continue;  // "lora:" with nothing under it
    if (!body.IsMap()) type_error(where, section, "a mapping of keys", body);
    std::set<std::string> keys_seen;
    for (const auto& item : body) {
      const std::string at = location(source, item.first.Mark());
      if (!item.first.IsScalar()) fail(at, ": a key of '", section, "' must be a string, found ", describe(item.first));
      const std::string key = item.first.Scalar();
      const Field& f = find_field(section, key, at);
      if (!keys_seen.insert(key).second) fail(at, ": key '", f.path(), "' appears twice");
      f.read(recipe, item.second, at);
      recipe.origin[f.path()] = at;
    }
  }
}

// Where a key was set, for an error about its value.
std::string origin_of(const SftRecipe& r, const std::string& key) {
  auto it = r.origin.find(key);
  if (it != r.origin.end()) return it->second;
  return r.source.empty() ? std::string("recipe") : r.source;
}

}  // namespace

std::string_view to_string(TorchDtype dtype) { return enum_name(dtype); }
std::string_view to_string(OptimizerName name) { return enum_name(name); }
std::string_view to_string(DataFormat format) { return enum_name(format); }

std::optional<DataFormat> data_format_from_string(std::string_view name) {
  for (const auto& [value, n] : EnumNames<DataFormat>::table)
    if (name == n) return value;
  return std::nullopt;
}

const std::vector<std::string>& lr_scheduler_names() {
  // transformers 4.47 SchedulerType values.
  static const std::vector<std::string> names = {
      "linear",       "cosine",       "cosine_with_restarts", "polynomial",         "constant",
      "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "warmup_stable_decay"};
  return names;
}

std::vector<std::string> recipe_keys() {
  std::vector<std::string> out;
  for (const auto& f : schema()) out.push_back(f.path());
  return out;
}

std::vector<RecipeOverride> parse_override_args(const std::vector<std::string>& args) {
  std::vector<RecipeOverride> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() <= 2 || word.compare(0, 2, "--") != 0)
      fail("command line: '", word, "' is not an override (expected --section.key value, e.g. --optim.lr 2e-4)");
    std::string body = word.substr(2);
    if (auto eq = body.find('='); eq != std::string::npos) {
      out.push_back({body.substr(0, eq), body.substr(eq + 1)});
      continue;
    }
    if (i + 1 >= args.size()) fail("command line: --", body, " needs a value");
    const std::string& value = args[i + 1];
    if (value.size() > 2 && value.compare(0, 2, "--") == 0)
      fail("command line: --", body, " needs a value (found the next option ", value, ")");
    out.push_back({body, value});
    ++i;
  }
  return out;
}

void apply_overrides(SftRecipe& recipe, const std::vector<RecipeOverride>& overrides) {
  for (const auto& o : overrides) {
    const std::string where = "--" + o.key;
    const auto dot = o.key.find('.');
    if (dot == std::string::npos || o.key.find('.', dot + 1) != std::string::npos || dot == 0 ||
        dot + 1 == o.key.size())
      fail(where, ": an override names section.key (e.g. --optim.lr 2e-4)");
    const Field& f = find_field(o.key.substr(0, dot), o.key.substr(dot + 1), where);
    YAML::Node value;
    if (invalid_utf8_at(o.value) != std::string_view::npos) fail(where, ": the value is not UTF-8 text");
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      fail(where, ": the value '", o.value, "' is not valid YAML: ", e.msg);
    }
    f.read(recipe, value, where);
    recipe.origin[f.path()] = where;
  }
}

SftRecipe parse_recipe(std::string_view yaml_text, const std::string& source,
                       const std::vector<RecipeOverride>& overrides) {
  SftRecipe recipe;
  recipe.source = source;
  read_file_node(recipe, load_yaml(yaml_text, source), source);
  apply_overrides(recipe, overrides);
  // transformers' data_seed = None: the data order follows the training seed.
  if (!recipe.origin.count("data.shuffle_seed")) recipe.data.shuffle_seed = recipe.training.seed;
  validate_recipe(recipe);
  return recipe;
}

SftRecipe load_recipe(const std::filesystem::path& file, const std::vector<RecipeOverride>& overrides) {
  std::error_code ec;
  AM_CHECK(std::filesystem::is_regular_file(file, ec), file.string(), ": recipe file not found");
  std::ifstream in(file, std::ios::binary);
  AM_CHECK(in, file.string(), ": cannot open the recipe file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_recipe(text, file.string(), overrides);
}

void validate_recipe(const SftRecipe& r) {
  auto require = [&](bool ok, const std::string& key, auto&&... what) {
    if (!ok) fail(origin_of(r, key), ": ", key, " ", what...);
  };
  auto required = [&](const std::string& value, const std::string& key, const char* meaning) {
    if (value.empty())
      fail(r.source.empty() ? std::string("recipe") : r.source, ": ", key, " is required (", meaning,
           "); set it in the recipe or with --", key);
  };
  required(r.model.name_or_path, "model.name_or_path", "the model folder or Hub id to fine-tune");
  required(r.data.train_file, "data.train_file", "the JSONL training data");
  required(r.training.output_dir, "training.output_dir", "where checkpoints and the final model go");

  const auto& d = r.data;
  require(!d.validation_file || !d.validation_file->empty(), "data.validation_file", "is an empty path (null for none)");
  require(d.max_length >= 2, "data.max_length", "must be at least 2 (one token and its next), found ", d.max_length);
  require(d.shuffle_seed >= 0, "data.shuffle_seed", "must be >= 0, found ", d.shuffle_seed);

  const auto& t = r.training;
  require(t.max_steps == -1 || t.max_steps > 0, "training.max_steps", "must be -1 (from num_epochs) or > 0, found ",
          t.max_steps);
  require(t.max_steps > 0 || t.num_epochs > 0, "training.num_epochs", "must be > 0 when max_steps is -1, found ",
          t.num_epochs);
  require(t.num_epochs >= 0, "training.num_epochs", "must be >= 0, found ", t.num_epochs);
  require(t.per_device_batch_size >= 1, "training.per_device_batch_size", "must be >= 1, found ",
          t.per_device_batch_size);
  require(t.gradient_accumulation_steps >= 1, "training.gradient_accumulation_steps", "must be >= 1, found ",
          t.gradient_accumulation_steps);
  require(t.eval_every >= 0, "training.eval_every", "must be >= 0 (0: never), found ", t.eval_every);
  require(t.save_every >= 0, "training.save_every", "must be >= 0 (0: only the final save), found ", t.save_every);
  require(t.log_every >= 1, "training.log_every", "must be >= 1, found ", t.log_every);
  require(t.seed >= 0, "training.seed", "must be >= 0, found ", t.seed);
  require(!t.max_checkpoints_to_keep || *t.max_checkpoints_to_keep >= 1, "training.max_checkpoints_to_keep",
          "must be >= 1 or null (keep all), found ", t.max_checkpoints_to_keep.value_or(0));
  require(t.eval_every == 0 || d.validation_file.has_value(), "training.eval_every", "is ", t.eval_every,
          " but data.validation_file is not set (nothing to evaluate on)");

  const auto& o = r.optim;
  require(o.lr > 0, "optim.lr", "must be > 0, found ", o.lr);
  for (int i = 0; i < 2; ++i)
    require(o.betas[i] >= 0 && o.betas[i] < 1, "optim.betas", "must be two numbers in [0, 1), found [", o.betas[0],
            ", ", o.betas[1], "]");
  require(o.eps >= 0, "optim.eps", "must be >= 0, found ", o.eps);
  require(o.weight_decay >= 0, "optim.weight_decay", "must be >= 0, found ", o.weight_decay);
  require(o.momentum >= 0, "optim.momentum", "must be >= 0, found ", o.momentum);
  require(o.max_grad_norm >= 0, "optim.max_grad_norm", "must be >= 0 (0: no clipping), found ", o.max_grad_norm);

  const auto& s = r.scheduler;
  const auto& names = lr_scheduler_names();
  require(std::find(names.begin(), names.end(), s.name) != names.end(), "scheduler.name",
          "must be a transformers lr_scheduler_type (", join(names), "), found '", s.name, "'");
  require(s.warmup_steps >= 0, "scheduler.warmup_steps", "must be >= 0, found ", s.warmup_steps);
  require(s.warmup_ratio >= 0 && s.warmup_ratio <= 1, "scheduler.warmup_ratio", "must be in [0, 1], found ",
          s.warmup_ratio);

  const auto& l = r.lora;
  require(l.r >= 1, "lora.r", "must be >= 1, found ", l.r);
  require(l.alpha > 0, "lora.alpha", "must be > 0, found ", l.alpha);
  require(l.dropout >= 0 && l.dropout < 1, "lora.dropout", "must be in [0, 1), found ", l.dropout);
  require(!l.enabled || !l.target_modules.empty(), "lora.target_modules",
          "must name at least one module glob when lora.enabled is true");
  for (const auto& g : l.target_modules) require(!g.empty(), "lora.target_modules", "contains an empty glob");
}

std::string recipe_to_yaml(const SftRecipe& recipe) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string open;
  for (const auto& f : schema()) {
    if (f.section != open) {
      if (!open.empty()) out << YAML::EndMap;
      out << YAML::Key << f.section << YAML::Value << YAML::BeginMap;
      open = f.section;
    }
    out << YAML::Key << f.key << YAML::Value;
    f.write(recipe, out);
  }
  if (!open.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  AM_CHECK(out.good(), "recipe_to_yaml: ", out.GetLastError());
  return std::string("# automodel SFT recipe: the effective values of this run (defaults filled in,\n"
                     "# command-line overrides applied).\n") +
         out.c_str() + "\n";
}

void save_recipe(const SftRecipe& recipe, const std::filesystem::path& path) {
  write_file_atomic(path, recipe_to_yaml(recipe));
}

SftDataOptions data_options(const DataSection& data) {
  SftDataOptions o;
  o.format = data.format;
  o.max_length = data.max_length;
  o.packing = data.packing;
  o.add_eos = data.add_eos;
  return o;
}

int64_t total_optimizer_steps(const SftRecipe& recipe, int64_t batches_per_epoch) {
  if (recipe.training.max_steps > 0) return recipe.training.max_steps;
  const int64_t per_epoch = std::max<int64_t>(batches_per_epoch / recipe.training.gradient_accumulation_steps, 1);
  return static_cast<int64_t>(std::ceil(recipe.training.num_epochs * static_cast<double>(per_epoch)));
}

}  // namespace automodel::recipes
