// Gradient checks for every differentiable op: each op's analytic (float32) backward is
// compared with central finite differences, in float64, of a naive reference forward written
// here from the op's documented semantics (include/automodel/core/ops.h); the reference forward
// is itself checked against the op's forward first. The objective is L = sum(op(x) * R) with a
// fixed random R, i.e. the op's output is seeded with grad_output = R.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "automodel/core/autograd.h"
#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::random_tensor;

namespace {

using Vec = std::vector<double>;
using Inputs = std::vector<Vec>;
using Index = std::vector<int64_t>;

struct GradCheck {
  std::vector<Tensor> inputs;  // floating leaves (float32, or bf16 for a stored-weight case)
  std::vector<bool> wrt;       // inputs marked requires_grad and checked; empty: all
  std::function<Tensor(const std::vector<Tensor>&)> op;
  std::function<Vec(const Inputs&)> ref;  // the op on float64 copies of the inputs, row-major
  double fwd_tol = 2e-5;                  // forward agreement, relative to max |reference|
  double rtol = 1e-4;                     // gradient agreement per element ...
  double atol = 1e-5;                     // ... plus this fraction of the largest gradient
  // Documented departures from "gradient = derivative of the forward" (embedding padding_idx).
  std::function<void(size_t input, Vec& numeric)> adjust;
};

Vec random_values(size_t n, uint64_t seed, double scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  Vec v(n);
  for (double& x : v) x = double(float(d(rng) * scale));
  return v;
}

double max_abs(const Vec& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

void run_check(const std::string& name, GradCheck c, uint64_t seed = 1234) {
  SCOPED_TRACE(name);
  const size_t n_in = c.inputs.size();
  if (c.wrt.empty()) c.wrt.assign(n_in, true);
  Inputs xs;
  for (const Tensor& t : c.inputs) xs.push_back(t.to_vector<double>());
  for (size_t i = 0; i < n_in; ++i)
    if (c.wrt[i]) autograd::set_requires_grad(c.inputs[i]);

  Tensor out = c.op(c.inputs);
  ASSERT_TRUE(autograd::requires_grad(out)) << name << ": the op recorded no graph";
  const Vec ref = c.ref(xs);
  ASSERT_EQ(int64_t(ref.size()), out.numel()) << name << ": reference size";
  const Vec got = out.to_vector<double>();
  const double fscale = std::max(1e-3, max_abs(ref));
  int bad_fwd = 0;
  for (size_t k = 0; k < ref.size(); ++k)
    if (!(std::fabs(got[k] - ref[k]) <= c.fwd_tol * fscale) && ++bad_fwd <= 5)
      ADD_FAILURE() << name << ": forward element " << k << ": op " << got[k] << ", reference " << ref[k];
  ASSERT_EQ(bad_fwd, 0) << name << ": the reference forward disagrees with the op";

  const Vec r = random_values(ref.size(), seed);
  std::vector<float> rf(r.begin(), r.end());
  autograd::backward(out, Tensor::from_vector(rf, out.shape()));

  auto objective = [&](const Inputs& x) {
    const Vec y = c.ref(x);
    double s = 0;
    for (size_t k = 0; k < y.size(); ++k) s += y[k] * r[k];
    return s;
  };
  for (size_t i = 0; i < n_in; ++i) {
    if (!c.wrt[i]) {
      EXPECT_FALSE(autograd::grad(c.inputs[i]).defined()) << name << ": input " << i << " got a gradient";
      continue;
    }
    const Tensor g = autograd::grad(c.inputs[i]);
    ASSERT_TRUE(g.defined()) << name << ": input " << i << " got no gradient";
    ASSERT_EQ(g.dtype(), DType::F32) << name << ": input " << i;
    ASSERT_EQ(g.shape(), c.inputs[i].shape()) << name << ": input " << i;
    const Vec analytic = g.to_vector<double>();
    Vec numeric(xs[i].size());
    Inputs xp = xs;
    for (size_t j = 0; j < xs[i].size(); ++j) {
      const double x0 = xs[i][j], h = 1e-5 * std::max(1.0, std::fabs(x0));
      xp[i][j] = x0 + h;
      const double lp = objective(xp);
      xp[i][j] = x0 - h;
      const double lm = objective(xp);
      xp[i][j] = x0;
      numeric[j] = (lp - lm) / (2 * h);
    }
    if (c.adjust) c.adjust(i, numeric);
    const double floor = c.atol * max_abs(numeric) + 1e-6;
    int bad = 0;
    for (size_t j = 0; j < numeric.size(); ++j)
      if (!(std::fabs(analytic[j] - numeric[j]) <= c.rtol * std::fabs(numeric[j]) + floor) && ++bad <= 5)
        ADD_FAILURE() << name << ": d/d input " << i << " element " << j << ": analytic " << analytic[j]
                      << ", numeric " << numeric[j];
    EXPECT_EQ(bad, 0) << name << ": " << bad << " of " << numeric.size() << " gradient elements of input " << i
                      << " disagree";
  }
}

// ---- reference helpers ---------------------------------------------------------------------

Index unravel(int64_t k, const Shape& s) {
  Index idx(size_t(s.size()));
  for (int d = s.size() - 1; d >= 0; --d) {
    idx[size_t(d)] = k % s[d];
    k /= s[d];
  }
  return idx;
}

// Row-major offset in a tensor of shape `s` of the element that broadcasts (torch rules) to
// index `idx` of an output with idx.size() dims.
int64_t broadcast_offset(const Index& idx, const Shape& s) {
  int64_t off = 0, stride = 1;
  const int lead = int(idx.size()) - s.size();
  for (int d = s.size() - 1; d >= 0; --d) {
    off += (s[d] == 1 ? 0 : idx[size_t(d + lead)]) * stride;
    stride *= s[d];
  }
  return off;
}

Vec ref_binary(const Vec& a, const Shape& as, const Vec& b, const Shape& bs, const Shape& out,
               const std::function<double(double, double)>& f) {
  Vec y(size_t(out.numel()));
  for (int64_t k = 0; k < out.numel(); ++k) {
    const Index idx = unravel(k, out);
    y[size_t(k)] = f(a[size_t(broadcast_offset(idx, as))], b[size_t(broadcast_offset(idx, bs))]);
  }
  return y;
}

Vec map(const Vec& x, const std::function<double(double)>& f) {
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = f(x[i]);
  return y;
}

// A float32 tensor whose values stay at least `gap` away from each of `kinks`, so a finite
// difference of step ~1e-5 never straddles a non-differentiable point.
Tensor away_from(const Shape& shape, uint64_t seed, const std::vector<double>& kinks, double gap = 0.05) {
  std::vector<float> v = random_tensor(shape, seed, DType::F32, 1.5f).to_vector<float>();
  for (float& x : v)
    for (double k : kinks)
      if (std::fabs(x - k) < gap) x = float(k + (x >= k ? gap : -gap) * 2);
  return Tensor::from_vector(v, shape);
}

Tensor bounded_away_from_zero(const Shape& shape, uint64_t seed) {
  std::vector<float> v = random_tensor(shape, seed).to_vector<float>();
  for (float& x : v) x = x >= 0 ? 0.5f + x : -0.5f + x;
  return Tensor::from_vector(v, shape);
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double gelu_exact(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh_ref(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

Shape broadcast(const Shape& a, const Shape& b) {
  const int n = std::max(a.size(), b.size());
  Shape out;
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

std::vector<Tensor> list(std::initializer_list<Tensor> ts) { return ts; }

// ---- elementwise -----------------------------------------------------------------------------

struct BinaryCase {
  const char* name;
  Tensor (*op)(const Tensor&, const Tensor&);
  double (*f)(double, double);
};

const BinaryCase kBinary[] = {
    {"add", &ops::add, [](double a, double b) { return a + b; }},
    {"sub", &ops::sub, [](double a, double b) { return a - b; }},
    {"mul", &ops::mul, [](double a, double b) { return a * b; }},
    {"div", &ops::div, [](double a, double b) { return a / b; }},
};

TEST(OpsGrad, BinaryOpsBroadcastBothWays) {
  // b broadcast into a, a broadcast into b, both stretched, equal shapes.
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{2, 3, 4}, {3, 1}}, {{4}, {2, 3, 4}}, {{2, 1, 4}, {1, 3, 1}}, {{3, 4}, {3, 4}}};
  uint64_t seed = 10;
  for (const BinaryCase& bc : kBinary) {
    for (const auto& pr : shapes) {
      const Shape as = pr.first, bs = pr.second, out = broadcast(as, bs);
      const bool is_div = std::string(bc.name) == "div";
      GradCheck c;
      c.inputs = list({random_tensor(as, seed++), is_div ? bounded_away_from_zero(bs, seed++) : random_tensor(bs, seed++)});
      c.op = [op = bc.op](const std::vector<Tensor>& t) { return op(t[0], t[1]); };
      c.ref = [as, bs, out, f = bc.f](const Inputs& x) { return ref_binary(x[0], as, x[1], bs, out, f); };
      run_check(str_cat(bc.name, " ", as.str(), " with ", bs.str()), std::move(c));
    }
    // Only one side requires grad: the other gets nothing.
    GradCheck c;
    c.inputs = list({random_tensor({3, 4}, seed++), bounded_away_from_zero({4}, seed++)});
    c.wrt = {false, true};
    c.op = [op = bc.op](const std::vector<Tensor>& t) { return op(t[0], t[1]); };
    c.ref = [f = bc.f](const Inputs& x) { return ref_binary(x[0], {3, 4}, x[1], {4}, {3, 4}, f); };
    run_check(str_cat(bc.name, " with only b requiring grad"), std::move(c));
  }
}

struct UnaryCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> f;
  std::vector<double> kinks;  // non-differentiable points the inputs stay away from
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"mul_scalar", [](const Tensor& x) { return ops::mul_scalar(x, 0.375); }, [](double x) { return x * 0.375; }, {}},
      {"add_scalar", [](const Tensor& x) { return ops::add_scalar(x, -1.25); }, [](double x) { return x - 1.25; }, {}},
      {"neg", [](const Tensor& x) { return ops::neg(x); }, [](double x) { return -x; }, {}},
      {"exp", [](const Tensor& x) { return ops::exp(x); }, [](double x) { return std::exp(x); }, {}},
      {"tanh", [](const Tensor& x) { return ops::tanh(x); }, [](double x) { return std::tanh(x); }, {}},
      {"silu", [](const Tensor& x) { return ops::silu(x); }, [](double x) { return x * sigmoid(x); }, {}},
      {"gelu", [](const Tensor& x) { return ops::gelu(x); }, &gelu_exact, {}},
      {"gelu_tanh", [](const Tensor& x) { return ops::gelu_tanh(x); }, &gelu_tanh_ref, {}},
      {"relu", [](const Tensor& x) { return ops::relu(x); }, [](double x) { return std::max(x, 0.0); }, {0.0}},
      {"clamp", [](const Tensor& x) { return ops::clamp(x, -0.5, 0.75); },
       [](double x) { return std::min(0.75, std::max(-0.5, x)); }, {-0.5, 0.75}},
  };
}

TEST(OpsGrad, UnaryOps) {
  uint64_t seed = 100;
  for (const UnaryCase& u : unary_cases()) {
    GradCheck c;
    c.inputs = list({away_from({3, 7}, seed++, u.kinks)});
    c.op = [op = u.op](const std::vector<Tensor>& t) { return op(t[0]); };
    c.ref = [f = u.f](const Inputs& x) { return map(x[0], f); };
    run_check(u.name, std::move(c));
  }
}

TEST(OpsGrad, ActivationsByHfName) {
  const std::vector<std::pair<std::string, double (*)(double)>> names = {
      {"silu", [](double x) { return x * sigmoid(x); }},
      {"swish", [](double x) { return x * sigmoid(x); }},
      {"gelu", &gelu_exact},
      {"gelu_new", &gelu_tanh_ref},
      {"gelu_pytorch_tanh", &gelu_tanh_ref},
      {"gelu_fast", &gelu_tanh_ref},
      {"relu", [](double x) { return std::max(x, 0.0); }},
      {"tanh", [](double x) { return std::tanh(x); }},
  };
  uint64_t seed = 200;
  for (const auto& nf : names) {
    GradCheck c;
    c.inputs = list({away_from({2, 9}, seed++, {0.0})});
    c.op = [name = nf.first](const std::vector<Tensor>& t) { return ops::activation(t[0], name); };
    c.ref = [f = nf.second](const Inputs& x) { return map(x[0], f); };
    run_check("activation " + nf.first, std::move(c));
  }
}

TEST(OpsGrad, WhereAndMaskedFill) {
  {
    // cond [3, 1] broadcast over columns, a [3, 4], b [4] broadcast over rows.
    const std::vector<bool> cond = {true, false, true};
    GradCheck c;
    c.inputs = list({random_tensor({3, 4}, 300), random_tensor({4}, 301)});
    c.op = [cond](const std::vector<Tensor>& t) {
      return ops::where(Tensor::from_vector(cond, {3, 1}), t[0], t[1]);
    };
    c.ref = [cond](const Inputs& x) {
      Vec y(12);
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 4; ++j) y[size_t(i * 4 + j)] = cond[size_t(i)] ? x[0][size_t(i * 4 + j)] : x[1][size_t(j)];
      return y;
    };
    run_check("where", std::move(c));
  }
  {
    const std::vector<uint8_t> mask = {0, 1, 1, 0};
    GradCheck c;
    c.inputs = list({random_tensor({3, 4}, 302)});
    c.op = [mask](const std::vector<Tensor>& t) {
      return ops::masked_fill(t[0], Tensor::from_vector(mask, {1, 4}), -2.5);
    };
    c.ref = [mask](const Inputs& x) {
      Vec y = x[0];
      for (size_t k = 0; k < y.size(); ++k)
        if (mask[k % 4]) y[k] = -2.5;
      return y;
    };
    run_check("masked_fill", std::move(c));
  }
}

