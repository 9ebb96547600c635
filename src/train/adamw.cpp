// torch.optim.AdamW, torch 1.13 `_single_tensor_adamw` (capturable=False, maximize=False).
#include <cmath>

#include "automodel/core/error.h"
#include "automodel/train/optimizer.h"
#include "update_kernels.h"

namespace automodel::train {
namespace {

void validate(const AdamWOptions& o, const std::string& what) {
  AM_CHECK(std::isfinite(o.eps) && o.eps >= 0, what, ": invalid epsilon value ", o.eps, " (expected >= 0)");
  AM_CHECK(o.beta1 >= 0 && o.beta1 < 1, what, ": invalid beta1 ", o.beta1, " (expected 0 <= beta1 < 1)");
  AM_CHECK(o.beta2 >= 0 && o.beta2 < 1, what, ": invalid beta2 ", o.beta2, " (expected 0 <= beta2 < 1)");
}

}  // namespace

AdamW::AdamW(NamedParameters params, AdamWOptions options)
    : Optimizer(std::move(params), options.lr, options.weight_decay, options.no_decay), options_(std::move(options)) {
  validate(options_, "AdamW");
}

void AdamW::update(Slot& slot, float* value, const float* grad, int64_t n) {
  // The scalar math runs in double, as in Python; each value is rounded to float32 where
  // torch passes it to a float32 kernel.
  const double lr = this->lr();
  const double step = double(slot.steps);
  const double bias_correction1 = 1 - std::pow(options_.beta1, step);
  const double bias_correction2 = 1 - std::pow(options_.beta2, step);
  const double step_size = lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  kernels::AdamWScalars s{};
  s.decay = float(1 - lr * slot.weight_decay);
  s.beta1 = float(options_.beta1);
  s.one_minus_beta1 = float(1 - options_.beta1);
  s.beta2 = float(options_.beta2);
  s.one_minus_beta2 = float(1 - options_.beta2);
  s.bias_correction2_sqrt = float(bias_correction2_sqrt);
  s.eps = float(options_.eps);
  s.neg_step_size = float(-step_size);
  float* m = slot.state_tensor("exp_avg").mutable_data<float>();
  float* v = slot.state_tensor("exp_avg_sq").mutable_data<float>();
  float* max_v = options_.amsgrad ? slot.state_tensor("max_exp_avg_sq").mutable_data<float>() : nullptr;
  kernels::adamw(value, grad, m, v, max_v, n, s);
}

std::vector<std::string> AdamW::state_keys() const { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }

json AdamW::hyperparameters() const {
  return {{"betas", {options_.beta1, options_.beta2}}, {"eps", options_.eps}, {"amsgrad", options_.amsgrad}};
}

void AdamW::restore_hyperparameters(const json& h, const std::string& what) {
  AdamWOptions o = options_;
  AM_CHECK(h.contains("betas") && h["betas"].is_array() && h["betas"].size() == 2 && h["betas"][0].is_number() &&
               h["betas"][1].is_number(),
           what, ": hyperparameters.betas must be two numbers");
  AM_CHECK(h.contains("eps") && h["eps"].is_number(), what, ": hyperparameters.eps must be a number");
  AM_CHECK(h.contains("amsgrad") && h["amsgrad"].is_boolean(), what, ": hyperparameters.amsgrad must be a boolean");
  o.beta1 = h["betas"][0].get<double>();
  o.beta2 = h["betas"][1].get<double>();
  o.eps = h["eps"].get<double>();
  o.amsgrad = h["amsgrad"].get<bool>();
  validate(o, what);
  o.lr = h["lr"].get<double>();
  o.weight_decay = h["weight_decay"].get<double>();
  o.no_decay = h["no_decay"].get<std::vector<std::string>>();
  options_ = std::move(o);
}

}  // namespace automodel::train
