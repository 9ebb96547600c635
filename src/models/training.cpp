#include "automodel/models/training.h"

namespace automodel {

int64_t count_loss_tokens(const Tensor& labels) {
  AM_CHECK(labels.defined() && labels.dim() == 2, "count_loss_tokens: labels must be [batch, seq]");
  const int64_t B = labels.size(0), T = labels.size(1);
  const std::vector<int64_t> v = labels.to_vector<int64_t>();
  int64_t n = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 1; t < T; ++t) n += v[size_t(b * T + t)] != -100;
  return n;
}

Tensor CausalLM::loss_sum(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  fail(architecture().empty() ? std::string("this model") : architecture(),
       " has no training forward (loss_sum); models built by AutoModelForCausalLM have one");
}

void make_trainable(const NamedTensors& params, std::optional<DType> dtype,
                    const std::function<bool(const std::string&)>& trainable) {
  for (const auto& [name, t] : params) {
    const DType want = dtype ? *dtype : t.dtype();
    Tensor owned = Tensor::empty(t.shape(), want, t.device());
    owned.copy_from(t);
    Tensor handle = t;  // shares the parameter's Impl with the model
    handle.replace_data(owned);
    autograd::set_requires_grad(handle, !trainable || trainable(name));
  }
}

}  // namespace automodel
