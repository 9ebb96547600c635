#include "automodel/generation/generation_config.h"

#include <cmath>
#include <iostream>
#include <sstream>

#include "automodel/core/error.h"

namespace automodel {

GenerationLogger stderr_generation_logger() {
  return [](const std::string& m) { std::cerr << "automodel: " << m << "\n"; };
}

namespace {

// ---- typed readers: each names the key and the source on a type mismatch ----

[[noreturn]] void type_error(const std::string& what, const std::string& key, const char* expected, const json& v) {
  fail(what, ": `", key, "` must be ", expected, ", found ", json_type_name(v), " ", v.dump());
}

int64_t read_int(const json& v, const std::string& what, const std::string& key) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<int64_t>();
  // Python writes integral floats for ints only by mistake, but json.loads + HF would keep
  // working with them; accept exact integral values.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return int64_t(d);
  }
  type_error(what, key, "an integer", v);
}

double read_double(const json& v, const std::string& what, const std::string& key) {
  if (v.is_number()) return v.get<double>();
  type_error(what, key, "a number", v);
}

bool read_bool(const json& v, const std::string& what, const std::string& key) {
  if (v.is_boolean()) return v.get<bool>();
  type_error(what, key, "true or false", v);
}

std::string read_string(const json& v, const std::string& what, const std::string& key) {
  if (v.is_string()) return v.get<std::string>();
  type_error(what, key, "a string", v);
}

std::vector<int64_t> read_int_list(const json& v, const std::string& what, const std::string& key) {
  AM_CHECK(v.is_array(), what, ": `", key, "` must be a list of integers, found ", json_type_name(v), " ", v.dump());
  std::vector<int64_t> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(read_int(v[i], what, str_cat(key, "[", i, "]")));
  return out;
}

std::vector<int64_t> read_int_or_list(const json& v, const std::string& what, const std::string& key) {
  if (v.is_array()) return read_int_list(v, what, key);
  return {read_int(v, what, key)};
}

json int_or_list_json(const std::vector<int64_t>& ids) {
  if (ids.size() == 1) return ids[0];
  return json(ids);
}

template <class T>
json opt_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// ---- the field table: one entry per HF GenerationConfig attribute, in HF's order ----

struct Field {
  const char* name;
  std::function<void(GenerationConfig&, const json&, const std::string&)> set;  // value is non-null unless nullable
  std::function<json(const GenerationConfig&)> get;
};

