// What several subcommands share: finding and loading a model (folder or Hub id), the common
// generation flags and their translation into generate() kwargs, and output helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automodel/automodel.h"

namespace automodel::cli {

// A model argument: an existing folder is used as is; a path-looking argument ("/x", "./x",
// "~/x", "x/y/z") that does not exist is an error; anything else is a Hub repo id resolved
// through the HF cache (downloaded with a progress bar when stderr is a terminal).
std::filesystem::path resolve_model_arg(const std::string& id_or_path, const HubFilePatterns& files = {});

struct ModelFlags {
  std::string model;
  std::string dtype = "float32";
  int threads = 0;  // 0: the thread pool's default
  bool local_only = false;
};
void add_model_flags(CLI::App* cmd, ModelFlags& f, bool with_dtype = true);

struct LoadedModel {
  std::filesystem::path folder;
  std::unique_ptr<AutoTokenizer> tokenizer;  // null when not asked for
  std::unique_ptr<CausalLM> model;
};
// Tokenizer and weights; a status line on stderr while loading when stderr is a terminal.
LoadedModel load_model(const ModelFlags& f, bool with_model = true, bool with_tokenizer = true);

struct GenerationFlags {
  std::optional<int64_t> max_new_tokens;
  bool do_sample = false, greedy = false;
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k, num_beams, no_repeat_ngram_size;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool verbose = false;  // generation warnings on stderr
};
void add_generation_flags(CLI::App* cmd, GenerationFlags& g);
// Only the flags given: the model's generation_config.json stays the default layer.
json generation_kwargs(const GenerationFlags& g);
// Seed, warnings and the tokenizer hook stop strings need.
GenerateOptions generation_options(const GenerationFlags& g, const AutoTokenizer& tokenizer);

// Writes and flushes (streamed text must appear as it is produced).
void write_out(const std::string& text);
// A chat template given on the command line: a file's contents when `value` names a file, else
// the template text (or a template name) itself.
std::optional<std::string> chat_template_arg(const std::string& value);

// Flag value checks with one-sentence messages ("must be greater than 0, found -1").
CLI::Validator greater_than(double bound);  // value > bound
CLI::Validator at_least(double bound);      // value >= bound
CLI::Validator in_range(double lo, double hi, bool lo_open);  // (lo, hi] or [lo, hi]

std::string human_bytes(uint64_t n);  // decimal units, like the Hub
std::string with_commas(uint64_t n);

}  // namespace automodel::cli
