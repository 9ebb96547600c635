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
  // Appends `other`'s tokens (used by post-processors to build templates).
  void append(const Encoding& other);
};

}  // namespace automodel::tokenizers