template <class M>
Field int_field(const char* n, M GenerationConfig::*m) {
  return {n, [n, m](GenerationConfig& c, const json& v, const std::string& w) { c.*m = read_int(v, w, n); },
          [m](const GenerationConfig& c) { return json(c.*m); }};
}
Field opt_int_field(const char* n, std::optional<int64_t> GenerationConfig::*m) {
  return {n,
          [n, m](GenerationConfig& c, const json& v, const std::string& w) {
            c.*m = v.is_null() ? std::nullopt : std::optional<int64_t>(read_int(v, w, n));
          },
          [m](const GenerationConfig& c) { return opt_json(c.*m); }};
}
Field double_field(const char* n, double GenerationConfig::*m) {
  return {n, [n, m](GenerationConfig& c, const json& v, const std::string& w) { c.*m = read_double(v, w, n); },
          [m](const GenerationConfig& c) { return json(c.*m); }};
}
Field opt_double_field(const char* n, std::optional<double> GenerationConfig::*m) {
  return {n,
          [n, m](GenerationConfig& c, const json& v, const std::string& w) {
            c.*m = v.is_null() ? std::nullopt : std::optional<double>(read_double(v, w, n));
          },
          [m](const GenerationConfig& c) { return opt_json(c.*m); }};
}
Field bool_field(const char* n, bool GenerationConfig::*m) {
  return {n, [n, m](GenerationConfig& c, const json& v, const std::string& w) { c.*m = read_bool(v, w, n); },
          [m](const GenerationConfig& c) { return json(c.*m); }};
}
Field opt_bool_field(const char* n, std::optional<bool> GenerationConfig::*m) {
  return {n,
          [n, m](GenerationConfig& c, const json& v, const std::string& w) {
            c.*m = v.is_null() ? std::nullopt : std::optional<bool>(read_bool(v, w, n));
          },
          [m](const GenerationConfig& c) { return opt_json(c.*m); }};
}
Field json_field(const char* n, json GenerationConfig::*m) {
  return {n, [m](GenerationConfig& c, const json& v, const std::string&) { c.*m = v; },
          [m](const GenerationConfig& c) { return c.*m; }};
}
Field opt_ids_field(const char* n, std::optional<std::vector<int64_t>> GenerationConfig::*m, bool int_or_list) {
  return {n,
          [n, m, int_or_list](GenerationConfig& c, const json& v, const std::string& w) {
            if (v.is_null())
              c.*m = std::nullopt;
            else
              c.*m = int_or_list ? read_int_or_list(v, w, n) : read_int_list(v, w, n);
          },
          [m, int_or_list](const GenerationConfig& c) {
            if (!(c.*m)) return json(nullptr);
            return int_or_list ? int_or_list_json(*(c.*m)) : json(*(c.*m));
          }};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = [] {
    using C = GenerationConfig;
    std::vector<Field> f;
    f.push_back(int_field("max_length", &C::max_length));
    f.push_back(opt_int_field("max_new_tokens", &C::max_new_tokens));
    f.push_back(int_field("min_length", &C::min_length));
    f.push_back(opt_int_field("min_new_tokens", &C::min_new_tokens));
    f.push_back({"early_stopping",
                 [](C& c, const json& v, const std::string& w) {
                   if (v.is_boolean())
                     c.early_stopping = v.get<bool>() ? EarlyStopping::kTrue : EarlyStopping::kHeuristic;
                   else if (v.is_string() && v.get<std::string>() == "never")
                     c.early_stopping = EarlyStopping::kNever;
                   else
                     fail(w, ": `early_stopping` must be a boolean or 'never', but is ", v.dump());
                 },
                 [](const C& c) {
                   switch (c.early_stopping) {
                     case EarlyStopping::kTrue: return json(true);
                     case EarlyStopping::kNever: return json("never");
                     default: return json(false);
                   }
                 }});
    f.push_back(opt_double_field("max_time", &C::max_time));
    f.push_back({"stop_strings",
                 [](C& c, const json& v, const std::string& w) {
                   if (v.is_null()) {
                     c.stop_strings = std::nullopt;
                   } else if (v.is_string()) {
                     c.stop_strings = std::vector<std::string>{v.get<std::string>()};
                   } else {
                     AM_CHECK(v.is_array(), w, ": `stop_strings` must be a string or a list of strings, found ",
                              json_type_name(v));
                     std::vector<std::string> s;
                     for (size_t i = 0; i < v.size(); ++i) s.push_back(read_string(v[i], w, str_cat("stop_strings[", i, "]")));
                     c.stop_strings = s;
                   }
                 },
                 [](const C& c) { return c.stop_strings ? json(*c.stop_strings) : json(nullptr); }});
    f.push_back(bool_field("do_sample", &C::do_sample));
    f.push_back(int_field("num_beams", &C::num_beams));
    f.push_back(int_field("num_beam_groups", &C::num_beam_groups));
    f.push_back(opt_double_field("penalty_alpha", &C::penalty_alpha));
    f.push_back(json_field("dola_layers", &C::dola_layers));
    f.push_back(bool_field("use_cache", &C::use_cache));
    f.push_back({"cache_implementation",
                 [](C& c, const json& v, const std::string& w) {
                   c.cache_implementation =
                       v.is_null() ? std::nullopt : std::optional<std::string>(read_string(v, w, "cache_implementation"));
                 },
                 [](const C& c) { return opt_json(c.cache_implementation); }});
    f.push_back(json_field("cache_config", &C::cache_config));
    f.push_back(opt_bool_field("return_legacy_cache", &C::return_legacy_cache));
    f.push_back(double_field("temperature", &C::temperature));
    f.push_back(int_field("top_k", &C::top_k));
    f.push_back(double_field("top_p", &C::top_p));
    f.push_back(opt_double_field("min_p", &C::min_p));
    f.push_back(double_field("typical_p", &C::typical_p));
    f.push_back(double_field("epsilon_cutoff", &C::epsilon_cutoff));
    f.push_back(double_field("eta_cutoff", &C::eta_cutoff));
    f.push_back(double_field("diversity_penalty", &C::diversity_penalty));
    f.push_back(double_field("repetition_penalty", &C::repetition_penalty));
    f.push_back(double_field("encoder_repetition_penalty", &C::encoder_repetition_penalty));
    f.push_back(double_field("length_penalty", &C::length_penalty));
    f.push_back(int_field("no_repeat_ngram_size", &C::no_repeat_ngram_size));
    f.push_back({"bad_words_ids",
                 [](C& c, const json& v, const std::string& w) {
                   if (v.is_null()) {
                     c.bad_words_ids = std::nullopt;
                     return;
                   }
                   AM_CHECK(v.is_array() && !v.empty(), w, ": `bad_words_ids` has to be a non-empty list, but is ",
                            v.dump());
                   std::vector<std::vector<int64_t>> out;
                   for (size_t i = 0; i < v.size(); ++i) {
                     AM_CHECK(v[i].is_array(), w, ": `bad_words_ids` has to be a list of lists, but is ", v.dump());
                     out.push_back(read_int_list(v[i], w, str_cat("bad_words_ids[", i, "]")));
                     for (int64_t t : out.back())
                       AM_CHECK(t >= 0, w, ": Each list in `bad_words_ids` has to be a list of positive integers, but is ",
                                v.dump());
                   }
                   c.bad_words_ids = out;
                 },
                 [](const C& c) { return c.bad_words_ids ? json(*c.bad_words_ids) : json(nullptr); }});
    f.push_back(json_field("force_words_ids", &C::force_words_ids));
    f.push_back(bool_field("renormalize_logits", &C::renormalize_logits));
    f.push_back(json_field("constraints", &C::constraints));
    f.push_back(opt_int_field("forced_bos_token_id", &C::forced_bos_token_id));
    f.push_back(opt_ids_field("forced_eos_token_id", &C::forced_eos_token_id, true));
    f.push_back(bool_field("remove_invalid_values", &C::remove_invalid_values));
    f.push_back({"exponential_decay_length_penalty",
                 [](C& c, const json& v, const std::string& w) {
                   if (v.is_null()) {
                     c.exponential_decay_length_penalty = std::nullopt;
                     return;
                   }
                   AM_CHECK(v.is_array() && v.size() == 2, w,
                            ": `exponential_decay_length_penalty` must be [start_index, decay_factor], found ", v.dump());
                   c.exponential_decay_length_penalty =
                       std::make_pair(read_int(v[0], w, "exponential_decay_length_penalty[0]"),
                                      read_double(v[1], w, "exponential_decay_length_penalty[1]"));
                 },
                 [](const C& c) {
                   if (!c.exponential_decay_length_penalty) return json(nullptr);
                   return json::array(
                       {c.exponential_decay_length_penalty->first, c.exponential_decay_length_penalty->second});
                 }});
    f.push_back(opt_ids_field("suppress_tokens", &C::suppress_tokens, false));
    f.push_back(opt_ids_field("begin_suppress_tokens", &C::begin_suppress_tokens, false));
    f.push_back(json_field("forced_decoder_ids", &C::forced_decoder_ids));
    f.push_back({"sequence_bias",
                 [](C& c, const json& v, const std::string& w) {
                   if (v.is_null()) {
                     c.sequence_bias = std::nullopt;
                     return;
                   }
                   AM_CHECK(v.is_array() && !v.empty(), w,
                            ": `sequence_bias` has to be a non-empty list of [[token ids], bias] pairs, but is ", v.dump());
                   std::vector<std::pair<std::vector<int64_t>, double>> out;
                   for (size_t i = 0; i < v.size(); ++i) {
                     const json& e = v[i];
                     AM_CHECK(e.is_array() && e.size() == 2 && e[0].is_array() && !e[0].empty() && e[1].is_number_float(),
                              w,
                              ": Each element in `sequence_bias` has to be a non-empty list of lists of positive integers "
                              "and float, but is ",
                              v.dump());
                     auto ids = read_int_list(e[0], w, str_cat("sequence_bias[", i, "][0]"));
                     for (int64_t t : ids)
                       AM_CHECK(t > 0, w,
                                ": Each element in `sequence_bias` has to be a non-empty list of lists of positive "
                                "integers and float, but is ",
                                v.dump());
                     out.emplace_back(std::move(ids), e[1].get<double>());
                   }
                   c.sequence_bias = out;
                 },
                 [](const C& c) {
                   if (!c.sequence_bias) return json(nullptr);
                   json a = json::array();
                   for (auto& [ids, b] : *c.sequence_bias) a.push_back(json::array({json(ids), b}));
                   return a;
                 }});
    f.push_back(bool_field("token_healing", &C::token_healing));
    f.push_back(opt_double_field("guidance_scale", &C::guidance_scale));
    f.push_back(opt_bool_field("low_memory", &C::low_memory));
    f.push_back(json_field("watermarking_config", &C::watermarking_config));
    f.push_back(int_field("num_return_sequences", &C::num_return_sequences));
    f.push_back(bool_field("output_attentions", &C::output_attentions));
    f.push_back(bool_field("output_hidden_states", &C::output_hidden_states));
    f.push_back(bool_field("output_scores", &C::output_scores));
    f.push_back(opt_bool_field("output_logits", &C::output_logits));
    f.push_back(bool_field("return_dict_in_generate", &C::return_dict_in_generate));
    f.push_back(opt_int_field("pad_token_id", &C::pad_token_id));
    f.push_back(opt_int_field("bos_token_id", &C::bos_token_id));
    f.push_back(opt_ids_field("eos_token_id", &C::eos_token_id, true));
    f.push_back(int_field("encoder_no_repeat_ngram_size", &C::encoder_no_repeat_ngram_size));
    f.push_back(opt_int_field("decoder_start_token_id", &C::decoder_start_token_id));
    f.push_back(int_field("num_assistant_tokens", &C::num_assistant_tokens));
    f.push_back({"num_assistant_tokens_schedule",
                 [](C& c, const json& v, const std::string& w) {
                   c.num_assistant_tokens_schedule = read_string(v, w, "num_assistant_tokens_schedule");
                 },
                 [](const C& c) { return json(c.num_assistant_tokens_schedule); }});
    f.push_back(double_field("assistant_confidence_threshold", &C::assistant_confidence_threshold));
    f.push_back(opt_int_field("prompt_lookup_num_tokens", &C::prompt_lookup_num_tokens));
    f.push_back(opt_int_field("max_matching_ngram_size", &C::max_matching_ngram_size));
    f.push_back(opt_int_field("assistant_early_exit", &C::assistant_early_exit));
    f.push_back(int_field("assistant_lookbehind", &C::assistant_lookbehind));
    f.push_back(int_field("target_lookbehind", &C::target_lookbehind));
    f.push_back(json_field("generation_kwargs", &C::generation_kwargs));
    return f;
  }();
  return table;
}

