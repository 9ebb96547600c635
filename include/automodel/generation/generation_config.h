// GenerationConfig: every field of transformers' GenerationConfig (v4.47) with HF's defaults, read
// from generation_config.json / config.json and call-site kwargs (both JSON objects keyed by the
// HF names), validated like HF's GenerationConfig.validate(). See src/generation/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automodel/hub/json_file.h"

namespace automodel {

// Where HF emits `warnings.warn` / `logger.warning`, generation calls this hook with the same
// text. No hook means silence (a library must not write to stderr uninvited).
using GenerationLogger = std::function<void(const std::string& message)>;
// A logger that prints "automodel: <message>" lines on stderr.
GenerationLogger stderr_generation_logger();

// HF's early_stopping: true | false (the "is it unlikely to find better" heuristic) | "never".
enum class EarlyStopping { kHeuristic, kTrue, kNever };

enum class GenerationMode { kGreedy, kSample, kBeamSearch, kBeamSample };

struct GenerationConfig {
  // ---- length ----
  int64_t max_length = 20;  // prompt + new tokens
  std::optional<int64_t> max_new_tokens;
  int64_t min_length = 0;
  std::optional<int64_t> min_new_tokens;
  EarlyStopping early_stopping = EarlyStopping::kHeuristic;
  std::optional<double> max_time;  // seconds
  std::optional<std::vector<std::string>> stop_strings;

  // ---- strategy ----
  bool do_sample = false;
  int64_t num_beams = 1;
  int64_t num_beam_groups = 1;
  std::optional<double> penalty_alpha;  // contrastive search (not supported: generate() refuses it)
  json dola_layers;                     // DoLa (not supported: generate() refuses it)

  // ---- cache ----
  bool use_cache = true;
  std::optional<std::string> cache_implementation;  // informational: models own their cache
  json cache_config;
  std::optional<bool> return_legacy_cache;

  // ---- logit shaping ----
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  std::optional<double> min_p;
  double typical_p = 1.0;
  double epsilon_cutoff = 0.0;
  double eta_cutoff = 0.0;
  double diversity_penalty = 0.0;
  double repetition_penalty = 1.0;
  double encoder_repetition_penalty = 1.0;
  double length_penalty = 1.0;
  int64_t no_repeat_ngram_size = 0;
  std::optional<std::vector<std::vector<int64_t>>> bad_words_ids;
  json force_words_ids;  // constrained beam search (not supported: generate() refuses it)
  bool renormalize_logits = false;
  json constraints;
  std::optional<int64_t> forced_bos_token_id;
  std::optional<std::vector<int64_t>> forced_eos_token_id;  // int or list in JSON
  bool remove_invalid_values = false;
  std::optional<std::pair<int64_t, double>> exponential_decay_length_penalty;  // (start_index, decay_factor)
  std::optional<std::vector<int64_t>> suppress_tokens;
  std::optional<std::vector<int64_t>> begin_suppress_tokens;
  json forced_decoder_ids;
  // sequence_bias: [[token ids], bias] pairs (HF's list form; its dict form has tuple keys, which
  // JSON cannot spell).
  std::optional<std::vector<std::pair<std::vector<int64_t>, double>>> sequence_bias;
  bool token_healing = false;
  std::optional<double> guidance_scale;
  std::optional<bool> low_memory;
  json watermarking_config;

  // ---- outputs ----
  int64_t num_return_sequences = 1;
  bool output_attentions = false;
  bool output_hidden_states = false;
  bool output_scores = false;
  std::optional<bool> output_logits;
  bool return_dict_in_generate = false;

  // ---- special tokens ----
  std::optional<int64_t> pad_token_id;
  std::optional<int64_t> bos_token_id;
  std::optional<std::vector<int64_t>> eos_token_id;  // int or list in JSON
  int64_t encoder_no_repeat_ngram_size = 0;
  std::optional<int64_t> decoder_start_token_id;

  // ---- assisted generation (not supported: generate() refuses an assistant) ----
  int64_t num_assistant_tokens = 20;
  std::string num_assistant_tokens_schedule = "constant";
  double assistant_confidence_threshold = 0.4;
  std::optional<int64_t> prompt_lookup_num_tokens;
  std::optional<int64_t> max_matching_ngram_size;
  std::optional<int64_t> assistant_early_exit;
  int64_t assistant_lookbehind = 10;
  int64_t target_lookbehind = 10;
  json generation_kwargs = json::object();

  // ---- metadata ----
  bool is_from_model_config = false;  // "_from_model_config"
  std::string transformers_version;
  // Keys HF would keep as plain attributes (unknown to GenerationConfig), in file order.
  json extra = json::object();

  // Reads a generation_config.json object. `what` names the source in errors ("<dir>/
  // generation_config.json"). Wrong types fail naming the key; unknown keys go to `extra`.
  // Runs validate(is_init=true) like HF's constructor.
  static GenerationConfig from_json(const json& j, const std::string& what, const GenerationLogger& log = {});
  // HF's GenerationConfig.from_model_config: the generation keys of config.json (non-null ones),
  // other keys ignored; a `text_config` fills fields still at their defaults.
  static GenerationConfig from_model_config(const json& config, const std::string& what,
                                            const GenerationLogger& log = {});
  // The model's default layer: generation_config.json when the model has one, else derived from
  // config.json (what from_pretrained does).
  static GenerationConfig for_model(const json& config_json, const json& generation_config_json,
                                    const GenerationLogger& log = {});

  // Call-site overrides (HF's generate(**kwargs) / GenerationConfig.update): every key must be a
  // GenerationConfig field; anything else is an error naming the key (HF raises for kwargs the
  // model does not use). Runs validate() afterwards.
  void update(const json& kwargs, const GenerationLogger& log = {});

  // HF's validate(): throws automodel::Error where HF raises ValueError, calls `log` where it warns.
  void validate(const GenerationLogger& log = {}, bool is_init = false);

  GenerationMode mode() const;
  // The whole config as HF's to_dict() would write it (all fields, HF names).
  json to_json() const;
  // Only the fields that differ from the defaults (HF's to_diff_dict, what save_pretrained writes).
  json to_diff_json() const;
};

}  // namespace automodel
