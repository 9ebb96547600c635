// Truncation and padding with HF tokenizers' semantics (utils/truncation.rs, utils/padding.rs),
// and the post-processing step that applies them around a PostProcessor (Tokenizer::post_process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automodel/tokenizers/encoding.h"

namespace automodel::tokenizers {

class PostProcessor;

enum class TruncationStrategy { longest_first, only_first, only_second };

struct TruncationParams {
  size_t max_length = 512;
  TruncationStrategy strategy = TruncationStrategy::longest_first;
  size_t stride = 0;
  Direction direction = Direction::right;
};

enum class PaddingStrategy { batch_longest, fixed };

struct PaddingParams {
  PaddingStrategy strategy = PaddingStrategy::batch_longest;
  size_t fixed_length = 0;  // used with PaddingStrategy::fixed
  Direction direction = Direction::right;
  std::optional<size_t> pad_to_multiple_of;
  int32_t pad_id = 0;
  int32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// "longest_first" / "only_first" / "only_second"; "left" / "right". Throw on anything else.
TruncationStrategy parse_truncation_strategy(const std::string& name);
Direction parse_direction(const std::string& name);

// HF's truncate_encodings: cuts `encoding` (and `pair`) so that together they hold at most
// params.max_length tokens; the cut tokens go to `overflowing` (windows overlapping by stride).
// Throws automodel::Error as HF errors: only_second without a pair ("Truncation error: Second
// sequence not provided"), or a target sequence too short to remove enough tokens ("Truncation
// error: Sequence to truncate too short to respect the provided max_length"); and when
// stride >= the length a sequence is cut to (HF panics there).
void truncate_encodings(Encoding& encoding, std::optional<Encoding>& pair, const TruncationParams& params);

// HF's pad_encodings: pads every encoding (and its overflowing parts) to the longest of the
// batch or to the fixed length, rounded up to pad_to_multiple_of.
void pad_encodings(std::vector<Encoding>& encodings, const PaddingParams& params);

// HF's Tokenizer::post_process: truncation (max_length minus the special tokens the processor
// adds, when add_special_tokens), then the post-processor (or, without one, a plain merge of
// the pair), then padding of this one encoding. `processor`, `truncation`, `padding` may be null.
// Offsets must already be code points. Throws when max_length is smaller than the number of
// special tokens to add (HF silently skips truncation there through an unsigned wrap-around).
Encoding post_process(const PostProcessor* processor, const TruncationParams* truncation,
                      const PaddingParams* padding, Encoding encoding, std::optional<Encoding> pair,
                      bool add_special_tokens);

}  // namespace automodel::tokenizers
