// `generate` cases: run generate() with the case's kwargs on its input batch and compare with
// the README's rules: ids exact under the near-tie rule (reference margins from the stored step
// tensor, else our own margins < 2e-3), beam sequences_scores within 1e-4, step_logits /
// step_scores within the logits tolerance (-3e38 = -inf), the effective pad / eos / beam settings,
// and for reference_quirk cases the no-cache ids (use_cache_false_sequences) instead of the
// cached ones.
#include <algorithm>
#include <cmath>
#include <limits>

#include "automodel/generation/generate.h"
#include "parity_support.h"

namespace automodel::parity {

namespace {

constexpr double kRefTie = 1e-3;  // reference margin below which ids stop being compared
constexpr double kOwnTie = 2e-3;  // the same with our own margins
constexpr double kNegInfSentinel = -1e38;

std::vector<std::vector<int64_t>> int_rows(const json& j, const std::string& where) {
  AM_CHECK(j.is_array(), where, ": expected a list of rows");
  std::vector<std::vector<int64_t>> out;
  for (const auto& r : j) out.push_back(r.get<std::vector<int64_t>>());
  return out;
}

std::vector<std::vector<int64_t>> tensor_rows(const Tensor& t) {
  auto flat = t.to_vector<int64_t>();
  std::vector<std::vector<int64_t>> out(t.size(0));
  for (int64_t r = 0; r < t.size(0); ++r) out[r].assign(flat.begin() + r * t.size(1), flat.begin() + (r + 1) * t.size(1));
  return out;
}

double top2_margin(const float* row, int64_t n) {
  float a = -std::numeric_limits<float>::infinity(), b = a;
  for (int64_t i = 0; i < n; ++i) {
    float v = row[i] <= kNegInfSentinel ? -std::numeric_limits<float>::infinity() : row[i];
    if (v > a) {
      b = a;
      a = v;
    } else if (v > b) {
      b = v;
    }
  }
  return double(a) - double(b);
}

std::vector<int64_t> eos_list(const json& v) {
  if (v.is_null()) return {};
  if (v.is_array()) return v.get<std::vector<int64_t>>();
  return {v.get<int64_t>()};
}

// First step (< limit) at which `margin(step)` is below `threshold`, else limit.
template <class F>
int64_t first_tie(int64_t limit, double threshold, F margin) {
  for (int64_t s = 0; s < limit; ++s)
    if (margin(s) < threshold) return s;
  return limit;
}

// Step of the row's first eos among the new tokens (inclusive bound of the meaningful steps).
int64_t eos_step(const std::vector<int64_t>& new_tokens, const std::vector<int64_t>& eos) {
  for (size_t s = 0; s < new_tokens.size(); ++s)
    if (std::find(eos.begin(), eos.end(), new_tokens[s]) != eos.end()) return int64_t(s);
  return int64_t(new_tokens.size()) - 1;
}

struct IdCheck {
  bool ok = true;
  std::string message;
  int64_t rows_cut = 0;  // rows whose comparison stopped at a near tie
};

// Compares our rows with the golden ones from `prompt_len` on; row r is compared up to (not
// including) step cut[r].
IdCheck compare_ids(const std::vector<std::vector<int64_t>>& ours, const std::vector<std::vector<int64_t>>& gold,
                    int64_t prompt_len, const std::vector<int64_t>& cut) {
  IdCheck res;
  if (ours.size() != gold.size()) {
    res.ok = false;
    res.message = str_cat(ours.size(), " rows, golden ", gold.size());
    return res;
  }
  for (size_t r = 0; r < gold.size(); ++r) {
    for (int64_t i = 0; i < prompt_len; ++i)
      if (ours[r].at(i) != gold[r].at(i)) {
        res.ok = false;
        res.message = str_cat("row ", r, " prompt differs at ", i);
        return res;
      }
    const int64_t gold_new = int64_t(gold[r].size()) - prompt_len;
    const int64_t limit = std::min<int64_t>(cut[r], gold_new);
    if (limit < gold_new) ++res.rows_cut;
    for (int64_t s = 0; s < limit; ++s) {
      const int64_t a = s + prompt_len < int64_t(ours[r].size()) ? ours[r][s + prompt_len] : -1;
      if (a != gold[r][s + prompt_len]) {
        res.ok = false;
        res.message = str_cat("row ", r, " step ", s, ": got ", a, ", golden ", gold[r][s + prompt_len]);
        return res;
      }
    }
    if (limit == gold_new && int64_t(ours[r].size()) != int64_t(gold[r].size())) {
      res.ok = false;
      res.message = str_cat("row ", r, ": length ", ours[r].size(), ", golden ", gold[r].size());
      return res;
    }
  }
  return res;
}

// Our own margin at (step, row) from the processed scores.
double own_margin(const std::vector<Tensor>& scores, int64_t step, int64_t row) {
  if (step >= int64_t(scores.size())) return std::numeric_limits<double>::infinity();
  const Tensor& s = scores[step];
  return top2_margin(s.data<float>() + row * s.size(1), s.size(1));
}

CaseResult run_generate_case(ModelFixture& fx, const json& c) {
  const std::string where = fx.name + " case " + c.value("name", std::string("?"));
  require_known_keys(c,
                     {"name", "kind", "input", "compute_dtype", "kwargs", "effective_generation_config",
                      "prompt_length", "sequences", "new_tokens", "num_return_sequences", "sequences_scores",
                      "min_top2_margin", "outputs", "step_tensor_layout", "compare_step_tensors",
                      "kv_cache_vs_full_forward_maxdiff", "kv_cache_note", "observed",
                      "use_cache_false_same_sequences", "use_cache_false_sequences", "reference_quirk"},
                     where);
  const json& eff = req(c, "effective_generation_config", where);
  require_known_keys(eff,
                     {"pad_token_id", "eos_token_id", "bos_token_id", "early_stopping", "length_penalty",
                      "cache_implementation"},
                     where + " effective_generation_config");
  if (c.contains("outputs")) require_known_keys(c["outputs"], {"step_logits", "step_scores"}, where + " outputs");
  if (c.contains("observed")) require_known_keys(c["observed"], {"threads2_same_sequences"}, where + " observed");

  const json& kwargs = req(c, "kwargs", where);
  AM_CHECK(kwargs.is_object() && kwargs.contains("do_sample") && kwargs.contains("max_new_tokens"), where,
           ": kwargs must hold do_sample and max_new_tokens");
  AM_CHECK(kwargs["do_sample"] == false, where, ": sampling cases cannot be compared id for id");
  const std::string input_name = req(c, "input", where).get<std::string>();
  const json& input = req(req(fx.expected, "inputs", fx.name), input_name, fx.name + " inputs");
  const Tensor ids = int_matrix(req(input, "input_ids", where), where + " input_ids");
  const Tensor mask = int_matrix(req(input, "attention_mask", where), where + " attention_mask");
  const int64_t prompt_len = req(c, "prompt_length", where).get<int64_t>();
  AM_CHECK(prompt_len == ids.size(1), where, ": prompt_length ", prompt_len, " but the input is ", ids.size(1), " wide");

  const std::string torch_dtype = torch_dtype_for(req(c, "compute_dtype", where).get<std::string>(), where);
  const Tolerance tol = logits_tolerance(c, where);
  std::shared_ptr<CausalLM> model = fx.model(torch_dtype);

  json run_kwargs = kwargs;  // generate() rejects any key that is not a generation field
  run_kwargs["return_dict_in_generate"] = true;
  run_kwargs["output_scores"] = true;
  run_kwargs["output_logits"] = true;
  GenerateOutput out = generate(*model, ids, mask, run_kwargs);
  std::vector<std::string> notes;

  // ---- effective config ----
  const std::vector<int64_t> eos = eos_list(req(eff, "eos_token_id", where));
  if (out.config.eos_token_id.value_or(std::vector<int64_t>{}) != eos)
    return {CaseResult::Status::kFailed, "effective eos_token_id differs from the golden"};
  if (out.config.pad_token_id != std::optional<int64_t>(req(eff, "pad_token_id", where).get<int64_t>()))
    return {CaseResult::Status::kFailed, "effective pad_token_id differs from the golden"};
  {
    const json& es = req(eff, "early_stopping", where);
    EarlyStopping want = es.is_string() ? EarlyStopping::kNever
                                        : (es.get<bool>() ? EarlyStopping::kTrue : EarlyStopping::kHeuristic);
    if (out.config.early_stopping != want || out.config.length_penalty != req(eff, "length_penalty", where).get<double>())
      return {CaseResult::Status::kFailed, "effective early_stopping / length_penalty differ from the golden"};
  }

  const auto gold = int_rows(req(c, "sequences", where), where + " sequences");
  const auto gold_new = int_rows(req(c, "new_tokens", where), where + " new_tokens");
  AM_CHECK(gold.size() == gold_new.size(), where, ": sequences and new_tokens have different row counts");
  for (size_t r = 0; r < gold.size(); ++r)
    AM_CHECK(std::equal(gold_new[r].begin(), gold_new[r].end(), gold[r].begin() + prompt_len), where,
             ": new_tokens is not sequences[:, prompt_length:] in row ", r);
  const auto ours = tensor_rows(out.sequences);
  const bool beam = kwargs.value("num_beams", int64_t(1)) > 1;
  const bool quirk = c.contains("reference_quirk");

  if (beam) {
    const int64_t nrs = req(c, "num_return_sequences", where).get<int64_t>();
    AM_CHECK(int64_t(gold.size()) == ids.size(0) * nrs, where, ": ", gold.size(), " rows for batch ", ids.size(0),
             " x num_return_sequences ", nrs);
    if (quirk) {
      const auto nc_gold = int_rows(req(c, "use_cache_false_sequences", where), where);
      json nc_kwargs = run_kwargs;
      nc_kwargs["use_cache"] = false;
      auto nc = tensor_rows(generate(*model, ids, mask, nc_kwargs).sequences);
      IdCheck chk = compare_ids(nc, nc_gold, prompt_len, std::vector<int64_t>(nc_gold.size(), INT64_MAX));
      if (!chk.ok) return {CaseResult::Status::kFailed, "use_cache=false sequences: " + chk.message};
      return {CaseResult::Status::kPassed, "beam (reference_quirk): no-cache sequences exact"};
    }
    IdCheck chk = compare_ids(ours, gold, prompt_len, std::vector<int64_t>(gold.size(), INT64_MAX));
    if (!chk.ok) return {CaseResult::Status::kFailed, "beam sequences: " + chk.message};
    const auto gold_scores = req(c, "sequences_scores", where).get<std::vector<double>>();
    auto our_scores = out.sequences_scores.to_vector<float>();
    AM_CHECK(our_scores.size() == gold_scores.size(), where, ": ", our_scores.size(), " sequences_scores, golden ",
             gold_scores.size());
    double worst = 0;
    for (size_t i = 0; i < gold_scores.size(); ++i) worst = std::max(worst, std::fabs(our_scores[i] - gold_scores[i]));
    if (worst > 1e-4) return {CaseResult::Status::kFailed, str_cat("sequences_scores max |diff| ", worst, " > 1e-4")};
    return {CaseResult::Status::kPassed, str_cat("beam sequences exact, sequences_scores max |diff| ", worst)};
  }

  // ---- greedy ----
  const int64_t rows = int64_t(gold.size());
  AM_CHECK(rows == ids.size(0), where, ": ", rows, " golden rows for a batch of ", ids.size(0));
  std::vector<int64_t> eos_steps(rows);
  for (int64_t r = 0; r < rows; ++r) eos_steps[r] = eos_step(gold_new[r], eos);

  // The stored step tensor (raw logits or processed scores), if any, and ours to match.
  std::string step_kind;
  Tensor gold_steps;
  if (c.contains("outputs")) {
    const json& o = c["outputs"];
    AM_CHECK(o.size() == 1, where, ": expected one step tensor in outputs");
    step_kind = o.begin().key();
    gold_steps = fx.golden(o.begin().value().get<std::string>());
    AM_CHECK(gold_steps.dim() == 3 && gold_steps.size(1) == rows, where, ": step tensor ", gold_steps.shape().str(),
             " does not match ", rows, " rows");
    gold_steps = gold_steps.contiguous();
  }
  const std::vector<Tensor>& our_steps = step_kind == "step_logits" ? out.logits : out.scores;
  const bool compare_steps = gold_steps.defined() && c.value("compare_step_tensors", true);

  if (quirk) {
    // The cached golden run is the reference's bug; the no-cache ids are normative, compared with
    // our own margins (no reference margins are recorded for them).
    const auto nc_gold = int_rows(req(c, "use_cache_false_sequences", where), where);
    json nc_kwargs = run_kwargs;
    nc_kwargs["use_cache"] = false;
    GenerateOutput nc = generate(*model, ids, mask, nc_kwargs);
    std::vector<int64_t> cut(rows);
    for (int64_t r = 0; r < rows; ++r)
      cut[r] = first_tie(int64_t(nc.scores.size()), kOwnTie, [&](int64_t s) { return own_margin(nc.scores, s, r); });
    IdCheck chk = compare_ids(tensor_rows(nc.sequences), nc_gold, prompt_len, cut);
    if (!chk.ok) return {CaseResult::Status::kFailed, "use_cache=false sequences: " + chk.message};
    // Our cached run must agree with our uncached one (a consistent implementation has no quirk).
    IdCheck self = compare_ids(ours, tensor_rows(nc.sequences), prompt_len, cut);
    if (!self.ok) return {CaseResult::Status::kFailed, "cached vs uncached run: " + self.message};
    return {CaseResult::Status::kPassed,
            str_cat("reference_quirk: no-cache ids match (", chk.rows_cut, " rows cut at own near-ties); cached run "
                    "agrees")};
  }

  // Near-tie cut per row.
  std::vector<int64_t> cut(rows, INT64_MAX);
  const double min_margin = c.contains("min_top2_margin") ? c["min_top2_margin"].get<double>() : 1.0;
  if (min_margin < kRefTie) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t limit = eos_steps[r] + 1;
      if (gold_steps.defined()) {
        const int64_t V = gold_steps.size(2);
        const float* g = gold_steps.data<float>();
        cut[r] = first_tie(std::min<int64_t>(limit, gold_steps.size(0)), kRefTie,
                           [&](int64_t s) { return top2_margin(g + (s * rows + r) * V, V); });
      } else {
        cut[r] = first_tie(limit, kOwnTie, [&](int64_t s) { return own_margin(out.scores, s, r); });
      }
    }
  }
  IdCheck chk = compare_ids(ours, gold, prompt_len, cut);
  if (!chk.ok) return {CaseResult::Status::kFailed, "sequences: " + chk.message};
  notes.push_back(chk.rows_cut ? str_cat("ids exact up to near ties (", chk.rows_cut, " rows cut)") : "ids exact");

