#include "decoder_classifier.h"

#include "config_util.h"
#include "registry.h"
#include "seq_cls_registry.h"

namespace automodel::models {

std::vector<int64_t> last_non_pad_positions(const Tensor& input_ids, std::optional<int64_t> pad_token_id,
                                            const std::string& architecture) {
  AM_CHECK(input_ids.dim() == 2, architecture, ": input_ids must be [batch, seq], got ", input_ids.shape().str());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  std::vector<int64_t> out(size_t(B), T - 1);
  if (!pad_token_id) {
    AM_CHECK(B == 1, architecture, ": cannot pool a batch of ", B,
             " rows without a padding token (config.json has no pad_token_id; transformers raises "
             "\"Cannot handle batch sizes > 1 if no padding token is defined.\")");
    return out;
  }
  const std::vector<int64_t> ids = input_ids.to_vector<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t first = 0;  // argmax over an all-false row is 0, as in torch
    for (int64_t t = 0; t < T; ++t)
      if (ids[size_t(b * T + t)] == *pad_token_id) {
        first = t;
        break;
      }
    out[size_t(b)] = ((first - 1) % T + T) % T;
  }
  return out;
}

DecoderClassifier::DecoderClassifier(std::string architecture, const json& config, DType compute,
                                     const std::string& what, DecoderModel body, Tensor score, const VarBuilder& vb)
    : SequenceClassificationModel(std::move(architecture), config, compute, what),
      body_(std::move(body), config, json()),
      score_(std::move(score)) {
  if (cfg_present(config, "pad_token_id")) pad_token_id_ = cfg_int(config, "pad_token_id", what);
  record_parameters(vb);
}

Tensor DecoderClassifier::forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& token_type_ids) {
  AM_CHECK(!token_type_ids.defined(), architecture(), ".forward: this model has no token types (token_type_ids must be undefined)");
  // Pool before the (per-position) score projection: the same values as scoring every position.
  const Tensor h = body_.hidden_states(input_ids, attention_mask, Tensor(), nullptr);
  const int64_t B = h.size(0), T = h.size(1), E = h.size(2);
  const std::vector<int64_t> last = last_non_pad_positions(input_ids, pad_token_id_, architecture());
  std::vector<int64_t> rows(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) rows[size_t(b)] = b * T + last[size_t(b)];
  const Tensor pooled = ops::index_select0(h.reshape({B * T, E}), rows);
  return ops::cast(ops::linear(pooled, score_), DType::F32);
}

std::vector<SeqClsFamily> decoder_seq_cls_families() {
  std::vector<SeqClsFamily> out;
  for (const Family& fam : families()) {
    if (fam.seq_cls_architecture.empty()) continue;
    SeqClsFamily f;
    f.model_type = fam.model_type;
    f.architecture = fam.seq_cls_architecture;
    f.head_prefixes = {"score."};
    f.build = [build = fam.build, arch = fam.seq_cls_architecture](
                  const json& c, const VarBuilder& root, DType compute,
                  const std::string& what) -> std::unique_ptr<SequenceClassificationModel> {
      DecoderModel body = build(c, root, compute, what, Head::kNone);
      body.architecture = arch;
      const int64_t hidden = body.embed.weight.size(1);
      const int64_t labels = ClassificationLabels::from_config(c, what).num_labels;
      const double std = cfg_double(c, "initializer_range", 0.02, what);
      Tensor score = root.pp("score").get("weight", {labels, hidden}, ParamInit::normal(std));
      return std::make_unique<DecoderClassifier>(arch, c, compute, what, std::move(body), std::move(score), root);
    };
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace automodel::models
