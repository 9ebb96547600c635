// The component interfaces of a tokenizer.json pipeline, one per stage, mirroring HF
// `tokenizers`: normalizers, pre-tokenizers, models, post-processors, decoders. Each concrete
// component is built from its JSON object (both the old and the new tokenizer.json layouts)
// by the factory of its stage; a factory error names the JSON path and the component type.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/encoding.h"
#include "automodel/tokenizers/normalized_string.h"

namespace automodel::tokenizers {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& s) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Tokens for one pre-tokenized piece (normalized text); offsets are bytes within `piece`.
  virtual std::vector<Token> tokenize(std::string_view piece) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Special tokens that process() adds for a single sequence (is_pair=false) or a pair.
  virtual size_t added_tokens(bool is_pair) const = 0;
  // Adds special tokens / type ids (when add_special_tokens) and merges a pair into one Encoding.
  // As HF's PostProcessor::process: sequence i gets sequence id i and type id i, then
  // process_encodings runs, then the parts are merged (Encoding::merge, offsets not shifted).
  // Offsets must already be in code points (HF converts them before post-processing, and the
  // ByteLevel/Roberta offset trimming counts characters).
  virtual Encoding process(Encoding a, std::optional<Encoding> b, bool add_special_tokens) const;
  // The stage itself, on one Encoding per sequence (HF's process_encodings); Sequence chains it.
  virtual std::vector<Encoding> process_encodings(std::vector<Encoding> encodings,
                                                  bool add_special_tokens) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // HF's decode_chain: token strings in, token strings out; the result is concatenated.
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// Factories: `path` is the JSON path of `j` in tokenizer.json (e.g. "normalizer.normalizers[1]"),
// used in error messages. A null JSON value means "no component" and returns nullptr.
std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& path);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& path);
std::unique_ptr<Model> make_model(const json& j, const std::string& path);
std::unique_ptr<PostProcessor> make_post_processor(const json& j, const std::string& path);
std::unique_ptr<Decoder> make_decoder(const json& j, const std::string& path);

// Fast loading of big tokenizer.json files, where nlohmann's DOM is the bottleneck (~250 ms
// for Llama-3's 9 MB, and ordered_json inserts object keys in quadratic time: never parse a
// whole tokenizer.json or a vocab with it). json_object_members splits the top-level object
// into (key, raw value text) without building values; make_model_from_text builds the model
// from the raw text of "model" with a streaming reader. Small members can then go through
// parse_json + the factories above. Errors name `what` / `path` with line and column.
std::vector<std::pair<std::string, std::string_view>> json_object_members(std::string_view text,
                                                                          const std::string& what);
std::unique_ptr<Model> make_model_from_text(std::string_view model_json, const std::string& path);

}  // namespace automodel::tokenizers