TEST(OpsGrad, CastThroughBf16PassesTheGradientThrough) {
  // Rounding has no useful derivative; like torch, a cast passes its gradient through unchanged.
  Tensor x = random_tensor({2, 5}, 310);
  autograd::set_requires_grad(x);
  Tensor y = ops::cast(ops::cast(x, DType::BF16), DType::F32);
  ASSERT_TRUE(autograd::requires_grad(y));
  EXPECT_EQ(y.dtype(), DType::F32);
  const Vec xv = x.to_vector<double>(), yv = y.to_vector<double>();
  for (size_t k = 0; k < xv.size(); ++k) EXPECT_NEAR(yv[k], xv[k], std::fabs(xv[k]) / 256) << k;
  const Vec r = random_values(10, 311);
  std::vector<float> rf(r.begin(), r.end());
  autograd::backward(y, Tensor::from_vector(rf, {2, 5}));
  const Tensor g = autograd::grad(x);
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.dtype(), DType::F32);
  EXPECT_EQ(g.to_vector<float>(), rf);
}

// ---- reductions and normalisation -----------------------------------------------------------

Vec ref_softmax(const Vec& x, const Shape& s, int d) {
  const int64_t n = s[d];
  int64_t inner = 1;
  for (int i = d + 1; i < s.size(); ++i) inner *= s[i];
  const int64_t outer = int64_t(x.size()) / (n * inner);
  Vec y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t j) { return size_t((o * n + j) * inner + in); };
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < n; ++j) mx = std::max(mx, x[at(j)]);
      for (int64_t j = 0; j < n; ++j) sum += std::exp(x[at(j)] - mx);
      for (int64_t j = 0; j < n; ++j) y[at(j)] = std::exp(x[at(j)] - mx) / sum;
    }
  return y;
}

TEST(OpsGrad, SoftmaxLastAndOtherDims) {
  const Shape s{2, 3, 5};
  for (int d : {-1, 1, 0}) {
    GradCheck c;
    c.inputs = list({random_tensor(s, 400 + uint64_t(d + 2), DType::F32, 2.0f)});
    c.op = [d](const std::vector<Tensor>& t) { return ops::softmax(t[0], d); };
    c.ref = [d, s](const Inputs& x) { return ref_softmax(x[0], s, d < 0 ? s.size() + d : d); };
    run_check(str_cat("softmax dim ", d), std::move(c));
  }
}

Vec ref_rms_norm(const Vec& x, const Vec& w, double eps, bool unit_offset) {
  const size_t H = w.size(), rows = x.size() / H;
  Vec y(x.size());
  for (size_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (size_t i = 0; i < H; ++i) ss += x[r * H + i] * x[r * H + i];
    const double inv = 1 / std::sqrt(ss / double(H) + eps);
    for (size_t i = 0; i < H; ++i) y[r * H + i] = x[r * H + i] * inv * (unit_offset ? 1 + w[i] : w[i]);
  }
  return y;
}

TEST(OpsGrad, RmsNormAllStylesInputAndWeight) {
  const std::pair<ops::RmsNormStyle, const char*> styles[] = {
      {ops::RmsNormStyle::kWeightAfterCast, "llama"},
      {ops::RmsNormStyle::kWeightBeforeCast, "olmo2"},
      {ops::RmsNormStyle::kUnitOffset, "gemma"}};
  uint64_t seed = 500;
  for (const auto& st : styles) {
    const ops::RmsNormStyle style = st.first;
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 8}, seed++), random_tensor({8}, seed++)});
    c.op = [style](const std::vector<Tensor>& t) { return ops::rms_norm(t[0], t[1], 1e-5, style); };
    c.ref = [style](const Inputs& x) {
      return ref_rms_norm(x[0], x[1], 1e-5, style == ops::RmsNormStyle::kUnitOffset);
    };
    run_check(str_cat("rms_norm ", st.second), std::move(c));
  }
}

