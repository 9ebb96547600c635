// Streaming generated tokens as they are produced (HF's BaseStreamer protocol): put() gets the
// prompt ids [batch, prompt_len] first, then after every step the new token of each row [rows]
// (finished rows get the pad id, as in the returned sequences); end() once at the end.
// Beam search cannot stream (HF refuses it too). A text streamer that decodes with a tokenizer
// lives with the tokenizers (it needs them); this layer only defines the protocol.
#pragma once

#include <functional>
#include <utility>

#include "automodel/core/tensor.h"

namespace automodel {

class Streamer {
 public:
  virtual ~Streamer() = default;
  virtual void put(const Tensor& ids) = 0;  // int64 [batch, len] (prompt) or [rows] (one step)
  virtual void end() = 0;
};

// A streamer made of two callbacks, for quick use without a class.
class CallbackStreamer : public Streamer {
 public:
  CallbackStreamer(std::function<void(const Tensor&)> on_put, std::function<void()> on_end = {})
      : on_put_(std::move(on_put)), on_end_(std::move(on_end)) {}
  void put(const Tensor& ids) override {
    if (on_put_) on_put_(ids);
  }
  void end() override {
    if (on_end_) on_end_();
  }

 private:
  std::function<void(const Tensor&)> on_put_;
  std::function<void()> on_end_;
};

}  // namespace automodel
