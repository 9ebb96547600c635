// Truncation, padding and the post-processing step, as HF tokenizers' truncation.rs,
// padding.rs and Tokenizer::post_process.
#include "automodel/tokenizers/truncation_padding.h"

#include <algorithm>
#include <utility>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {

TruncationStrategy parse_truncation_strategy(const std::string& name) {
  if (name == "longest_first") return TruncationStrategy::longest_first;
  if (name == "only_first") return TruncationStrategy::only_first;
  if (name == "only_second") return TruncationStrategy::only_second;
  fail("truncation strategy: expected \"longest_first\", \"only_first\" or \"only_second\", found \"", name, "\"");
}

Direction parse_direction(const std::string& name) {
  if (name == "left") return Direction::left;
  if (name == "right") return Direction::right;
  fail("direction: expected \"left\" or \"right\", found \"", name, "\"");
}

void truncate_encodings(Encoding& encoding, std::optional<Encoding>& pair, const TruncationParams& params) {
  if (params.max_length == 0) {
    encoding.truncate(0, params.stride, params.direction);
    if (pair) pair->truncate(0, params.stride, params.direction);
    return;
  }
  const size_t total = encoding.size() + (pair ? pair->size() : 0);
  if (total <= params.max_length) return;
  const size_t to_remove = total - params.max_length;

  if (params.strategy == TruncationStrategy::longest_first) {
    if (!pair) {
      encoding.truncate(total - to_remove, params.stride, params.direction);
      return;
    }
    // n1 is the shorter input. Either only the longer one is cut (to max_length - n1), or both
    // are cut to half of max_length, the odd token going to the longer one.
    size_t n1 = encoding.size();
    size_t n2 = pair->size();
    const bool swapped = n1 > n2;
    if (swapped) std::swap(n1, n2);
    if (n1 > params.max_length)
      n2 = n1;
    else
      n2 = std::max(n1, params.max_length - n1);
    if (n1 + n2 > params.max_length) {
      n1 = params.max_length / 2;
      n2 = n1 + params.max_length % 2;
    }
    if (swapped) std::swap(n1, n2);
    encoding.truncate(n1, params.stride, params.direction);
    pair->truncate(n2, params.stride, params.direction);
    return;
  }

  Encoding* target = &encoding;
  if (params.strategy == TruncationStrategy::only_second) {
    AM_CHECK(pair.has_value(), "Truncation error: Second sequence not provided");
    target = &*pair;
  }
  const size_t target_len = target->size();
  AM_CHECK(target_len > to_remove,
           "Truncation error: Sequence to truncate too short to respect the provided max_length");
  target->truncate(target_len - to_remove, params.stride, params.direction);
}

void pad_encodings(std::vector<Encoding>& encodings, const PaddingParams& params) {
  if (encodings.empty()) return;
  size_t length = params.fixed_length;
  if (params.strategy == PaddingStrategy::batch_longest) {
    length = 0;
    for (const Encoding& e : encodings) length = std::max(length, e.size());
  }
  if (params.pad_to_multiple_of && *params.pad_to_multiple_of > 0 && length % *params.pad_to_multiple_of > 0)
    length += *params.pad_to_multiple_of - length % *params.pad_to_multiple_of;
  for (Encoding& e : encodings) e.pad(length, params.pad_id, params.pad_type_id, params.pad_token, params.direction);
}

Encoding post_process(const PostProcessor* processor, const TruncationParams* truncation,
                      const PaddingParams* padding, Encoding encoding, std::optional<Encoding> pair,
                      bool add_special_tokens) {
  if (truncation) {
    const size_t added = processor ? processor->added_tokens(pair.has_value()) : 0;
    TruncationParams params = *truncation;
    if (add_special_tokens && added > 0) {
      AM_CHECK(params.max_length >= added, "truncation: max_length ", params.max_length, " is smaller than the ",
               added, " special tokens the post-processor adds");
      params.max_length -= added;
    }
    truncate_encodings(encoding, pair, params);
  }

  Encoding result;
  if (processor) {
    result = processor->process(std::move(encoding), std::move(pair), add_special_tokens);
  } else if (pair) {
    // HF's default_process: the pair keeps the type ids the pipeline gave it.
    encoding.set_sequence_id(0);
    pair->set_sequence_id(1);
    result.merge_with(std::move(encoding), false);
    result.merge_with(std::move(*pair), false);
  } else {
    result = std::move(encoding);
  }

  if (padding) {
    std::vector<Encoding> one;
    one.push_back(std::move(result));
    pad_encodings(one, *padding);
    result = std::move(one[0]);
  }
  return result;
}

}  // namespace automodel::tokenizers