const Field* find_field(const std::string& key) {
  for (const auto& f : fields())
    if (key == f.name) return &f;
  return nullptr;
}

// Fields whose JSON null means "unset" (their C++ type can hold it). For the others a null in a
// file means the HF attribute is None, which HF itself would then trip over; we reject it.
bool nullable(const GenerationConfig& defaults, const Field& f) {
  json d = f.get(defaults);
  if (d.is_null()) return true;
  return d.is_object() && d.empty() && std::string(f.name) == "generation_kwargs";
}

void set_field(GenerationConfig& c, const Field& f, const json& v, const std::string& what) {
  static const GenerationConfig defaults;
  if (v.is_null() && !nullable(defaults, f)) {
    // HF: `num_beams=None` warns and becomes 1 in validate(); the other fields would crash later.
    if (std::string(f.name) == "num_beams") {
      c.num_beams = -1;  // marker handled by validate()
      return;
    }
    fail(what, ": `", f.name, "` cannot be null");
  }
  f.set(c, v, what);
}

}  // namespace

GenerationConfig GenerationConfig::from_json(const json& j, const std::string& what, const GenerationLogger& log) {
  AM_CHECK(j.is_object(), what, ": expected a JSON object, found ", json_type_name(j));
  GenerationConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "_from_model_config") {
      c.is_from_model_config = read_bool(it.value(), what, key);
    } else if (key == "transformers_version") {
      if (it.value().is_string()) c.transformers_version = it.value().get<std::string>();
    } else if (key == "_commit_hash" || key == "_original_object_hash") {
      // metadata HF drops
    } else if (const Field* f = find_field(key)) {
      set_field(c, *f, it.value(), what);
    } else {
      c.extra[key] = it.value();
    }
  }
  c.validate(log, /*is_init=*/true);
  return c;
}

