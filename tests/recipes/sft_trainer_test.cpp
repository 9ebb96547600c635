// The SFT loop end to end on a tiny model written by the test (the demo's byte-level tokenizer
// and a random Llama): training lowers the loss, checkpoints are complete or absent, a stopped
// and resumed run ends with the same weights bit for bit as an uninterrupted one (full
// fine-tuning and LoRA with dropout), a process killed in the middle of a checkpoint save
// leaves nothing that resume would pick, and gradient accumulation equals one large batch.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "automodel/hub/safetensors.h"
#include "automodel/models/auto_model.h"
#include "automodel/recipes/demo.h"
#include "automodel/recipes/sft_trainer.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel;
using namespace automodel::recipes;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("automodel-sft-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

// A tiny Llama with the demo's tokenizer and a reversal dataset of 48 examples.
fs::path make_base(const fs::path& root) {
  const fs::path base = root / "base";
  InitSizes s;
  s.hidden_size = 32;
  s.num_layers = 2;
  s.num_heads = 4;
  s.num_kv_heads = 2;
  s.intermediate_size = 64;
  s.max_position_embeddings = 64;
  write_random_causal_lm(demo_llama_config(s), base, 7, DType::F32);
  write_byte_level_tokenizer(base);
  const ReversalTask task = make_reversal_task(48, 4, 11);
  std::ofstream f(root / "train.jsonl");
  for (const json& r : task.train) f << r.dump() << "\n";
  std::ofstream v(root / "val.jsonl");
  for (size_t i = 0; i < 8; ++i) v << task.train[i].dump() << "\n";
  return base;
}

SftRecipe recipe_for(const fs::path& root, const std::string& out) {
  SftRecipe r;
  r.model.name_or_path = (root / "base").string();
  r.data.train_file = (root / "train.jsonl").string();
  r.data.validation_file = (root / "val.jsonl").string();
  r.data.max_length = 32;
  r.training.output_dir = (root / out).string();
  r.training.max_steps = 6;
  r.training.per_device_batch_size = 8;
  r.training.save_every = 2;
  r.training.log_every = 1;
  r.training.eval_every = 3;
  r.optim.lr = 3e-3;
  r.scheduler.name = "cosine";
  r.scheduler.warmup_steps = 1;
  return r;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<json> records(const fs::path& out) {
  std::vector<json> v;
  std::ifstream f(out / "training.jsonl");
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) v.push_back(json::parse(line));
  return v;
}

SftRunOptions quiet() {
  SftRunOptions o;
  o.progress = false;
  return o;
}

TEST(SftTrainer, TrainsLogsAndSavesAnHfFolder) {
  TempDir t;
  make_base(t.path);
  SftRecipe r = recipe_for(t.path, "out");
  r.training.max_steps = 12;
  const SftResult res = run_sft(r, quiet());
  EXPECT_EQ(res.steps, 12);
  const std::vector<json> log = records(t.path / "out");
  ASSERT_FALSE(log.empty());
  const double first = log.front().at("loss").get<double>();
  EXPECT_LT(res.last_loss, first) << "the loss must go down on a task the model can fit";
  bool saw_eval = false;
  for (const json& j : log) saw_eval |= j.contains("eval_loss");
  EXPECT_TRUE(saw_eval);
  for (const char* f : {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
                        "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(res.final_dir / f)) << f;
  FromPretrainedOptions fo;
  fo.local_files_only = true;
  auto reloaded = AutoModelForCausalLM::from_pretrained(res.final_dir.string(), fo);
  EXPECT_EQ(reloaded->architecture(), "LlamaForCausalLM");
  // Checkpoints every 2 steps, each complete.
  for (int s : {2, 4, 6, 8, 10}) {
    const fs::path c = t.path / "out" / ("checkpoint-" + std::to_string(s));
    EXPECT_TRUE(fs::exists(c / "trainer_state.json")) << c;
    EXPECT_TRUE(fs::exists(c / "model" / "model.safetensors")) << c;
    EXPECT_TRUE(fs::exists(c / "optimizer.safetensors")) << c;
  }
  EXPECT_EQ(latest_checkpoint(t.path / "out")->filename(), "checkpoint-10");
}

TEST(SftTrainer, StoppedAndResumedRunEndsBitIdentical) {
  TempDir t;
  make_base(t.path);
  const SftResult full = run_sft(recipe_for(t.path, "a"), quiet());
  SftRunOptions stop = quiet();
  stop.stop_after_steps = 3;  // killed after step 3: checkpoint-2 is the newest
  const SftRecipe rb = recipe_for(t.path, "b");
  const SftResult partial = run_sft(rb, stop);
  EXPECT_EQ(partial.steps, 3);
  EXPECT_TRUE(partial.final_dir.empty());
  SftRunOptions resume = quiet();
  resume.resume = true;
  const SftResult resumed = run_sft(rb, resume);
  EXPECT_EQ(resumed.start_step, 2);
  EXPECT_EQ(resumed.steps, 6);
  EXPECT_EQ(file_bytes(full.final_dir / "model.safetensors"), file_bytes(resumed.final_dir / "model.safetensors"));
  EXPECT_EQ(full.last_loss, resumed.last_loss);
  // The log of the resumed run continues the interrupted one: one record per step.
  const std::vector<json> log = records(t.path / "b");
  int64_t train_records = 0;
  for (const json& j : log) train_records += j.contains("loss");
  EXPECT_EQ(train_records, 6);
}

TEST(SftTrainer, LoraWithDropoutResumesBitIdenticalAndSavesAPeftAdapter) {
  TempDir t;
  make_base(t.path);
  auto lora = [&](const std::string& out) {
    SftRecipe r = recipe_for(t.path, out);
    r.lora.enabled = true;
    r.lora.r = 4;
    r.lora.alpha = 8;
    r.lora.dropout = 0.1;
    r.optim.lr = 1e-2;
    return r;
  };
  const SftResult full = run_sft(lora("a"), quiet());
  for (const char* f : {"adapter_config.json", "adapter_model.safetensors"})
    EXPECT_TRUE(fs::exists(full.final_dir / f)) << f;
  const json cfg = read_json_file(full.final_dir / "adapter_config.json");
  EXPECT_EQ(cfg.at("peft_type"), "LORA");
  EXPECT_EQ(cfg.at("r"), 4);
  SftRunOptions stop = quiet();
  stop.stop_after_steps = 5;
  run_sft(lora("b"), stop);
  SftRunOptions resume = quiet();
  resume.resume = true;
  const SftResult resumed = run_sft(lora("b"), resume);
  EXPECT_EQ(resumed.start_step, 4);
  EXPECT_EQ(file_bytes(full.final_dir / "adapter_model.safetensors"),
            file_bytes(resumed.final_dir / "adapter_model.safetensors"));
  // The base model was not touched.
  EXPECT_FALSE(fs::exists(full.final_dir / "model.safetensors"));
}

TEST(SftTrainer, KilledDuringCheckpointSaveLeavesNothingToResumeFrom) {
  TempDir t;
  make_base(t.path);
  const SftResult full = run_sft(recipe_for(t.path, "a"), quiet());
  const SftRecipe rb = recipe_for(t.path, "b");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(120);  // a hang becomes SIGALRM (a test failure), not a stuck suite
    SftRunOptions die = quiet();
    die.exit_during_save_at_step = 4;  // _Exit(137) after the model files of checkpoint-4
    try {
      run_sft(rb, die);
    } catch (...) {
    }
    std::_Exit(0);  // not reached when the hook fires
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 137);
  const fs::path out = t.path / "b";
  EXPECT_TRUE(fs::exists(out / "checkpoint-2"));
  EXPECT_FALSE(fs::exists(out / "checkpoint-4"));
  EXPECT_EQ(latest_checkpoint(out)->filename(), "checkpoint-2");
  SftRunOptions resume = quiet();
  resume.resume = true;
  const SftResult resumed = run_sft(rb, resume);
  EXPECT_EQ(resumed.start_step, 2);
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_NE(e.path().filename().string().rfind(".incomplete", 0), 0u) << "left over: " << e.path();
  EXPECT_EQ(file_bytes(full.final_dir / "model.safetensors"), file_bytes(resumed.final_dir / "model.safetensors"));
}

TEST(SftTrainer, GradientAccumulationEqualsOneLargeBatch) {
  TempDir t;
  make_base(t.path);
  SftRecipe one = recipe_for(t.path, "one");
  one.training.max_steps = 2;
  one.training.per_device_batch_size = 8;
  one.data.validation_file.reset();
  one.training.eval_every = 0;
  one.optim.max_grad_norm = 0;
  SftRecipe acc = one;
  acc.training.output_dir = (t.path / "acc").string();
  acc.training.per_device_batch_size = 4;
  acc.training.gradient_accumulation_steps = 2;
  // Same data order: the batch of 8 is the two micro-batches of 4 (same shuffle of rows).
  const SftResult a = run_sft(one, quiet());
  const SftResult b = run_sft(acc, quiet());
  // Padding differs between a batch of 8 and two of 4, so equality is up to rounding.
  EXPECT_NEAR(a.last_loss, b.last_loss, 1e-4 * std::abs(a.last_loss));
}

}  // namespace
