// config.json ↔ ModelConfig. Each family's keys and defaults are listed once, in bind_<family>(),
// and that single description drives both reading and writing back (see json_binder.h).
// Defaults are those of transformers 4.47's configuration_<family>.py.
#include "automodel/hub/config.h"

#include <algorithm>
#include <map>

#include "automodel/core/error.h"
#include "json_binder.h"

namespace automodel {

namespace detail {
// rope_scaling goes through the binder as an optional object.
template <>
RopeScaling from_json_value<RopeScaling>(const json& v, const std::string& where, std::string_view) {
  return RopeScaling::from_json(v, where);
}
template <>
json to_json_value<RopeScaling>(const RopeScaling& v) {
  return v.to_json();
}
}  // namespace detail

namespace {

using C = ModelConfig;
using Binder = detail::JsonBinder<C>;

int64_t per_head(const C& c, const std::string& where) {
  AM_CHECK(c.num_attention_heads > 0, where, ": 'num_attention_heads' must be positive, found ", c.num_attention_heads);
  return c.hidden_size / c.num_attention_heads;
}

// Keys every PretrainedConfig has.
void bind_common(Binder& b, bool tie_default) {
  b.derived<std::vector<std::string>>(&C::architectures, "architectures", [](const C&) { return std::vector<std::string>{}; });
  b.field(&C::tie_word_embeddings, "tie_word_embeddings", tie_default);
  b.field(&C::use_cache, "use_cache", true);
  b.field(&C::initializer_range, "initializer_range", 0.02);
  // transformers 5 renamed torch_dtype to dtype.
  if (b.raw().contains("torch_dtype") || !b.raw().contains("dtype"))
    b.derived<std::string>(&C::torch_dtype, "torch_dtype", [](const C&) { return std::string(); });
  else
    b.derived<std::string>(&C::torch_dtype, "dtype", [](const C&) { return std::string(); });
}

void bind_tokens(Binder& b, std::optional<int64_t> bos, std::vector<int64_t> eos, std::optional<int64_t> pad) {
  b.field(&C::bos_token_id, "bos_token_id", bos);
  b.field(&C::eos_token_id, "eos_token_id", eos);
  b.field(&C::pad_token_id, "pad_token_id", pad);
}

// rope_scaling: an object or null.
void bind_rope_scaling(Binder& b) { b.optional(&C::rope_scaling, "rope_scaling"); }

struct DecoderDefaults {
  int64_t vocab, hidden, intermediate, layers, heads;
  std::optional<int64_t> kv_heads;  // nullopt: = heads
  bool head_dim_key;                // the family has a head_dim key (else hidden / heads)
  std::optional<int64_t> head_dim;  // default when it has the key (nullopt: hidden / heads)
  const char* act;
  int64_t max_pos;
  double rms_eps;  // 0: the family has no rms_norm_eps key
  double rope_theta;
  bool tie;
  std::optional<int64_t> bos;
  std::vector<int64_t> eos;
  std::optional<int64_t> pad;
};

// The Llama-shaped families: llama, mistral, mixtral, qwen2, gemma, gemma2, phi3, olmo, olmo2.
void bind_decoder(Binder& b, const DecoderDefaults& d, const char* act_key = "hidden_act") {
  const std::string where = b.where();
  bind_common(b, d.tie);
  b.field(&C::vocab_size, "vocab_size", d.vocab);
  b.field(&C::hidden_size, "hidden_size", d.hidden);
  b.field(&C::intermediate_size, "intermediate_size", d.intermediate);
  b.field(&C::num_hidden_layers, "num_hidden_layers", d.layers);
  b.field(&C::num_attention_heads, "num_attention_heads", d.heads);
  const bool kv_null = b.raw().contains("num_key_value_heads") && b.raw()["num_key_value_heads"].is_null();
  if (d.kv_heads && !kv_null) {
    b.field(&C::num_key_value_heads, "num_key_value_heads", *d.kv_heads);
  } else {
    // Absent (no family default) or null: = num_attention_heads, as the HF constructors do.
    b.derived<int64_t>(&C::num_key_value_heads, "num_key_value_heads", [](const C& c) { return c.num_attention_heads; });
  }
  if (d.head_dim_key && d.head_dim) {
    b.field(&C::head_dim, "head_dim", *d.head_dim);
  } else if (d.head_dim_key) {
    b.derived<int64_t>(&C::head_dim, "head_dim", [where](const C& c) { return per_head(c, where); });
  } else {
    b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  }
  b.field(&C::hidden_act, act_key, std::string(d.act));
  b.field(&C::max_position_embeddings, "max_position_embeddings", d.max_pos);
  if (d.rms_eps > 0) b.field(&C::rms_norm_eps, "rms_norm_eps", std::optional<double>(d.rms_eps));
  b.field(&C::rope_theta, "rope_theta", d.rope_theta);
  b.field(&C::attention_dropout, "attention_dropout", 0.0);
  bind_tokens(b, d.bos, d.eos, d.pad);
}

void bind_llama(Binder& b) {
  bind_decoder(b, {32000, 4096, 11008, 32, 32, std::nullopt, true, std::nullopt, "silu", 2048, 1e-6, 10000.0, false, 1,
                   {2}, std::nullopt});
  bind_rope_scaling(b);
  b.field(&C::attention_bias, "attention_bias", false);
  b.field(&C::mlp_bias, "mlp_bias", false);
}

void bind_mistral(Binder& b) {
  bind_decoder(b, {32000, 4096, 14336, 32, 32, 8, true, std::nullopt, "silu", 4096 * 32, 1e-6, 10000.0, false, 1, {2},
                   std::nullopt});
  b.field(&C::sliding_window, "sliding_window", std::optional<int64_t>(4096));
  b.fixed(&C::attention_bias, false, "attention_bias");
  b.fixed(&C::mlp_bias, false, "mlp_bias");
}

void bind_mixtral(Binder& b) {
  bind_decoder(b, {32000, 4096, 14336, 32, 32, 8, true, std::nullopt, "silu", 4096 * 32, 1e-5, 1e6, false, 1, {2},
                   std::nullopt});
  b.optional(&C::sliding_window, "sliding_window");
  b.field(&C::num_experts_per_tok, "num_experts_per_tok", std::optional<int64_t>(2));
  b.field(&C::num_local_experts, "num_local_experts", std::optional<int64_t>(8));
  b.fixed(&C::attention_bias, false, "attention_bias");
  b.fixed(&C::mlp_bias, false, "mlp_bias");
}

void bind_qwen2(Binder& b) {
  bind_decoder(b, {151936, 4096, 22016, 32, 32, 32, false, std::nullopt, "silu", 32768, 1e-6, 10000.0, false,
                   std::nullopt, {}, std::nullopt});
  bind_rope_scaling(b);
  b.field(&C::use_sliding_window, "use_sliding_window", false);
  b.field(&C::sliding_window, "sliding_window", std::optional<int64_t>(4096));
  b.field(&C::max_window_layers, "max_window_layers", std::optional<int64_t>(28));
  b.fixed(&C::attention_bias, true, "attention_bias (qwen2 always has q/k/v biases)");
  b.fixed(&C::mlp_bias, false, "mlp_bias");
}

void bind_gemma(Binder& b) {
  bind_decoder(b, {256000, 3072, 24576, 28, 16, 16, true, 256, "gelu_pytorch_tanh", 8192, 1e-6, 10000.0, true, 2, {1}, 0});
  b.field(&C::attention_bias, "attention_bias", false);
  b.fixed(&C::mlp_bias, false, "mlp_bias");
}

void bind_gemma2(Binder& b) {
  bind_decoder(b, {256000, 2304, 9216, 26, 8, 4, true, 256, "gelu_pytorch_tanh", 8192, 1e-6, 10000.0, true, 2, {1}, 0},
               "hidden_activation");
  b.field(&C::attention_bias, "attention_bias", false);
  b.fixed(&C::mlp_bias, false, "mlp_bias");
  b.field(&C::query_pre_attn_scalar, "query_pre_attn_scalar", std::optional<double>(256));
  b.field(&C::sliding_window, "sliding_window", std::optional<int64_t>(4096));
  b.field(&C::final_logit_softcapping, "final_logit_softcapping", std::optional<double>(30.0));
  b.field(&C::attn_logit_softcapping, "attn_logit_softcapping", std::optional<double>(50.0));
}

void bind_phi3(Binder& b) {
  bind_decoder(b, {32064, 3072, 8192, 32, 32, std::nullopt, false, std::nullopt, "silu", 4096, 1e-5, 10000.0, false, 1,
                   {32000}, 32000});
  bind_rope_scaling(b);
  b.field(&C::original_max_position_embeddings, "original_max_position_embeddings", std::optional<int64_t>(4096));
  b.optional(&C::sliding_window, "sliding_window");
  b.field(&C::partial_rotary_factor, "partial_rotary_factor", 1.0);
  b.fixed(&C::attention_bias, false, "attention_bias");
  b.fixed(&C::mlp_bias, false, "mlp_bias");
}

void bind_olmo_like(Binder& b, bool olmo2) {
  bind_decoder(b, {50304, 4096, 11008, 32, 32, std::nullopt, false, std::nullopt, "silu", 2048, olmo2 ? 1e-5 : 0.0,
                   10000.0, false, std::nullopt, {50279}, 1});
  bind_rope_scaling(b);
  b.field(&C::attention_bias, "attention_bias", false);
  b.fixed(&C::mlp_bias, false, "mlp_bias");
  b.optional(&C::clip_qkv, "clip_qkv");
  if (!olmo2) {
    // OLMo's LayerNorm has no parameters and a fixed eps; it has no rms_norm_eps.
    b.fixed(&C::rms_norm_eps, std::optional<double>(), "rms_norm_eps");
    b.fixed(&C::layer_norm_eps, std::optional<double>(1e-5), "layer_norm_eps");
  }
}

void bind_stablelm(Binder& b) {
  const std::string where = b.where();
  bind_common(b, false);
  b.field(&C::vocab_size, "vocab_size", int64_t(50304));
  b.field(&C::intermediate_size, "intermediate_size", int64_t(6912));
  b.field(&C::hidden_size, "hidden_size", int64_t(2560));
  b.field(&C::num_hidden_layers, "num_hidden_layers", int64_t(32));
  b.field(&C::num_attention_heads, "num_attention_heads", int64_t(32));
  b.field(&C::num_key_value_heads, "num_key_value_heads", int64_t(32));
  b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  b.field(&C::hidden_act, "hidden_act", std::string("silu"));
  b.field(&C::max_position_embeddings, "max_position_embeddings", int64_t(4096));
  b.field(&C::layer_norm_eps, "layer_norm_eps", std::optional<double>(1e-5));
  b.field(&C::rope_theta, "rope_theta", 10000.0);
  bind_rope_scaling(b);
  b.field(&C::attention_bias, "use_qkv_bias", false);
  b.fixed(&C::mlp_bias, false, "mlp_bias");
  b.field(&C::qk_layernorm, "qk_layernorm", false);
  b.field(&C::use_parallel_residual, "use_parallel_residual", false);
  b.field(&C::attention_dropout, "attention_dropout", 0.0);
  b.field(&C::partial_rotary_factor, "partial_rotary_factor", 0.25);
  bind_tokens(b, 0, {0}, std::nullopt);
}

void bind_gpt_neox(Binder& b) {
  const std::string where = b.where();
  bind_common(b, false);
  b.field(&C::vocab_size, "vocab_size", int64_t(50432));
  b.field(&C::hidden_size, "hidden_size", int64_t(6144));
  b.field(&C::num_hidden_layers, "num_hidden_layers", int64_t(44));
  b.field(&C::num_attention_heads, "num_attention_heads", int64_t(64));
  b.computed<int64_t>(&C::num_key_value_heads, [](const C& c) { return c.num_attention_heads; }, "num_key_value_heads");
  b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  b.field(&C::intermediate_size, "intermediate_size", int64_t(24576));
  b.field(&C::hidden_act, "hidden_act", std::string("gelu"));
  // GPTNeoXConfig sets rope_theta and partial_rotary_factor from these two keys.
  b.field(&C::partial_rotary_factor, "rotary_pct", 0.25);
  b.field(&C::rope_theta, "rotary_emb_base", 10000.0);
  bind_rope_scaling(b);
  b.field(&C::attention_dropout, "attention_dropout", 0.0);
  b.field(&C::max_position_embeddings, "max_position_embeddings", int64_t(2048));
  b.field(&C::layer_norm_eps, "layer_norm_eps", std::optional<double>(1e-5));
  b.field(&C::use_parallel_residual, "use_parallel_residual", true);
  b.field(&C::attention_bias, "attention_bias", true);
  b.fixed(&C::mlp_bias, true, "mlp_bias");
  bind_tokens(b, 0, {2}, std::nullopt);
}

void bind_gpt2(Binder& b) {
  const std::string where = b.where();
  bind_common(b, true);
  b.field(&C::vocab_size, "vocab_size", int64_t(50257));
  b.field(&C::max_position_embeddings, "n_positions", int64_t(1024));
  b.field(&C::hidden_size, "n_embd", int64_t(768));
  b.field(&C::num_hidden_layers, "n_layer", int64_t(12));
  b.field(&C::num_attention_heads, "n_head", int64_t(12));
  b.computed<int64_t>(&C::num_key_value_heads, [](const C& c) { return c.num_attention_heads; }, "num_key_value_heads");
  b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  // n_inner: null or absent means 4 * n_embd (GPT2MLP).
  b.derived<int64_t>(&C::intermediate_size, "n_inner", [](const C& c) { return 4 * c.hidden_size; });
  b.field(&C::hidden_act, "activation_function", std::string("gelu_new"));
  b.field(&C::layer_norm_eps, "layer_norm_epsilon", std::optional<double>(1e-5));
  b.fixed(&C::attention_bias, true, "attention_bias");
  b.fixed(&C::mlp_bias, true, "mlp_bias");
  b.fixed(&C::partial_rotary_factor, 0.0, "partial_rotary_factor (GPT-2 has learned positions)");
  bind_tokens(b, 50256, {50256}, std::nullopt);
}

void bind_bert_like(Binder& b, int64_t vocab, std::optional<int64_t> bos, std::vector<int64_t> eos, int64_t pad) {
  const std::string where = b.where();
  bind_common(b, true);
  b.field(&C::vocab_size, "vocab_size", vocab);
  b.field(&C::hidden_size, "hidden_size", int64_t(768));
  b.field(&C::num_hidden_layers, "num_hidden_layers", int64_t(12));
  b.field(&C::num_attention_heads, "num_attention_heads", int64_t(12));
  b.computed<int64_t>(&C::num_key_value_heads, [](const C& c) { return c.num_attention_heads; }, "num_key_value_heads");
  b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  b.field(&C::intermediate_size, "intermediate_size", int64_t(3072));
  b.field(&C::hidden_act, "hidden_act", std::string("gelu"));
  b.field(&C::max_position_embeddings, "max_position_embeddings", int64_t(512));
  b.field(&C::type_vocab_size, "type_vocab_size", std::optional<int64_t>(2));
  b.field(&C::layer_norm_eps, "layer_norm_eps", std::optional<double>(1e-12));
  b.field(&C::attention_dropout, "attention_probs_dropout_prob", 0.1);
  b.fixed(&C::attention_bias, true, "attention_bias");
  b.fixed(&C::mlp_bias, true, "mlp_bias");
  b.fixed(&C::partial_rotary_factor, 0.0, "partial_rotary_factor (absolute position embeddings)");
  bind_tokens(b, bos, eos, pad);
}

void bind_distilbert(Binder& b) {
  const std::string where = b.where();
  bind_common(b, true);
  b.field(&C::vocab_size, "vocab_size", int64_t(30522));
  b.field(&C::max_position_embeddings, "max_position_embeddings", int64_t(512));
  b.field(&C::num_hidden_layers, "n_layers", int64_t(6));
  b.field(&C::num_attention_heads, "n_heads", int64_t(12));
  b.field(&C::hidden_size, "dim", int64_t(768));
  b.computed<int64_t>(&C::num_key_value_heads, [](const C& c) { return c.num_attention_heads; }, "num_key_value_heads");
  b.computed<int64_t>(&C::head_dim, [where](const C& c) { return per_head(c, where); }, "head_dim");
  b.field(&C::intermediate_size, "hidden_dim", int64_t(3072));
  b.field(&C::hidden_act, "activation", std::string("gelu"));
  b.field(&C::attention_dropout, "attention_dropout", 0.1);
  b.fixed(&C::layer_norm_eps, std::optional<double>(1e-12), "layer_norm_eps");
  b.fixed(&C::attention_bias, true, "attention_bias");
  b.fixed(&C::mlp_bias, true, "mlp_bias");
  b.fixed(&C::partial_rotary_factor, 0.0, "partial_rotary_factor (absolute position embeddings)");
  bind_tokens(b, std::nullopt, {}, 0);
}

// An unknown model_type: common key names, no defaults for the sizes.
void bind_generic(Binder& b) {
  const std::string where = b.where();
  bind_common(b, true);
  b.required(&C::vocab_size, "vocab_size");
  b.required(&C::hidden_size, "hidden_size");
  b.required(&C::num_hidden_layers, "num_hidden_layers");
  b.required(&C::num_attention_heads, "num_attention_heads");
  b.derived<int64_t>(&C::num_key_value_heads, "num_key_value_heads", [](const C& c) { return c.num_attention_heads; });
  b.derived<int64_t>(&C::head_dim, "head_dim", [where](const C& c) { return per_head(c, where); });
  b.field(&C::intermediate_size, "intermediate_size", int64_t(0));
  b.field(&C::max_position_embeddings, "max_position_embeddings", int64_t(0));
  b.field(&C::hidden_act, "hidden_act", std::string());
  b.optional(&C::rms_norm_eps, "rms_norm_eps");
  b.optional(&C::layer_norm_eps, "layer_norm_eps");
  b.field(&C::rope_theta, "rope_theta", 10000.0);
  bind_rope_scaling(b);
  b.field(&C::partial_rotary_factor, "partial_rotary_factor", 1.0);
  b.optional(&C::sliding_window, "sliding_window");
  b.field(&C::attention_bias, "attention_bias", false);
  b.field(&C::mlp_bias, "mlp_bias", false);
  b.field(&C::attention_dropout, "attention_dropout", 0.0);
  bind_tokens(b, std::nullopt, {}, std::nullopt);
}

using BindFn = void (*)(Binder&);

const std::map<std::string, BindFn>& families() {
  static const std::map<std::string, BindFn> table = {
      {"llama", bind_llama},
      {"mistral", bind_mistral},
      {"mixtral", bind_mixtral},
      {"qwen2", bind_qwen2},
      {"gemma", bind_gemma},
      {"gemma2", bind_gemma2},
      {"phi3", bind_phi3},
      {"olmo", [](Binder& b) { bind_olmo_like(b, false); }},
      {"olmo2", [](Binder& b) { bind_olmo_like(b, true); }},
      {"stablelm", bind_stablelm},
      {"gpt_neox", bind_gpt_neox},
      {"gpt2", bind_gpt2},
      {"bert", [](Binder& b) { bind_bert_like(b, 30522, std::nullopt, {}, 0); }},
      {"roberta", [](Binder& b) { bind_bert_like(b, 50265, 0, {2}, 1); }},
      {"distilbert", bind_distilbert},
  };
  return table;
}

void bind_all(Binder& b, const C& cfg) {
  auto it = families().find(cfg.model_type);
  if (it != families().end()) it->second(b);
  else bind_generic(b);
}

// Checks a parsed config for values no model can use; names the key the family reads them from.
void validate(const C& c, const std::string& where) {
  auto positive = [&](int64_t v, const char* name) {
    AM_CHECK(v > 0, where, ": ", name, " must be positive, found ", v);
  };
  positive(c.vocab_size, "vocab_size");
  positive(c.hidden_size, "hidden_size");
  positive(c.num_attention_heads, "num_attention_heads");
  positive(c.num_key_value_heads, "num_key_value_heads");
  positive(c.head_dim, "head_dim");
  AM_CHECK(c.num_hidden_layers >= 0, where, ": num_hidden_layers must not be negative, found ", c.num_hidden_layers);
  AM_CHECK(c.intermediate_size >= 0, where, ": intermediate_size must not be negative, found ", c.intermediate_size);
  AM_CHECK(c.num_attention_heads % c.num_key_value_heads == 0, where, ": num_attention_heads (", c.num_attention_heads,
           ") must be a multiple of num_key_value_heads (", c.num_key_value_heads, ")");
}

}  // namespace

RopeScaling RopeScaling::from_json(const json& value, const std::string& where) {
  const std::string w = where + ": rope_scaling";
  AM_CHECK(value.is_object(), w, " must be an object or null, found ", json_type_name(value));
  RopeScaling r;
  r.raw = value;
  auto get_opt = [&](const char* key, auto& dst) {
    using T = typename std::remove_reference_t<decltype(dst)>::value_type;
    if (auto it = value.find(key); it != value.end() && !it->is_null()) dst = detail::from_json_value<T>(*it, w, key);
  };
  if (auto it = value.find("rope_type"); it != value.end() && !it->is_null())
    r.rope_type = detail::from_json_value<std::string>(*it, w, "rope_type");
  else if (auto it2 = value.find("type"); it2 != value.end() && !it2->is_null())
    r.rope_type = detail::from_json_value<std::string>(*it2, w, "type");
  AM_CHECK(!r.rope_type.empty(), w, ": missing 'rope_type' (or the legacy 'type')");
  get_opt("factor", r.factor);
  get_opt("original_max_position_embeddings", r.original_max_position_embeddings);
  get_opt("low_freq_factor", r.low_freq_factor);
  get_opt("high_freq_factor", r.high_freq_factor);
  get_opt("beta_fast", r.beta_fast);
  get_opt("beta_slow", r.beta_slow);
  get_opt("attention_factor", r.attention_factor);
  get_opt("mscale", r.mscale);
  get_opt("mscale_all_dim", r.mscale_all_dim);
  auto get_list = [&](const char* key, std::vector<double>& dst) {
    auto it = value.find(key);
    if (it == value.end() || it->is_null()) return;
    AM_CHECK(it->is_array(), w, ": '", key, "' must be a list of numbers, found ", json_type_name(*it));
    for (const auto& e : *it) {
      AM_CHECK(e.is_number(), w, ": '", key, "' must be a list of numbers, found an element ", json_type_name(e));
      dst.push_back(e.get<double>());
    }
  };
  get_list("short_factor", r.short_factor);
  get_list("long_factor", r.long_factor);
  return r;
}

json RopeScaling::to_json() const {
  json out = raw.is_object() ? raw : json::object();
  // What `raw` reads as; a typed field equal to it leaves its key untouched (so 8 stays 8 and
  // an explicit null or [] stays). `raw` that does not parse (built by hand) compares as empty.
  RopeScaling base;
  try {
    base = from_json(out, "rope_scaling");
  } catch (const Error&) {
  }
  auto put = [&](const char* key, const auto& now, const auto& before) {
    if (now == before) return;
    using T = std::decay_t<decltype(now)>;
    if constexpr (detail::is_optional<T>::value) {
      if (now) out[key] = *now;
      else out.erase(key);
    } else if (now.empty()) {
      out.erase(key);
    } else {
      out[key] = now;
    }
  };
  if (rope_type != base.rope_type) {
    auto has = [&](const char* k) { return out.contains(k) && !out[k].is_null(); };
    out[has("type") && !has("rope_type") ? "type" : "rope_type"] = rope_type;
  }
  put("factor", factor, base.factor);
  put("original_max_position_embeddings", original_max_position_embeddings, base.original_max_position_embeddings);
  put("low_freq_factor", low_freq_factor, base.low_freq_factor);
  put("high_freq_factor", high_freq_factor, base.high_freq_factor);
  put("beta_fast", beta_fast, base.beta_fast);
  put("beta_slow", beta_slow, base.beta_slow);
  put("attention_factor", attention_factor, base.attention_factor);
  put("mscale", mscale, base.mscale);
  put("mscale_all_dim", mscale_all_dim, base.mscale_all_dim);
  put("short_factor", short_factor, base.short_factor);
  put("long_factor", long_factor, base.long_factor);
  return out;
}

ModelConfig ModelConfig::from_json(const json& value, const std::string& where) {
  AM_CHECK(value.is_object(), where, ": expected a JSON object, found ", json_type_name(value));
  ModelConfig c;
  c.raw = value;
  auto mt = value.find("model_type");
  AM_CHECK(mt != value.end(), where, ": missing required key 'model_type'");
  c.model_type = detail::from_json_value<std::string>(*mt, where, "model_type");
  Binder b(Binder::Mode::Read, where, value, c);
  bind_all(b, c);
  validate(c, where);
  if (c.model_type == "qwen2" && !c.use_sliding_window) c.sliding_window.reset();  // as Qwen2Config does
  return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return from_json(read_json_file(file), file.string());
}

json ModelConfig::to_json() const {
  const std::string where = "config (model_type '" + model_type + "')";
  const ModelConfig baseline = from_json(raw, where);
  AM_CHECK(model_type == baseline.model_type, where, ": model_type cannot be changed (was '", baseline.model_type, "')");
  json out = raw;
  ModelConfig self = *this;
  ModelConfig base = baseline;
  // Undo the qwen2 sliding-window rule before comparing, so an untouched value is not written.
  if (model_type == "qwen2") {
    auto as_read = [&]() -> std::optional<int64_t> {
      auto it = raw.find("sliding_window");
      if (it == raw.end()) return 4096;
      if (it->is_null()) return std::nullopt;
      return detail::from_json_value<int64_t>(*it, where, "sliding_window");
    };
    if (!base.use_sliding_window) base.sliding_window = as_read();
    if (!self.use_sliding_window && !self.sliding_window) self.sliding_window = as_read();
  }
  Binder b(Binder::Mode::Write, where, raw, self, &base, &out);
  bind_all(b, self);
  return out;
}

void ModelConfig::save(const std::filesystem::path& path) const {
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  // transformers writes json.dumps(config, indent=2, sort_keys=True) + "\n".
  const nlohmann::json sorted = nlohmann::json::parse(to_json().dump());
  write_file_atomic(file, sorted.dump(2, ' ', true) + "\n");
}

double ModelConfig::norm_eps() const {
  if (rms_norm_eps) return *rms_norm_eps;
  if (layer_norm_eps) return *layer_norm_eps;
  return 1e-5;
}

std::optional<DType> ModelConfig::dtype() const { return dtype_from_string(torch_dtype); }

bool ModelConfig::known_family() const { return families().count(model_type) != 0; }

const std::vector<std::string>& known_model_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t;
    for (const auto& [k, v] : families()) t.push_back(k);
    return t;
  }();
  return types;
}

}  // namespace automodel
