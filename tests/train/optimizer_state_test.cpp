// Optimizer checkpoint state: save -> load -> continue equals an uninterrupted run bit for bit,
// and a state that does not fit the model is refused with an error naming the difference.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"
#include "automodel/train/lr_schedule.h"
#include "automodel/train/optimizer.h"
#include "fixtures.h"
#include "train_test_util.h"

namespace automodel::train {
namespace {

using namespace testing;

// A small "model": a float32 weight, a bf16 weight (master weights), a float32 bias in the
// no-decay group and a frozen parameter.
struct Model {
  Tensor w, b, bias, frozen;
  NamedParameters params() const { return {{"w", w}, {"b", b}, {"bias", bias}, {"frozen", frozen}}; }
  static Model fresh() {
    Model m{make_param(), param_init().to(DType::BF16), make_param(5), param_init(3)};
    autograd::set_requires_grad(m.b);
    return m;
  }
  // What a checkpoint holds: the parameter values (bf16 stays bf16), as new tensors.
  Model copy() const {
    NoGradGuard no_grad;
    Model m{w.clone(), b.clone(), bias.clone(), frozen.clone()};
    for (auto* t : {&m.w, &m.b, &m.bias}) autograd::set_requires_grad(*t);
    return m;
  }
};

void train_steps(Model& m, Optimizer& opt, LrScheduler& sched, int from, int to) {
  for (int t = from; t <= to; ++t) {
    autograd::set_grad(m.w, grad_at(t));
    autograd::set_grad(m.b, grad_at(t + 1));
    if (t % 2) autograd::set_grad(m.bias, grad_at(t, 5));  // only every other step
    opt.step();
    sched.step();
    opt.zero_grad();
  }
}

LrScheduleOptions schedule() {
  LrScheduleOptions o;
  o.type = "linear";
  o.num_warmup_steps = 2;
  o.num_training_steps = 8;
  return o;
}

AdamWOptions adamw_options() {
  return {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true, .no_decay = {"bias"}};
}

void expect_same_state(const Optimizer& a, const Optimizer& b, const std::vector<std::string>& keys) {
  for (const auto& [name, p] : a.parameters()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(a.parameter_steps(name), b.parameter_steps(name));
    for (const auto& key : keys) {
      Tensor x = a.state(name, key), y = b.state(name, key);
      ASSERT_EQ(x.defined(), y.defined()) << key;
      if (x.defined()) {
        EXPECT_TRUE(same_bits(float_bits(x), float_bits(y))) << key;
      }
    }
    Tensor mx = a.master_weight(name), my = b.master_weight(name);
    ASSERT_EQ(mx.defined(), my.defined());
    if (mx.defined()) {
      EXPECT_TRUE(same_bits(float_bits(mx), float_bits(my)));
    }
  }
}

TEST(OptimizerState, AdamWResumeEqualsUninterruptedRun) {
  auto dir = automodel::testing::scratch_dir("optim_state_adamw");
  Model full = Model::fresh();
  AdamW full_opt(full.params(), adamw_options());
  LrScheduler full_sched(full_opt, schedule());
  train_steps(full, full_opt, full_sched, 1, 7);

  Model first = Model::fresh();
  AdamW first_opt(first.params(), adamw_options());
  LrScheduler first_sched(first_opt, schedule());
  train_steps(first, first_opt, first_sched, 1, 3);
  first_opt.save_state(dir);
  first_sched.save_state(dir);
  ASSERT_TRUE(std::filesystem::exists(dir / kOptimizerStateFile));
  ASSERT_TRUE(std::filesystem::exists(dir / kOptimizerConfigFile));

  Model resumed = first.copy();
  AdamW resumed_opt(resumed.params(), adamw_options());
  LrScheduler resumed_sched(resumed_opt, schedule());
  resumed_opt.load_state(dir);
  resumed_sched.load_state(dir);
  expect_same_state(first_opt, resumed_opt, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
  EXPECT_EQ(resumed_opt.lr(), first_opt.lr());
  train_steps(resumed, resumed_opt, resumed_sched, 4, 7);

  EXPECT_TRUE(same_bits(float_bits(resumed.w), float_bits(full.w)));
  EXPECT_TRUE(same_bits(half_bits(resumed.b), half_bits(full.b)));
  EXPECT_TRUE(same_bits(float_bits(resumed.bias), float_bits(full.bias)));
  expect_same_state(full_opt, resumed_opt, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
  EXPECT_EQ(resumed_opt.lr(), full_opt.lr());
  EXPECT_EQ(resumed_opt.parameter_steps("bias"), 4);  // it had a gradient at steps 1, 3, 5, 7
  std::filesystem::remove_all(dir);
}

TEST(OptimizerState, SgdMomentumResumeEqualsUninterruptedRun) {
  auto dir = automodel::testing::scratch_dir("optim_state_sgd");
  const SGDOptions o{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true};
  Model full = Model::fresh();
  SGD full_opt(full.params(), o);
  LrScheduler full_sched(full_opt, schedule());
  train_steps(full, full_opt, full_sched, 1, 6);

  Model first = Model::fresh();
  SGD first_opt(first.params(), o);
  LrScheduler first_sched(first_opt, schedule());
  train_steps(first, first_opt, first_sched, 1, 2);
  first_opt.save_state(dir);
  first_sched.save_state(dir);

  Model resumed = first.copy();
  SGD resumed_opt(resumed.params(), o);
  LrScheduler resumed_sched(resumed_opt, schedule());
  resumed_opt.load_state(dir);
  resumed_sched.load_state(dir);
  train_steps(resumed, resumed_opt, resumed_sched, 3, 6);
  EXPECT_TRUE(same_bits(float_bits(resumed.w), float_bits(full.w)));
  EXPECT_TRUE(same_bits(half_bits(resumed.b), half_bits(full.b)));
  expect_same_state(full_opt, resumed_opt, {"momentum_buffer"});
  std::filesystem::remove_all(dir);
}

TEST(OptimizerState, LoadRestoresHyperparameters) {
  auto dir = automodel::testing::scratch_dir("optim_state_hyper");
  Model m = Model::fresh();
  AdamW saved(m.params(), {.lr = 4e-3, .beta1 = 0.85, .beta2 = 0.98, .eps = 1e-7, .weight_decay = 0.2});
  saved.save_state(dir);
  Model n = m.copy();
  AdamW loaded(n.params(), {});
  loaded.load_state(dir);
  EXPECT_EQ(loaded.lr(), 4e-3);
  EXPECT_EQ(loaded.options().beta1, 0.85);
  EXPECT_EQ(loaded.options().beta2, 0.98);
  EXPECT_EQ(loaded.options().eps, 1e-7);
  EXPECT_FALSE(loaded.options().amsgrad);
  std::filesystem::remove_all(dir);
}

void expect_error_mentioning(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(OptimizerState, MismatchedStateIsRefused) {
  auto dir = automodel::testing::scratch_dir("optim_state_mismatch");
  Model m = Model::fresh();
  AdamW opt(m.params(), adamw_options());
  LrScheduler sched(opt, schedule());
  train_steps(m, opt, sched, 1, 2);
  opt.save_state(dir);

  {  // renamed parameter
    Model n = m.copy();
    NamedParameters params = n.params();
    params[1].first = "b_renamed";
    AdamW other(params, adamw_options());
    expect_error_mentioning([&] { other.load_state(dir); }, {"'b'", "'b_renamed'"});
    EXPECT_EQ(other.parameter_steps("w"), 0);  // nothing restored
  }
  {  // different shape
    Model n = m.copy();
    n.w = make_param(kN + 1);
    AdamW other(n.params(), adamw_options());
    expect_error_mentioning([&] { other.load_state(dir); }, {"'w'", "[37]", "[38]"});
  }
  {  // fewer parameters
    Model n = m.copy();
    AdamW other({{"w", n.w}}, {});
    expect_error_mentioning([&] { other.load_state(dir); }, {"'b'"});
  }
  {  // another optimizer kind
    Model n = m.copy();
    SGD other(n.params(), {});
    expect_error_mentioning([&] { other.load_state(dir); }, {"adamw", "sgd"});
  }
  {  // another dtype
    Model n = m.copy();
    n.b = autograd::detach(n.b).to(DType::F32);
    autograd::set_requires_grad(n.b);
    AdamW other(n.params(), {});
    expect_error_mentioning([&] { other.load_state(dir); }, {"'b'", "bfloat16", "float32"});
  }
  {  // a tensor file with an entry that is not state of this optimizer
    auto tampered = automodel::testing::scratch_dir("optim_state_tampered");
    std::filesystem::copy_file(dir / kOptimizerConfigFile, tampered / kOptimizerConfigFile);
    SafetensorsFile f = SafetensorsFile::open(dir / kOptimizerStateFile);
    NamedTensors tensors;
    for (const auto& name : f.names()) tensors.emplace_back(name, f.tensor(name).clone());
    tensors.emplace_back("w.momentum_buffer", Tensor::zeros({kN}));
    save_safetensors(tampered / kOptimizerStateFile, tensors);
    Model n = m.copy();
    AdamW other(n.params(), adamw_options());
    expect_error_mentioning([&] { other.load_state(tampered); }, {"w.momentum_buffer"});
    std::filesystem::remove_all(tampered);
  }
  {  // missing files
    Model n = m.copy();
    AdamW other(n.params(), {});
    expect_error_mentioning([&] { other.load_state(dir / "nowhere"); }, {"optimizer.json", "does not exist"});
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace automodel::train
