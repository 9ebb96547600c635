// Streaming detokenization: feed generated ids one at a time, get back text pieces whose
// concatenation equals tokenizer.decode(all ids) — emitted only once they are complete UTF-8
// and can no longer change.
//
// Like candle's TokenOutputStream / text-generation-inference's incremental decode, it decodes
// a short window of ids twice (the already-emitted part and the part with the new ids) and
// emits the difference, so SentencePiece's leading "▁" (stripped from the first token of any
// decode) and byte-fallback / byte-level tokens that split a character are handled by the
// tokenizer's own decoder. Held back until stable:
//   * a trailing U+FFFD (an incomplete UTF-8 sequence: the next byte token may complete it);
//   * trailing whitespace when decode cleans up tokenization spaces or strips (" ." → "."
//     would rewrite text already emitted);
//   * anything while the longer decode does not start with the shorter one.
// finish() flushes what is held back (an incomplete sequence then stays U+FFFD, as decode does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "automodel/tokenizers/auto_tokenizer.h"

namespace automodel::tokenizers {

class StreamingDetokenizer {
 public:
  // `tokenizer` must outlive this object.
  explicit StreamingDetokenizer(const AutoTokenizer& tokenizer, DecodeOptions options = {true, std::nullopt});

  // Appends one id; returns the text that became stable (often empty).
  std::string put(int32_t id);
  // Appends several ids (e.g. the prompt when its text should not be emitted: call reset() after).
  std::string put(const std::vector<int32_t>& ids);
  // Returns everything not yet emitted; the stream then starts afresh.
  std::string finish();
  void reset();

  const std::vector<int32_t>& ids() const { return ids_; }
  const std::string& text() const { return emitted_; }  // all text emitted so far

 private:
  std::string decode_range(size_t begin, size_t end) const;
  size_t stable_length(const std::string& candidate) const;

  const AutoTokenizer* tokenizer_;
  DecodeOptions options_;
  bool hold_cleanup_tail_;
  bool hold_trailing_space_;
  std::vector<int32_t> ids_;
  size_t prefix_offset_ = 0;  // window start
  size_t read_offset_ = 0;    // ids before this are fully emitted
  size_t emitted_in_window_ = 0;  // bytes of the window's new text already emitted
  std::string emitted_;
};

}  // namespace automodel::tokenizers
