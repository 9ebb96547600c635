// Rotary position embedding tables for every rope_scaling type transformers 4.47 supports
// (modeling_rope_utils.py: default, linear, dynamic, yarn, longrope, llama3) plus Phi-3's
// LongRoPE, which switches between short and long factors per forward.
#pragma once

#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/json_file.h"

namespace automodel::models {

class RotaryEmbedding {
 public:
  // head_dim: the per-head size; the rotated part is int(head_dim * partial_rotary_factor).
  // `config` supplies rope_theta (or `theta_key`), rope_scaling, max_position_embeddings,
  // original_max_position_embeddings. `what` names the config file in errors.
  RotaryEmbedding(const json& config, int64_t head_dim, double partial_rotary_factor, double default_theta,
                  const std::string& what, bool phi3_longrope = false);

  // cos/sin [batch, seq, rot_dim] for position_ids [batch, seq], in `dtype`. Dynamic NTK and
  // Phi-3 LongRoPE update their frequencies from max(position_ids) + 1 first, as HF does.
  std::pair<Tensor, Tensor> cos_sin(const Tensor& position_ids, DType dtype);
  int64_t rot_dim() const { return rot_dim_; }
  const std::vector<float>& inv_freq() const { return inv_freq_; }
  double attention_scaling() const { return attention_scaling_; }

 private:
  std::vector<float> default_inv_freq(double base) const;
  void compute(int64_t seq_len);

  std::string type_ = "default";
  json scaling_;
  double theta_ = 10000;
  int64_t rot_dim_ = 0;
  int64_t max_pos_ = 2048;
  int64_t original_max_pos_ = 0;  // config-level original_max_position_embeddings (0: absent)
  bool phi3_longrope_ = false;
  std::vector<float> inv_freq_, original_inv_freq_;
  double attention_scaling_ = 1.0;
  int64_t max_seq_len_cached_ = 0, original_max_seq_len_ = 0;
  std::string what_;
};

}  // namespace automodel::models