TEST(OpsGrad, AddRmsNormIsTheAddThenTheNorm) {
  // Under autograd the fused op is add() then rms_norm(): gradients reach x, delta and the
  // weight through both outputs (here through the normed one, and the sum added to it).
  uint64_t seed = 520;
  GradCheck c;
  c.inputs = list({random_tensor({2, 3, 24}, seed++), random_tensor({2, 3, 24}, seed++), random_tensor({24}, seed++)});
  c.op = [](const std::vector<Tensor>& t) {
    auto [sum, normed] = ops::add_rms_norm(t[0], t[1], t[2], 1e-5);
    return ops::add(sum, normed);
  };
  c.ref = [](const Inputs& x) {
    Vec sum(x[0].size());
    for (size_t i = 0; i < sum.size(); ++i) sum[i] = x[0][i] + x[1][i];
    Vec y = ref_rms_norm(sum, x[2], 1e-5, false);
    for (size_t i = 0; i < y.size(); ++i) y[i] += sum[i];
    return y;
  };
  run_check("add_rms_norm", std::move(c));
}

TEST(OpsGrad, ActivationMulIsTheActivationThenTheProduct) {
  uint64_t seed = 540;
  GradCheck c;
  c.inputs = list({away_from({2, 9}, seed++, {0.0}), random_tensor({2, 9}, seed++)});
  c.op = [](const std::vector<Tensor>& t) { return ops::activation_mul(t[0], t[1], "silu"); };
  c.ref = [](const Inputs& x) {
    Vec y(x[0].size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = x[0][i] * sigmoid(x[0][i]) * x[1][i];
    return y;
  };
  run_check("activation_mul silu", std::move(c));
}

Vec ref_layer_norm(const Vec& x, const Vec* w, const Vec* b, size_t H, double eps) {
  const size_t rows = x.size() / H;
  Vec y(x.size());
  for (size_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (size_t i = 0; i < H; ++i) mean += x[r * H + i];
    mean /= double(H);
    for (size_t i = 0; i < H; ++i) var += (x[r * H + i] - mean) * (x[r * H + i] - mean);
    var /= double(H);  // biased, like torch
    const double inv = 1 / std::sqrt(var + eps);
    for (size_t i = 0; i < H; ++i)
      y[r * H + i] = (x[r * H + i] - mean) * inv * (w ? (*w)[i] : 1.0) + (b ? (*b)[i] : 0.0);
  }
  return y;
}

TEST(OpsGrad, LayerNormWithAndWithoutAffine) {
  const size_t H = 7;
  {
    GradCheck c;
    c.inputs = list({random_tensor({3, 7}, 600), random_tensor({7}, 601), random_tensor({7}, 602)});
    c.op = [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0], t[1], t[2], 1e-5); };
    c.ref = [H](const Inputs& x) { return ref_layer_norm(x[0], &x[1], &x[2], H, 1e-5); };
    run_check("layer_norm weight+bias", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({3, 7}, 603), random_tensor({7}, 604)});
    c.op = [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0], t[1], Tensor(), 1e-5); };
    c.ref = [H](const Inputs& x) { return ref_layer_norm(x[0], &x[1], nullptr, H, 1e-5); };
    run_check("layer_norm weight only", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({2, 2, 7}, 605)});
    c.op = [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0], Tensor(), Tensor(), 1e-5); };
    c.ref = [H](const Inputs& x) { return ref_layer_norm(x[0], nullptr, nullptr, H, 1e-5); };
    run_check("layer_norm non-parametric", std::move(c));
  }
  {
    // A frozen weight with a trainable bias.
    GradCheck c;
    c.inputs = list({random_tensor({3, 7}, 606), random_tensor({7}, 607), random_tensor({7}, 608)});
    c.wrt = {true, false, true};
    c.op = [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0], t[1], t[2], 1e-5); };
    c.ref = [H](const Inputs& x) { return ref_layer_norm(x[0], &x[1], &x[2], H, 1e-5); };
    run_check("layer_norm frozen weight", std::move(c));
  }
}

TEST(OpsGrad, SumLastAndTopkValues) {
  {
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 5}, 700)});
    c.op = [](const std::vector<Tensor>& t) { return ops::sum_last(t[0]); };
    c.ref = [](const Inputs& x) {
      Vec y(6, 0.0);
      for (size_t k = 0; k < 30; ++k) y[k / 5] += x[0][k];
      return y;
    };
    run_check("sum_last", std::move(c));
  }
  {
    // Random values are tie-free, so a step of 1e-5 never changes which elements are chosen.
    const int64_t rows = 3, n = 6, k = 3;
    GradCheck c;
    c.inputs = list({random_tensor({rows, n}, 701)});
    c.op = [k](const std::vector<Tensor>& t) { return ops::topk(t[0], k).first; };
    c.ref = [=](const Inputs& x) {
      Vec y;
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<int64_t> idx(static_cast<size_t>(n));
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(),
                         [&](int64_t a, int64_t b) { return x[0][size_t(r * n + a)] > x[0][size_t(r * n + b)]; });
        for (int64_t j = 0; j < k; ++j) y.push_back(x[0][size_t(r * n + idx[size_t(j)])]);
      }
      return y;
    };
    run_check("topk values", std::move(c));
  }
}

// ---- linear algebra -------------------------------------------------------------------------

Vec ref_linear(const Vec& x, const Vec& w, const Vec* b, int64_t in, int64_t out) {
  const int64_t rows = int64_t(x.size()) / in;
  Vec y(size_t(rows * out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? (*b)[size_t(o)] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += x[size_t(r * in + i)] * w[size_t(o * in + i)];
      y[size_t(r * out + o)] = s;
    }
  return y;
}

TEST(OpsGrad, LinearWithAndWithoutBias) {
  {
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 5}, 800), random_tensor({4, 5}, 801), random_tensor({4}, 802)});
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2]); };
    c.ref = [](const Inputs& x) { return ref_linear(x[0], x[1], &x[2], 5, 4); };
    run_check("linear with bias", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({3, 5}, 803), random_tensor({6, 5}, 804)});
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1]); };
    c.ref = [](const Inputs& x) { return ref_linear(x[0], x[1], nullptr, 5, 6); };
    run_check("linear without bias", std::move(c));
  }
  {
    // A frozen bf16 weight (a stored checkpoint): dx = dy . W with W widened exactly.
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 5}, 805), random_tensor({4, 5}, 806, DType::BF16)});
    c.wrt = {true, false};
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1]); };
    c.ref = [](const Inputs& x) { return ref_linear(x[0], x[1], nullptr, 5, 4); };
    run_check("linear bf16 weight, dx", std::move(c));
  }
  {
    // Only the weight and bias train (the input is data).
    GradCheck c;
    c.inputs = list({random_tensor({4, 5}, 807), random_tensor({3, 5}, 808), random_tensor({3}, 809)});
    c.wrt = {false, true, true};
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2]); };
    c.ref = [](const Inputs& x) { return ref_linear(x[0], x[1], &x[2], 5, 3); };
    run_check("linear dW and db only", std::move(c));
  }
}

TEST(OpsGrad, MatmulBatchedWithBroadcastBatch) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {4, 5}}, {{2, 3, 4, 5}, {5, 6}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{3, 4}, {2, 4, 5}}};
  uint64_t seed = 900;
  for (const auto& pr : shapes) {
    const Shape as = pr.first, bs = pr.second;
    GradCheck c;
    c.inputs = list({random_tensor(as, seed++), random_tensor(bs, seed++)});
    c.op = [](const std::vector<Tensor>& t) { return ops::matmul(t[0], t[1]); };
    c.ref = [as, bs](const Inputs& x) {
      Shape ba = as, bb = bs;
      ba.erase(ba.size() - 1);
      ba.erase(ba.size() - 1);
      bb.erase(bb.size() - 1);
      bb.erase(bb.size() - 1);
      const Shape batch = broadcast(ba, bb);
      const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
      Vec y(size_t(batch.numel() * m * n));
      for (int64_t bi = 0; bi < batch.numel(); ++bi) {
        const Index idx = unravel(bi, batch);
        const int64_t oa = broadcast_offset(idx, ba) * m * k, ob = broadcast_offset(idx, bb) * k * n;
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (int64_t p = 0; p < k; ++p) s += x[0][size_t(oa + i * k + p)] * x[1][size_t(ob + p * n + j)];
            y[size_t((bi * m + i) * n + j)] = s;
          }
      }
      return y;
    };
    run_check(str_cat("matmul ", as.str(), " @ ", bs.str()), std::move(c));
  }
}

// ---- indexing -----------------------------------------------------------------------------------

TEST(OpsGrad, EmbeddingRepeatedIdsAndPaddingIdx) {
  const std::vector<int64_t> ids = {1, 2, 4, 1, 0, 2, 5, 1, 3, 2};
  for (int64_t padding_idx : {int64_t(-1), int64_t(2)}) {
    GradCheck c;
    c.inputs = list({random_tensor({6, 4}, 1000)});
    c.op = [ids, padding_idx](const std::vector<Tensor>& t) {
      return ops::embedding(t[0], Tensor::from_vector(ids, {2, 5}), DType::F32, padding_idx);
    };
    c.ref = [ids](const Inputs& x) {
      Vec y;
      for (int64_t id : ids)
        for (int64_t d = 0; d < 4; ++d) y.push_back(x[0][size_t(id * 4 + d)]);
      return y;
    };
    // nn.Embedding(padding_idx=p): the forward reads row p, but it never receives a gradient.
    c.adjust = [padding_idx](size_t, Vec& numeric) {
      if (padding_idx >= 0)
        for (int64_t d = 0; d < 4; ++d) numeric[size_t(padding_idx * 4 + d)] = 0;
    };
    run_check(str_cat("embedding padding_idx ", padding_idx), std::move(c));
  }
}

