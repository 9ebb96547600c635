// TextStreamer: transformers' TextStreamer for generate(): decodes the tokens of a single-row
// generation as they arrive and hands each piece of stable text to a callback (the concatenation
// equals decode(all ids)). The prompt is skipped when skip_prompt is set, as in HF. Header-only
// glue between the tokenizers and the generation protocol (generation/streamer.h).
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "automodel/core/error.h"
#include "automodel/generation/streamer.h"
#include "automodel/tokenizers/streaming.h"

namespace automodel::tokenizers {

class TextStreamer : public Streamer {
 public:
  using TextFn = std::function<void(const std::string& text)>;

  // `tokenizer` must outlive the streamer. `on_text` gets every non-empty piece, in order.
  TextStreamer(const AutoTokenizer& tokenizer, TextFn on_text, bool skip_prompt = true,
               DecodeOptions decode = {true, std::nullopt})
      : detok_(tokenizer, decode), on_text_(std::move(on_text)), skip_prompt_(skip_prompt) {}

  void put(const Tensor& ids) override {
    AM_CHECK(ids.dim() == 2 ? ids.size(0) == 1 : ids.dim() == 1 && ids.size(0) == 1,
             "TextStreamer only supports batch size 1, got ids of shape ", ids.shape().str());
    const Tensor c = ids.contiguous();
    const int64_t* p = c.data<int64_t>();
    if (!seen_prompt_) {
      seen_prompt_ = true;
      if (skip_prompt_) return;
    }
    for (int64_t i = 0; i < c.numel(); ++i) emit(detok_.put(int32_t(p[i])));
  }
  void end() override {
    emit(detok_.finish());
    seen_prompt_ = false;
  }
  // Everything emitted so far (since construction).
  const std::string& text() const { return text_; }

 private:
  void emit(const std::string& piece) {
    if (piece.empty()) return;
    text_ += piece;
    if (on_text_) on_text_(piece);
  }

  StreamingDetokenizer detok_;
  TextFn on_text_;
  bool skip_prompt_;
  bool seen_prompt_ = false;
  std::string text_;
};

}  // namespace automodel::tokenizers

namespace automodel {
using tokenizers::TextStreamer;
}  // namespace automodel
