// transformers' LR lambdas (optimization.py, 4.47) under torch's LambdaLR.
#include "automodel/train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "automodel/core/error.h"
#include "automodel/train/optimizer.h"

namespace automodel::train {
namespace {

std::string known_list() {
  std::string s;
  for (const auto& t : lr_schedule_types()) s += (s.empty() ? "" : ", ") + t;
  return s;
}

double warmup_lambda(int64_t step, int64_t warmup) { return double(step) / double(std::max<int64_t>(1, warmup)); }

}  // namespace

const std::vector<std::string>& lr_schedule_types() {
  static const std::vector<std::string> types = {"constant",   "constant_with_warmup", "linear",       "cosine",
                                                 "cosine_with_restarts", "polynomial", "inverse_sqrt",
                                                 "cosine_with_min_lr"};
  return types;
}

int64_t warmup_steps_for(int64_t num_training_steps, int64_t warmup_steps, double warmup_ratio) {
  AM_CHECK(warmup_steps >= 0, "warmup_steps must be >= 0, got ", warmup_steps);
  AM_CHECK(warmup_ratio >= 0 && warmup_ratio <= 1, "warmup_ratio must be in [0, 1], got ", warmup_ratio);
  if (warmup_steps > 0) return warmup_steps;
  return int64_t(std::ceil(double(num_training_steps) * warmup_ratio));
}

LrLambda::LrLambda(const LrScheduleOptions& options, double base_lr) : options_(options), base_lr_(base_lr) {
  const std::string& t = options_.type;
  const auto& types = lr_schedule_types();
  if (std::find(types.begin(), types.end(), t) == types.end()) {
    if (t == "reduce_lr_on_plateau" || t == "warmup_stable_decay")
      fail("lr_scheduler_type '", t, "' is not supported; supported: ", known_list());
    fail("unknown lr_scheduler_type '", t, "'; known: ", known_list());
  }
  AM_CHECK(options_.num_warmup_steps >= 0, "lr scheduler '", t, "': num_warmup_steps must be >= 0, got ",
           options_.num_warmup_steps);
  const bool decays = t != "constant" && t != "constant_with_warmup" && t != "inverse_sqrt";
  AM_CHECK(!decays || options_.num_training_steps > 0, "lr scheduler '", t,
           "' needs num_training_steps > 0, got ", options_.num_training_steps);
  num_cycles_ = options_.num_cycles.value_or(t == "cosine_with_restarts" ? 1.0 : 0.5);
  AM_CHECK(std::isfinite(num_cycles_), "lr scheduler '", t, "': num_cycles must be finite");
  if (t == "polynomial") {
    AM_CHECK(base_lr_ > options_.lr_end, "lr scheduler 'polynomial': lr_end (", options_.lr_end,
             ") must be smaller than initial lr (", base_lr_, ")");
    AM_CHECK(options_.num_training_steps > options_.num_warmup_steps,
             "lr scheduler 'polynomial' needs num_training_steps > num_warmup_steps (", options_.num_training_steps,
             " <= ", options_.num_warmup_steps, ")");
  }
  if (t == "inverse_sqrt") {
    timescale_ = options_.timescale.value_or(options_.num_warmup_steps ? options_.num_warmup_steps : 10000);
    AM_CHECK(timescale_ > 0, "lr scheduler 'inverse_sqrt': timescale must be > 0, got ", timescale_);
  }
  if (t == "cosine_with_min_lr") {
    AM_CHECK(!(options_.min_lr && options_.min_lr_rate), "lr scheduler 'cosine_with_min_lr': only one of min_lr or "
                                                          "min_lr_rate should be set");
    AM_CHECK(options_.min_lr || options_.min_lr_rate,
             "lr scheduler 'cosine_with_min_lr': one of min_lr or min_lr_rate must be set");
    if (options_.min_lr) {
      AM_CHECK(base_lr_ > 0, "lr scheduler 'cosine_with_min_lr': min_lr needs an initial lr > 0");
      min_lr_rate_ = *options_.min_lr / base_lr_;
    } else {
      min_lr_rate_ = *options_.min_lr_rate;
    }
  }
}

double LrLambda::operator()(int64_t step) const {
  const std::string& t = options_.type;
  const int64_t warmup = options_.num_warmup_steps;
  const int64_t total = options_.num_training_steps;
  if (t == "constant") return 1.0;
  if (step < warmup) return warmup_lambda(step, warmup);
  if (t == "constant_with_warmup") return 1.0;
  if (t == "linear")
    return std::max(0.0, double(total - step) / double(std::max<int64_t>(1, total - warmup)));
  if (t == "inverse_sqrt") {
    const int64_t shift = timescale_ - warmup;
    return 1.0 / std::sqrt(double(step + shift) / double(timescale_));
  }
  if (t == "polynomial") {
    if (step > total) return options_.lr_end / base_lr_;
    const double lr_range = base_lr_ - options_.lr_end;
    const double decay_steps = double(total - warmup);
    const double pct_remaining = 1 - double(step - warmup) / decay_steps;
    const double decay = lr_range * std::pow(pct_remaining, options_.power) + options_.lr_end;
    return decay / base_lr_;
  }
  const double progress = double(step - warmup) / double(std::max<int64_t>(1, total - warmup));
  if (t == "cosine_with_restarts") {
    if (progress >= 1.0) return 0.0;
    return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * std::fmod(num_cycles_ * progress, 1.0))));
  }
  double factor = 0.5 * (1.0 + std::cos(std::numbers::pi * num_cycles_ * 2.0 * progress));
  if (t == "cosine") return std::max(0.0, factor);
  factor = factor * (1 - min_lr_rate_) + min_lr_rate_;  // cosine_with_min_lr
  return std::max(0.0, factor);
}

