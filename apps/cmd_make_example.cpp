// automodel make-example <dir>: writes a tiny random Llama-shaped checkpoint (config.json,
// generation_config.json, model.safetensors with LlamaForCausalLM's tensor names) through the
// project's own config and safetensors writers, so `automodel info` has something to read on a
// machine without any downloaded model.
#include <filesystem>
#include <iostream>
#include <random>

#include "automodel/core/error.h"
#include "automodel/hub/config.h"
#include "automodel/hub/generation_config_file.h"
#include "automodel/hub/safetensors.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

struct ExampleOptions {
  std::string dir;
  uint32_t seed = 0;
  std::string dtype = "float32";
  std::string max_shard_size = "5GB";
  bool force = false;
};

json example_config(const std::string& dtype) {
  // What LlamaConfig(...).to_dict() writes for these sizes (transformers 4.47 key set).
  json config = json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
    "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 128, "max_position_embeddings": 256,
    "mlp_bias": false, "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2,
    "num_key_value_heads": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
    "rope_theta": 10000.0, "tie_word_embeddings": false, "transformers_version": "4.47.1",
    "use_cache": true, "vocab_size": 512})");
  config["torch_dtype"] = dtype;
  return config;
}

void make_example(const ExampleOptions& o) {
  const fs::path dir = o.dir;
  std::error_code ec;
  AM_CHECK(o.force || !fs::exists(dir / "config.json", ec), (dir / "config.json").string(),
           " already exists; pass --force to overwrite");
  const auto dtype = dtype_from_string(o.dtype);
  AM_CHECK(dtype && (*dtype == DType::F32 || *dtype == DType::BF16 || *dtype == DType::F16), "--dtype '", o.dtype,
           "': expected float32, bfloat16 or float16");
  fs::create_directories(dir, ec);
  AM_CHECK(!ec, dir.string(), ": cannot create folder: ", ec.message());

  const ModelConfig cfg = ModelConfig::from_json(example_config(std::string(dtype_name(*dtype))), "example config");
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal(0.0f, float(cfg.raw["initializer_range"].get<double>()));
  auto random = [&](Shape shape) {
    Tensor t = Tensor::empty(shape);
    float* p = t.mutable_data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = normal(rng);
    return t.to(*dtype);
  };
  auto ones = [&](int64_t n) { return Tensor::full({n}, 1.0).to(*dtype); };

  const int64_t h = cfg.hidden_size, kv = cfg.num_key_value_heads * cfg.head_dim, q = cfg.num_attention_heads * cfg.head_dim;
  const int64_t ff = cfg.intermediate_size, v = cfg.vocab_size;
  NamedTensors tensors;  // LlamaForCausalLM state-dict order
  tensors.emplace_back("model.embed_tokens.weight", random({v, h}));
  for (int64_t l = 0; l < cfg.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    tensors.emplace_back(p + "self_attn.q_proj.weight", random({q, h}));
    tensors.emplace_back(p + "self_attn.k_proj.weight", random({kv, h}));
    tensors.emplace_back(p + "self_attn.v_proj.weight", random({kv, h}));
    tensors.emplace_back(p + "self_attn.o_proj.weight", random({h, q}));
    tensors.emplace_back(p + "mlp.gate_proj.weight", random({ff, h}));
    tensors.emplace_back(p + "mlp.up_proj.weight", random({ff, h}));
    tensors.emplace_back(p + "mlp.down_proj.weight", random({h, ff}));
    tensors.emplace_back(p + "input_layernorm.weight", ones(h));
    tensors.emplace_back(p + "post_attention_layernorm.weight", ones(h));
  }
  tensors.emplace_back("model.norm.weight", ones(h));
  tensors.emplace_back("lm_head.weight", random({v, h}));

  const auto saved = save_safetensors_sharded(dir, tensors, parse_shard_size(o.max_shard_size));
  cfg.save(dir);
  GenerationConfigFile::from_json(json::parse(R"({"_from_model_config": true, "bos_token_id": 1, "eos_token_id": 2,
                                                   "transformers_version": "4.47.1"})"))
      .save(dir);
  std::cout << "wrote a random tiny Llama (" << tensors.size() << " tensors, " << saved.total_size << " bytes, "
            << saved.files.size() << (saved.files.size() == 1 ? " file" : " shards") << ") to " << dir.string() << "\n";
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<ExampleOptions>();
  auto* cmd = parent.add_subcommand("make-example", "Write a tiny random Llama-shaped checkpoint (for trying the tools)");
  cmd->add_option("dir", opts->dir, "Folder to write into (created if missing)")->required();
  cmd->add_option("--seed", opts->seed, "Random seed (same seed, same bytes)");
  cmd->add_option("--dtype", opts->dtype, "float32, bfloat16 or float16")->capture_default_str();
  cmd->add_option("--max-shard-size", opts->max_shard_size, "Shard limit like \"5GB\", \"50KB\", \"1GiB\"")->capture_default_str();
  cmd->add_flag("--force", opts->force, "Overwrite an existing checkpoint in dir");
  cmd->callback([opts] { make_example(*opts); });
}

AUTOMODEL_COMMAND("make-example", setup);

}  // namespace
}  // namespace automodel::cli
