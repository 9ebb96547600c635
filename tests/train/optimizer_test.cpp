// AdamW and SGD against PyTorch 1.13 (bit for bit), bf16 master weights, torch's skipping rules
// and the errors for bad parameters. Reference numbers: torch_reference.h.
#include <gtest/gtest.h>

#include <filesystem>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"
#include "automodel/train/optimizer.h"
#include "fixtures.h"
#include "torch_reference.h"
#include "train_test_util.h"

namespace automodel::train {
namespace {

using namespace testing;
using namespace reference;

TEST(AdamW, MatchesTorchWithWeightDecay) {
  // torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, foreach=False)
  Tensor p = make_param();
  AdamW opt({{"w", p}}, {.lr = 1e-2, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.1});
  for (int t = 1; t <= 5; ++t) {
    autograd::set_grad(p, grad_at(t));
    opt.step();
    if (t == 1) {
      EXPECT_TRUE(same_bits(float_bits(p), kAdamWStep1));
    }
  }
  EXPECT_TRUE(same_bits(float_bits(p), kAdamWStep5));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "exp_avg")), kAdamWExpAvg));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "exp_avg_sq")), kAdamWExpAvgSq));
  EXPECT_FALSE(opt.state("w", "max_exp_avg_sq").defined());
  EXPECT_EQ(opt.parameter_steps("w"), 5);
}

TEST(AdamW, MatchesTorchWithAmsgrad) {
  // torch.optim.AdamW([p], lr=3e-3, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.01, amsgrad=True),
  // gradients shrinking as 1/t so that the running maximum differs from exp_avg_sq.
  Tensor p = make_param();
  AdamW opt({{"w", p}},
            {.lr = 3e-3, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.01, .amsgrad = true});
  for (int t = 1; t <= 6; ++t) {
    autograd::set_grad(p, grad_at(t, kN, /*shrink=*/true));
    opt.step();
    if (t == 1) {
      EXPECT_TRUE(same_bits(float_bits(p), kAmsgradStep1));
    }
  }
  EXPECT_TRUE(same_bits(float_bits(p), kAmsgradStep6));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "exp_avg")), kAmsgradExpAvg));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "exp_avg_sq")), kAmsgradExpAvgSq));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "max_exp_avg_sq")), kAmsgradMaxExpAvgSq));
  EXPECT_NE(float_bits(opt.state("w", "max_exp_avg_sq")), float_bits(opt.state("w", "exp_avg_sq")));
}

TEST(SGD, MatchesTorchWithMomentumAndDampening) {
  // torch.optim.SGD([p], lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)
  Tensor p = make_param();
  SGD opt({{"w", p}}, {.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
  for (int t = 1; t <= 4; ++t) {
    autograd::set_grad(p, grad_at(t));
    opt.step();
  }
  EXPECT_TRUE(same_bits(float_bits(p), kSgdMomentumStep4));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "momentum_buffer")), kSgdMomentumBuffer));
}

TEST(SGD, MatchesTorchWithNesterov) {
  // torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001)
  Tensor p = make_param();
  SGD opt({{"w", p}}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.001, .nesterov = true});
  for (int t = 1; t <= 4; ++t) {
    autograd::set_grad(p, grad_at(t));
    opt.step();
  }
  EXPECT_TRUE(same_bits(float_bits(p), kSgdNesterovStep4));
  EXPECT_TRUE(same_bits(float_bits(opt.state("w", "momentum_buffer")), kSgdNesterovBuffer));
}

TEST(SGD, MatchesTorchWithoutMomentum) {
  // torch.optim.SGD([p], lr=0.1): no momentum buffer is kept.
  Tensor p = make_param();
  SGD opt({{"w", p}}, {.lr = 0.1});
  for (int t = 1; t <= 3; ++t) {
    autograd::set_grad(p, grad_at(t));
    opt.step();
  }
  EXPECT_TRUE(same_bits(float_bits(p), kSgdPlainStep3));
  EXPECT_FALSE(opt.state("w", "momentum_buffer").defined());
}

