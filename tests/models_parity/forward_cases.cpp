// `forward` cases: run the model once on an input batch (with or without the mask-derived
// position ids) and compare the logits with the golden under the README's tolerance table,
// only at attention_mask == 1 positions when the case carries compare_only_where. Seq-cls
// models (top-level kind "seq_cls") produce pooled logits [batch, num_labels], compared in full.
#include "parity_support.h"

namespace automodel::parity {

namespace {

CaseResult run_forward_case(ModelFixture& fx, const json& c) {
  const std::string where = fx.name + " case " + c.value("name", std::string("?"));
  require_known_keys(c,
                     {"name", "kind", "input", "compute_dtype", "outputs", "shape", "position_ids",
                      "compare_only_where", "native_output_dtype", "logits_stats", "observed", "note"},
                     where);
  require_known_keys(req(c, "outputs", where), {"logits"}, where + " outputs");
  if (c.contains("observed"))
    require_known_keys(c["observed"],
                       {"repeat_maxdiff", "threads2_maxdiff", "vs_unpadded_rows_maxdiff", "vs_fp32upcast_maxdiff"},
                       where + " observed");
  const std::string input_name = req(c, "input", where).get<std::string>();
  const json& input = req(req(fx.expected, "inputs", fx.name), input_name, fx.name + " inputs");
  const Tensor ids = int_matrix(req(input, "input_ids", where), where + " input_ids");
  const Tensor mask = int_matrix(req(input, "attention_mask", where), where + " attention_mask");
  const std::string pos_mode = req(c, "position_ids", where).get<std::string>();
  Tensor pos;
  if (pos_mode == "position_ids_from_mask")
    pos = int_matrix(req(input, "position_ids_from_mask", where), where + " position_ids_from_mask");
  else
    AM_CHECK(pos_mode == "model default", where, ": unknown position_ids mode \"", pos_mode, "\"");

  const std::string torch_dtype = torch_dtype_for(req(c, "compute_dtype", where).get<std::string>(), where);
  const Tolerance tol = logits_tolerance(c, where);
  Tensor logits;
  if (fx.kind == "seq_cls") {
    // The README: pooled outputs have no sequence axis, so never compare_only_where; and the
    // seq-cls goldens are all "model default" (the classifier derives its own positions).
    AM_CHECK(!c.contains("compare_only_where"), where, ": compare_only_where on a seq_cls case (not in the schema)");
    AM_CHECK(!pos.defined(), where, ": explicit position_ids on a seq_cls case (not in the schema)");
    logits = fx.seq_cls_model(torch_dtype)->forward(ids, mask);
  } else {
    AM_CHECK(input_name != "Br", where, ": input Br is defined for seq_cls models only");
    logits = fx.model(torch_dtype)->forward(ids, mask, pos, nullptr).logits;
  }
  const Tensor golden = fx.golden(req(c["outputs"], "logits", where).get<std::string>());
  std::vector<int64_t> shape = req(c, "shape", where).get<std::vector<int64_t>>();
  AM_CHECK(golden.shape() == Shape(shape), where, ": golden tensor shape ", golden.shape().str(),
           " differs from the case's shape");
  if (logits.shape() != golden.shape())
    return {CaseResult::Status::kFailed, str_cat("logits shape ", logits.shape().str(), ", golden ", golden.shape().str())};
  std::function<bool(const std::vector<int64_t>&)> use;
  std::vector<int64_t> mask_v;
  if (c.contains("compare_only_where")) {
    mask_v = mask.to_vector<int64_t>();
    const int64_t T = mask.size(1);
    use = [&mask_v, T](const std::vector<int64_t>& i) { return mask_v[size_t(i[0] * T + i[1])] == 1; };
  }
  const Comparison cmp = compare_close(logits, golden, tol, use);
  const std::string summary = str_cat("max |diff| ", cmp.max_abs_diff, " over ", cmp.compared, " values (atol ", tol.atol,
                                      ", rtol ", tol.rtol, ")");
  if (!cmp.ok)
    return {CaseResult::Status::kFailed,
            str_cat(cmp.violations, " values out of tolerance, first ", cmp.first_violation, "; ", summary)};
  return {CaseResult::Status::kPassed, summary};
}

}  // namespace

AM_REGISTER_CASE_KIND("forward", run_forward_case);

}  // namespace automodel::parity