TEST(OpsGrad, CatIndexSelectIndexAdd) {
  {
    // Three pieces along dim 1; the middle one is frozen.
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 2}, 1100), random_tensor({2, 1, 2}, 1101), random_tensor({2, 4, 2}, 1102)});
    c.wrt = {true, false, true};
    c.op = [](const std::vector<Tensor>& t) { return ops::cat(t, 1); };
    c.ref = [](const Inputs& x) {
      Vec y;
      const int64_t sizes[] = {3, 1, 4};
      for (int64_t o = 0; o < 2; ++o)
        for (int p = 0; p < 3; ++p)
          for (int64_t k = 0; k < sizes[p] * 2; ++k) y.push_back(x[size_t(p)][size_t(o * sizes[p] * 2 + k)]);
      return y;
    };
    run_check("cat dim 1", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({2, 3}, 1103), random_tensor({3, 3}, 1104)});
    c.op = [](const std::vector<Tensor>& t) { return ops::cat(t, 0); };
    c.ref = [](const Inputs& x) {
      Vec y = x[0];
      y.insert(y.end(), x[1].begin(), x[1].end());
      return y;
    };
    run_check("cat dim 0", std::move(c));
  }
  const std::vector<int64_t> sel = {2, 0, 2, 3, 2};
  {
    GradCheck c;
    c.inputs = list({random_tensor({4, 3}, 1105)});
    c.op = [sel](const std::vector<Tensor>& t) { return ops::index_select0(t[0], sel); };
    c.ref = [sel](const Inputs& x) {
      Vec y;
      for (int64_t i : sel)
        for (int64_t d = 0; d < 3; ++d) y.push_back(x[0][size_t(i * 3 + d)]);
      return y;
    };
    run_check("index_select0 with repeats", std::move(c));
  }
  {
    // A 3-d source: the rows are [2, 2] blocks.
    GradCheck c;
    c.inputs = list({random_tensor({3, 2, 2}, 1106)});
    c.op = [](const std::vector<Tensor>& t) { return ops::index_select0(t[0], {1, 1, 0}); };
    c.ref = [](const Inputs& x) {
      Vec y;
      for (int64_t i : {1, 1, 0})
        for (int64_t d = 0; d < 4; ++d) y.push_back(x[0][size_t(i * 4 + d)]);
      return y;
    };
    run_check("index_select0 3-d", std::move(c));
  }
  const std::vector<int64_t> at = {1, 3, 1};
  {
    GradCheck c;
    c.inputs = list({random_tensor({4, 3}, 1107), random_tensor({3, 3}, 1108)});
    c.op = [at](const std::vector<Tensor>& t) { return ops::index_add0(t[0], at, t[1]); };
    c.ref = [at](const Inputs& x) {
      Vec y = x[0];
      for (size_t i = 0; i < at.size(); ++i)
        for (int64_t d = 0; d < 3; ++d) y[size_t(at[i] * 3 + d)] += x[1][i * 3 + size_t(d)];
      return y;
    };
    run_check("index_add0 with repeats", std::move(c));
  }
}

// ---- rotary ------------------------------------------------------------------------------------

// x [B, H, S, D], cos/sin [B, S, R]: the first R features become x * cos + rotate_half(x) * sin.
Vec ref_rotary(const Vec& x, const Vec& cos, const Vec& sin, int64_t B, int64_t H, int64_t S, int64_t D, int64_t R) {
  Vec y(x.size());
  const int64_t half = R / 2;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t s = 0; s < S; ++s) {
        const size_t row = size_t(((b * H + h) * S + s) * D), cs = size_t((b * S + s) * R);
        for (int64_t d = 0; d < D; ++d) {
          if (d >= R) {
            y[row + size_t(d)] = x[row + size_t(d)];
            continue;
          }
          const double rot = d < half ? -x[row + size_t(d + half)] : x[row + size_t(d - half)];
          y[row + size_t(d)] = x[row + size_t(d)] * cos[cs + size_t(d)] + rot * sin[cs + size_t(d)];
        }
      }
  return y;
}

TEST(OpsGrad, ApplyRotaryPartial) {
  const int64_t B = 2, H = 3, S = 4, D = 10, R = 6;
  // Real tables from positions, and arbitrary tables (the formula holds for any cos/sin).
  Tensor pos = Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 3, 5, 6, 7, 8}, {B, S});
  auto [cos1, sin1] = ops::rope_cos_sin(pos, {1.0f, 0.1f, 0.01f}, 1.0, DType::F32);
  const std::vector<std::pair<Tensor, Tensor>> tables = {
      {cos1, sin1}, {random_tensor({B, S, R}, 1200), random_tensor({B, S, R}, 1201)}};
  uint64_t seed = 1202;
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    const Tensor cos = tables[ti].first, sin = tables[ti].second;
    const Vec cv = cos.to_vector<double>(), sv = sin.to_vector<double>();
    GradCheck c;
    c.inputs = list({random_tensor({B, H, S, D}, seed++)});
    c.op = [cos, sin](const std::vector<Tensor>& t) { return ops::apply_rotary(t[0], cos, sin); };
    c.ref = [=](const Inputs& x) { return ref_rotary(x[0], cv, sv, B, H, S, D, R); };
    run_check(ti == 0 ? "apply_rotary rope tables" : "apply_rotary arbitrary tables", std::move(c));
  }
}

// ---- attention ----------------------------------------------------------------------------------

struct AttnCase {
  std::string name;
  int64_t B = 2, H = 4, Hkv = 2, Tq = 3, Tk = 5, D = 4;
  int64_t Dv = 0;  // value head size; 0: D
  ops::AttentionOptions opt;
  float q_scale = 1.0f;
};

Vec ref_attention(const Vec& q, const Vec& k, const Vec& v, const AttnCase& a, const Vec& kpm, const Vec& mask,
                  const Shape& mask_shape, bool mask_is_bool) {
  const int64_t B = a.B, H = a.H, Tq = a.Tq, Tk = a.Tk, D = a.D, group = a.H / a.Hkv, Dv = a.Dv ? a.Dv : a.D;
  const int64_t q_offset = a.opt.q_offset >= 0 ? a.opt.q_offset : Tk - Tq;
  Vec y(size_t(B * H * Tq * Dv), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Tq; ++i) {
        const int64_t hk = h / group, pos = q_offset + i;
        std::vector<double> s(static_cast<size_t>(Tk));
        std::vector<bool> ok(size_t(Tk), true);
        bool any = false;
        for (int64_t j = 0; j < Tk; ++j) {
          if (a.opt.causal && j > pos) ok[size_t(j)] = false;
          if (a.opt.sliding_window > 0 && pos - j >= a.opt.sliding_window) ok[size_t(j)] = false;
          if (!kpm.empty() && kpm[size_t(b * Tk + j)] == 0) ok[size_t(j)] = false;
          const double mv = mask.empty() ? 0.0 : mask[size_t(broadcast_offset({b, h, i, j}, mask_shape))];
          if (!mask.empty() && mask_is_bool && mv == 0) ok[size_t(j)] = false;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += q[size_t(((b * H + h) * Tq + i) * D + d)] * k[size_t(((b * a.Hkv + hk) * Tk + j) * D + d)];
          double sc = dot * a.opt.scale;
          if (a.opt.softcap > 0) sc = a.opt.softcap * std::tanh(sc / a.opt.softcap);
          if (!mask.empty() && !mask_is_bool) sc += mv;
          s[size_t(j)] = sc;
          any = any || ok[size_t(j)];
        }
        std::vector<double> p(size_t(Tk), 0.0);
        if (!any) {
          // No allowed key: the mean of all values (HF's finfo.min masks give equal scores).
          std::fill(p.begin(), p.end(), 1.0 / double(Tk));
        } else {
          double mx = -1e300, sum = 0;
          for (int64_t j = 0; j < Tk; ++j)
            if (ok[size_t(j)]) mx = std::max(mx, s[size_t(j)]);
          for (int64_t j = 0; j < Tk; ++j)
            if (ok[size_t(j)]) sum += (p[size_t(j)] = std::exp(s[size_t(j)] - mx));
          for (double& pj : p) pj /= sum;
        }
        for (int64_t j = 0; j < Tk; ++j)
          for (int64_t d = 0; d < Dv; ++d)
            y[size_t(((b * H + h) * Tq + i) * Dv + d)] += p[size_t(j)] * v[size_t(((b * a.Hkv + hk) * Tk + j) * Dv + d)];
      }
  return y;
}

