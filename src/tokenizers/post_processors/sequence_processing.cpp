// The Sequence post-processor: each processor's process_encodings in turn (HF sequence.rs).
#include "post_processors.h"

namespace automodel::tokenizers {

size_t SequenceProcessing::added_tokens(bool is_pair) const {
  size_t n = 0;
  for (const auto& p : processors_) n += p->added_tokens(is_pair);
  return n;
}

std::vector<Encoding> SequenceProcessing::process_encodings(std::vector<Encoding> encodings,
                                                            bool add_special_tokens) const {
  for (const auto& p : processors_) encodings = p->process_encodings(std::move(encodings), add_special_tokens);
  return encodings;
}

}  // namespace automodel::tokenizers
