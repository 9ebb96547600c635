// The SFT loop (see include/automodel/recipes/sft_trainer.h for the contract).
#include "automodel/recipes/sft_trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <cstring>
#include <sstream>

#include "automodel/core/autograd.h"
#include "automodel/core/ops.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/lora.h"
#include "automodel/models/training.h"
#include "automodel/train/lr_schedule.h"
#include "automodel/train/optimizer.h"

namespace automodel::recipes {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTrainerStateFile = "trainer_state.json";
constexpr const char* kCheckpointPrefix = "checkpoint-";
constexpr const char* kTempPrefix = ".incomplete-checkpoint-";

using Clock = std::chrono::steady_clock;

std::string torch_dtype_option(TorchDtype t) {
  switch (t) {
    case TorchDtype::float32: return "float32";
    case TorchDtype::bfloat16: return "bfloat16";
    case TorchDtype::from_checkpoint: return "auto";
  }
  return "float32";
}

nn::LoraConfig lora_config(const SftRecipe& r) {
  nn::LoraConfig c;
  c.r = r.lora.r;
  c.alpha = r.lora.alpha;
  c.dropout = r.lora.dropout;
  c.target_modules = r.lora.target_modules;
  c.use_rslora = r.lora.use_rslora;
  c.seed = uint64_t(r.training.seed);
  return c;
}

// HF Trainer's get_decay_parameter_names: biases and normalisation weights get no decay.
std::vector<std::string> no_decay_names(const train::NamedParameters& params) {
  std::vector<std::string> out;
  for (const auto& [name, t] : params) {
    const bool bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    const bool norm = name.find("norm") != std::string::npos || name.find("ln_") != std::string::npos ||
                      name.find("LayerNorm") != std::string::npos;
    if (bias || norm) out.push_back(name);
  }
  return out;
}

std::unique_ptr<train::Optimizer> make_optimizer(const SftRecipe& r, const train::NamedParameters& params) {
  if (r.optim.name == OptimizerName::sgd) {
    train::SGDOptions o;
    o.lr = r.optim.lr;
    o.momentum = r.optim.momentum;
    o.weight_decay = r.optim.weight_decay;
    o.no_decay = no_decay_names(params);
    return std::make_unique<train::SGD>(params, o);
  }
  train::AdamWOptions o;
  o.lr = r.optim.lr;
  o.beta1 = r.optim.betas[0];
  o.beta2 = r.optim.betas[1];
  o.eps = r.optim.eps;
  o.weight_decay = r.optim.weight_decay;
  o.no_decay = no_decay_names(params);
  return std::make_unique<train::AdamW>(params, o);
}

std::optional<int64_t> checkpoint_step(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.rfind(kCheckpointPrefix, 0) != 0) return std::nullopt;
  const std::string digits = name.substr(std::strlen(kCheckpointPrefix));
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
  return std::stoll(digits);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = int64_t(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

// Keeps training.jsonl's records up to `step` (what a resumed run continues after).
void truncate_log(const fs::path& file, int64_t step) {
  std::ifstream in(file);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      const json j = json::parse(line);
      if (j.value("step", int64_t(0)) <= step) kept += line + "\n";
    } catch (const std::exception&) {
      break;  // a torn last line of a killed run
    }
  }
  in.close();
  write_file_atomic(file, kept);
}

class Trainer {
 public:
  Trainer(const SftRecipe& recipe, const SftRunOptions& options) : r_(recipe), o_(options) {}

  SftResult run() {
    validate_recipe(r_);
    out_ = r_.training.output_dir;
    fs::create_directories(out_);
    remove_incomplete_checkpoints();
    std::optional<fs::path> resume_from;
    if (o_.resume) {
      resume_from = latest_checkpoint(out_);
      if (!resume_from) std::cerr << "finetune: --resume: no complete checkpoint in " << out_ << ", starting fresh\n";
    }
    load_model_and_tokenizer(resume_from);
    load_data();
    setup_optimizer();
    if (resume_from) restore(*resume_from);
    else write_file_atomic(out_ / "training.jsonl", "");
    save_recipe(r_, out_ / kRecipeFileName);
    return train_loop();
  }

