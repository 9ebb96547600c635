// `generate_text` cases (text-level models that ship a real tokenizer): tokenize the prompts as
// the case says (slow tokenizer, left padding with pad := eos for batches), check the ids and
// mask, generate greedily, compare the ids under the near-tie rule (the reference margin is only
// stored for the first step, via first_step_logits; later steps use our own margins < 2e-3),
// first_step_logits within the float32 tolerance, and the three decodes exactly.
#include <algorithm>
#include <cmath>
#include <limits>

#include "automodel/generation/generate.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "parity_support.h"

namespace automodel::parity {

namespace {

double margin_of(const float* row, int64_t n) {
  float a = -std::numeric_limits<float>::infinity(), b = a;
  for (int64_t i = 0; i < n; ++i) {
    if (row[i] > a) {
      b = a;
      a = row[i];
    } else if (row[i] > b) {
      b = row[i];
    }
  }
  return double(a) - double(b);
}

CaseResult run_generate_text_case(ModelFixture& fx, const json& c) {
  const std::string where = fx.name + " case " + c.value("name", std::string("?"));
  const json& tok_spec = req(c, "tokenization", where);
  require_known_keys(tok_spec, {"call", "add_special_tokens", "padding", "padding_side", "pad_token", "pad_token_id",
                                "pad_token_source"},
                     where + " tokenization");
  const json& eff = req(c, "effective_generation_config", where);
  require_known_keys(eff, {"bos_token_id", "eos_token_id", "pad_token_id", "pad_token_id_source"},
                     where + " effective_generation_config");
  const json& dec = req(c, "decode", where);
  require_known_keys(dec, {"new_text", "full_text", "full_text_skip_special", "clean_up_tokenization_spaces"},
                     where + " decode");
  require_known_keys(req(c, "outputs", where), {"first_step_logits"}, where + " outputs");
  const json& kwargs = req(c, "kwargs", where);
  AM_CHECK(kwargs.value("do_sample", true) == false, where, ": only greedy text cases can be compared");

  // ---- tokenization ----
  tokenizers::AutoTokenizerOptions topt;
  topt.use_fast = false;  // the reference used the slow classes (use_fast=False)
  topt.resolve.local_files_only = true;
  AutoTokenizer tok = AutoTokenizer::from_pretrained(fx.model_dir.string(), topt);
  tokenizers::CallOptions call;
  call.add_special_tokens = req(tok_spec, "add_special_tokens", where).get<bool>();
  if (req(tok_spec, "padding", where).get<bool>()) {
    tok.set_pad_token(req(tok_spec, "pad_token", where).get<std::string>());
    tok.set_padding_side(req(tok_spec, "padding_side", where).get<std::string>());
    call.padding = tokenizers::PaddingMode::longest;
  }
  const auto prompts = req(c, "prompts", where).get<std::vector<std::string>>();
  tokenizers::BatchEncoding enc = tok(prompts, call);
  const auto gold_ids = req(c, "input_ids", where).get<std::vector<std::vector<int64_t>>>();
  const auto gold_mask = req(c, "attention_mask", where).get<std::vector<std::vector<int64_t>>>();
  std::vector<std::vector<int64_t>> our_ids, our_mask;
  for (const auto& r : enc.input_ids) our_ids.emplace_back(r.begin(), r.end());
  AM_CHECK(enc.attention_mask, where, ": the tokenizer returned no attention_mask");
  for (const auto& r : *enc.attention_mask) our_mask.emplace_back(r.begin(), r.end());
  if (our_ids != gold_ids) return {CaseResult::Status::kFailed, "tokenized input_ids differ from the golden"};
  if (our_mask != gold_mask) return {CaseResult::Status::kFailed, "attention_mask differs from the golden"};
  const int64_t prompt_len = req(c, "prompt_length", where).get<int64_t>();
  AM_CHECK(int64_t(gold_ids.at(0).size()) == prompt_len, where, ": prompt_length disagrees with input_ids");

  // ---- generation ----
  const std::string torch_dtype = torch_dtype_for(req(c, "compute_dtype", where).get<std::string>(), where);
  std::shared_ptr<CausalLM> model = fx.model(torch_dtype);
  const Tensor ids = int_matrix(c["input_ids"], where + " input_ids");
  const Tensor mask = int_matrix(c["attention_mask"], where + " attention_mask");
  json run_kwargs = kwargs;
  run_kwargs["return_dict_in_generate"] = true;
  run_kwargs["output_scores"] = true;
  run_kwargs["output_logits"] = true;
  GenerateOutput out = generate(*model, ids, mask, run_kwargs);
  if (out.config.pad_token_id != std::optional<int64_t>(req(eff, "pad_token_id", where).get<int64_t>()))
    return {CaseResult::Status::kFailed, "effective pad_token_id differs from the golden"};
  {
    const json& e = req(eff, "eos_token_id", where);
    std::vector<int64_t> want = e.is_array() ? e.get<std::vector<int64_t>>() : std::vector<int64_t>{e.get<int64_t>()};
    if (out.config.eos_token_id.value_or(std::vector<int64_t>{}) != want)
      return {CaseResult::Status::kFailed, "effective eos_token_id differs from the golden"};
  }

  // first_step_logits [batch, vocab]
  const Tensor gold_first = fx.golden(c["outputs"]["first_step_logits"].get<std::string>()).contiguous();
  const int64_t rows = int64_t(gold_ids.size());
  AM_CHECK(gold_first.dim() == 2 && gold_first.size(0) == rows, where, ": first_step_logits shape ",
           gold_first.shape().str());
  const Tolerance tol = logits_tolerance(c, where);
  Comparison cmp = compare_close(out.logits.at(0), gold_first, tol);
  if (!cmp.ok)
    return {CaseResult::Status::kFailed,
            str_cat("first_step_logits: ", cmp.violations, " values out of tolerance, first ", cmp.first_violation)};

  // ids under the near-tie rule
  const auto gold_seq = req(c, "sequences", where).get<std::vector<std::vector<int64_t>>>();
  const auto gold_new = req(c, "new_tokens", where).get<std::vector<std::vector<int64_t>>>();
  auto flat = out.sequences.to_vector<int64_t>();
  const int64_t width = out.sequences.size(1);
  const double min_margin = req(c, "min_top2_margin", where).get<double>();
  int64_t rows_cut = 0;
  std::vector<std::vector<int64_t>> our_seq(rows);
  for (int64_t r = 0; r < rows; ++r) our_seq[r].assign(flat.begin() + r * width, flat.begin() + (r + 1) * width);
  for (int64_t r = 0; r < rows; ++r) {
    AM_CHECK(std::equal(gold_new[r].begin(), gold_new[r].end(), gold_seq[r].begin() + prompt_len), where,
             ": new_tokens is not sequences[:, prompt_length:] in row ", r);
    int64_t cut = INT64_MAX;
    if (min_margin < 1e-3) {
      const int64_t V = gold_first.size(1);
      if (margin_of(gold_first.data<float>() + r * V, V) < 1e-3) {
        cut = 0;
      } else {
        for (int64_t s = 1; s < int64_t(out.scores.size()); ++s) {
          const Tensor& sc = out.scores[s];
          if (margin_of(sc.data<float>() + r * sc.size(1), sc.size(1)) < 2e-3) {
            cut = s;
            break;
          }
        }
      }
    }
    const int64_t n_gold = int64_t(gold_new[r].size());
    const int64_t limit = std::min<int64_t>(cut, n_gold);
    if (limit < n_gold) {
      ++rows_cut;
    } else if (our_seq[r] != gold_seq[r]) {
      return {CaseResult::Status::kFailed, str_cat("row ", r, ": sequences differ from the golden")};
    }
    for (int64_t s = 0; s < limit; ++s)
      if (our_seq[r].at(prompt_len + s) != gold_new[r][s])
        return {CaseResult::Status::kFailed,
                str_cat("row ", r, " step ", s, ": got ", our_seq[r][prompt_len + s], ", golden ", gold_new[r][s])};
  }

  // decodes (only meaningful for rows compared in full)
  tokenizers::DecodeOptions skip{true, req(dec, "clean_up_tokenization_spaces", where).get<bool>()};
  tokenizers::DecodeOptions keep{false, skip.clean_up_tokenization_spaces};
  const auto new_text = req(c, "new_text", where).get<std::vector<std::string>>();
  const auto full_text = req(c, "full_text", where).get<std::vector<std::string>>();
  const auto full_skip = req(c, "full_text_skip_special", where).get<std::vector<std::string>>();
  for (int64_t r = 0; r < rows; ++r) {
    if (our_seq[r] != gold_seq[r]) continue;  // cut at a near tie: the texts follow the golden's side
    std::vector<int32_t> seq32(gold_seq[r].begin(), gold_seq[r].end());
    std::vector<int32_t> new32(gold_new[r].begin(), gold_new[r].end());
    if (tok.decode(new32, skip) != new_text[r]) return {CaseResult::Status::kFailed, str_cat("row ", r, ": new_text differs")};
    if (tok.decode(seq32, keep) != full_text[r]) return {CaseResult::Status::kFailed, str_cat("row ", r, ": full_text differs")};
    if (tok.decode(seq32, skip) != full_skip[r])
      return {CaseResult::Status::kFailed, str_cat("row ", r, ": full_text_skip_special differs")};
  }
  return {CaseResult::Status::kPassed,
          str_cat("input ids, ", rows_cut ? str_cat("sequences up to near ties (", rows_cut, " rows cut)") : "sequences",
                  ", texts exact; first_step_logits max |diff| ", cmp.max_abs_diff)};
}

}  // namespace

AM_REGISTER_CASE_KIND("generate_text", run_generate_text_case);

}  // namespace automodel::parity
