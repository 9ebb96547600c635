// The data that flows through a tokenizer.json pipeline, shared by every component.
//
//   text ─► added-token split ─► Normalizer ─► PreTokenizer ─► Model ─► PostProcessor ─► Encoding
//                                                                           ids ─► Decoder ─► text
//
// Offsets: inside the pipeline every offset is a BYTE offset into the original UTF-8 input;
// Encoding::offsets are converted to Unicode code points ([start, end)) at the very end, as
// HF's Python Encoding.offsets report them. Tokens inserted by a post-processor have {0, 0}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace automodel::tokenizers {

using Offsets = std::pair<size_t, size_t>;  // [start, end)

// Side on which truncation removes and padding adds tokens (HF's TruncationDirection /
// PaddingDirection).
enum class Direction { left, right };

// One token produced by a Model for one pre-tokenized piece. offsets are byte offsets in the
// *normalized* piece handed to Model::tokenize; the pipeline maps them back to the original.
struct Token {
  int32_t id = 0;
  std::string value;
  Offsets offsets;
};

// HF tokenizers' Encoding, the result of encoding one sequence (or a pair).
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offsets> offsets;  // byte offsets in the pipeline; code points once finalized
  std::vector<int32_t> special_tokens_mask;
  std::vector<int32_t> attention_mask;
  std::vector<std::optional<uint32_t>> word_ids;     // index of the pre-tokenized word, if any
  std::vector<std::optional<uint32_t>> sequence_ids;  // 0 / 1 for pairs; none for special tokens
  std::vector<Encoding> overflowing;                  // truncation with stride

  size_t size() const { return ids.size(); }

  // An Encoding of a model's tokens for one sequence, as HF's Encoding::from_tokens: every
  // token gets `type_id`, attention 1, special 0, no word id. (The pipeline fills word_ids.)
  static Encoding from_tokens(const std::vector<Token>& tokens, int32_t type_id);

  // Appends `other`'s tokens (used by post-processors to build templates). Plain concatenation:
  // offsets are kept as they are and the overflowing parts are not combined (see merge_with).
  void append(const Encoding& other);
  // HF's Encoding::merge_with: appends `pair` and combines the overflowing parts of both sides
  // (each of ours + pair, each of ours + each of pair's, ourself + each of pair's). With
  // growing_offsets, pair's offsets are shifted by our last end offset.
  void merge_with(Encoding pair, bool growing_offsets);
  // HF's Encoding::merge: merge_with over all of `encodings`, from an empty Encoding.
  static Encoding merge(std::vector<Encoding> encodings, bool growing_offsets);

  // Every token belongs to sequence `id` (HF's set_sequence_id on the whole range).
  void set_sequence_id(uint32_t id);
  // Every token gets `type_id` (HF's set_type_ids; the overflowing parts are left alone, as HF).
  void set_type_ids(int32_t type_id);

  // HF's Encoding::truncate: keeps max_len tokens (from the end with Direction::left); the rest
  // goes to `overflowing` in windows of max_len that overlap by `stride` tokens. max_len == 0
  // moves everything to overflowing. Throws when stride >= max_len (HF panics there).
  void truncate(size_t max_len, size_t stride, Direction direction);
  // HF's Encoding::pad: pads to target_length (no-op when already as long), overflowing parts
  // too. Padding tokens: pad_id / pad_type_id / pad_token, attention 0, special 1, offsets {0,0}.
  void pad(size_t target_length, int32_t pad_id, int32_t pad_type_id, const std::string& pad_token,
           Direction direction);
};

}  // namespace automodel::tokenizers