GenerationConfig GenerationConfig::from_model_config(const json& config, const std::string& what,
                                                     const GenerationLogger& log) {
  AM_CHECK(config.is_object(), what, ": expected a JSON object, found ", json_type_name(config));
  GenerationConfig c;
  c.is_from_model_config = true;
  // HF passes config.to_dict() minus None values with _from_model_config=True, which makes the
  // constructor ignore keys that are not GenerationConfig fields.
  for (auto it = config.begin(); it != config.end(); ++it) {
    if (it.value().is_null()) continue;
    if (const Field* f = find_field(it.key())) set_field(c, *f, it.value(), what);
  }
  // Composite configs: the decoder's text_config fills the fields the top level left at defaults.
  if (auto tc = config.find("text_config"); tc != config.end() && tc->is_object()) {
    static const GenerationConfig defaults;
    for (const auto& f : fields()) {
      auto v = tc->find(f.name);
      if (v == tc->end() || v->is_null()) continue;
      if (f.get(c) == f.get(defaults)) set_field(c, f, *v, what + " (text_config)");
    }
  }
  if (!c.return_dict_in_generate &&
      (c.output_attentions || c.output_hidden_states || c.output_scores || c.output_logits.value_or(false)))
    c.return_dict_in_generate = true;
  c.validate(log, /*is_init=*/true);
  return c;
}

