// Data-driven parity over $AUTOMODEL_FIXTURES/models/*/expected.json: one test per model folder,
// every case of the file dispatched on its kind to the registered handler (forward_cases.cpp,
// generate_cases.cpp, generate_text_cases.cpp, train_step_cases.cpp); causal_lm and seq_cls
// models alike.
// Prints "N passed, M failed" at the end of the run.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>

#include "fixtures.h"
#include "parity_support.h"

namespace automodel::parity {
namespace {

// Case kinds skipped by name (none: every kind the README defines has a handler).
const std::map<std::string, std::string> kSkippedKinds = {};
// Case kinds the README defines; any other kind fails.
const std::set<std::string> kKnownKinds = {"forward", "generate", "generate_text", "train_step"};

std::atomic<int> g_passed{0}, g_failed{0}, g_skipped{0};

class TotalsPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    std::cout << "[models_parity] " << g_skipped.load() << " skipped\n"
              << g_passed.load() << " passed, " << g_failed.load() << " failed" << std::endl;
  }
};
[[maybe_unused]] ::testing::Environment* const g_env = ::testing::AddGlobalTestEnvironment(new TotalsPrinter);

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  auto root = automodel::testing::fixtures_root();
  if (root) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(*root / "models", ec))
      if (e.is_directory() && std::filesystem::exists(e.path() / "expected.json"))
        names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) names.push_back("no_fixtures");
  return names;
}

const std::set<std::string> kTopLevelKeys = {
    "schema", "set", "model", "model_dir", "model_dir_from_repo_root", "architecture", "model_type", "kind",
    "checkpoint_dtype", "num_parameters", "transformers_version", "torch_version", "attn_implementation", "generator",
    "threads", "special_ids", "tensors_file", "tensors_dtype", "suggested_tolerance", "notes", "skipped",
    "feature_checks", "same_weights_as", "bitwise_equal_to_llama_forward_A", "tokenizer", "inputs", "cases"};
const std::set<std::string> kInputKeys = {"input_ids", "attention_mask", "position_ids_from_mask", "lengths",
                                          "padding_side"};
const std::map<std::string, std::set<std::string>> kCaseKeys = {
    {"forward",
     {"name", "kind", "input", "compute_dtype", "outputs", "shape", "position_ids", "compare_only_where",
      "native_output_dtype", "logits_stats", "observed", "note"}},
    {"generate",
     {"name", "kind", "input", "compute_dtype", "kwargs", "effective_generation_config", "prompt_length", "sequences",
      "new_tokens", "num_return_sequences", "sequences_scores", "min_top2_margin", "outputs", "step_tensor_layout",
      "compare_step_tensors", "kv_cache_vs_full_forward_maxdiff", "kv_cache_note", "observed",
      "use_cache_false_same_sequences", "use_cache_false_sequences", "reference_quirk"}},
    {"generate_text",
     {"name", "kind", "compute_dtype", "prompts", "tokenization", "input_ids", "attention_mask", "prompt_length",
      "kwargs", "effective_generation_config", "sequences", "new_tokens", "new_text", "full_text",
      "full_text_skip_special", "decode", "min_top2_margin", "outputs", "finished_by_eos", "tensor_layout", "observed",
      "native_tokenizers_agree"}},
    {"train_step",
     {"name", "kind", "input", "labels_value", "labels", "mode", "optimizer", "loss_before", "losses_per_step",
      "loss_after", "grad_norms_before_first_step", "grad_norm_total", "params_without_grad", "param_norms_after",
      "parameter_names", "observed"}},
};

class ModelsParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelsParity, AllCases) {
  AM_REQUIRE_FIXTURES(root);
  const std::string name = GetParam();
  ModelFixture fx;
  fx.name = name;
  fx.dir = root / "models" / name;
  fx.expected = read_json_file(fx.dir / "expected.json");
  const json& e = fx.expected;
  require_known_keys(e, kTopLevelKeys, name + "/expected.json");
  ASSERT_EQ(req(e, "schema", name).get<std::string>(), "refpy-goldens/1") << name << ": unknown schema";
  const std::string kind = req(e, "kind", name).get<std::string>();
  ASSERT_TRUE(kind == "causal_lm" || kind == "seq_cls") << name << ": unknown model kind " << kind;
  fx.kind = kind;
  for (const auto& [batch, fields] : req(e, "inputs", name).items()) {
    ASSERT_TRUE(batch == "A" || batch == "B" || batch == "Br") << name << ": unknown inputs batch " << batch;
    require_known_keys(fields, kInputKeys, name + " inputs." + batch);
  }
  fx.model_dir = fx.dir / req(e, "model_dir", name).get<std::string>();
  fx.tensors = std::make_shared<SafetensorsFile>(SafetensorsFile::open(fx.dir / req(e, "tensors_file", name).get<std::string>()));
  ASSERT_EQ(req(e, "architecture", name).get<std::string>(),
            read_json_file(fx.model_dir / "config.json")["architectures"][0].get<std::string>());

  int failed = 0;
  for (const json& c : req(e, "cases", name)) {
    const std::string cname = c.value("name", std::string("?"));
    const std::string ckind = req(c, "kind", name + " case " + cname).get<std::string>();
    if (!kKnownKinds.count(ckind)) {
      ADD_FAILURE() << name << " case " << cname << ": unknown case kind \"" << ckind << "\"";
      ++g_failed, ++failed;
      continue;
    }
    if (kind == "seq_cls" && ckind != "forward" && ckind != "train_step") {
      ADD_FAILURE() << name << " case " << cname << ": case kind \"" << ckind
                    << "\" on a seq_cls model (the README gives them forward and train_step only)";
      ++g_failed, ++failed;
      continue;
    }
    CaseResult r;
    try {
      require_known_keys(c, kCaseKeys.at(ckind), name + " case " + cname);
      auto sk = kSkippedKinds.find(ckind);
      auto handler = case_handlers().find(ckind);
      if (sk != kSkippedKinds.end()) {
        r = {CaseResult::Status::kSkipped, sk->second};
      } else if (handler != case_handlers().end()) {
        r = handler->second(fx, c);
      } else {
        r = {CaseResult::Status::kFailed, "no handler for case kind " + ckind};
      }
    } catch (const std::exception& ex) {
      r = {CaseResult::Status::kFailed, std::string("error: ") + ex.what()};
    }
    const char* tag = r.status == CaseResult::Status::kPassed ? "PASS" : r.status == CaseResult::Status::kFailed ? "FAIL" : "SKIP";
    std::cout << "  [" << tag << "] " << name << " " << cname << " (" << ckind << "): " << r.message << "\n";
    if (r.status == CaseResult::Status::kPassed) ++g_passed;
    if (r.status == CaseResult::Status::kSkipped) ++g_skipped;
    if (r.status == CaseResult::Status::kFailed) {
      ++g_failed, ++failed;
      ADD_FAILURE() << name << " " << cname << ": " << r.message;
    }
  }
  EXPECT_EQ(failed, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelsParity, ::testing::ValuesIn(model_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace automodel::parity
