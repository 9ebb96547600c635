#include "automodel/tokenizers/streaming.h"

#include <algorithm>

namespace automodel::tokenizers {

namespace {
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const AutoTokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(&tokenizer), options_(options) {
  const bool cleanup = options_.clean_up_tokenization_spaces.value_or(tokenizer.clean_up_tokenization_spaces());
  // CLIP's decode strips its result, so trailing whitespace may vanish later as well.
  const bool strips = slow_class_name(tokenizer.config().tokenizer_class) == "CLIPTokenizer";
  hold_cleanup_tail_ = cleanup;
  hold_trailing_space_ = cleanup || strips;
}

std::string StreamingDetokenizer::decode_range(size_t begin, size_t end) const {
  std::vector<int32_t> window(ids_.begin() + static_cast<std::ptrdiff_t>(begin),
                              ids_.begin() + static_cast<std::ptrdiff_t>(end));
  return tokenizer_->decode(window, options_);
}

size_t StreamingDetokenizer::stable_length(const std::string& candidate) const {
  size_t n = candidate.size();
  while (ends_with(std::string_view(candidate).substr(0, n), kReplacementChar)) n -= kReplacementChar.size();
  if (hold_cleanup_tail_) {
    // clean_up_tokenization rewrites " ." " ?" " !" " ," " ' " " n't" " 'm" " 's" " 've" " 're"
    // (at most 4 bytes from a space); chained passes can join two of them, so a space in the
    // last 8 bytes may still be rewritten by text that has not arrived yet.
    const size_t from = n > 8 ? n - 8 : 0;
    for (size_t i = from; i < n; ++i)
      if (candidate[i] == ' ') {
        n = i;
        break;
      }
  }
  if (hold_trailing_space_)
    while (n > 0 && is_ascii_space(candidate[n - 1])) --n;
  return n;
}

std::string StreamingDetokenizer::put(int32_t id) {
  ids_.push_back(id);
  const std::string prefix = decode_range(prefix_offset_, read_offset_);
  const std::string full = decode_range(prefix_offset_, ids_.size());
  if (full.compare(0, prefix.size(), prefix) != 0) return {};
  const std::string candidate = full.substr(prefix.size());
  const size_t stable = stable_length(candidate);
  std::string out;
  if (stable > emitted_in_window_) out = candidate.substr(emitted_in_window_, stable - emitted_in_window_);
  if (stable == candidate.size()) {
    // Everything up to here is emitted: slide the window so each step decodes only a few ids.
    // The window keeps at least kContext ids and must render some text: decoders treat the
    // first token of a decode specially (Metaspace / SentencePiece drop its "▁", the slow
    // Llama decode adds a space after a leading special token), so the first ids of a window
    // must never be ones whose rendering is still to be emitted.
    constexpr size_t kContext = 2;
    const size_t start = ids_.size() >= kContext ? ids_.size() - kContext : 0;
    // A byte token that is not a whole character alone (renders U+FFFD) cannot start a window
    // either: byte-fallback decoders convert a run of byte tokens as one, so a stray
    // continuation byte at the start would spoil the characters after it.
    if (start != prefix_offset_) {
      const std::string first = decode_range(start, start + 1);
      if (!first.empty() && first.find(kReplacementChar) == std::string::npos) prefix_offset_ = start;
    }
    read_offset_ = ids_.size();
    emitted_in_window_ = 0;
  } else if (stable > emitted_in_window_) {
    emitted_in_window_ = stable;
  }
  emitted_ += out;
  return out;
}

std::string StreamingDetokenizer::put(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += put(id);
  return out;
}

std::string StreamingDetokenizer::finish() {
  const std::string prefix = decode_range(prefix_offset_, read_offset_);
  const std::string full = decode_range(prefix_offset_, ids_.size());
  std::string out;
  if (full.compare(0, prefix.size(), prefix) == 0 && full.size() - prefix.size() >= emitted_in_window_)
    out = full.substr(prefix.size() + emitted_in_window_);
  emitted_ += out;
  reset();
  return out;
}

void StreamingDetokenizer::reset() {
  ids_.clear();
  prefix_offset_ = read_offset_ = emitted_in_window_ = 0;
  emitted_.clear();
}

}  // namespace automodel::tokenizers