GenerationConfig GenerationConfig::for_model(const json& config_json, const json& generation_config_json,
                                             const GenerationLogger& log) {
  if (!generation_config_json.is_null()) return from_json(generation_config_json, "generation_config.json", log);
  return from_model_config(config_json, "config.json", log);
}

void GenerationConfig::update(const json& kwargs, const GenerationLogger& log) {
  AM_CHECK(kwargs.is_object(), "generate() kwargs must be a JSON object, found ", json_type_name(kwargs));
  std::vector<std::string> unknown;
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    if (const Field* f = find_field(it.key()))
      set_field(*this, *f, it.value(), "generate() kwargs");
    else
      unknown.push_back(it.key());
  }
  if (!unknown.empty()) {
    std::string list;
    for (auto& u : unknown) list += (list.empty() ? "" : ", ") + ("'" + u + "'");
    fail("The following generation kwargs are not GenerationConfig fields and are not used by generate(): [", list,
         "]");
  }
  validate(log);
}

void GenerationConfig::validate(const GenerationLogger& log, bool is_init) {
  auto warn = [&](const std::string& m) {
    if (log) log(m);
  };
  if (max_new_tokens && *max_new_tokens <= 0)
    fail("`max_new_tokens` must be greater than 0, but is ", *max_new_tokens, ".");
  if (pad_token_id && *pad_token_id < 0)
    warn(str_cat("`pad_token_id` should be positive but got ", *pad_token_id,
                 ". This will cause errors when batch generating, if there is padding. Please set `pad_token_id` "
                 "explicitly as `model.generation_config.pad_token_id=PAD_TOKEN_ID` to avoid errors in generation"));
  const std::string fix_location =
      is_init ? " This was detected when initializing the generation config instance, which means the corresponding "
                "file may hold incorrect parameterization and should be fixed."
              : "";
  auto fmt = [](double v) {
    std::ostringstream os;
    os << v;
    std::string s = os.str();
    if (s.find_first_of(".e") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
    return s;
  };
  if (!do_sample) {
    auto greedy_wrong = [&](const char* flag, const std::string& value) {
      warn(str_cat("`do_sample` is set to `False`. However, `", flag, "` is set to `", value,
                   "` -- this flag is only used in sample-based generation modes. You should set `do_sample=True` or "
                   "unset `",
                   flag, "`.", fix_location));
    };
    if (temperature != 1.0) greedy_wrong("temperature", fmt(temperature));
    if (top_p != 1.0) greedy_wrong("top_p", fmt(top_p));
    if (min_p) greedy_wrong("min_p", fmt(*min_p));
    if (typical_p != 1.0) greedy_wrong("typical_p", fmt(typical_p));
    if (top_k != 50 && !penalty_alpha) greedy_wrong("top_k", std::to_string(top_k));
    if (epsilon_cutoff != 0.0) greedy_wrong("epsilon_cutoff", fmt(epsilon_cutoff));
    if (eta_cutoff != 0.0) greedy_wrong("eta_cutoff", fmt(eta_cutoff));
  }
  if (num_beams == -1) {
    warn("`num_beams` is set to None - defaulting to 1.");
    num_beams = 1;
  }
  AM_CHECK(num_beams >= 1, "`num_beams` has to be a positive integer, but is ", num_beams, ".");
  if (num_beams == 1) {
    auto single_beam_wrong = [&](const char* flag, const std::string& value) {
      warn(str_cat("`num_beams` is set to 1. However, `", flag, "` is set to `", value,
                   "` -- this flag is only used in beam-based generation modes. You should set `num_beams>1` or unset `",
                   flag, "`.", fix_location));
    };
    if (early_stopping != EarlyStopping::kHeuristic)
      single_beam_wrong("early_stopping", early_stopping == EarlyStopping::kTrue ? "True" : "never");
    if (num_beam_groups != 1) single_beam_wrong("num_beam_groups", std::to_string(num_beam_groups));
    if (diversity_penalty != 0.0) single_beam_wrong("diversity_penalty", fmt(diversity_penalty));
    if (length_penalty != 1.0) single_beam_wrong("length_penalty", fmt(length_penalty));
    if (!constraints.is_null()) single_beam_wrong("constraints", constraints.dump());
  } else {
    if (!constraints.is_null() || !force_words_ids.is_null()) {
      auto constrained_wrong = [&](const char* flag, const std::string& value) {
        fail("one of `constraints`, `force_words_ids` is not `None`, triggering constrained beam search. However, `",
             flag, "` is set to `", value,
             "`, which is incompatible with this generation mode. Set `constraints` and `force_words_ids` to `None` or "
             "unset `",
             flag, "` to continue.", fix_location);
      };
      if (do_sample) constrained_wrong("do_sample", "True");
      if (num_beam_groups != 1) constrained_wrong("num_beam_groups", std::to_string(num_beam_groups));
    }
    if (diversity_penalty != 0.0 || num_beam_groups != 1) {
      const std::string prefix =
          "`diversity_penalty` is not 0.0 or `num_beam_groups` is not 1, triggering group beam search. In this "
          "generation mode, ";
      if (do_sample) fail(prefix, "`do_sample` must be set to `False`");
      if (num_beam_groups <= 0 || num_beams % num_beam_groups != 0)
        fail(prefix, "`num_beams` should be divisible by `num_beam_groups`");
      if (diversity_penalty == 0.0)
        fail(prefix, "`diversity_penalty` should be greater than `0.0`, otherwise your groups will be identical.");
    }
    if (!dola_layers.is_null() && repetition_penalty < 1.2)
      warn(str_cat("`dola_layers` is set to trigger DoLa decoding, but `repetition_penalty` is set to a value of ",
                   fmt(repetition_penalty),
                   ", which could induce unwanted repetition. The recommended value for DoLa decoding is "
                   "`repetition_penalty>=1.2`."));
  }
  if (num_return_sequences != 1) {
    if (num_beams == 1) {
      if (!do_sample)
        fail("Greedy methods without beam search do not support `num_return_sequences` different than 1 (got ",
             num_return_sequences, ").");
    } else if (num_return_sequences > num_beams) {
      fail("`num_return_sequences` (", num_return_sequences, ") has to be smaller or equal to `num_beams` (", num_beams,
           ").");
    }
  }
  AM_CHECK(num_return_sequences >= 1, "`num_return_sequences` has to be a positive integer, but is ",
           num_return_sequences, ".");
  if (cache_implementation) {
    static const char* known[] = {"static", "offloaded_static", "sliding_window", "hybrid", "mamba",
                                  "quantized", "offloaded"};
    bool ok = false;
    for (const char* k : known) ok = ok || *cache_implementation == k;
    if (!ok)
      fail("Invalid `cache_implementation` (", *cache_implementation,
           "). Choose one of: ['static', 'offloaded_static', 'sliding_window', 'hybrid', 'mamba', 'quantized', "
           "'offloaded']");
  }
  if (!use_cache) {
    auto no_cache = [&](const char* arg, const std::string& value) {
      warn(str_cat("You have set `use_cache` to `False`, but ", arg, " is set to ", value, ". ", arg,
                   " will have no effect."));
    };
    if (cache_implementation) no_cache("cache_implementation", *cache_implementation);
    if (!cache_config.is_null()) no_cache("cache_config", cache_config.dump());
    if (return_legacy_cache) no_cache("return_legacy_cache", *return_legacy_cache ? "True" : "False");
  }
  if (!return_dict_in_generate) {
    auto extra_flag = [&](const char* flag) {
      warn(str_cat("`return_dict_in_generate` is NOT set to `True`, but `", flag,
                   "` is. When `return_dict_in_generate` is not `True`, `", flag, "` is ignored."));
    };
    if (output_attentions) extra_flag("output_attentions");
    if (output_hidden_states) extra_flag("output_hidden_states");
    if (output_scores) extra_flag("output_scores");
    if (output_logits.value_or(false)) extra_flag("output_logits");
  }
}

GenerationMode GenerationConfig::mode() const {
  if (num_beams == 1) return do_sample ? GenerationMode::kSample : GenerationMode::kGreedy;
  return do_sample ? GenerationMode::kBeamSample : GenerationMode::kBeamSearch;
}

json GenerationConfig::to_json() const {
  json j = json::object();
  for (const auto& f : fields()) j[f.name] = f.get(*this);
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  j["_from_model_config"] = is_from_model_config;
  if (!transformers_version.empty()) j["transformers_version"] = transformers_version;
  return j;
}

json GenerationConfig::to_diff_json() const {
  static const GenerationConfig defaults;
  json j = json::object();
  for (const auto& f : fields()) {
    json v = f.get(*this);
    if (v != f.get(defaults)) j[f.name] = v;
  }
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  if (is_from_model_config) j["_from_model_config"] = true;
  if (!transformers_version.empty()) j["transformers_version"] = transformers_version;
  return j;
}

}  // namespace automodel
