// `train_step` cases: load the model in float32 (owned, trainable parameters), compute HF's
// loss on the case's labels (causal LM: labels shifted inside the loss, mean over the counted
// tokens; seq-cls: mean cross-entropy over the batch), backpropagate, compare the loss, every
// parameter's gradient norm and their total with the goldens, then take the case's AdamW
// steps (zeroing gradients before each) and compare each step's loss, the final loss and every
// parameter norm, all under the README's tolerance table (key-bias parameters get the
// 2·lr·steps absolute tolerance on their norms).
#include <cmath>
#include <cstring>
#include <set>

#include "automodel/core/ops.h"
#include "automodel/models/training.h"
#include "automodel/train/optimizer.h"
#include "parity_support.h"

namespace automodel::parity {

namespace {

double l2_norm(const Tensor& t) {
  double s = 0;
  for (float v : t.to_vector<float>()) s += double(v) * v;
  return std::sqrt(s);
}

bool close(double a, double b, double atol, double rtol) { return std::fabs(a - b) <= atol + rtol * std::fabs(b); }

bool is_key_bias(const std::string& name) {
  for (const char* suffix : {"key.bias", "k_lin.bias", "k_proj.bias", "c_attn.bias", "query_key_value.bias",
                             "qkv_proj.bias"})
    if (name.size() >= std::strlen(suffix) && name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

CaseResult run_train_step_case(ModelFixture& fx, const json& c) {
  const std::string where = fx.name + " case " + c.value("name", std::string("?"));
  const json& opt = req(c, "optimizer", where);
  require_known_keys(opt, {"type", "lr", "betas", "eps", "weight_decay", "amsgrad", "steps"}, where + " optimizer");
  AM_CHECK(req(opt, "type", where).get<std::string>() == "torch.optim.AdamW", where, ": unsupported optimizer ",
           opt["type"].dump());
  if (c.contains("observed"))
    require_known_keys(c["observed"],
                       {"threads2_loss_before_diff", "threads2_loss_after_diff", "threads2_grad_norm_max_reldiff"},
                       where + " observed");
  const std::string input_name = req(c, "input", where).get<std::string>();
  const json& input = req(req(fx.expected, "inputs", fx.name), input_name, fx.name + " inputs");
  const Tensor ids = int_matrix(req(input, "input_ids", where), where + " input_ids");
  const Tensor mask = int_matrix(req(input, "attention_mask", where), where + " attention_mask");
  const json& labels_json = req(c, "labels_value", where);

  // A fresh float32 model (the cached ones are for inference and must not be trained).
  NamedTensors params;
  std::function<Tensor()> loss_fn;
  std::shared_ptr<CausalLM> lm;
  std::shared_ptr<SequenceClassificationModel> cls;
  if (fx.kind == "seq_cls") {
    FromPretrainedOptions o;
    o.torch_dtype = "float32";
    o.local_files_only = true;
    cls = AutoModelForSequenceClassification::from_pretrained(fx.model_dir.string(), o);
    params = cls->named_parameters();
    const Tensor labels = Tensor::from_vector(labels_json.get<std::vector<int64_t>>(), {int64_t(labels_json.size())});
    AM_CHECK(!cls->problem_type() || *cls->problem_type() == ProblemType::kSingleLabelClassification, where,
             ": only single-label classification goldens are understood");
    loss_fn = [cls, ids, mask, labels] {
      Tensor logits = cls->forward(ids, mask);
      return ops::mul_scalar(ops::cross_entropy_sum(logits, labels), 1.0 / double(labels.numel()));
    };
  } else {
    FromPretrainedOptions o;
    o.torch_dtype = "float32";
    o.local_files_only = true;
    lm = AutoModelForCausalLM::from_pretrained(fx.model_dir.string(), o);
    params = lm->named_parameters();
    const Tensor labels = int_matrix(labels_json, where + " labels_value");
    const int64_t count = count_loss_tokens(labels);
    loss_fn = [lm, ids, mask, labels, count] {
      return ops::mul_scalar(lm->loss_sum(ids, mask, labels), 1.0 / double(count));
    };
  }
  make_trainable(params, DType::F32);

  std::vector<std::string> problems;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok && problems.size() < 8) problems.push_back(what);
  };
  train::AdamWOptions ao;
  ao.lr = req(opt, "lr", where).get<double>();
  ao.beta1 = opt["betas"][0].get<double>();
  ao.beta2 = opt["betas"][1].get<double>();
  ao.eps = req(opt, "eps", where).get<double>();
  ao.weight_decay = req(opt, "weight_decay", where).get<double>();
  ao.amsgrad = req(opt, "amsgrad", where).get<bool>();
  const int64_t steps = req(opt, "steps", where).get<int64_t>();
  train::AdamW adamw(params, ao);

  const std::vector<double> losses_golden = req(c, "losses_per_step", where).get<std::vector<double>>();
  AM_CHECK(int64_t(losses_golden.size()) == steps, where, ": losses_per_step has ", losses_golden.size(),
           " entries for ", steps, " steps");
  const json& gnorms = req(c, "grad_norms_before_first_step", where);
  double loss_before = 0, total_sq = 0;
  for (int64_t s = 0; s < steps; ++s) {
    adamw.zero_grad();
    Tensor loss = loss_fn();
    const double lv = loss.item();
    if (s == 0) loss_before = lv;
    check(close(lv, losses_golden[size_t(s)], 0, s == 0 ? 1e-5 : 1e-4),
          str_cat("loss at step ", s, " ", lv, " vs ", losses_golden[size_t(s)]));
    autograd::backward(loss);
    if (s == 0) {
      const double total_golden = req(c, "grad_norm_total", where).get<double>();
      std::set<std::string> seen;
      for (const auto& [name, p] : params) {
        const Tensor g = autograd::grad(p);
        const double n = g.defined() ? l2_norm(g) : 0.0;
        total_sq += n * n;
        if (!gnorms.contains(name)) {
          check(false, str_cat("parameter ", name, " has no golden gradient norm"));
          continue;
        }
        seen.insert(name);
        const double gold = gnorms[name].get<double>();
        check(close(n, gold, 1e-6 * total_golden, 1e-4), str_cat("grad norm of ", name, " ", n, " vs ", gold));
      }
      for (const auto& [name, v] : gnorms.items())
        check(seen.count(name) != 0, str_cat("golden gradient norm for ", name, ", a parameter the model lacks"));
      check(close(std::sqrt(total_sq), total_golden, 1e-6 * total_golden, 1e-4),
            str_cat("grad_norm_total ", std::sqrt(total_sq), " vs ", total_golden));
      check(req(c, "params_without_grad", where).empty(), "golden lists parameters without grad");
    }
    adamw.step();
  }
  check(close(loss_before, req(c, "loss_before", where).get<double>(), 0, 1e-5), "loss_before");
  double loss_after;
  {
    NoGradGuard no_grad;
    loss_after = loss_fn().item();
  }
  const double after_golden = req(c, "loss_after", where).get<double>();
  check(close(loss_after, after_golden, 0, 1e-4), str_cat("loss_after ", loss_after, " vs ", after_golden));
  const json& pnorms = req(c, "param_norms_after", where);
  for (const auto& [name, p] : params) {
    if (!pnorms.contains(name)) {
      check(false, str_cat("parameter ", name, " has no golden norm after the step"));
      continue;
    }
    const double gold = pnorms[name].get<double>();
    const double atol = is_key_bias(name) ? 2 * ao.lr * double(steps) : 0.0;
    check(close(l2_norm(p), gold, atol, 1e-5), str_cat("param norm after of ", name, " ", l2_norm(p), " vs ", gold));
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    return {CaseResult::Status::kFailed, msg};
  }
  return {CaseResult::Status::kPassed,
          str_cat("loss ", loss_before, " -> ", loss_after, ", ", params.size(), " grad norms, total ",
                  std::sqrt(total_sq))};
}

}  // namespace

AM_REGISTER_CASE_KIND("train_step", run_train_step_case);

}  // namespace automodel::parity
