// LR schedules against transformers 4.47's get_scheduler under torch 1.13's LambdaLR (exact
// doubles). Reference: torch_reference.h.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/train/lr_schedule.h"
#include "automodel/train/optimizer.h"
#include "fixtures.h"
#include "torch_reference.h"
#include "train_test_util.h"

namespace automodel::train {
namespace {

using namespace testing;
using namespace reference;

LrScheduleOptions options_of(const ScheduleCase& c) {
  LrScheduleOptions o;
  o.type = c.type;
  o.num_warmup_steps = c.warmup;
  o.num_training_steps = c.total;
  o.num_cycles = c.num_cycles;
  if (c.lr_end) o.lr_end = *c.lr_end;
  if (c.power) o.power = *c.power;
  o.min_lr = c.min_lr;
  o.min_lr_rate = c.min_lr_rate;
  return o;
}

TEST(LrScheduler, MatchesTransformersGetScheduler) {
  for (const auto& c : kScheduleCases) {
    SCOPED_TRACE(::testing::Message() << c.type << " warmup " << c.warmup << " total " << c.total);
    Tensor p = make_param();
    AdamW opt({{"w", p}}, {.lr = 3e-3});
    LrScheduler sched(opt, options_of(c));
    // Construction is LambdaLR's initial step: lr(0) is in effect for the first optimizer step.
    EXPECT_EQ(opt.lr(), c.lrs[0]);
    for (size_t step = 1; step < c.lrs.size(); ++step) {
      autograd::set_grad(p, grad_at(int64_t(step)));
      opt.step();
      sched.step();
      EXPECT_EQ(sched.last_step(), int64_t(step));
      EXPECT_EQ(opt.lr(), c.lrs[step]) << "at step " << step;
      EXPECT_EQ(sched.last_lr(), c.lrs[step]);
      EXPECT_EQ(sched.lr_at(int64_t(step)), c.lrs[step]);
    }
  }
}

TEST(LrScheduler, WarmupStepsFromRatioLikeTrainingArguments) {
  for (const auto& c : kWarmupCases) EXPECT_EQ(warmup_steps_for(c.total, 0, c.ratio), c.expected) << c.total;
  EXPECT_EQ(warmup_steps_for(100, 7, 0.5), 7);  // explicit warmup_steps win
  EXPECT_THROW(warmup_steps_for(100, 0, 1.5), Error);
}

TEST(LrScheduler, UnknownTypeListsTheKnownOnes) {
  Tensor p = make_param();
  AdamW opt({{"w", p}});
  LrScheduleOptions o;
  o.type = "cosine_annealing";
  try {
    LrScheduler sched(opt, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'cosine_annealing'"), std::string::npos) << m;
    for (const auto& t : lr_schedule_types()) EXPECT_NE(m.find(t), std::string::npos) << m;
  }
  o.type = "reduce_lr_on_plateau";
  EXPECT_THROW(LrScheduler(opt, o), Error);
}

TEST(LrScheduler, RejectsMissingArguments) {
  Tensor p = make_param();
  AdamW opt({{"w", p}}, {.lr = 1e-3});
  LrScheduleOptions o;
  o.type = "linear";  // needs num_training_steps
  EXPECT_THROW(LrScheduler(opt, o), Error);
  o.type = "cosine_with_min_lr";
  o.num_training_steps = 10;
  EXPECT_THROW(LrScheduler(opt, o), Error);  // neither min_lr nor min_lr_rate
  o.min_lr = 1e-5;
  o.min_lr_rate = 0.1;
  EXPECT_THROW(LrScheduler(opt, o), Error);  // both
  o = {};
  o.type = "polynomial";
  o.num_training_steps = 10;
  o.lr_end = 1e-2;  // not below the initial lr
  EXPECT_THROW(LrScheduler(opt, o), Error);
  o = {};
  o.type = "constant_with_warmup";
  o.num_warmup_steps = -1;
  EXPECT_THROW(LrScheduler(opt, o), Error);
}

TEST(LrScheduler, StateRoundTripContinuesTheSchedule) {
  auto dir = automodel::testing::scratch_dir("lr_schedule_state");
  LrScheduleOptions o;
  o.type = "cosine";
  o.num_warmup_steps = 2;
  o.num_training_steps = 9;
  Tensor p = make_param();
  AdamW opt({{"w", p}}, {.lr = 2e-3});
  LrScheduler sched(opt, o);
  for (int i = 0; i < 4; ++i) sched.step();
  sched.save_state(dir);

  // A resumed run builds a fresh optimizer (same config) and scheduler, then loads both states.
  Tensor q = make_param();
  AdamW opt2({{"w", q}}, {.lr = 2e-3});
  LrScheduler resumed(opt2, o);
  resumed.load_state(dir);
  EXPECT_EQ(resumed.last_step(), 4);
  EXPECT_EQ(resumed.last_lr(), sched.last_lr());
  for (int i = 0; i < 6; ++i) {
    sched.step();
    resumed.step();
    EXPECT_EQ(opt2.lr(), opt.lr());
  }

  LrScheduleOptions other = o;
  other.type = "linear";
  Tensor r = make_param();
  AdamW opt3({{"w", r}}, {.lr = 2e-3});
  LrScheduler wrong(opt3, other);
  EXPECT_THROW(wrong.load_state(dir), Error);
  EXPECT_THROW(resumed.load_state(dir / "missing"), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace automodel::train
