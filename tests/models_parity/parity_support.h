// Shared machinery of the models parity suite: reading and validating expected.json against
// the schema of fixtures/models/README.md, the tolerance table, model loading, and the table
// of case-kind handlers. Each case kind is handled by one function in its own file
// (forward_cases.cpp, generate_cases.cpp, ...), which registers itself with
// AM_REGISTER_CASE_KIND. A kind with no handler fails the case, except the kinds the suite
// skips by name (see kSkippedKinds in models_parity_test.cpp).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/sequence_classification.h"

namespace automodel::parity {

// One model folder with its parsed expected.json and goldens.
struct ModelFixture {
  std::string name;
  std::filesystem::path dir;        // folder holding expected.json
  std::filesystem::path model_dir;  // dir / expected["model_dir"]
  json expected;
  std::string kind;  // expected["kind"]: "causal_lm" or "seq_cls"
  std::shared_ptr<SafetensorsFile> tensors;
  // Models loaded so far, by torch_dtype option ("float32", "bfloat16").
  std::map<std::string, std::shared_ptr<CausalLM>> loaded;
  std::map<std::string, std::shared_ptr<SequenceClassificationModel>> loaded_seq_cls;

  std::shared_ptr<CausalLM> model(const std::string& torch_dtype);
  std::shared_ptr<SequenceClassificationModel> seq_cls_model(const std::string& torch_dtype);
  Tensor golden(const std::string& tensor_name) const;
};

// Result of one case.
struct CaseResult {
  enum class Status { kPassed, kFailed, kSkipped } status = Status::kPassed;
  std::string message;  // why it failed / was skipped, or a short summary
};

using CaseHandler = std::function<CaseResult(ModelFixture& fixture, const json& c)>;

// Registry of case-kind handlers; a handler registers at static initialisation.
std::map<std::string, CaseHandler>& case_handlers();
struct CaseKindRegistration {
  CaseKindRegistration(const std::string& kind, CaseHandler h) { case_handlers()[kind] = std::move(h); }
};
#define AM_REGISTER_CASE_KIND(kind, fn) static ::automodel::parity::CaseKindRegistration am_case_kind_reg_##fn(kind, fn)

// Throws an Error naming `where` and the offending key when `obj` has a key outside `allowed`.
void require_known_keys(const json& obj, const std::set<std::string>& allowed, const std::string& where);
// The value at `key` (must exist).
const json& req(const json& obj, const std::string& key, const std::string& where);

// Tolerances of the README's table for logits-like tensors of a case.
struct Tolerance {
  double atol = 0, rtol = 0;
};
// From the case's compute_dtype (and observed.vs_fp32upcast_maxdiff for native bf16).
Tolerance logits_tolerance(const json& c, const std::string& where);
// The torch_dtype to load the model with for a compute_dtype string.
std::string torch_dtype_for(const std::string& compute_dtype, const std::string& where);

// int64 tensor [rows][cols] from a JSON array of arrays.
Tensor int_matrix(const json& rows, const std::string& where);

// Elementwise |a - b| <= atol + rtol |b| over the entries where `use` says so (null: all).
struct Comparison {
  bool ok = true;
  double max_abs_diff = 0;
  int64_t violations = 0, compared = 0;
  std::string first_violation;
};
Comparison compare_close(const Tensor& actual, const Tensor& golden, Tolerance tol,
                         const std::function<bool(const std::vector<int64_t>& index)>& use = nullptr);

}  // namespace automodel::parity