 private:
  void remove_incomplete_checkpoints() {
    for (const auto& e : fs::directory_iterator(out_))
      if (e.path().filename().string().rfind(kTempPrefix, 0) == 0) fs::remove_all(e.path());
  }

  void load_model_and_tokenizer(const std::optional<fs::path>& resume_from) {
    const std::string base = r_.model.name_or_path;
    tokenizer_ = std::make_unique<AutoTokenizer>(AutoTokenizer::from_pretrained(base));
    FromPretrainedOptions fo;
    fo.torch_dtype = torch_dtype_option(r_.model.torch_dtype);
    if (r_.lora.enabled) fo.lora = lora_config(r_);
    // Full fine-tuning resumes from the checkpoint's weights; LoRA from the base plus the
    // checkpoint's adapter (restored below).
    const std::string weights = resume_from && !r_.lora.enabled ? (*resume_from / "model").string() : base;
    model_ = AutoModelForCausalLM::from_pretrained(weights, fo);
    if (r_.lora.enabled) {
      AM_CHECK(model_->lora(), "finetune: LoRA is enabled but no linear module of ", base, " matches target_modules");
      model_->lora()->set_base_model_name_or_path(base);
      params_ = model_->lora()->parameters();
      make_trainable(params_, DType::F32);
      model_->lora()->set_training(true);
    } else {
      params_ = model_->named_parameters();
      // float32 training of a bf16/f16 checkpoint gets float32 parameters (HF's torch_dtype);
      // bf16 training keeps bf16 parameters with float32 master weights in the optimizer.
      std::optional<DType> dtype;
      if (r_.model.torch_dtype == TorchDtype::float32) dtype = DType::F32;
      make_trainable(params_, dtype);
    }
  }

  void load_data() {
    const SftDataOptions d = data_options(r_.data);
    train_ = std::make_unique<SftDataset>(SftDataset::from_jsonl(r_.data.train_file, *tokenizer_, d));
    AM_CHECK(train_->size() > 0, "finetune: ", r_.data.train_file, " gave no training rows");
    if (r_.data.validation_file) val_ = std::make_unique<SftDataset>(SftDataset::from_jsonl(*r_.data.validation_file, *tokenizer_, d));
    pad_ = sft_pad_token_id(*tokenizer_);
    it_ = std::make_unique<SftBatchIterator>(*train_, r_.training.per_device_batch_size, pad_,
                                             uint64_t(r_.data.shuffle_seed));
    total_steps_ = total_optimizer_steps(r_, it_->batches_per_epoch());
  }

  void setup_optimizer() {
    opt_ = make_optimizer(r_, params_);
    train::LrScheduleOptions so;
    so.type = r_.scheduler.name;
    so.num_training_steps = total_steps_;
    so.num_warmup_steps = train::warmup_steps_for(total_steps_, r_.scheduler.warmup_steps, r_.scheduler.warmup_ratio);
    sched_ = std::make_unique<train::LrScheduler>(*opt_, so);
  }

  void restore(const fs::path& ckpt) {
    const json st = read_json_file(ckpt / kTrainerStateFile);
    step_ = st.at("step").get<int64_t>();
    start_step_ = step_;
    AM_CHECK(st.at("dataset_fingerprint").get<std::string>() == train_->fingerprint(), "finetune: --resume: ",
             r_.data.train_file, " is not the data ", ckpt, " was trained on (fingerprint differs)");
    if (r_.lora.enabled) {
      load_adapter_weights(*model_, ckpt / "adapter");
      model_->lora()->set_dropout_rng_state(st.at("lora_dropout_rng").get<std::string>());
    }
    opt_->load_state(ckpt);
    sched_->load_state(ckpt);
    it_->load_state(st.at("data_position"), (ckpt / kTrainerStateFile).string());
    tokens_seen_ = st.value("tokens_seen", int64_t(0));
    truncate_log(out_ / "training.jsonl", step_);
    std::cerr << "finetune: resumed from " << ckpt << " (step " << step_ << " of " << total_steps_ << ")\n";
  }

  void append_record(const json& rec) {
    std::ofstream f(out_ / "training.jsonl", std::ios::app);
    f << rec.dump() << "\n";
    f.flush();
    AM_CHECK(f.good(), "finetune: cannot append to ", out_ / "training.jsonl");
    if (o_.on_record) o_.on_record(rec);
  }