LrScheduler::LrScheduler(Optimizer& optimizer, LrScheduleOptions options)
    : optimizer_(optimizer), lambda_(options, optimizer.lr()), base_lr_(optimizer.lr()) {
  last_lr_ = lr_at(0);
  optimizer_.set_lr(last_lr_);
}

void LrScheduler::step() {
  ++last_step_;
  last_lr_ = lr_at(last_step_);
  optimizer_.set_lr(last_lr_);
}

json LrScheduler::state() const {
  const auto& o = options();
  json j = {{"format", "automodel.lr_scheduler"},
            {"type", o.type},
            {"base_lr", base_lr_},
            {"last_step", last_step_},
            {"last_lr", last_lr_},
            {"num_warmup_steps", o.num_warmup_steps},
            {"num_training_steps", o.num_training_steps}};
  return j;
}

void LrScheduler::load_state(const json& s, const std::string& what) {
  AM_CHECK(s.is_object() && s.value("format", "") == "automodel.lr_scheduler", what,
           ": not an automodel LR scheduler state (expected \"format\": \"automodel.lr_scheduler\")");
  AM_CHECK(s.contains("type") && s["type"].is_string(), what, ": missing string \"type\"");
  AM_CHECK(s["type"].get<std::string>() == options().type, what, ": the state is of a '",
           s["type"].get<std::string>(), "' schedule, this scheduler is '", options().type, "'");
  for (const char* key : {"base_lr", "last_lr"})
    AM_CHECK(s.contains(key) && s[key].is_number(), what, ": \"", key, "\" must be a number");
  AM_CHECK(s.contains("last_step") && s["last_step"].is_number_integer() && s["last_step"].get<int64_t>() >= 0, what,
           ": \"last_step\" must be an integer >= 0");
  const double base_lr = s["base_lr"].get<double>();
  AM_CHECK(std::isfinite(base_lr) && base_lr >= 0, what, ": \"base_lr\" = ", base_lr, " is not a valid lr");
  base_lr_ = base_lr;
  last_step_ = s["last_step"].get<int64_t>();
  last_lr_ = s["last_lr"].get<double>();
}

void LrScheduler::save_state(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  write_json_file(dir / kSchedulerStateFile, state());
}

void LrScheduler::load_state(const std::filesystem::path& dir) {
  const auto path = dir / kSchedulerStateFile;
  AM_CHECK(std::filesystem::exists(path), "scheduler state: ", path.string(), " does not exist");
  load_state(read_json_file(path), path.string());
}

}  // namespace automodel::train