void run_attention(const AttnCase& a, uint64_t seed) {
  GradCheck c;
  c.inputs = list({random_tensor({a.B, a.H, a.Tq, a.D}, seed, DType::F32, a.q_scale),
                   random_tensor({a.B, a.Hkv, a.Tk, a.D}, seed + 1), random_tensor({a.B, a.Hkv, a.Tk, a.Dv ? a.Dv : a.D}, seed + 2)});
  c.op = [a](const std::vector<Tensor>& t) { return ops::scaled_dot_product_attention(t[0], t[1], t[2], a.opt); };
  const Vec kpm = a.opt.key_padding_mask.defined() ? a.opt.key_padding_mask.to_vector<double>() : Vec();
  const Vec mask = a.opt.attn_mask.defined() ? a.opt.attn_mask.to_vector<double>() : Vec();
  const Shape mask_shape = a.opt.attn_mask.defined() ? a.opt.attn_mask.shape() : Shape();
  const bool mask_is_bool = a.opt.attn_mask.defined() && !dtype_info(a.opt.attn_mask.dtype()).is_floating;
  c.ref = [=](const Inputs& x) { return ref_attention(x[0], x[1], x[2], a, kpm, mask, mask_shape, mask_is_bool); };
  run_check("attention " + a.name, std::move(c));
}

TEST(OpsGrad, AttentionGqaCausalWithQueryOffset) {
  AttnCase a;
  a.name = "GQA causal q_offset 1";
  a.opt.scale = 0.5;
  a.opt.q_offset = 1;
  run_attention(a, 1300);
  AttnCase d;
  d.name = "causal default offset (Tk - Tq), MQA";
  d.Hkv = 1;
  d.opt.scale = 0.5;
  run_attention(d, 1310);
  AttnCase dv;
  dv.name = "value head size 3 != key head size 4";
  dv.Dv = 3;
  dv.opt.scale = 0.5;
  run_attention(dv, 1315);
  AttnCase n;
  n.name = "not causal";
  n.opt.causal = false;
  n.opt.scale = 0.5;
  run_attention(n, 1320);
}

TEST(OpsGrad, AttentionSlidingWindow) {
  AttnCase a;
  a.name = "sliding window 2";
  a.Tq = 4;
  a.Tk = 6;
  a.opt.scale = 0.5;
  a.opt.sliding_window = 2;
  run_attention(a, 1330);
}

TEST(OpsGrad, AttentionKeyPaddingWithFullyMaskedRows) {
  AttnCase a;
  a.name = "key padding, fully masked rows";
  a.opt.scale = 0.5;
  a.opt.q_offset = 0;  // queries at positions 0..2
  // Batch 1 is left-padded by two: its queries at positions 0 and 1 see only padding.
  a.opt.key_padding_mask = Tensor::from_vector(std::vector<int64_t>{1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, {2, 5});
  run_attention(a, 1340);
}

TEST(OpsGrad, AttentionExplicitMasks) {
  AttnCase f;
  f.name = "float attn_mask [1, 1, Tq, Tk], not causal";
  f.opt.scale = 0.5;
  f.opt.causal = false;
  f.opt.attn_mask = random_tensor({1, 1, 3, 5}, 1350);
  run_attention(f, 1351);
  AttnCase fb;
  fb.name = "float attn_mask [B, H, Tq, Tk] with causal";
  fb.opt.scale = 0.5;
  fb.opt.attn_mask = random_tensor({2, 4, 3, 5}, 1352);
  run_attention(fb, 1353);
  AttnCase b;
  b.name = "bool attn_mask [B, 1, Tq, Tk]";
  b.opt.scale = 0.5;
  b.opt.causal = false;
  std::vector<bool> m(30);
  for (size_t i = 0; i < m.size(); ++i) m[i] = (i * 7) % 3 != 0;
  for (size_t j = 0; j < 5; ++j) m[j] = false;  // batch 0, query 0: nothing allowed
  b.opt.attn_mask = Tensor::from_vector(m, {2, 1, 3, 5});
  run_attention(b, 1354);
}

TEST(OpsGrad, AttentionSoftcap) {
  AttnCase a;
  a.name = "softcap 2 (scores up to ~6)";
  a.opt.scale = 1.0;
  a.opt.softcap = 2.0;
  a.q_scale = 2.0f;
  a.opt.q_offset = 2;
  run_attention(a, 1360);
  // Everything at once: soft-cap, GQA, sliding window, key padding (one fully masked row) and
  // an additive mask.
  AttnCase all;
  all.name = "softcap + window + padding + float mask";
  all.Tq = 4;
  all.Tk = 6;
  all.opt.scale = 0.7;
  all.opt.softcap = 1.5;
  all.q_scale = 2.0f;
  all.opt.q_offset = 1;
  all.opt.sliding_window = 3;
  all.opt.key_padding_mask =
      Tensor::from_vector(std::vector<uint8_t>{1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1}, {2, 6});
  all.opt.attn_mask = random_tensor({2, 1, 4, 6}, 1361);
  run_attention(all, 1362);
}

// ---- losses -------------------------------------------------------------------------------------

double ref_cross_entropy(const Vec& z, const std::vector<int64_t>& labels, int64_t V, int64_t ignore_index) {
  double total = 0;
  for (size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] == ignore_index) continue;
    double mx = -1e300, sum = 0;
    for (int64_t j = 0; j < V; ++j) mx = std::max(mx, z[r * size_t(V) + size_t(j)]);
    for (int64_t j = 0; j < V; ++j) sum += std::exp(z[r * size_t(V) + size_t(j)] - mx);
    total += mx + std::log(sum) - z[r * size_t(V) + size_t(labels[r])];
  }
  return total;
}

Vec ref_logits(const Vec& h, const Vec& w, int64_t H, int64_t V, double softcap) {
  Vec z = ref_linear(h, w, nullptr, H, V);
  if (softcap > 0)
    for (double& x : z) x = softcap * std::tanh(x / softcap);
  return z;
}

TEST(OpsGrad, CrossEntropySumWithIgnoredRows) {
  for (int64_t ignore : {int64_t(-100), int64_t(4)}) {
    const std::vector<int64_t> labels = {3, ignore, 0, 6, ignore, 4 == ignore ? 2 : 4};
    GradCheck c;
    c.inputs = list({random_tensor({6, 7}, 1400, DType::F32, 2.0f)});
    c.op = [labels, ignore](const std::vector<Tensor>& t) {
      return ops::cross_entropy_sum(t[0], Tensor::from_vector(labels, {6}), ignore);
    };
    c.ref = [labels, ignore](const Inputs& x) { return Vec{ref_cross_entropy(x[0], labels, 7, ignore)}; };
    run_check(str_cat("cross_entropy_sum ignore_index ", ignore), std::move(c));
  }
}

TEST(OpsGrad, LinearCrossEntropySumHiddenAndWeight) {
  const int64_t N = 6, H = 5, V = 7;
  const std::vector<int64_t> labels = {2, -100, 6, 0, -100, 3};
  for (double softcap : {0.0, 2.5}) {
    {
      GradCheck c;
      c.inputs = list({random_tensor({N, H}, 1500), random_tensor({V, H}, 1501)});
      c.op = [labels, softcap](const std::vector<Tensor>& t) {
        return ops::linear_cross_entropy_sum(t[0], t[1], Tensor::from_vector(labels, {N}), -100, softcap);
      };
      c.ref = [=](const Inputs& x) { return Vec{ref_cross_entropy(ref_logits(x[0], x[1], H, V, softcap), labels, V, -100)}; };
      run_check(str_cat("linear_cross_entropy_sum softcap ", softcap), std::move(c));
    }
    {
      // A frozen (bf16, stored) LM head: only the hidden states get a gradient.
      GradCheck c;
      c.inputs = list({random_tensor({N, H}, 1502), random_tensor({V, H}, 1503, DType::BF16)});
      c.wrt = {true, false};
      c.op = [labels, softcap](const std::vector<Tensor>& t) {
        return ops::linear_cross_entropy_sum(t[0], t[1], Tensor::from_vector(labels, {N}), -100, softcap);
      };
      c.ref = [=](const Inputs& x) { return Vec{ref_cross_entropy(ref_logits(x[0], x[1], H, V, softcap), labels, V, -100)}; };
      run_check(str_cat("linear_cross_entropy_sum bf16 frozen head, softcap ", softcap), std::move(c));
    }
  }
}