TEST(SGD, RejectsNesterovWithoutMomentum) {
  Tensor p = make_param();
  EXPECT_THROW(SGD({{"w", p}}, {.lr = 0.1, .nesterov = true}), Error);
  EXPECT_THROW(SGD({{"w", p}}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .nesterov = true}), Error);
}

TEST(AdamW, RejectsInvalidHyperparameters) {
  Tensor p = make_param();
  EXPECT_THROW(AdamW({{"w", p}}, {.lr = -1}), Error);
  EXPECT_THROW(AdamW({{"w", p}}, {.beta1 = 1.0}), Error);
  EXPECT_THROW(AdamW({{"w", p}}, {.beta2 = -0.1}), Error);
  EXPECT_THROW(AdamW({{"w", p}}, {.eps = -1e-8}), Error);
  EXPECT_THROW(AdamW({{"w", p}}, {.weight_decay = -0.1}), Error);
}

TEST(AdamW, Bf16ParameterUpdatesAFloat32Master) {
  // Reference: AdamW(lr=1e-2, weight_decay=0.1) in torch on master = p.to(bf16).float(); the
  // parameter after each step is the master rounded to bf16 (round to nearest even).
  Tensor p = param_init().to(DType::BF16);
  autograd::set_requires_grad(p);
  AdamW opt({{"w", p}}, {.lr = 1e-2, .weight_decay = 0.1});
  ASSERT_TRUE(opt.master_weight("w").defined());
  EXPECT_EQ(float_bits(opt.master_weight("w")), float_bits(p.to(DType::F32)));
  for (int t = 1; t <= 4; ++t) {
    autograd::set_grad(p, grad_at(t));
    opt.step();
  }
  EXPECT_EQ(p.dtype(), DType::BF16);
  EXPECT_TRUE(same_bits(float_bits(opt.master_weight("w")), kBf16MasterStep4));
  EXPECT_TRUE(same_bits(half_bits(p), kBf16ParamStep4));
  EXPECT_EQ(opt.state("w", "exp_avg").dtype(), DType::F32);
}

TEST(AdamW, Bf16MasterKeepsUpdatesSmallerThanABf16Step) {
  // An update far below bf16's resolution at 1.0 is lost in a bf16-only parameter but builds
  // up in the master until the parameter moves.
  Tensor p = Tensor::full({4}, 1.0, DType::BF16);
  autograd::set_requires_grad(p);
  SGD opt({{"w", p}}, {.lr = 1e-3});
  for (int t = 0; t < 10; ++t) {
    autograd::set_grad(p, Tensor::full({4}, -1.0));  // each step adds 1e-3; bf16 spacing at 1 is 2^-7
    opt.step();
  }
  EXPECT_NEAR(opt.master_weight("w").item_at({0}), 1.01, 1e-6);
  EXPECT_EQ(p.item_at({0}), 1.0078125);  // 1.01 rounded to bf16
}

TEST(AdamW, F16ParameterRoundsTheMasterToHalf) {
  Tensor p = param_init().to(DType::F16);
  autograd::set_requires_grad(p);
  AdamW opt({{"w", p}}, {.lr = 1e-2, .weight_decay = 0.1});
  autograd::set_grad(p, grad_at(1));
  opt.step();
  EXPECT_EQ(half_bits(p), half_bits(opt.master_weight("w").to(DType::F16)));
  EXPECT_NE(half_bits(p), half_bits(param_init().to(DType::F16)));
}

TEST(Optimizer, SkipsParametersWithoutGradientLikeTorch) {
  // torch skips `p.grad is None`: no state, no step count, no weight decay for such a parameter.
  Tensor a = make_param();
  Tensor b = make_param();
  Tensor frozen = param_init();  // does not require grad
  AdamW opt({{"a", a}, {"b", b}, {"frozen", frozen}}, {.lr = 1e-2, .weight_decay = 0.1});
  autograd::set_grad(a, grad_at(1));
  opt.step();
  EXPECT_EQ(opt.parameter_steps("a"), 1);
  EXPECT_EQ(opt.parameter_steps("b"), 0);
  EXPECT_EQ(opt.parameter_steps("frozen"), 0);
  EXPECT_FALSE(opt.state("b", "exp_avg").defined());
  EXPECT_EQ(float_bits(b), float_bits(param_init()));
  EXPECT_EQ(float_bits(frozen), float_bits(param_init()));
  EXPECT_TRUE(same_bits(float_bits(a), kAdamWStep1));
}