  if (compare_steps) {
    const int64_t V = gold_steps.size(2);
    const float* g = gold_steps.data<float>();
    double worst = 0;
    int64_t compared = 0;
    for (int64_t r = 0; r < rows; ++r) {
      // Steps up to the row's eos (later ones depend on the fed pad id), and up to the near-tie
      // cut when there is one (the golden continues on the reference's side of the tie).
      const int64_t last = std::min<int64_t>(eos_steps[r], cut[r] == INT64_MAX ? eos_steps[r] : cut[r]);
      for (int64_t s = 0; s <= last && s < gold_steps.size(0); ++s) {
        if (s >= int64_t(our_steps.size()))
          return {CaseResult::Status::kFailed, str_cat(step_kind, ": we produced ", our_steps.size(), " steps, row ", r,
                                                       " needs step ", s)};
        const float* a = our_steps[s].data<float>() + r * V;
        AM_CHECK(our_steps[s].size(1) == V, where, ": vocab ", our_steps[s].size(1), " vs golden ", V);
        const float* b = g + (s * rows + r) * V;
        for (int64_t v = 0; v < V; ++v) {
          ++compared;
          if (b[v] <= kNegInfSentinel) {
            if (!(a[v] <= kNegInfSentinel))
              return {CaseResult::Status::kFailed,
                      str_cat(step_kind, " [", s, ", ", r, ", ", v, "]: golden -inf, got ", a[v])};
            continue;
          }
          const double d = std::fabs(double(a[v]) - double(b[v]));
          worst = std::max(worst, d);
          if (!(d <= tol.atol + tol.rtol * std::fabs(double(b[v]))))
            return {CaseResult::Status::kFailed, str_cat(step_kind, " [", s, ", ", r, ", ", v, "]: got ", a[v],
                                                         ", golden ", b[v], " (atol ", tol.atol, ", rtol ", tol.rtol, ")")};
        }
      }
    }
    notes.push_back(str_cat(step_kind, " max |diff| ", worst, " over ", compared, " values"));
  } else if (gold_steps.defined()) {
    notes.push_back(step_kind + " not compared (compare_step_tensors false)");
  }
  std::string msg;
  for (const auto& n : notes) msg += (msg.empty() ? "" : "; ") + n;
  return {CaseResult::Status::kPassed, msg};
}

}  // namespace

AM_REGISTER_CASE_KIND("generate", run_generate_case);

}  // namespace automodel::parity
