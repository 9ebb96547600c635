#include "encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace automodel::models {

namespace {

// [B, T, H*D] -> [B, H, T, D]
Tensor split_heads(const Tensor& x, int64_t heads, int64_t head_dim) {
  return x.reshape({x.size(0), x.size(1), heads, head_dim}).transpose(1, 2);
}

int64_t max_value(const Tensor& t) {
  int64_t m = INT64_MIN;
  for (int64_t v : t.to_vector<int64_t>()) m = std::max(m, v);
  return m;
}

void check_ids_like(const Tensor& t, const char* name, int64_t B, int64_t T, const std::string& arch) {
  AM_CHECK(t.dim() == 2 && t.size(0) == B && t.size(1) == T && dtype_info(t.dtype()).is_integral, arch, ".forward: ",
           name, " must be an integer tensor [batch, seq] = [", B, ", ", T, "], got ", t.str());
}

}  // namespace

Tensor roberta_position_ids(const Tensor& input_ids, int64_t padding_idx) {
  AM_CHECK(input_ids.dim() == 2, "roberta_position_ids: input_ids must be [batch, seq], got ", input_ids.shape().str());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  const std::vector<int64_t> ids = input_ids.to_vector<int64_t>();
  std::vector<int64_t> pos(ids.size());
  for (int64_t b = 0; b < B; ++b) {
    int64_t count = 0;
    for (int64_t t = 0; t < T; ++t) {
      const size_t i = size_t(b * T + t);
      const bool real = ids[i] != padding_idx;
      count += real;
      pos[i] = padding_idx + (real ? count : 0);
    }
  }
  return Tensor::from_vector(pos, {B, T});
}

Tensor EncoderModel::forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                             const Tensor& token_type_ids) const {
  const DType dt = compute_dtype;
  Tensor h = word.forward(input_ids, dt);
  if (token_type.weight.defined()) {
    // HF: (word + token_type) + position, in that order.
    const Tensor types = token_type_ids.defined() ? token_type_ids : Tensor::zeros(input_ids.shape(), DType::I64);
    h = ops::add(h, token_type.forward(types, dt));
  }
  h = ops::add(h, position.forward(position_ids, dt));
  h = embed_norm.forward(h);
  const int64_t B = h.size(0), T = h.size(1), E = heads * head_dim;
  ops::AttentionOptions opt;
  opt.scale = 1.0 / std::sqrt(double(head_dim));
  opt.causal = causal;
  opt.key_padding_mask = attention_mask;
  for (const EncoderLayer& L : layers) {
    Tensor q = split_heads(L.q.forward(h), heads, head_dim);
    Tensor k = split_heads(L.k.forward(h), heads, head_dim);
    Tensor v = split_heads(L.v.forward(h), heads, head_dim);
    Tensor a = ops::scaled_dot_product_attention(q, k, v, opt).transpose(1, 2).reshape({B, T, E});
    h = L.attn_norm.forward(ops::add(L.o.forward(a), h));
    Tensor f = L.down.forward(ops::activation(L.up.forward(h), act));
    h = L.out_norm.forward(ops::add(f, h));
  }
  return h;
}

EncoderClassifier::EncoderClassifier(std::string architecture, const json& config, DType compute,
                                     const std::string& what, EncoderModel encoder, EncoderPositions positions,
                                     int64_t padding_idx, FirstTokenHead head, const VarBuilder& vb)
    : SequenceClassificationModel(std::move(architecture), config, compute, what),
      encoder_(std::move(encoder)),
      positions_(positions),
      padding_idx_(padding_idx),
      head_(std::move(head)) {
  AM_CHECK(head_.out.weight.size(0) == num_labels(), what, ": the classifier has ", head_.out.weight.size(0),
           " outputs, the config's labels say num_labels = ", num_labels());
  record_parameters(vb);
}

Tensor EncoderClassifier::forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& token_type_ids) {
  const std::string& arch = architecture();
  AM_CHECK(input_ids.defined() && input_ids.dim() == 2 && dtype_info(input_ids.dtype()).is_integral, arch,
           ".forward: input_ids must be an integer tensor [batch, seq], got ",
           input_ids.defined() ? input_ids.str() : std::string("undefined"));
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  AM_CHECK(B > 0 && T > 0, arch, ".forward: input_ids ", input_ids.shape().str(), " is empty");
  if (attention_mask.defined()) check_ids_like(attention_mask, "attention_mask", B, T, arch);
  if (token_type_ids.defined()) {
    AM_CHECK(encoder_.token_type.weight.defined(), arch, ".forward: this model has no token types (token_type_ids must be undefined)");
    check_ids_like(token_type_ids, "token_type_ids", B, T, arch);
    const int64_t types = encoder_.token_type.weight.size(0), top = max_value(token_type_ids);
    AM_CHECK(top < types, arch, ".forward: token type id ", top, " is outside [0, type_vocab_size = ", types, ")");
  }
  Tensor pos;
  if (positions_ == EncoderPositions::kFromInputIds) {
    pos = roberta_position_ids(input_ids, padding_idx_);
  } else {
    std::vector<int64_t> p(size_t(B * T));
    for (int64_t i = 0; i < B * T; ++i) p[size_t(i)] = i % T;
    pos = Tensor::from_vector(p, {B, T});
  }
  const int64_t table = encoder_.position.weight.size(0), top = max_value(pos);
  AM_CHECK(top < table, arch, ".forward: position id ", top, " needs more than max_position_embeddings = ", table,
           " (sequence of ", T, " tokens)");
  const Tensor h = encoder_.forward(input_ids, attention_mask, pos, token_type_ids);
  const Tensor first = h.narrow(1, 0, 1).reshape({B, h.size(2)});
  const Tensor pooled = ops::activation(head_.dense.forward(first), head_.act);
  return ops::cast(head_.out.forward(pooled), DType::F32);
}

}  // namespace automodel::models
