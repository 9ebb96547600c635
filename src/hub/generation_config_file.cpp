// generation_config.json ↔ GenerationConfigFile, through the same binder as config.json.
#include "automodel/hub/generation_config_file.h"

#include "automodel/core/error.h"
#include "json_binder.h"

namespace automodel {

namespace {

using G = GenerationConfigFile;
using Binder = detail::JsonBinder<G>;

template <class T>
std::function<T(const G&)> none() {
  return [](const G&) { return T{}; };
}

void bind(Binder& b) {
  b.field(&G::max_length, "max_length", int64_t(20));
  b.optional(&G::max_new_tokens, "max_new_tokens");
  b.field(&G::min_length, "min_length", int64_t(0));
  b.optional(&G::min_new_tokens, "min_new_tokens");
  b.optional(&G::max_time, "max_time");
  b.derived(&G::stop_strings, "stop_strings", none<std::vector<std::string>>());
  b.field(&G::do_sample, "do_sample", false);
  b.field(&G::num_beams, "num_beams", int64_t(1));
  b.field(&G::num_beam_groups, "num_beam_groups", int64_t(1));
  b.field(&G::diversity_penalty, "diversity_penalty", 0.0);
  b.optional(&G::penalty_alpha, "penalty_alpha");
  b.field(&G::temperature, "temperature", 1.0);
  b.field(&G::top_k, "top_k", int64_t(50));
  b.field(&G::top_p, "top_p", 1.0);
  b.optional(&G::min_p, "min_p");
  b.field(&G::typical_p, "typical_p", 1.0);
  b.field(&G::epsilon_cutoff, "epsilon_cutoff", 0.0);
  b.field(&G::eta_cutoff, "eta_cutoff", 0.0);
  b.field(&G::repetition_penalty, "repetition_penalty", 1.0);
  b.field(&G::encoder_repetition_penalty, "encoder_repetition_penalty", 1.0);
  b.field(&G::length_penalty, "length_penalty", 1.0);
  b.field(&G::no_repeat_ngram_size, "no_repeat_ngram_size", int64_t(0));
  b.field(&G::encoder_no_repeat_ngram_size, "encoder_no_repeat_ngram_size", int64_t(0));
  b.derived(&G::bad_words_ids, "bad_words_ids", none<std::vector<std::vector<int64_t>>>());
  b.derived(&G::suppress_tokens, "suppress_tokens", none<std::vector<int64_t>>());
  b.derived(&G::begin_suppress_tokens, "begin_suppress_tokens", none<std::vector<int64_t>>());
  b.optional(&G::forced_bos_token_id, "forced_bos_token_id");
  b.derived(&G::forced_eos_token_id, "forced_eos_token_id", none<std::vector<int64_t>>());
  b.field(&G::remove_invalid_values, "remove_invalid_values", false);
  b.field(&G::renormalize_logits, "renormalize_logits", false);
  b.optional(&G::guidance_scale, "guidance_scale");
  b.field(&G::num_return_sequences, "num_return_sequences", int64_t(1));
  b.field(&G::return_dict_in_generate, "return_dict_in_generate", false);
  b.field(&G::output_scores, "output_scores", false);
  b.optional(&G::output_logits, "output_logits");
  b.field(&G::output_attentions, "output_attentions", false);
  b.field(&G::output_hidden_states, "output_hidden_states", false);
  b.optional(&G::pad_token_id, "pad_token_id");
  b.optional(&G::bos_token_id, "bos_token_id");
  b.derived(&G::eos_token_id, "eos_token_id", none<std::vector<int64_t>>());
  b.derived(&G::decoder_start_token_id, "decoder_start_token_id", none<std::vector<int64_t>>());
  b.field(&G::use_cache, "use_cache", true);
  b.optional(&G::cache_implementation, "cache_implementation");
  b.optional(&G::transformers_version, "transformers_version");
  b.field(&G::from_model_config, "_from_model_config", false);
}

// early_stopping is true, false or "never": kept as that text.
void read_early_stopping(const json& raw, G& g, const std::string& where) {
  auto it = raw.find("early_stopping");
  if (it == raw.end() || it->is_null()) return;
  if (it->is_boolean()) g.early_stopping = it->get<bool>() ? "true" : "false";
  else if (it->is_string() && it->get<std::string>() == "never") g.early_stopping = "never";
  else fail(where, ": 'early_stopping' must be true, false or \"never\", found ", it->dump());
}

json early_stopping_json(const std::string& v, const std::string& where) {
  if (v == "true") return true;
  if (v == "false") return false;
  if (v == "never") return "never";
  fail(where, ": early_stopping must be \"true\", \"false\" or \"never\", found \"", v, "\"");
}

void read_decay(const json& raw, G& g, const std::string& where) {
  auto it = raw.find("exponential_decay_length_penalty");
  if (it == raw.end() || it->is_null()) return;
  AM_CHECK(it->is_array() && it->size() == 2 && ((*it)[0].is_number_integer() || (*it)[0].is_number_unsigned()) &&
               (*it)[1].is_number(),
           where, ": 'exponential_decay_length_penalty' must be [start_index, decay_factor], found ", it->dump());
  g.exponential_decay_start = (*it)[0].get<int64_t>();
  g.exponential_decay_factor = (*it)[1].get<double>();
}

}  // namespace

GenerationConfigFile GenerationConfigFile::from_json(const json& value, const std::string& where) {
  AM_CHECK(value.is_object(), where, ": expected a JSON object, found ", json_type_name(value));
  G g;
  g.raw = value;
  Binder b(Binder::Mode::Read, where, value, g);
  bind(b);
  read_early_stopping(value, g, where);
  read_decay(value, g, where);
  return g;
}

GenerationConfigFile GenerationConfigFile::load(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "generation_config.json" : path;
  return from_json(read_json_file(file), file.string());
}

json GenerationConfigFile::to_json() const {
  const std::string where = "generation config";
  const G baseline = from_json(raw, where);
  json out = raw;
  G self = *this;
  Binder b(Binder::Mode::Write, where, raw, self, &baseline, &out);
  bind(b);
  if (early_stopping != baseline.early_stopping) out["early_stopping"] = early_stopping_json(early_stopping, where);
  if (exponential_decay_start != baseline.exponential_decay_start ||
      exponential_decay_factor != baseline.exponential_decay_factor) {
    AM_CHECK(exponential_decay_start.has_value() == exponential_decay_factor.has_value(), where,
             ": exponential_decay_length_penalty needs both a start index and a decay factor");
    out["exponential_decay_length_penalty"] =
        exponential_decay_start ? json::array({*exponential_decay_start, *exponential_decay_factor}) : json(nullptr);
  }
  return out;
}

void GenerationConfigFile::save(const std::filesystem::path& path) const {
  const auto file = std::filesystem::is_directory(path) ? path / "generation_config.json" : path;
  // transformers writes json.dumps(..., indent=2, sort_keys=True) + "\n".
  const nlohmann::json sorted = nlohmann::json::parse(to_json().dump());
  write_file_atomic(file, sorted.dump(2, ' ', true) + "\n");
}

}  // namespace automodel
