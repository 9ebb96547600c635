#include "rope.h"

#include <cmath>

#include "automodel/core/ops.h"

namespace automodel::models {

namespace {
double num(const json& j, const char* key, const std::string& what) {
  AM_CHECK(j.contains(key) && j[key].is_number(), what, ": rope_scaling.", key, " must be a number");
  return j[key].get<double>();
}
double num_or(const json& j, const char* key, double dflt) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : dflt;
}
std::vector<float> float_list(const json& j, const char* key, size_t n, const std::string& what) {
  AM_CHECK(j.contains(key) && j[key].is_array() && j[key].size() == n, what, ": rope_scaling.", key,
           " must be a list of ", n, " numbers");
  std::vector<float> v;
  for (const auto& x : j[key]) v.push_back(float(x.get<double>()));
  return v;
}
}  // namespace

RotaryEmbedding::RotaryEmbedding(const json& config, int64_t head_dim, double partial_rotary_factor,
                                 double default_theta, const std::string& what, bool phi3_longrope)
    : phi3_longrope_(phi3_longrope), what_(what) {
  theta_ = config.contains("rope_theta") && config["rope_theta"].is_number() ? config["rope_theta"].get<double>()
                                                                            : default_theta;
  rot_dim_ = int64_t(double(head_dim) * partial_rotary_factor);
  AM_CHECK(rot_dim_ > 0 && rot_dim_ % 2 == 0, what, ": rotary dimension ", rot_dim_, " (head_dim ", head_dim,
           " x partial_rotary_factor ", partial_rotary_factor, ") must be a positive even number");
  max_pos_ = config.value("max_position_embeddings", int64_t(2048));
  if (config.contains("original_max_position_embeddings") && config["original_max_position_embeddings"].is_number())
    original_max_pos_ = config["original_max_position_embeddings"].get<int64_t>();
  if (config.contains("rope_scaling") && config["rope_scaling"].is_object()) {
    scaling_ = config["rope_scaling"];
    if (scaling_.contains("rope_type"))
      type_ = scaling_["rope_type"].get<std::string>();
    else if (scaling_.contains("type"))
      type_ = scaling_["type"].get<std::string>();
    if (type_ == "su") type_ = "longrope";  // Phi-3's old name, renamed by HF
  }
  static const char* kTypes[] = {"default", "linear", "dynamic", "yarn", "longrope", "llama3"};
  bool known = false;
  for (const char* t : kTypes) known |= type_ == t;
  AM_CHECK(known, what, ": unsupported rope_scaling type '", type_,
           "' (supported: default, linear, dynamic, yarn, longrope, llama3)");
  original_max_seq_len_ = max_pos_;
  max_seq_len_cached_ = max_pos_;
  compute(0);
  original_inv_freq_ = inv_freq_;
}

std::vector<float> RotaryEmbedding::default_inv_freq(double base) const {
  // HF: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in float32.
  std::vector<float> f;
  const float fb = float(base);
  for (int64_t i = 0; i < rot_dim_; i += 2) {
    const float expo = float(i) / float(rot_dim_);
    f.push_back(1.0f / std::pow(fb, expo));
  }
  return f;
}