  double evaluate() {
    NoGradGuard no_grad;
    const bool lora_training = model_->lora() && model_->lora()->training();
    if (lora_training) model_->lora()->set_training(false);
    SftBatchIterator vit(*val_, r_.training.per_device_batch_size, pad_, std::nullopt);
    double sum = 0;
    int64_t count = 0;
    for (int64_t b = 0; b < vit.batches_per_epoch(); ++b) {
      const SftBatch batch = vit.next();
      if (batch.num_label_tokens == 0) continue;
      sum += model_->loss_sum(batch.input_ids, batch.attention_mask, batch.labels).item();
      count += batch.num_label_tokens;
    }
    if (lora_training) model_->lora()->set_training(true);
    return count ? sum / double(count) : 0.0;
  }

  void save_weights(const fs::path& dir) {
    if (r_.lora.enabled) save_adapter(*model_, dir);
    else model_->save_pretrained(dir);
  }

  void save_checkpoint() {
    const fs::path tmp = out_ / (kTempPrefix + std::to_string(step_) + "-" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    save_weights(tmp / (r_.lora.enabled ? "adapter" : "model"));
    if (o_.exit_during_save_at_step && *o_.exit_during_save_at_step == step_) std::_Exit(137);
    opt_->save_state(tmp);
    sched_->save_state(tmp);
    save_recipe(r_, tmp / kRecipeFileName);
    json st = json::object();
    st["step"] = step_;
    st["epoch"] = epoch_float();
    st["total_steps"] = total_steps_;
    st["tokens_seen"] = tokens_seen_;
    st["data_position"] = it_->state();
    st["dataset_fingerprint"] = train_->fingerprint();
    if (r_.lora.enabled) st["lora_dropout_rng"] = model_->lora()->dropout_rng_state();
    write_file_atomic(tmp / kTrainerStateFile, st.dump(2) + "\n");  // written last
    const fs::path dst = out_ / (kCheckpointPrefix + std::to_string(step_));
    fs::remove_all(dst);
    fs::rename(tmp, dst);  // the checkpoint appears complete or not at all
    prune_checkpoints();
  }

  void prune_checkpoints() {
    if (!r_.training.max_checkpoints_to_keep) return;
    std::vector<std::pair<int64_t, fs::path>> all;
    for (const auto& e : fs::directory_iterator(out_))
      if (auto s = checkpoint_step(e.path()); s && e.is_directory()) all.emplace_back(*s, e.path());
    std::sort(all.begin(), all.end());
    const int64_t keep = std::max<int64_t>(*r_.training.max_checkpoints_to_keep, 1);
    for (int64_t i = 0; i + keep < int64_t(all.size()); ++i) fs::remove_all(all[size_t(i)].second);
  }

  double epoch_float() const {
    return double(it_->epoch()) + double(it_->batch_in_epoch()) / double(std::max<int64_t>(it_->batches_per_epoch(), 1));
  }

  void progress(double loss, double elapsed, int64_t done_this_run) {
    if (!o_.progress || !::isatty(STDERR_FILENO)) return;
    const double per_step = done_this_run ? elapsed / double(done_this_run) : 0;
    const double tps = elapsed > 0 ? double(tokens_this_run_) / elapsed : 0;
    const int width = 24;
    const int filled = int(double(width) * double(step_) / double(std::max<int64_t>(total_steps_, 1)));
    std::fprintf(stderr, "\r[%s%s] step %lld/%lld | loss %.4f | lr %.2e | %.0f tok/s | ETA %s   ",
                 std::string(size_t(filled), '#').c_str(), std::string(size_t(width - filled), '.').c_str(),
                 (long long)step_, (long long)total_steps_, loss, sched_->last_lr(), tps,
                 format_duration(per_step * double(total_steps_ - step_)).c_str());
    std::fflush(stderr);
  }

  SftResult train_loop() {
    SftResult res;
    res.start_step = start_step_;
    const auto t0 = Clock::now();
    int64_t done_this_run = 0;
    double last_loss = 0;
    std::optional<double> eval_loss;
    while (step_ < total_steps_) {
      std::vector<SftBatch> micro;
      int64_t label_tokens = 0;
      for (int64_t m = 0; m < r_.training.gradient_accumulation_steps; ++m) {
        micro.push_back(it_->next());
        label_tokens += micro.back().num_label_tokens;
      }
      double loss_value = 0;
      if (label_tokens > 0) {
        for (const SftBatch& b : micro) {
          tokens_this_run_ += b.num_tokens;
          tokens_seen_ += b.num_tokens;
          if (b.num_label_tokens == 0) continue;
          Tensor loss = ops::mul_scalar(model_->loss_sum(b.input_ids, b.attention_mask, b.labels),
                                        1.0 / double(label_tokens));
          loss_value += loss.item();
          autograd::backward(loss);
        }
      }
      double grad_norm = 0;
      if (r_.optim.max_grad_norm > 0) grad_norm = train::clip_grad_norm(params_, r_.optim.max_grad_norm);
      const double lr = opt_->lr();
      opt_->step();
      sched_->step();
      opt_->zero_grad();
      ++step_;
      ++done_this_run;
      last_loss = loss_value;
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      if (r_.training.log_every > 0 && (step_ % r_.training.log_every == 0 || step_ == total_steps_)) {
        json rec = json::object();
        rec["step"] = step_;
        rec["epoch"] = epoch_float();
        rec["loss"] = loss_value;
        rec["grad_norm"] = grad_norm;
        rec["learning_rate"] = lr;
        rec["tokens_per_second"] = elapsed > 0 ? double(tokens_this_run_) / elapsed : 0.0;
        rec["tokens_seen"] = tokens_seen_;
        rec["elapsed_seconds"] = elapsed;
        append_record(rec);
      }
      if (val_ && r_.training.eval_every > 0 && (step_ % r_.training.eval_every == 0 || step_ == total_steps_)) {
        eval_loss = evaluate();
        json rec = json::object();
        rec["step"] = step_;
        rec["epoch"] = epoch_float();
        rec["eval_loss"] = *eval_loss;
        append_record(rec);
      }
      if (r_.training.save_every > 0 && step_ % r_.training.save_every == 0 && step_ < total_steps_) save_checkpoint();
      progress(loss_value, elapsed, done_this_run);
      if (o_.stop_after_steps && done_this_run >= *o_.stop_after_steps) {
        if (o_.progress && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
        res.steps = step_;
        res.last_loss = last_loss;
        res.eval_loss = eval_loss;
        return res;
      }
    }
    if (o_.progress && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    res.steps = step_;
    res.last_loss = last_loss;
    res.eval_loss = eval_loss;
    res.tokens_per_second = elapsed > 0 ? double(tokens_this_run_) / elapsed : 0.0;
    res.final_dir = out_ / "final";
    if (model_->lora()) model_->lora()->set_training(false);
    save_weights(res.final_dir);
    tokenizer_->save_pretrained(res.final_dir);
    return res;
  }

  SftRecipe r_;
  SftRunOptions o_;
  fs::path out_;
  std::unique_ptr<AutoTokenizer> tokenizer_;
  std::unique_ptr<CausalLM> model_;
  train::NamedParameters params_;
  std::unique_ptr<SftDataset> train_, val_;
  std::unique_ptr<SftBatchIterator> it_;
  std::unique_ptr<train::Optimizer> opt_;
  std::unique_ptr<train::LrScheduler> sched_;
  int32_t pad_ = 0;
  int64_t total_steps_ = 0, step_ = 0, start_step_ = 0, tokens_seen_ = 0, tokens_this_run_ = 0;
};

}  // namespace

std::optional<fs::path> latest_checkpoint(const fs::path& output_dir) {
  std::optional<std::pair<int64_t, fs::path>> best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(output_dir, ec)) {
    const auto s = checkpoint_step(e.path());
    if (!s || !e.is_directory() || !fs::exists(e.path() / kTrainerStateFile)) continue;
    if (!best || *s > best->first) best = std::make_pair(*s, e.path());
  }
  if (!best) return std::nullopt;
  return best->second;
}

SftResult run_sft(const SftRecipe& recipe, const SftRunOptions& options) { return Trainer(recipe, options).run(); }

}  // namespace automodel::recipes