TEST(Optimizer, ZeroGradDropsGradients) {
  Tensor a = make_param();
  SGD opt({{"a", a}}, {.lr = 0.1});
  autograd::set_grad(a, grad_at(1));
  opt.zero_grad();
  EXPECT_FALSE(autograd::grad(a).defined());
  opt.step();  // nothing to do
  EXPECT_EQ(float_bits(a), float_bits(param_init()));
}

TEST(Optimizer, NoDecayNamesGetNoWeightDecay) {
  // HF Trainer's second parameter group (biases, norm weights): weight_decay 0. With a zero
  // gradient, SGD's coupled decay is the only change.
  Tensor w = Tensor::full({2}, 2.0);
  Tensor bias = Tensor::full({2}, 2.0);
  autograd::set_requires_grad(w);
  autograd::set_requires_grad(bias);
  SGD opt({{"w", w}, {"bias", bias}}, {.lr = 0.5, .weight_decay = 0.25, .no_decay = {"bias"}});
  autograd::set_grad(w, Tensor::zeros({2}));
  autograd::set_grad(bias, Tensor::zeros({2}));
  opt.step();
  EXPECT_EQ(w.item_at({0}), 2.0 - 0.5 * 0.25 * 2.0);
  EXPECT_EQ(bias.item_at({0}), 2.0);
  EXPECT_THROW(SGD({{"w", w}}, {.no_decay = {"missing"}}), Error);
}

TEST(Optimizer, ReadOnlyParameterIsAnErrorNamingIt) {
  auto dir = automodel::testing::scratch_dir("optim_readonly");
  save_safetensors(dir / "w.safetensors", {{"model.weight", param_init()}});
  SafetensorsFile file = SafetensorsFile::open(dir / "w.safetensors");
  Tensor mapped = file.tensor("model.weight");
  ASSERT_TRUE(mapped.storage()->read_only());
  autograd::set_requires_grad(mapped);
  Tensor other = make_param();
  AdamW opt({{"other", other}, {"model.weight", mapped}});
  autograd::set_grad(other, grad_at(1));
  autograd::set_grad(mapped, grad_at(1));
  try {
    opt.step();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'model.weight'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
  }
  // Nothing was updated, not even the writable parameter.
  EXPECT_EQ(float_bits(other), float_bits(param_init()));
  EXPECT_EQ(opt.parameter_steps("other"), 0);
  // With owned storage (what the trainer does before training) the step works.
  {
    NoGradGuard no_grad;
    mapped.replace_data(mapped.clone());
  }
  opt.step();
  EXPECT_TRUE(same_bits(float_bits(mapped), float_bits(other)));
  std::filesystem::remove_all(dir);
}

TEST(Optimizer, RejectsBadParameterLists) {
  Tensor a = make_param();
  EXPECT_THROW(AdamW({{"a", a}, {"a", make_param()}}), Error);   // duplicate name
  EXPECT_THROW(AdamW({{"a", a}, {"tied", a}}), Error);           // same tensor twice
  EXPECT_THROW(AdamW({{"i", Tensor::arange(4)}}), Error);        // integer
  EXPECT_THROW(AdamW({{"t", Tensor::zeros({2, 3}).transpose(0, 1)}}), Error);  // not contiguous
  EXPECT_THROW(AdamW({{"", a}}), Error);
}

TEST(Optimizer, RejectsGradientOfTheWrongShape) {
  Tensor a = make_param();
  AdamW opt({{"a", a}});
  EXPECT_THROW(
      {
        autograd::set_grad(a, Tensor::zeros({kN + 1}));
        opt.step();
      },
      Error);
}

}  // namespace
}  // namespace automodel::train