// The fused loss equals the unfused composition, in value and in both gradients, including at a
// vocabulary large enough that the rows go through several chunks.
void expect_fused_equals_unfused(int64_t N, int64_t H, int64_t V, const std::vector<int64_t>& labels, double softcap,
                                 uint64_t seed) {
  SCOPED_TRACE(str_cat("N ", N, " H ", H, " V ", V, " softcap ", softcap));
  const Tensor lab = Tensor::from_vector(labels, {N});
  const Tensor h1 = random_tensor({N, H}, seed), w1 = random_tensor({V, H}, seed + 1);
  const Tensor h2 = h1.clone(), w2 = w1.clone();
  for (const Tensor& t : {h1, w1, h2, w2}) autograd::set_requires_grad(t);
  Tensor fused = ops::linear_cross_entropy_sum(h1, w1, lab, -100, softcap);
  Tensor z = ops::linear(h2, w2);
  if (softcap > 0) z = ops::mul_scalar(ops::tanh(ops::mul_scalar(z, 1.0 / softcap)), softcap);
  Tensor unfused = ops::cross_entropy_sum(z, lab, -100);
  // Float64 reference value.
  const double want = ref_cross_entropy(ref_logits(h1.to_vector<double>(), w1.to_vector<double>(), H, V, softcap),
                                        labels, V, -100);
  EXPECT_NEAR(fused.item(), want, 1e-5 * std::fabs(want) + 1e-5);
  EXPECT_NEAR(unfused.item(), want, 1e-5 * std::fabs(want) + 1e-5);
  autograd::backward(fused);
  autograd::backward(unfused);
  for (auto [a, b, what] : {std::tuple{h1, h2, "hidden"}, std::tuple{w1, w2, "weight"}}) {
    const Vec ga = autograd::grad(a).to_vector<double>(), gb = autograd::grad(b).to_vector<double>();
    const double tol = 1e-5 * std::max(1e-3, max_abs(gb));
    int bad = 0;
    for (size_t i = 0; i < ga.size(); ++i)
      if (!(std::fabs(ga[i] - gb[i]) <= tol) && ++bad <= 5)
        ADD_FAILURE() << what << " element " << i << ": fused " << ga[i] << ", unfused " << gb[i];
    EXPECT_EQ(bad, 0) << what;
  }
}

TEST(OpsGrad, LinearCrossEntropyEqualsUnfusedComposition) {
  expect_fused_equals_unfused(6, 5, 7, {2, -100, 6, 0, -100, 3}, 0.0, 1600);
  expect_fused_equals_unfused(6, 5, 7, {2, -100, 6, 0, -100, 3}, 2.5, 1602);
  // 2^20 classes: 4 rows per chunk, so the 5 labelled rows take two chunks (soft-capping is
  // per element, checked above; leaving it out here halves the time of this large case).
  expect_fused_equals_unfused(6, 2, int64_t(1) << 20, {5, -100, 1048575, 300000, 0, 654321}, 0.0, 1604);
}

// ---- views and copies ---------------------------------------------------------------------------

struct ViewCase {
  std::string name;
  Shape base;
  std::function<Tensor(const Tensor&)> view;
  Shape out;
  std::function<Index(const Index&)> source;  // output index -> base index
};

TEST(OpsGrad, ViewsAndCopies) {
  const Shape s{3, 4, 5};
  const std::vector<ViewCase> cases = {
      {"narrow", s, [](const Tensor& x) { return x.narrow(1, 1, 2); }, {3, 2, 5},
       [](const Index& i) { return Index{i[0], i[1] + 1, i[2]}; }},
      {"transpose + reshape (copy)", s, [](const Tensor& x) { return x.transpose(0, 2).reshape({5, 12}); }, {5, 12},
       [](const Index& i) { return Index{i[1] % 3, i[1] / 3, i[0]}; }},
      {"select", s, [](const Tensor& x) { return x.select(1, 2); }, {3, 5},
       [](const Index& i) { return Index{i[0], 2, i[1]}; }},
      {"slice with step", s, [](const Tensor& x) { return x.slice(2, 0, 5, 2); }, {3, 4, 3},
       [](const Index& i) { return Index{i[0], i[1], 2 * i[2]}; }},
      {"slice start/end", s, [](const Tensor& x) { return x.slice(0, 1, 3); }, {2, 4, 5},
       [](const Index& i) { return Index{i[0] + 1, i[1], i[2]}; }},
      {"expand", {3, 1, 5}, [](const Tensor& x) { return x.expand({2, 3, 4, 5}); }, {2, 3, 4, 5},
       [](const Index& i) { return Index{i[1], 0, i[3]}; }},
      {"unsqueeze + expand", {4}, [](const Tensor& x) { return x.unsqueeze(0).expand({3, 4}); }, {3, 4},
       [](const Index& i) { return Index{i[1]}; }},
      {"permute", s, [](const Tensor& x) { return x.permute({2, 0, 1}); }, {5, 3, 4},
       [](const Index& i) { return Index{i[1], i[2], i[0]}; }},
      {"unsqueeze", s, [](const Tensor& x) { return x.unsqueeze(1); }, {3, 1, 4, 5},
       [](const Index& i) { return Index{i[0], i[2], i[3]}; }},
      {"squeeze", {3, 1, 5}, [](const Tensor& x) { return x.squeeze(1); }, {3, 5},
       [](const Index& i) { return Index{i[0], 0, i[1]}; }},
      {"view", s, [](const Tensor& x) { return x.view({12, 5}); }, {12, 5},
       [](const Index& i) { return Index{i[0] / 4, i[0] % 4, i[1]}; }},
      {"narrow, transpose, contiguous, view", s,
       [](const Tensor& x) { return x.narrow(2, 1, 3).transpose(1, 2).contiguous().view({3, 12}); }, {3, 12},
       [](const Index& i) { return Index{i[0], i[1] % 4, i[1] / 4 + 1}; }},
      {"permute + clone", s, [](const Tensor& x) { return x.permute({1, 2, 0}).clone(); }, {4, 5, 3},
       [](const Index& i) { return Index{i[2], i[0], i[1]}; }},
      {"select of a transpose", s, [](const Tensor& x) { return x.transpose(0, 1).select(2, 3); }, {4, 3},
       [](const Index& i) { return Index{i[1], i[0], 3}; }},
  };
  uint64_t seed = 1700;
  for (const ViewCase& v : cases) {
    GradCheck c;
    c.inputs = list({random_tensor(v.base, seed++)});
    c.op = [f = v.view](const std::vector<Tensor>& t) { return f(t[0]); };
    c.ref = [v](const Inputs& x) {
      Vec y(size_t(v.out.numel()));
      const Strides bs = contiguous_strides(v.base);
      for (int64_t k = 0; k < v.out.numel(); ++k) {
        const Index src = v.source(unravel(k, v.out));
        int64_t off = 0;
        for (size_t d = 0; d < src.size(); ++d) off += src[d] * bs[int(d)];
        y[size_t(k)] = x[0][size_t(off)];
      }
      return y;
    };
    run_check("view " + v.name, std::move(c));
  }
}

// A view of an op output composes with the op's backward (the usual model pattern: linear ->
// view into heads -> transpose -> attention).
TEST(OpsGrad, ViewOfAnOpOutput) {
  GradCheck c;
  c.inputs = list({random_tensor({2, 3, 4}, 1800), random_tensor({6, 4}, 1801)});
  c.op = [](const std::vector<Tensor>& t) {
    return ops::mul(ops::linear(t[0], t[1]).view({2, 3, 2, 3}).transpose(1, 2), ops::linear(t[0], t[1]).view({2, 3, 2, 3}).transpose(1, 2));
  };
  c.ref = [](const Inputs& x) {
    const Vec y = ref_linear(x[0], x[1], nullptr, 4, 6);  // [2, 3, 6] = [b, t, h * 3 + d]
    Vec out(36);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t t = 0; t < 3; ++t)
          for (int64_t d = 0; d < 3; ++d) {
            const double e = y[size_t((b * 3 + t) * 6 + h * 3 + d)];
            out[size_t(((b * 2 + h) * 3 + t) * 3 + d)] = e * e;
          }
    return out;
  };
  run_check("linear -> view -> transpose, squared", std::move(c));
}

// ---- non-contiguous inputs ----------------------------------------------------------------------
// Models feed ops transposed views (q/k/v in [B, T, H, D] viewed as [B, H, T, D]); every op's
// backward must read its saved inputs through their strides.

// Row-major data of x (shape s) permuted like x.permute(order).contiguous().
Vec permute_ref(const Vec& x, const Shape& s, const std::vector<int>& order) {
  Shape out;
  for (int o : order) out.push_back(s[o]);
  const Strides st = contiguous_strides(s);
  Vec y(x.size());
  for (int64_t k = 0; k < out.numel(); ++k) {
    const Index idx = unravel(k, out);
    int64_t off = 0;
    for (size_t d = 0; d < order.size(); ++d) off += idx[d] * st[order[d]];
    y[size_t(k)] = x[size_t(off)];
  }
  return y;
}