void RotaryEmbedding::compute(int64_t seq_len) {
  attention_scaling_ = 1.0;
  const size_t half = size_t(rot_dim_ / 2);
  if (type_ == "default") {
    inv_freq_ = default_inv_freq(theta_);
  } else if (type_ == "linear") {
    const float factor = float(num(scaling_, "factor", what_));
    inv_freq_ = default_inv_freq(theta_);
    for (float& f : inv_freq_) f /= factor;
  } else if (type_ == "dynamic") {
    const double factor = num(scaling_, "factor", what_);
    const double sl = seq_len > max_pos_ ? double(seq_len) : double(max_pos_);
    const double d = double(rot_dim_);
    const double base = theta_ * std::pow((factor * sl / double(max_pos_)) - (factor - 1), d / (d - 2));
    inv_freq_ = default_inv_freq(base);
  } else if (type_ == "yarn") {
    const double factor = num(scaling_, "factor", what_);
    double attn = num_or(scaling_, "attention_factor", -1);
    if (attn < 0) attn = 0.1 * std::log(factor) + 1.0;
    double beta_fast = num_or(scaling_, "beta_fast", 0), beta_slow = num_or(scaling_, "beta_slow", 0);
    if (beta_fast == 0) beta_fast = 32;
    if (beta_slow == 0) beta_slow = 1;
    const double d = double(rot_dim_);
    auto corr_dim = [&](double rot) { return (d * std::log(double(max_pos_) / (rot * 2 * M_PI))) / (2 * std::log(theta_)); };
    double low = std::max(std::floor(corr_dim(beta_fast)), 0.0);
    double high = std::min(std::ceil(corr_dim(beta_slow)), d - 1);
    if (low == high) high += 0.001;
    inv_freq_.assign(half, 0.0f);
    const float fb = float(theta_);
    for (size_t i = 0; i < half; ++i) {
      const float pos_freq = std::pow(fb, float(2 * i) / float(rot_dim_));
      const float extra = 1.0f / pos_freq, inter = 1.0f / (float(factor) * pos_freq);
      float ramp = (float(i) - float(low)) / float(high - low);
      ramp = std::min(std::max(ramp, 0.0f), 1.0f);
      const float extra_factor = 1.0f - ramp;
      inv_freq_[i] = inter * (1.0f - extra_factor) + extra * extra_factor;
    }
    attention_scaling_ = attn;
  } else if (type_ == "longrope") {
    const std::vector<float> long_f = float_list(scaling_, "long_factor", half, what_);
    const std::vector<float> short_f = float_list(scaling_, "short_factor", half, what_);
    double original = double(max_pos_), expanded = double(max_pos_), factor = num_or(scaling_, "factor", 1.0);
    if (original_max_pos_ > 0) {
      original = double(original_max_pos_);
      expanded = double(max_pos_);
      factor = expanded / original;
    } else {
      expanded = original * factor;
    }
    double attn = num_or(scaling_, "attention_factor", -1);
    if (attn < 0) attn = factor <= 1.0 ? 1.0 : std::sqrt(1 + std::log(factor) / std::log(original));
    // HF's generic longrope fixes the factors at init; Phi-3 picks them per forward from the
    // longest position (seq_len > original_max_position_embeddings -> long factors).
    bool use_long = expanded > original;
    if (phi3_longrope_) use_long = seq_len > int64_t(original);
    const std::vector<float>& ext = use_long ? long_f : short_f;
    inv_freq_.assign(half, 0.0f);
    for (size_t i = 0; i < half; ++i)
      inv_freq_[i] = 1.0f / (ext[i] * std::pow(float(theta_), float(2 * i) / float(rot_dim_)));
    attention_scaling_ = attn;
  } else if (type_ == "llama3") {
    const double factor = num(scaling_, "factor", what_);
    const double low_ff = num(scaling_, "low_freq_factor", what_), high_ff = num(scaling_, "high_freq_factor", what_);
    const double old_ctx = num(scaling_, "original_max_position_embeddings", what_);
    const double low_wavelen = old_ctx / low_ff, high_wavelen = old_ctx / high_ff;
    inv_freq_ = default_inv_freq(theta_);
    for (float& f : inv_freq_) {
      // HF computes these in float32 tensors: wavelen = 2*pi / inv_freq.
      const float wavelen = float(2 * M_PI) / f;
      float v = double(wavelen) > low_wavelen ? f / float(factor) : f;
      const bool medium = !(double(wavelen) < high_wavelen) && !(double(wavelen) > low_wavelen);
      if (medium) {
        const float smooth = (float(old_ctx) / wavelen - float(low_ff)) / float(high_ff - low_ff);
        v = (1 - smooth) * v / float(factor) + smooth * v;
      }
      f = v;
    }
  }
}

std::pair<Tensor, Tensor> RotaryEmbedding::cos_sin(const Tensor& position_ids, DType dtype) {
  if (type_ == "dynamic" || (type_ == "longrope" && phi3_longrope_)) {
    const std::vector<int64_t> pos = position_ids.to_vector<int64_t>();
    int64_t mx = 0;
    for (int64_t p : pos) mx = std::max(mx, p);
    const int64_t seq_len = mx + 1;
    if (type_ == "longrope") {
      compute(seq_len);
    } else {
      if (seq_len > max_seq_len_cached_) {
        compute(seq_len);
        max_seq_len_cached_ = seq_len;
      }
      if (seq_len < original_max_seq_len_ && max_seq_len_cached_ > original_max_seq_len_) {
        inv_freq_ = original_inv_freq_;
        max_seq_len_cached_ = original_max_seq_len_;
      }
    }
  }
  return ops::rope_cos_sin(position_ids, inv_freq_, attention_scaling_, dtype);
}

}  // namespace automodel::models
