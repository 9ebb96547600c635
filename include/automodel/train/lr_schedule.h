// Learning-rate schedules with transformers' `get_scheduler` semantics (transformers 4.47,
// torch 1.13 LambdaLR): lr(step) = base_lr * lambda(step), where base_lr is the optimizer's lr
// when the scheduler is made and step counts optimizer steps. Constructing the scheduler sets
// the optimizer's lr to lr(0) (LambdaLR's initial step); call step() once after every
// optimizer.step(). The lambdas are transformers' own, in double precision in the same
// operation order as the Python, so the lrs are bit-identical with HF's.
//
// Names are TrainingArguments.lr_scheduler_type strings: "constant", "constant_with_warmup",
// "linear", "cosine", "cosine_with_restarts", "polynomial", "inverse_sqrt",
// "cosine_with_min_lr". ("reduce_lr_on_plateau" and "warmup_stable_decay" are not LambdaLR
// schedules of this kind and are not provided.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automodel/hub/json_file.h"

namespace automodel::train {

class Optimizer;

struct LrScheduleOptions {
  std::string type = "linear";  // lr_scheduler_type
  int64_t num_warmup_steps = 0;
  int64_t num_training_steps = 0;  // needed by every decaying schedule
  // lr_scheduler_kwargs:
  // cosine / cosine_with_min_lr: waves (default 0.5, a half cosine down to 0 / min_lr);
  // cosine_with_restarts: the number of hard restarts (default 1).
  std::optional<double> num_cycles;
  double lr_end = 1e-7;                   // polynomial
  double power = 1.0;                     // polynomial
  std::optional<int64_t> timescale;       // inverse_sqrt (default: num_warmup_steps or 10000)
  std::optional<double> min_lr;           // cosine_with_min_lr: exactly one of min_lr / min_lr_rate
  std::optional<double> min_lr_rate;
};

// The supported lr_scheduler_type names, in the order above.
const std::vector<std::string>& lr_schedule_types();

// HF TrainingArguments.get_warmup_steps: warmup_steps if > 0, else ceil(num_training_steps * warmup_ratio).
int64_t warmup_steps_for(int64_t num_training_steps, int64_t warmup_steps, double warmup_ratio);

// One schedule's multiplier as a function of the step (transformers' lr_lambda).
class LrLambda {
 public:
  // Throws for an unknown type (listing the known ones) or invalid arguments. base_lr is the
  // optimizer's initial lr (polynomial and cosine_with_min_lr's min_lr need it).
  LrLambda(const LrScheduleOptions& options, double base_lr);
  double operator()(int64_t step) const;
  const LrScheduleOptions& options() const { return options_; }

 private:
  LrScheduleOptions options_;
  double base_lr_;
  double num_cycles_ = 0.5;
  double min_lr_rate_ = 0.0;
  int64_t timescale_ = 0;
};

class LrScheduler {
 public:
  // base_lr = optimizer.lr() now; sets the optimizer's lr to base_lr * lambda(0).
  LrScheduler(Optimizer& optimizer, LrScheduleOptions options);

  // After an optimizer step: advances the step and sets the optimizer's lr for the next one.
  void step();
  // Optimizer steps taken so far (LambdaLR.last_epoch).
  int64_t last_step() const { return last_step_; }
  // The lr set by the last step() (or the constructor): get_last_lr()[0].
  double last_lr() const { return last_lr_; }
  double base_lr() const { return base_lr_; }
  // lr at any step, without changing state.
  double lr_at(int64_t step) const { return base_lr_ * lambda_(step); }
  const LrScheduleOptions& options() const { return lambda_.options(); }

  // {"type", "base_lr", "last_step", "last_lr", ... options}: what a checkpoint keeps.
  json state() const;
  // Restores base_lr, last_step and last_lr (not the optimizer's lr: the optimizer's own state
  // holds the lr of the next step, as in torch). The schedule type and its options must match.
  void load_state(const json& state, const std::string& what = "scheduler state");
  // scheduler.json in `dir`, written atomically / read back.
  void save_state(const std::filesystem::path& dir) const;
  void load_state(const std::filesystem::path& dir);

 private:
  Optimizer& optimizer_;
  LrLambda lambda_;
  double base_lr_;
  int64_t last_step_ = 0;
  double last_lr_ = 0.0;
};

inline constexpr const char* kSchedulerStateFile = "scheduler.json";

}  // namespace automodel::train