TEST(OpsGrad, TransposedInputs) {
  const std::vector<int> swap01 = {1, 0};
  {
    GradCheck c;
    c.inputs = list({random_tensor({4, 3}, 1900), random_tensor({3, 4}, 1901)});
    c.op = [](const std::vector<Tensor>& t) { return ops::mul(ops::silu(t[0].transpose(0, 1)), t[1]); };
    c.ref = [=](const Inputs& x) {
      Vec a = map(permute_ref(x[0], {4, 3}, swap01), [](double v) { return v * sigmoid(v); });
      for (size_t i = 0; i < a.size(); ++i) a[i] *= x[1][i];
      return a;
    };
    run_check("silu and mul of a transpose", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({5, 3}, 1902), random_tensor({5}, 1903)});
    c.op = [](const std::vector<Tensor>& t) {
      return ops::rms_norm(t[0].transpose(0, 1), t[1], 1e-6, ops::RmsNormStyle::kUnitOffset);
    };
    c.ref = [=](const Inputs& x) { return ref_rms_norm(permute_ref(x[0], {5, 3}, swap01), x[1], 1e-6, true); };
    run_check("rms_norm of a transpose", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({5, 3}, 1904), random_tensor({5}, 1905), random_tensor({5}, 1906)});
    c.op = [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0].transpose(0, 1), t[1], t[2], 1e-5); };
    c.ref = [=](const Inputs& x) { return ref_layer_norm(permute_ref(x[0], {5, 3}, swap01), &x[1], &x[2], 5, 1e-5); };
    run_check("layer_norm of a transpose", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({5, 3}, 1907, DType::F32, 2.0f)});
    c.op = [](const std::vector<Tensor>& t) {
      return ops::add(ops::softmax(t[0].transpose(0, 1), -1), ops::topk(t[0].transpose(0, 1), 2).first.narrow(1, 0, 1));
    };
    c.ref = [=](const Inputs& x) {
      const Vec xt = permute_ref(x[0], {5, 3}, swap01);
      Vec y = ref_softmax(xt, {3, 5}, 1);
      for (size_t r = 0; r < 3; ++r) {
        const double mx = *std::max_element(xt.begin() + long(r * 5), xt.begin() + long(r * 5 + 5));
        for (size_t j = 0; j < 5; ++j) y[r * 5 + j] += mx;
      }
      return y;
    };
    run_check("softmax and topk of a transpose", std::move(c));
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({5, 3}, 1908), random_tensor({4, 5}, 1909), random_tensor({4}, 1910)});
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0].transpose(0, 1), t[1], t[2]); };
    c.ref = [=](const Inputs& x) { return ref_linear(permute_ref(x[0], {5, 3}, swap01), x[1], &x[2], 5, 4); };
    run_check("linear of a transpose", std::move(c));
  }
  {
    // q, k, v produced in [B, T, H, D] and viewed as [B, H, T, D], like every decoder does.
    AttnCase a;
    a.name = "transposed";
    a.Tq = a.Tk = 3;
    a.opt.scale = 0.5;
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 4, 4}, 1911), random_tensor({2, 3, 2, 4}, 1912), random_tensor({2, 3, 2, 4}, 1913)});
    c.op = [a](const std::vector<Tensor>& t) {
      return ops::scaled_dot_product_attention(t[0].transpose(1, 2), t[1].transpose(1, 2), t[2].transpose(1, 2), a.opt);
    };
    c.ref = [a](const Inputs& x) {
      const std::vector<int> o = {0, 2, 1, 3};
      return ref_attention(permute_ref(x[0], {2, 3, 4, 4}, o), permute_ref(x[1], {2, 3, 2, 4}, o),
                           permute_ref(x[2], {2, 3, 2, 4}, o), a, {}, {}, {}, false);
    };
    run_check("attention of transposed q, k, v", std::move(c));
  }
  {
    const int64_t B = 2, S = 3, H = 2, D = 6, R = 4;
    const Tensor cos = random_tensor({B, S, R}, 1914), sin = random_tensor({B, S, R}, 1915);
    const Vec cv = cos.to_vector<double>(), sv = sin.to_vector<double>();
    GradCheck c;
    c.inputs = list({random_tensor({B, S, H, D}, 1916)});
    c.op = [cos, sin](const std::vector<Tensor>& t) { return ops::apply_rotary(t[0].transpose(1, 2), cos, sin); };
    c.ref = [=](const Inputs& x) {
      return ref_rotary(permute_ref(x[0], {B, S, H, D}, {0, 2, 1, 3}), cv, sv, B, H, S, D, R);
    };
    run_check("apply_rotary of a transpose", std::move(c));
  }
  {
    const std::vector<int64_t> labels = {4, -100, 0, 6, 2};
    GradCheck c;
    c.inputs = list({random_tensor({7, 5}, 1917, DType::F32, 2.0f)});
    c.op = [labels](const std::vector<Tensor>& t) {
      return ops::cross_entropy_sum(t[0].transpose(0, 1), Tensor::from_vector(labels, {5}));
    };
    c.ref = [=](const Inputs& x) { return Vec{ref_cross_entropy(permute_ref(x[0], {7, 5}, swap01), labels, 7, -100)}; };
    run_check("cross_entropy_sum of a transpose", std::move(c));
  }
  {
    const std::vector<int64_t> labels = {4, -100, 0, 6, 2, 1};
    GradCheck c;
    c.inputs = list({random_tensor({5, 6}, 1918), random_tensor({5, 7}, 1919)});
    c.op = [labels](const std::vector<Tensor>& t) {
      return ops::linear_cross_entropy_sum(t[0].transpose(0, 1), t[1].transpose(0, 1), Tensor::from_vector(labels, {6}),
                                           -100, 3.0);
    };
    c.ref = [=](const Inputs& x) {
      return Vec{ref_cross_entropy(
          ref_logits(permute_ref(x[0], {5, 6}, swap01), permute_ref(x[1], {5, 7}, swap01), 5, 7, 3.0), labels, 7, -100)};
    };
    run_check("linear_cross_entropy_sum of transposes", std::move(c));
  }
}

// ---- composition -----------------------------------------------------------------------------------
// A tiny decoder layer with a tied LM head, end to end: embedding -> RMSNorm -> q/k/v
// projections viewed into heads -> rotary -> GQA causal attention -> output projection ->
// residual -> RMSNorm -> fused LM-head cross-entropy. The embedding matrix is used twice
// (input embedding and tied head), so its gradient is the sum of two paths.
TEST(OpsGrad, TinyDecoderLayerWithTiedHead) {
  const int64_t B = 2, T = 4, V = 11, Dm = 8, H = 2, Hkv = 1, hd = 4;
  const std::vector<int64_t> ids = {1, 5, 3, 9, 0, 10, 10, 2};
  const std::vector<int64_t> labels = {5, 3, 9, -100, 10, 10, 2, 7};
  const Tensor pos = Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 3, 0, 1, 2, 3}, {B, T});
  auto [cos, sin] = ops::rope_cos_sin(pos, {1.0f, 0.1f}, 1.0, DType::F32);
  const Vec cv = cos.to_vector<double>(), sv = sin.to_vector<double>();
  AttnCase a;
  a.B = B;
  a.H = H;
  a.Hkv = Hkv;
  a.Tq = a.Tk = T;
  a.D = hd;
  a.opt.scale = 0.5;
  GradCheck c;
  // E, g1, Wq, Wk, Wv, Wo, g2
  c.inputs = list({random_tensor({V, Dm}, 2000), random_tensor({Dm}, 2001), random_tensor({H * hd, Dm}, 2002, DType::F32, 0.5f),
                   random_tensor({Hkv * hd, Dm}, 2003, DType::F32, 0.5f), random_tensor({Hkv * hd, Dm}, 2004),
                   random_tensor({Dm, H * hd}, 2005, DType::F32, 0.5f), random_tensor({Dm}, 2006)});
  c.op = [=](const std::vector<Tensor>& t) {
    const Tensor x = ops::embedding(t[0], Tensor::from_vector(ids, {B, T}), DType::F32);
    const Tensor n = ops::rms_norm(x, t[1], 1e-6);
    Tensor q = ops::linear(n, t[2]).view({B, T, H, hd}).transpose(1, 2);
    Tensor k = ops::linear(n, t[3]).view({B, T, Hkv, hd}).transpose(1, 2);
    const Tensor v = ops::linear(n, t[4]).view({B, T, Hkv, hd}).transpose(1, 2);
    q = ops::apply_rotary(q, cos, sin);
    k = ops::apply_rotary(k, cos, sin);
    const Tensor att = ops::scaled_dot_product_attention(q, k, v, a.opt).transpose(1, 2).reshape({B, T, H * hd});
    const Tensor h = ops::add(x, ops::linear(att, t[5]));
    const Tensor hn = ops::rms_norm(h, t[6], 1e-6).reshape({B * T, Dm});
    return ops::linear_cross_entropy_sum(hn, t[0], Tensor::from_vector(labels, {B * T}));
  };
  c.ref = [=](const Inputs& p) {
    Vec x;
    for (int64_t id : ids)
      for (int64_t d = 0; d < Dm; ++d) x.push_back(p[0][size_t(id * Dm + d)]);
    const Vec n = ref_rms_norm(x, p[1], 1e-6, false);
    const std::vector<int> heads = {0, 2, 1, 3};
    Vec q = permute_ref(ref_linear(n, p[2], nullptr, Dm, H * hd), {B, T, H, hd}, heads);
    Vec k = permute_ref(ref_linear(n, p[3], nullptr, Dm, Hkv * hd), {B, T, Hkv, hd}, heads);
    const Vec v = permute_ref(ref_linear(n, p[4], nullptr, Dm, Hkv * hd), {B, T, Hkv, hd}, heads);
    q = ref_rotary(q, cv, sv, B, H, T, hd, hd);
    k = ref_rotary(k, cv, sv, B, Hkv, T, hd, hd);
    const Vec att = permute_ref(ref_attention(q, k, v, a, {}, {}, {}, false), {B, H, T, hd}, heads);
    Vec h = ref_linear(att, p[5], nullptr, H * hd, Dm);
    for (size_t i = 0; i < h.size(); ++i) h[i] += x[i];
    const Vec hn = ref_rms_norm(h, p[6], 1e-6, false);
    return Vec{ref_cross_entropy(ref_logits(hn, p[0], Dm, V, 0.0), labels, V, -100)};
  };
  run_check("tiny decoder layer", std::move(c));
}

