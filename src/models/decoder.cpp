#include "decoder.h"

#include <cmath>

namespace automodel::models {

// ---- Norm ----------------------------------------------------------------------------------

Tensor Norm::forward(const Tensor& x) const {
  switch (kind) {
    case Kind::kNone: return x;
    case Kind::kRms: return rms.forward(x);
    case Kind::kLayerNorm: return ln.forward(x);
  }
  return x;
}

std::pair<Tensor, Tensor> Norm::forward_residual(const Tensor& h, const Tensor& delta) const {
  if (kind == Kind::kRms) return ops::add_rms_norm(h, delta, rms.weight, rms.eps, rms.style);
  Tensor sum = ops::add(h, delta);
  return {sum, forward(sum)};
}

Norm Norm::rms_norm(const VarBuilder& vb, int64_t dim, double eps, ops::RmsNormStyle style) {
  Norm n;
  n.kind = Kind::kRms;
  n.rms = nn::RmsNorm::load(vb, dim, eps, style);
  return n;
}

Norm Norm::layer_norm(const VarBuilder& vb, int64_t dim, double eps, bool weight, bool bias) {
  Norm n;
  n.kind = Kind::kLayerNorm;
  n.ln = nn::LayerNorm::load(vb, dim, eps, weight, bias);
  return n;
}

// ---- KV cache ------------------------------------------------------------------------------

DecoderKVCache::DecoderKVCache(int64_t batch, int64_t layers, int64_t kv_heads, int64_t head_dim, DType dtype,
                               int64_t capacity)
    : batch_(batch), kv_heads_(kv_heads), head_dim_(head_dim), dtype_(dtype), capacity_(std::max<int64_t>(capacity, 1)) {
  k_.resize(size_t(layers));
  v_.resize(size_t(layers));
}

void DecoderKVCache::reserve(int64_t extra) {
  if (length_ + extra <= capacity_) return;
  const int64_t cap = std::max(capacity_ * 2, length_ + extra);
  for (auto* bufs : {&k_, &v_}) {
    for (Tensor& t : *bufs) {
      if (!t.defined()) continue;
      Tensor grown = Tensor::empty({batch_, kv_heads_, cap, head_dim_}, dtype_);
      if (length_ > 0) ops::kv_write_(grown, t.narrow(2, 0, length_), 0);
      t = grown;
    }
  }
  capacity_ = cap;
}

std::pair<Tensor, Tensor> DecoderKVCache::append(int64_t layer, const Tensor& k, const Tensor& v) {
  const int64_t n = k.size(2);
  AM_CHECK(k.size(0) == batch_, "KV cache: holds ", batch_, " rows, the forward has ", k.size(0),
           " (call select_rows to change the batch)");
  AM_CHECK(length_ + n <= capacity_, "internal: KV cache append past its capacity");
  Tensor& kb = k_[size_t(layer)];
  Tensor& vb = v_[size_t(layer)];
  if (!kb.defined()) {
    kb = Tensor::empty({batch_, kv_heads_, capacity_, head_dim_}, dtype_);
    vb = Tensor::empty({batch_, kv_heads_, capacity_, head_dim_}, dtype_);
  }
  ops::kv_write_(kb, k.dtype() == dtype_ ? k : k.to(dtype_), length_);
  ops::kv_write_(vb, v.dtype() == dtype_ ? v : v.to(dtype_), length_);
  return {kb.narrow(2, 0, length_ + n), vb.narrow(2, 0, length_ + n)};
}

void DecoderKVCache::select_rows(const std::vector<int64_t>& rows) {
  for (int64_t r : rows)
    AM_CHECK(r >= 0 && r < batch_, "KV cache select_rows: row ", r, " out of range [0, ", batch_, ")");
  for (auto* bufs : {&k_, &v_})
    for (Tensor& t : *bufs)
      if (t.defined()) t = ops::index_select0(t, rows);
  batch_ = int64_t(rows.size());
}

void DecoderKVCache::truncate(int64_t length) {
  AM_CHECK(length >= 0 && length <= length_, "KV cache truncate: length ", length, " outside [0, ", length_, "]");
  length_ = length;
}

// ---- model -----------------------------------------------------------------------------------

DecoderLM::DecoderLM(DecoderModel model, json config, json generation_config)
    : model_(std::move(model)), config_(std::move(config)), generation_config_(std::move(generation_config)) {}

std::unique_ptr<KVCache> DecoderLM::new_cache(int64_t batch, int64_t expected_length) const {
  const Attention& a = model_.layers.at(0).attn;
  return std::make_unique<DecoderKVCache>(batch, int64_t(model_.layers.size()), a.kv_heads, a.head_dim,
                                          model_.compute_dtype, std::max<int64_t>(expected_length, 1));
}

Tensor DecoderLM::mlp(const Mlp& m, const Tensor& x) const {
  switch (m.kind) {
    case Mlp::Kind::kGated: {
      const std::vector<Tensor> gu = nn::forward_shared_input(x, {&m.gate, &m.up});
      return m.down.forward(ops::activation_mul(gu[0], gu[1], m.act));
    }
    case Mlp::Kind::kGatedFused: {
      Tensor gu = m.gate_up.forward(x);
      const int64_t inter = gu.size(-1) / 2;
      Tensor gate = gu.narrow(-1, 0, inter), up = gu.narrow(-1, inter, inter);
      return m.down.forward(ops::activation_mul(gate, up, m.act));
    }
    case Mlp::Kind::kPlain:
      return m.down.forward(ops::activation(m.up.forward(x), m.act));
    case Mlp::Kind::kMoe: {
      const int64_t hidden = x.size(-1), n = x.numel() / hidden;
      Tensor flat = x.reshape({n, hidden});
      // HF Mixtral: softmax over all experts in f32, top-k, renormalise, cast to the hidden dtype.
      Tensor probs = ops::softmax(ops::cast(m.router.forward(flat), DType::F32), -1);
      auto [top_w, top_i] = ops::topk(probs, m.top_k);
      top_w = ops::cast(ops::div(top_w, ops::sum_last(top_w).unsqueeze(-1)), x.dtype());
      // Group tokens by expert (routing decisions are control flow, read once per layer). The
      // routing weights are gathered from top_w by op, so training differentiates the router.
      const std::vector<int64_t> idx = top_i.to_vector<int64_t>();
      const Tensor w_flat = top_w.reshape({n * m.top_k, 1});
      Tensor out = Tensor::zeros({n, hidden}, x.dtype());
      for (int64_t e = 0; e < int64_t(m.experts.size()); ++e) {
        std::vector<int64_t> rows, slots;
        for (int64_t t = 0; t < n; ++t)
          for (int64_t s = 0; s < m.top_k; ++s)
            if (idx[size_t(t * m.top_k + s)] == e) {
              rows.push_back(t);
              slots.push_back(t * m.top_k + s);
            }
        if (rows.empty()) continue;
        const Mlp::Expert& ex = m.experts[size_t(e)];
        Tensor xs = ops::index_select0(flat, rows);
        Tensor y = ex.w2.forward(ops::activation_mul(ex.w1.forward(xs), ex.w3.forward(xs), m.act));
        Tensor wt = ops::index_select0(w_flat, slots);
        out = ops::index_add0(out, rows, ops::mul(y, wt));
      }
      return out.view(x.shape());
    }
  }
  return x;
}

namespace {
// [B, T, H*D] -> [B, H, T, D]
Tensor split_heads(const Tensor& x, int64_t heads, int64_t head_dim) {
  return x.reshape({x.size(0), x.size(1), heads, head_dim}).transpose(1, 2);
}
Tensor per_head_layer_norm(const std::vector<nn::LayerNorm>& norms, const Tensor& x) {
  std::vector<Tensor> parts;
  for (int64_t h = 0; h < int64_t(norms.size()); ++h) parts.push_back(norms[size_t(h)].forward(x.narrow(1, h, 1)));
  return ops::cat(parts, 1);
}
}  // namespace

Tensor DecoderLM::attention(const DecoderLayer& layer, int64_t index, const Tensor& x,
                            const std::pair<Tensor, Tensor>& rope, const Tensor& key_padding_mask,
                            DecoderKVCache* cache, int64_t past) {
  const Attention& a = layer.attn;
  const int64_t B = x.size(0), T = x.size(1), H = a.heads, Hkv = a.kv_heads, D = a.head_dim;
  Tensor q, k, v;
  switch (a.qkv_layout) {
    case Attention::Qkv::kSeparate: {
      const std::vector<Tensor> qkv = nn::forward_shared_input(x, {&a.q, &a.k, &a.v});
      q = qkv[0];
      k = qkv[1];
      v = qkv[2];
      break;
    }
    case Attention::Qkv::kFusedConcat: {
      Tensor qkv = a.qkv.forward(x);
      q = qkv.narrow(-1, 0, H * D);
      k = qkv.narrow(-1, H * D, Hkv * D);
      v = qkv.narrow(-1, H * D + Hkv * D, Hkv * D);
      break;
    }
    case Attention::Qkv::kFusedPerHead: {
      Tensor qkv = a.qkv.forward(x).view({B, T, H, 3 * D});
      q = qkv.narrow(-1, 0, D).reshape({B, T, H * D});
      k = qkv.narrow(-1, D, D).reshape({B, T, H * D});
      v = qkv.narrow(-1, 2 * D, D).reshape({B, T, H * D});
      break;
    }
  }
  if (a.clip_qkv > 0) {
    q = ops::clamp(q, -a.clip_qkv, a.clip_qkv);
    k = ops::clamp(k, -a.clip_qkv, a.clip_qkv);
    v = ops::clamp(v, -a.clip_qkv, a.clip_qkv);
  }
  if (a.q_norm_full.present()) q = a.q_norm_full.forward(q);
  if (a.k_norm_full.present()) k = a.k_norm_full.forward(k);
  q = split_heads(q, H, D);
  k = split_heads(k, Hkv, D);
  v = split_heads(v, Hkv, D);
  if (!a.q_norm_heads.empty()) {
    q = per_head_layer_norm(a.q_norm_heads, q);
    k = per_head_layer_norm(a.k_norm_heads, k);
  }
  if (rope.first.defined()) {
    q = ops::apply_rotary(q, rope.first, rope.second);
    k = ops::apply_rotary(k, rope.first, rope.second);
  }
  if (cache) std::tie(k, v) = cache->append(index, k, v);
  ops::AttentionOptions opt;
  opt.scale = a.scale;
  opt.softcap = a.softcap;
  opt.causal = true;
  opt.q_offset = past;
  opt.sliding_window = a.sliding_window;
  opt.key_padding_mask = key_padding_mask;
  Tensor out = ops::scaled_dot_product_attention(q, k, v, opt);  // [B, H, T, D]
  return a.o.forward(out.transpose(1, 2).reshape({B, T, H * D}));
}

Tensor DecoderLM::hidden_states(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                                KVCache* cache_base, bool only_last) {
  AM_CHECK(input_ids.defined() && input_ids.dim() == 2 && dtype_info(input_ids.dtype()).is_integral,
           model_.architecture, ".forward: input_ids must be an integer tensor [batch, seq], got ",
           input_ids.defined() ? input_ids.str() : std::string("undefined"));
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  AM_CHECK(T > 0, model_.architecture, ".forward: input_ids has no tokens");
  DecoderKVCache* cache = nullptr;
  if (cache_base) {
    cache = dynamic_cast<DecoderKVCache*>(cache_base);
    AM_CHECK(cache, model_.architecture, ".forward: the cache was not made by this model's new_cache()");
    AM_CHECK(cache->batch() == B, model_.architecture, ".forward: cache holds ", cache->batch(), " rows, input_ids has ",
             B);
  }
  const int64_t past = cache ? cache->length() : 0;
  if (attention_mask.defined())
    AM_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == B && attention_mask.size(1) == past + T,
             model_.architecture, ".forward: attention_mask ", attention_mask.shape().str(), " must be [batch, past + new] = [",
             B, ", ", past + T, "]");
  Tensor pos = position_ids;
  if (pos.defined()) {
    AM_CHECK(pos.dim() == 2 && pos.size(0) == B && pos.size(1) == T, model_.architecture, ".forward: position_ids ",
             pos.shape().str(), " must be [batch, new] = [", B, ", ", T, "]");
  } else {
    std::vector<int64_t> p(size_t(B * T));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) p[size_t(b * T + t)] = past + t;
    pos = Tensor::from_vector(p, {B, T});
  }
  const DType dt = model_.compute_dtype;
  Tensor h = model_.embed.forward(input_ids, dt);
  if (model_.embed_scale > 0) {
    // HF multiplies by a tensor of the hidden dtype, so the factor itself is rounded first.
    h = ops::mul_scalar(h, double(Tensor::full({}, model_.embed_scale, dt).item()));
  }
  if (model_.pos_embed.weight.defined()) h = ops::add(h, model_.pos_embed.forward(pos, dt));
  std::pair<Tensor, Tensor> rope;
  if (model_.rope) rope = model_.rope->cos_sin(pos, dt);
  if (cache) cache->reserve(T);

  // Pre-norm wirings (pre-norm, sandwich) end each residual add with the norm that reads its
  // result: the next block's input norm, or the final norm after the last layer. Both run as one
  // Norm::forward_residual (a fused kernel for RMSNorm), and `normed` carries the result.
  const int64_t n_layers = int64_t(model_.layers.size());
  const bool pre_norm = model_.residual == Residual::kPreNorm || model_.residual == Residual::kSandwich;
  Tensor normed = pre_norm ? model_.layers.at(0).n1.forward(h) : Tensor();
  for (int64_t i = 0; i < n_layers; ++i) {
    const DecoderLayer& L = model_.layers[size_t(i)];
    const Norm& next_norm = i + 1 < n_layers ? model_.layers[size_t(i + 1)].n1 : model_.final_norm;
    auto attn = [&](const Tensor& in) { return attention(L, i, in, rope, attention_mask, cache, past); };
    switch (model_.residual) {
      case Residual::kPreNorm: {
        // r = h + attn(n1(h)); h = r + mlp(n2(r))
        auto [r, n2] = L.n2.forward_residual(h, attn(normed));
        std::tie(h, normed) = next_norm.forward_residual(r, mlp(L.mlp, n2));
        break;
      }
      case Residual::kSandwich: {
        // r = h + n2(attn(n1(h))); h = r + n4(mlp(n3(r)))
        auto [r, n3] = L.n3.forward_residual(h, L.n2.forward(attn(normed)));
        std::tie(h, normed) = next_norm.forward_residual(r, L.n4.forward(mlp(L.mlp, n3)));
        break;
      }
      case Residual::kParallel: {
        Tensor a = attn(L.n1.forward(h));
        Tensor m = mlp(L.mlp, L.n2.forward(h));
        h = ops::add(ops::add(m, a), h);
        break;
      }
      case Residual::kParallelShared: {
        Tensor n = L.n1.forward(h);
        Tensor a = attn(n);
        Tensor m = mlp(L.mlp, n);
        h = ops::add(ops::add(h, a), m);
        break;
      }
      case Residual::kPostNorm: {
        Tensor r = ops::add(h, L.n1.forward(attn(h)));
        h = ops::add(r, L.n2.forward(mlp(L.mlp, r)));
        break;
      }
    }
  }
  if (cache) cache->advance(T);
  if (pre_norm) return only_last ? normed.narrow(1, T - 1, 1) : normed;
  if (only_last) h = h.narrow(1, T - 1, 1);
  return model_.final_norm.forward(h);
}

