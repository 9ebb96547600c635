// Optimizers over named parameters with PyTorch 1.13 semantics (torch.optim.AdamW and SGD,
// single-tensor path, foreach=False), gradient clipping by global norm, and the optimizer part
// of a training checkpoint.
//
// Parameters are (HF name, Tensor) pairs; the tensors are the model's own handles, updated in
// place. A parameter is skipped in a step exactly when torch skips it (`p.grad is None`): it
// does not require grad, or no backward reached it since the last zero_grad(). Gradients come
// from autograd::grad() (float32, the parameter's shape).
//
// float32 parameters are updated with torch's float32 arithmetic in torch's operation order
// (bit-identical results on the same CPU class; torch's vectorised `add(alpha=)` and `addcmul`
// are fused multiply-adds on FMA hardware, and so are ours). bfloat16 / float16 parameters get
// a float32 master copy (taken from the parameter at construction) and float32 state; a step
// updates the master and writes it back into the parameter rounded to nearest even.
//
// Checkpoint state (save_state / load_state) is two files in a folder:
//   optimizer.safetensors  `<param>.exp_avg`, `<param>.exp_avg_sq`, `<param>.max_exp_avg_sq`
//                          (AdamW), `<param>.momentum_buffer` (SGD), `<param>.master` (bf16/f16
//                          parameters), `<param>.step` (int64 scalar) -- float32 raw bytes, so
//                          a load restores the state bit for bit;
//   optimizer.json         the optimizer kind, its hyper-parameters (lr included: the value the
//                          LR scheduler last set) and every parameter's name, shape and dtype.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/json_file.h"

namespace automodel::train {

// (HF parameter name, parameter) in the model's order.
using NamedParameters = std::vector<std::pair<std::string, Tensor>>;

inline constexpr const char* kOptimizerStateFile = "optimizer.safetensors";
inline constexpr const char* kOptimizerConfigFile = "optimizer.json";

class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that requires grad and has a gradient. Throws, naming the
  // parameter, for a gradient of the wrong shape/dtype or a parameter whose storage is
  // read-only (give it owned storage with Tensor::replace_data before training); nothing is
  // updated when any parameter would fail.
  void step();
  // Drops every parameter's gradient (torch's zero_grad(set_to_none=True)).
  void zero_grad();

  // The learning rate of the next step (the LR scheduler sets it).
  double lr() const { return lr_; }
  void set_lr(double lr);

  // "adamw" / "sgd".
  virtual std::string kind() const = 0;
  const NamedParameters& parameters() const { return params_; }
  // Steps taken by one parameter (0 before its first update). Throws for an unknown name.
  int64_t parameter_steps(const std::string& name) const;
  // The float32 master copy of a bf16/f16 parameter (undefined for float32 parameters).
  Tensor master_weight(const std::string& name) const;
  // A named state tensor of a parameter ("exp_avg", "momentum_buffer", ...); undefined before
  // the parameter's first step.
  Tensor state(const std::string& name, const std::string& key) const;

  // Writes optimizer.safetensors and optimizer.json into `dir` (created if needed), each atomically.
  void save_state(const std::filesystem::path& dir) const;
  // Restores what save_state wrote: the kind and parameter list (names, shapes, dtypes, in
  // order) must match this optimizer's, else an Error names the first difference.
  // Hyper-parameters (lr included) are restored as torch's load_state_dict does.
  void load_state(const std::filesystem::path& dir);

 protected:
  struct Slot {
    std::string name;
    Tensor param;
    Tensor master;                   // float32 copy for bf16/f16 parameters
    int64_t steps = 0;
    double weight_decay = 0.0;       // the group's value (0 for names in no_decay)
    std::vector<std::pair<std::string, Tensor>> state;  // float32, the parameter's shape
    Tensor& state_tensor(const std::string& key);       // creates zeros on first use
    const Tensor* find_state(const std::string& key) const;
  };

  // no_decay: parameter names that get weight decay 0 (HF Trainer's second parameter group:
  // biases and norm weights). Every name must be one of the parameters.
  Optimizer(NamedParameters params, double lr, double weight_decay, const std::vector<std::string>& no_decay);

  // One parameter's update: `value` is the float32 tensor to update in place (the parameter or
  // its master copy), `grad` its float32 gradient; slot.steps was already incremented.
  virtual void update(Slot& slot, float* value, const float* grad, int64_t n) = 0;
  // The per-parameter state tensors this optimizer keeps (what load_state accepts).
  virtual std::vector<std::string> state_keys() const = 0;
  // Hyper-parameters other than lr and weight_decay, for optimizer.json.
  virtual json hyperparameters() const = 0;
  virtual void restore_hyperparameters(const json& h, const std::string& what) = 0;

  std::vector<Slot> slots_;

 private:
  NamedParameters params_;
  double lr_;
  double weight_decay_;
  std::vector<std::string> no_decay_;
};

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - lr * weight_decay before the Adam update
  bool amsgrad = false;
  std::vector<std::string> no_decay = {};  // see Optimizer's constructor
};

// torch.optim.AdamW (maximize=False, capturable=False, foreach=False).
class AdamW final : public Optimizer {
 public:
  AdamW(NamedParameters params, AdamWOptions options = {});
  std::string kind() const override { return "adamw"; }
  const AdamWOptions& options() const { return options_; }

 protected:
  void update(Slot& slot, float* value, const float* grad, int64_t n) override;
  std::vector<std::string> state_keys() const override;
  json hyperparameters() const override;
  void restore_hyperparameters(const json& h, const std::string& what) override;

 private:
  AdamWOptions options_;
};

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;  // coupled: grad += weight_decay * p
  bool nesterov = false;      // needs momentum > 0 and dampening == 0
  std::vector<std::string> no_decay = {};
};

// torch.optim.SGD (maximize=False, foreach=False).
class SGD final : public Optimizer {
 public:
  SGD(NamedParameters params, SGDOptions options = {});
  std::string kind() const override { return "sgd"; }
  const SGDOptions& options() const { return options_; }

 protected:
  void update(Slot& slot, float* value, const float* grad, int64_t n) override;
  std::vector<std::string> state_keys() const override;
  json hyperparameters() const override;
  void restore_hyperparameters(const json& h, const std::string& what) override;

 private:
  SGDOptions options_;
};

// torch.nn.utils.clip_grad_norm_ (torch 1.13): the norm of all gradients together (as if
// concatenated; parameters without a gradient are left out), then every gradient is multiplied
// by min(max_norm / (total + 1e-6), 1) computed in float32. norm_type may be
// std::numeric_limits<double>::infinity() (largest |g|). Returns the total norm before
// clipping (0 when no parameter has a gradient). Norms are accumulated in double and rounded
// to float32, so they can differ from torch's float32 reduction in the last bit.
double clip_grad_norm(const NamedParameters& params, double max_norm, double norm_type = 2.0);

}  // namespace automodel::train