// ---- stored (bf16) weights and edge cases ----------------------------------------------------------

TEST(OpsGrad, Bf16WeightsGetExactFloat32Gradients) {
  // The gradient of a bf16 weight is the derivative at its (exactly widened) stored value, so
  // the f64 reference on the bf16 values applies unchanged.
  {
    GradCheck c;
    c.inputs = list({random_tensor({2, 3, 5}, 2100), random_tensor({4, 5}, 2101, DType::BF16)});
    c.op = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1]); };
    c.ref = [](const Inputs& x) { return ref_linear(x[0], x[1], nullptr, 5, 4); };
    run_check("linear bf16 weight, dx and dW", std::move(c));
  }
  {
    const std::vector<int64_t> labels = {2, -100, 6, 0, 5, 3};
    for (double softcap : {0.0, 2.5}) {
      GradCheck c;
      c.inputs = list({random_tensor({6, 5}, 2102), random_tensor({7, 5}, 2103, DType::BF16)});
      c.op = [labels, softcap](const std::vector<Tensor>& t) {
        return ops::linear_cross_entropy_sum(t[0], t[1], Tensor::from_vector(labels, {6}), -100, softcap);
      };
      c.ref = [=](const Inputs& x) { return Vec{ref_cross_entropy(ref_logits(x[0], x[1], 5, 7, softcap), labels, 7, -100)}; };
      run_check(str_cat("linear_cross_entropy_sum bf16 weight, softcap ", softcap), std::move(c));
    }
  }
  {
    GradCheck c;
    c.inputs = list({random_tensor({6, 4}, 2104, DType::BF16)});
    c.op = [](const std::vector<Tensor>& t) {
      return ops::embedding(t[0], Tensor::from_vector(std::vector<int64_t>{3, 1, 3, 0}, {4}), DType::F32);
    };
    c.ref = [](const Inputs& x) {
      Vec y;
      for (int64_t id : {3, 1, 3, 0})
        for (int64_t d = 0; d < 4; ++d) y.push_back(x[0][size_t(id * 4 + d)]);
      return y;
    };
    run_check("embedding bf16 table", std::move(c));
  }
}

// Every op run on bf16 activations gives float32 gradients of the input's shape that agree, to
// bf16 precision, with the same op on float32 copies of the same values (whose gradients the
// finite-difference checks above establish).
TEST(OpsGrad, Bf16ActivationsMatchTheFloat32Gradients) {
  struct Case {
    std::string name;
    std::vector<Shape> shapes;
    std::function<Tensor(const std::vector<Tensor>&)> op;
  };
  const Tensor pos = Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 3, 4, 5}, {2, 3});
  auto [cos, sin] = ops::rope_cos_sin(pos, {1.0f, 0.1f}, 1.0, DType::F32);
  ops::AttentionOptions causal;
  causal.scale = 0.5;
  const std::vector<Case> cases = {
      {"silu", {{3, 8}}, [](const std::vector<Tensor>& t) { return ops::silu(t[0]); }},
      {"gelu_tanh", {{3, 8}}, [](const std::vector<Tensor>& t) { return ops::gelu_tanh(t[0]); }},
      {"exp", {{3, 8}}, [](const std::vector<Tensor>& t) { return ops::exp(t[0]); }},
      {"mul broadcast", {{3, 8}, {8}}, [](const std::vector<Tensor>& t) { return ops::mul(t[0], t[1]); }},
      {"softmax", {{3, 8}}, [](const std::vector<Tensor>& t) { return ops::softmax(t[0], -1); }},
      {"rms_norm llama", {{3, 8}, {8}}, [](const std::vector<Tensor>& t) { return ops::rms_norm(t[0], t[1], 1e-6); }},
      {"rms_norm olmo2", {{3, 8}, {8}},
       [](const std::vector<Tensor>& t) { return ops::rms_norm(t[0], t[1], 1e-6, ops::RmsNormStyle::kWeightBeforeCast); }},
      {"rms_norm gemma", {{3, 8}, {8}},
       [](const std::vector<Tensor>& t) { return ops::rms_norm(t[0], t[1], 1e-6, ops::RmsNormStyle::kUnitOffset); }},
      {"layer_norm", {{3, 8}, {8}, {8}}, [](const std::vector<Tensor>& t) { return ops::layer_norm(t[0], t[1], t[2], 1e-5); }},
      {"linear", {{3, 8}, {5, 8}, {5}}, [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2]); }},
      {"matmul", {{2, 3, 8}, {8, 4}}, [](const std::vector<Tensor>& t) { return ops::matmul(t[0], t[1]); }},
      {"apply_rotary", {{2, 2, 3, 6}},
       [cos, sin](const std::vector<Tensor>& t) { return ops::apply_rotary(t[0], cos, sin); }},
      {"attention", {{2, 4, 3, 8}, {2, 2, 3, 8}, {2, 2, 3, 8}},
       [causal](const std::vector<Tensor>& t) { return ops::scaled_dot_product_attention(t[0], t[1], t[2], causal); }},
      {"cross_entropy_sum", {{4, 9}},
       [](const std::vector<Tensor>& t) {
         return ops::cross_entropy_sum(t[0], Tensor::from_vector(std::vector<int64_t>{1, -100, 8, 0}, {4}));
       }},
      {"linear_cross_entropy_sum", {{4, 8}, {9, 8}},
       [](const std::vector<Tensor>& t) {
         return ops::linear_cross_entropy_sum(t[0], t[1], Tensor::from_vector(std::vector<int64_t>{1, -100, 8, 0}, {4}),
                                              -100, 5.0);
       }},
      {"index_add0", {{4, 8}, {3, 8}},
       [](const std::vector<Tensor>& t) { return ops::index_add0(t[0], {1, 3, 1}, t[1]); }},
  };
  uint64_t seed = 2200;
  for (const Case& cs : cases) {
    SCOPED_TRACE(cs.name);
    std::vector<Tensor> low, full;
    for (const Shape& s : cs.shapes) {
      low.push_back(random_tensor(s, seed++, DType::BF16));
      full.push_back(low.back().to(DType::F32));
      autograd::set_requires_grad(low.back());
      autograd::set_requires_grad(full.back());
    }
    const Tensor yl = cs.op(low), yf = cs.op(full);
    ASSERT_EQ(yl.shape(), yf.shape());
    const Vec r = random_values(size_t(yf.numel()), seed++);
    const std::vector<float> rf(r.begin(), r.end());
    autograd::backward(yl, Tensor::from_vector(rf, yl.shape()));
    autograd::backward(yf, Tensor::from_vector(rf, yf.shape()));
    for (size_t i = 0; i < low.size(); ++i) {
      const Tensor gl = autograd::grad(low[i]), gf = autograd::grad(full[i]);
      ASSERT_TRUE(gl.defined()) << "input " << i;
      EXPECT_EQ(gl.dtype(), DType::F32) << "input " << i;
      ASSERT_EQ(gl.shape(), low[i].shape()) << "input " << i;
      const Vec a = gl.to_vector<double>(), b = gf.to_vector<double>();
      const double tol = 0.03 * max_abs(b) + 1e-6;
      double worst = 0;
      for (size_t j = 0; j < a.size(); ++j) worst = std::max(worst, std::fabs(a[j] - b[j]));
      EXPECT_LE(worst, tol) << "input " << i << ": bf16 and f32 gradients differ by " << worst << " (max |grad| "
                            << max_abs(b) << ")";
    }
  }
}

TEST(OpsGrad, LossesWithEveryRowIgnored) {
  const Tensor labels = Tensor::from_vector(std::vector<int64_t>{-100, -100, -100}, {3});
  Tensor z = random_tensor({3, 5}, 2300), h = random_tensor({3, 4}, 2301), w = random_tensor({5, 4}, 2302);
  for (const Tensor& t : {z, h, w}) autograd::set_requires_grad(t);
  const Tensor a = ops::cross_entropy_sum(z, labels);
  const Tensor b = ops::linear_cross_entropy_sum(h, w, labels, -100, 2.0);
  EXPECT_EQ(a.item(), 0.0);
  EXPECT_EQ(b.item(), 0.0);
  autograd::backward(ops::add(a, b));
  for (const Tensor& t : {z, h, w}) {
    const Tensor g = autograd::grad(t);
    ASSERT_TRUE(g.defined());
    ASSERT_EQ(g.shape(), t.shape());
    for (float v : g.to_vector<float>()) EXPECT_EQ(v, 0.0f);
  }
}

}  // namespace
