// torch.optim.SGD, torch 1.13 `_single_tensor_sgd` (maximize=False, dense gradients).
#include <cmath>

#include "automodel/core/error.h"
#include "automodel/train/optimizer.h"
#include "update_kernels.h"

namespace automodel::train {
namespace {

void validate(const SGDOptions& o, const std::string& what) {
  AM_CHECK(std::isfinite(o.momentum) && o.momentum >= 0, what, ": invalid momentum value ", o.momentum,
           " (expected >= 0)");
  AM_CHECK(std::isfinite(o.dampening), what, ": invalid dampening value ", o.dampening);
  AM_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), what,
           ": Nesterov momentum requires a momentum > 0 and zero dampening (momentum ", o.momentum, ", dampening ",
           o.dampening, ")");
}

}  // namespace

SGD::SGD(NamedParameters params, SGDOptions options)
    : Optimizer(std::move(params), options.lr, options.weight_decay, options.no_decay), options_(std::move(options)) {
  validate(options_, "SGD");
}

void SGD::update(Slot& slot, float* value, const float* grad, int64_t n) {
  kernels::SGDScalars s{};
  s.weight_decay = float(slot.weight_decay);
  s.momentum = float(options_.momentum);
  s.one_minus_dampening = float(1 - options_.dampening);
  s.neg_lr = float(-lr());
  s.nesterov = options_.nesterov;
  float* buf = nullptr;
  if (options_.momentum != 0) {
    s.first_step = slot.find_state("momentum_buffer") == nullptr;  // torch: buf is None -> clone(d_p)
    buf = slot.state_tensor("momentum_buffer").mutable_data<float>();
  }
  kernels::sgd(value, grad, buf, n, s);
}

std::vector<std::string> SGD::state_keys() const { return {"momentum_buffer"}; }

json SGD::hyperparameters() const {
  return {{"momentum", options_.momentum}, {"dampening", options_.dampening}, {"nesterov", options_.nesterov}};
}

void SGD::restore_hyperparameters(const json& h, const std::string& what) {
  SGDOptions o = options_;
  for (const char* key : {"momentum", "dampening"})
    AM_CHECK(h.contains(key) && h[key].is_number(), what, ": hyperparameters.", key, " must be a number");
  AM_CHECK(h.contains("nesterov") && h["nesterov"].is_boolean(), what, ": hyperparameters.nesterov must be a boolean");
  o.momentum = h["momentum"].get<double>();
  o.dampening = h["dampening"].get<double>();
  o.nesterov = h["nesterov"].get<bool>();
  validate(o, what);
  o.lr = h["lr"].get<double>();
  o.weight_decay = h["weight_decay"].get<double>();
  o.no_decay = h["no_decay"].get<std::vector<std::string>>();
  options_ = std::move(o);
}

}  // namespace automodel::train
