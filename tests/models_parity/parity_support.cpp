#include "parity_support.h"

#include <cmath>

namespace automodel::parity {

std::map<std::string, CaseHandler>& case_handlers() {
  static std::map<std::string, CaseHandler> handlers;
  return handlers;
}

std::shared_ptr<CausalLM> ModelFixture::model(const std::string& torch_dtype) {
  auto it = loaded.find(torch_dtype);
  if (it != loaded.end()) return it->second;
  FromPretrainedOptions opt;
  opt.torch_dtype = torch_dtype;
  opt.local_files_only = true;
  std::shared_ptr<CausalLM> m = AutoModelForCausalLM::from_pretrained(model_dir.string(), opt);
  loaded[torch_dtype] = m;
  return m;
}

std::shared_ptr<SequenceClassificationModel> ModelFixture::seq_cls_model(const std::string& torch_dtype) {
  auto it = loaded_seq_cls.find(torch_dtype);
  if (it != loaded_seq_cls.end()) return it->second;
  FromPretrainedOptions opt;
  opt.torch_dtype = torch_dtype;
  opt.local_files_only = true;
  std::shared_ptr<SequenceClassificationModel> m =
      AutoModelForSequenceClassification::from_pretrained(model_dir.string(), opt);
  loaded_seq_cls[torch_dtype] = m;
  return m;
}

Tensor ModelFixture::golden(const std::string& tensor_name) const {
  AM_CHECK(tensors && tensors->contains(tensor_name), name, ": tensors file has no tensor '", tensor_name, "'");
  return tensors->tensor(tensor_name);
}

void require_known_keys(const json& obj, const std::set<std::string>& allowed, const std::string& where) {
  AM_CHECK(obj.is_object(), where, ": expected an object, got ", json_type_name(obj));
  for (const auto& [k, v] : obj.items())
    AM_CHECK(allowed.count(k), where, ": unknown key \"", k, "\" (not in the fixtures README schema)");
}

const json& req(const json& obj, const std::string& key, const std::string& where) {
  AM_CHECK(obj.is_object() && obj.contains(key), where, ": missing required key \"", key, "\"");
  return obj[key];
}

std::string torch_dtype_for(const std::string& cd, const std::string& where) {
  if (cd == "float32" || cd == "float32 (weights upcast from bfloat16)" || cd == "float32 (weights upcast from float16)")
    return "float32";
  if (cd == "bfloat16") return "bfloat16";
  fail(where, ": unknown compute_dtype \"", cd, "\"");
}

Tolerance logits_tolerance(const json& c, const std::string& where) {
  const std::string cd = req(c, "compute_dtype", where).get<std::string>();
  if (torch_dtype_for(cd, where) == "float32") return {1e-4, 1e-5};
  double atol = 0.25;
  if (c.contains("observed") && c["observed"].contains("vs_fp32upcast_maxdiff"))
    atol = std::max(atol, 1.25 * c["observed"]["vs_fp32upcast_maxdiff"].get<double>());
  return {atol, 0.0};
}

Tensor int_matrix(const json& rows, const std::string& where) {
  AM_CHECK(rows.is_array() && !rows.empty() && rows[0].is_array(), where, ": expected a non-empty list of lists");
  const int64_t r = int64_t(rows.size()), c = int64_t(rows[0].size());
  std::vector<int64_t> v;
  for (const auto& row : rows) {
    AM_CHECK(row.is_array() && int64_t(row.size()) == c, where, ": rows of different lengths");
    for (const auto& x : row) {
      AM_CHECK(x.is_number_integer(), where, ": expected integers");
      v.push_back(x.get<int64_t>());
    }
  }
  return Tensor::from_vector(v, {r, c});
}

Comparison compare_close(const Tensor& actual, const Tensor& golden, Tolerance tol,
                         const std::function<bool(const std::vector<int64_t>&)>& use) {
  Comparison res;
  AM_CHECK(actual.shape() == golden.shape(), "compare: shape ", actual.shape().str(), " vs golden ", golden.shape().str());
  const std::vector<double> a = actual.to_vector<double>(), b = golden.to_vector<double>();
  const Shape& s = golden.shape();
  std::vector<int64_t> idx(size_t(s.size()), 0);
  for (size_t i = 0; i < b.size(); ++i) {
    // row-major multi-index of i
    int64_t rem = int64_t(i);
    for (int d = s.size() - 1; d >= 0; --d) {
      idx[size_t(d)] = rem % s[d];
      rem /= s[d];
    }
    if (use && !use(idx)) continue;
    ++res.compared;
    const double diff = std::fabs(a[i] - b[i]);
    if (!(diff <= tol.atol + tol.rtol * std::fabs(b[i]))) {
      if (res.violations == 0) {
        std::string at = "[";
        for (size_t d = 0; d < idx.size(); ++d) at += (d ? ", " : "") + std::to_string(idx[d]);
        res.first_violation = str_cat("at ", at, "]: got ", a[i], ", expected ", b[i]);
      }
      ++res.violations;
      res.ok = false;
    }
    if (!(diff <= res.max_abs_diff)) res.max_abs_diff = std::isnan(diff) ? INFINITY : diff;
  }
  return res;
}

}  // namespace automodel::parity
