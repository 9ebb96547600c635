// The `*ForSequenceClassification` classes of the causal-LM families: the family's decoder
// body (registry.h builder with Head::kNone, shared with the causal LM) and a bias-free `score`
// linear applied at each row's last non-pad token, as transformers 4.47 pools it.
#pragma once

#include <optional>
#include <vector>

#include "automodel/models/sequence_classification.h"
#include "decoder.h"

namespace automodel::models {

// transformers 4.47: per row, (index of the first input id equal to pad_token_id) - 1, modulo
// the sequence length (no pad: the last position; left padding, whose first pad is at 0: also
// the last position). Without pad_token_id only a batch of one is allowed (its last position);
// a larger batch is an error, as in transformers.
std::vector<int64_t> last_non_pad_positions(const Tensor& input_ids, std::optional<int64_t> pad_token_id,
                                            const std::string& architecture);

class DecoderClassifier : public SequenceClassificationModel {
 public:
  DecoderClassifier(std::string architecture, const json& config, DType compute, const std::string& what,
                    DecoderModel body, Tensor score, const VarBuilder& vb);
  Tensor forward(const Tensor& input_ids, const Tensor& attention_mask = Tensor(),
                 const Tensor& token_type_ids = Tensor()) override;

 private:
  DecoderLM body_;
  Tensor score_;  // [num_labels, hidden]
  std::optional<int64_t> pad_token_id_;
};

}  // namespace automodel::models
