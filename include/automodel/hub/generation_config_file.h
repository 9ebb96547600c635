// generation_config.json as a plain struct of the HF GenerationConfig fields
// (transformers generation/configuration_utils.py defaults), with every key of the file kept and
// written back. Parsing and serialising only: what the fields mean when generating belongs to
// the generation/ layer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automodel/hub/json_file.h"

namespace automodel {

struct GenerationConfigFile {
  json raw = json::object();  // the file as read (every key)

  // Length
  int64_t max_length = 20;
  std::optional<int64_t> max_new_tokens;
  int64_t min_length = 0;
  std::optional<int64_t> min_new_tokens;
  std::optional<double> max_time;
  std::vector<std::string> stop_strings;  // a string or a list in the file
  // early_stopping: true, false or "never" (beam search only).
  std::string early_stopping = "false";
  // Strategy
  bool do_sample = false;
  int64_t num_beams = 1;
  int64_t num_beam_groups = 1;
  double diversity_penalty = 0.0;
  std::optional<double> penalty_alpha;
  // Logit shaping
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  std::optional<double> min_p;
  double typical_p = 1.0;
  double epsilon_cutoff = 0.0;
  double eta_cutoff = 0.0;
  double repetition_penalty = 1.0;
  double encoder_repetition_penalty = 1.0;
  double length_penalty = 1.0;
  int64_t no_repeat_ngram_size = 0;
  int64_t encoder_no_repeat_ngram_size = 0;
  std::vector<std::vector<int64_t>> bad_words_ids;
  std::vector<int64_t> suppress_tokens;
  std::vector<int64_t> begin_suppress_tokens;
  std::optional<int64_t> forced_bos_token_id;
  std::vector<int64_t> forced_eos_token_id;  // one id or several
  bool remove_invalid_values = false;
  bool renormalize_logits = false;
  std::optional<double> guidance_scale;
  // exponential_decay_length_penalty: [start_index, decay_factor]
  std::optional<int64_t> exponential_decay_start;
  std::optional<double> exponential_decay_factor;
  // Outputs
  int64_t num_return_sequences = 1;
  bool return_dict_in_generate = false;
  bool output_scores = false;
  std::optional<bool> output_logits;
  bool output_attentions = false;
  bool output_hidden_states = false;
  // Special tokens
  std::optional<int64_t> pad_token_id;
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_id;  // any of them stops a row; empty when unset
  std::vector<int64_t> decoder_start_token_id;
  // Cache
  bool use_cache = true;
  std::optional<std::string> cache_implementation;
  // Provenance
  std::optional<std::string> transformers_version;
  bool from_model_config = false;  // "_from_model_config"

  // `where` names the source in errors.
  static GenerationConfigFile from_json(const json& value, const std::string& where = "generation_config.json");
  // Reads a generation_config.json file or the one in a folder.
  static GenerationConfigFile load(const std::filesystem::path& path);
  // The original JSON with changed fields updated; fields absent from the file are added only
  // when they differ from the HF default (HF writes only non-default fields).
  json to_json() const;
  void save(const std::filesystem::path& path) const;
};

}  // namespace automodel