Tensor DecoderLM::loss_sum(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& labels,
                          const Tensor& position_ids) {
  AM_CHECK(model_.lm_head.defined(), model_.architecture, ".loss_sum: this model was built without its LM head");
  AM_CHECK(labels.defined() && labels.shape() == input_ids.shape() && dtype_info(labels.dtype()).is_integral,
           model_.architecture, ".loss_sum: labels must be an integer tensor shaped like input_ids ",
           input_ids.shape().str(), ", got ", labels.defined() ? labels.str() : std::string("undefined"));
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  Tensor h = hidden_states(input_ids, attention_mask, position_ids, nullptr, false);
  if (T < 2) return ops::mul_scalar(ops::sum_last(h.reshape({-1})), 0.0);  // nothing to predict
  const int64_t H = h.size(-1);
  // HF shifts inside the loss: position t predicts labels[t + 1].
  Tensor hs = h.narrow(1, 0, T - 1).reshape({B * (T - 1), H});
  Tensor ls = labels.narrow(1, 1, T - 1).contiguous().reshape({B * (T - 1)});
  return ops::linear_cross_entropy_sum(hs, model_.lm_head, ls.to(DType::I64), -100, model_.final_softcap);
}

CausalLMOutput DecoderLM::forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                                  KVCache* cache, bool only_last_logits) {
  AM_CHECK(model_.lm_head.defined(), model_.architecture, ".forward: this model was built without its LM head");
  Tensor h = hidden_states(input_ids, attention_mask, position_ids, cache, only_last_logits);
  Tensor logits = ops::linear(h, model_.lm_head);
  if (model_.final_softcap > 0) {
    logits = ops::mul_scalar(ops::tanh(ops::mul_scalar(logits, 1.0 / model_.final_softcap)), model_.final_softcap);
  }
  CausalLMOutput out;
  out.logits = ops::cast(logits, DType::F32);
  return out;
}

}  // namespace automodel::models
