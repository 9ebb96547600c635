// generate(): the flow of GenerationMixin.generate / _sample / _beam_search (transformers 4.47)
// for decoder-only models. Token rows live in plain vectors; each step builds the [rows, len]
// id tensor the processors and criteria see, exactly what HF passes them.
#include "automodel/generation/generate.h"

#include "automodel/core/autograd.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "automodel/core/error.h"
#include "beam_search.h"
#include "sampler.h"
#include "score_math.h"

namespace automodel {

namespace {

using Rows = std::vector<std::vector<int64_t>>;

Tensor rows_to_tensor(const Rows& rows) {
  const int64_t n = int64_t(rows.size());
  const int64_t len = n ? int64_t(rows[0].size()) : 0;
  Tensor t = Tensor::empty({n, len}, DType::I64);
  int64_t* d = t.mutable_data<int64_t>();
  for (int64_t r = 0; r < n; ++r) std::copy(rows[r].begin(), rows[r].end(), d + r * len);
  return t;
}

Rows tensor_to_rows(const Tensor& t, const char* what) {
  AM_CHECK(t.defined() && t.dim() == 2, "generate(): ", what, " must be a 2-D [batch, length] tensor, got ",
           t.defined() ? t.str() : std::string("an undefined tensor"));
  AM_CHECK(t.dtype() == DType::I64 || t.dtype() == DType::I32 || t.dtype() == DType::BOOL || t.dtype() == DType::U8 ||
               t.dtype() == DType::I8 || t.dtype() == DType::I16,
           "generate(): ", what, " must hold integers, got ", t.str());
  auto flat = t.contiguous().to_vector<int64_t>();
  Rows rows(t.size(0), std::vector<int64_t>(t.size(1)));
  for (int64_t r = 0; r < t.size(0); ++r)
    std::copy(flat.begin() + r * t.size(1), flat.begin() + (r + 1) * t.size(1), rows[r].begin());
  return rows;
}

// HF's position ids for generation: cumsum(mask) - 1, padding positions set to 1; the last
// `count` columns.
Tensor position_ids_from_mask(const Rows& mask, int64_t count) {
  const int64_t n = int64_t(mask.size());
  const int64_t len = int64_t(mask[0].size());
  Tensor t = Tensor::empty({n, count}, DType::I64);
  int64_t* d = t.mutable_data<int64_t>();
  for (int64_t r = 0; r < n; ++r) {
    int64_t cum = 0;
    for (int64_t i = 0; i < len; ++i) {
      cum += mask[r][i];
      const int64_t pos = mask[r][i] == 0 ? 1 : cum - 1;
      if (i >= len - count) d[r * count + (i - (len - count))] = pos;
    }
  }
  return t;
}

Tensor last_columns(const Rows& rows, int64_t count) {
  const int64_t n = int64_t(rows.size());
  Tensor t = Tensor::empty({n, count}, DType::I64);
  int64_t* d = t.mutable_data<int64_t>();
  for (int64_t r = 0; r < n; ++r) std::copy(rows[r].end() - count, rows[r].end(), d + r * count);
  return t;
}

// Runs the model on what the cache does not hold yet (everything without a cache) and returns
// the last position's logits as a contiguous float32 [rows, vocab] tensor.
class Stepper {
 public:
  Stepper(CausalLM& model, bool use_cache, int64_t rows, int64_t max_length) : model_(model) {
    if (use_cache) cache_ = model.new_cache(rows, max_length);
  }

  Tensor next_logits(const Rows& ids, const Rows& mask) {
    const int64_t len = int64_t(ids[0].size());
    const int64_t past = cache_ ? cache_->length() : 0;
    const int64_t count = len - past;
    AM_CHECK(count >= 1, "generate(): the cache holds ", past, " tokens but the sequence has only ", len);
    Tensor input = last_columns(ids, count);
    Tensor attn = rows_to_tensor(mask);
    Tensor pos = position_ids_from_mask(mask, count);
    CausalLMOutput out = model_.forward(input, attn, pos, cache_.get(), /*only_last_logits=*/true);
    Tensor logits = out.logits;
    AM_CHECK(logits.defined() && logits.dim() == 3 && logits.size(0) == int64_t(ids.size()),
             "generate(): the model returned logits ", logits.defined() ? logits.str() : std::string("(undefined)"),
             ", expected [", ids.size(), ", new tokens, vocab]");
    Tensor last = logits.select(1, logits.size(1) - 1);
    return last.to(DType::F32).clone();  // the processors edit it in place
  }

  void select_rows(const std::vector<int64_t>& rows) {
    if (cache_) cache_->select_rows(rows);
  }

 private:
  CausalLM& model_;
  std::unique_ptr<KVCache> cache_;
};

std::optional<int64_t> max_position_embeddings(const json& config) {
  for (const char* key : {"max_position_embeddings", "n_positions"}) {
    auto it = config.find(key);
    if (it != config.end() && it->is_number_integer()) return it->get<int64_t>();
  }
  return std::nullopt;
}

void refuse_unsupported(const GenerationConfig& c) {
  auto refuse = [](const char* what) { fail("generate(): ", what, " is not supported by automodel"); };
  if (!c.constraints.is_null() || !c.force_words_ids.is_null())
    refuse("constrained beam search (`constraints` / `force_words_ids`)");
  if (c.num_beams > 1 && (c.num_beam_groups > 1 || c.diversity_penalty != 0.0))
    refuse("group (diverse) beam search (`num_beam_groups` / `diversity_penalty`)");
  if (c.num_beams == 1 && !c.do_sample && c.penalty_alpha && *c.penalty_alpha > 0 && c.top_k > 1)
    refuse("contrastive search (`penalty_alpha`)");
  if (!c.dola_layers.is_null()) refuse("DoLa decoding (`dola_layers`)");
  if (c.prompt_lookup_num_tokens || c.assistant_early_exit) refuse("assisted generation");
  if (c.guidance_scale && *c.guidance_scale != 1.0) refuse("classifier-free guidance (`guidance_scale`)");
  if (!c.watermarking_config.is_null()) refuse("watermarking (`watermarking_config`)");
  if (c.token_healing) refuse("token healing");
  if (c.return_dict_in_generate && (c.output_attentions || c.output_hidden_states))
    refuse("returning attentions / hidden states (`output_attentions` / `output_hidden_states`)");
}

struct Prepared {
  GenerationConfig config;
  Rows ids;   // [batch][len]
  Rows mask;  // [batch][len]
  int64_t input_len = 0;
};

Prepared prepare(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask, GenerationConfig config,
                 const json& kwargs, const GenerationLogger& log) {
  Prepared p;
  auto warn = [&](const std::string& m) {
    if (log) log(m);
  };
  config.update(kwargs, log);
  refuse_unsupported(config);

  p.ids = tensor_to_rows(input_ids, "input_ids");
  const int64_t batch = int64_t(p.ids.size());
  AM_CHECK(batch > 0, "generate(): input_ids has no rows");
  p.input_len = int64_t(p.ids[0].size());
  AM_CHECK(p.input_len > 0, "generate(): input_ids is empty (an empty prompt needs at least a bos token)");
  const int64_t vocab = model.vocab_size();
  for (const auto& row : p.ids)
    for (int64_t t : row)
      AM_CHECK(t >= 0 && t < vocab, "generate(): input id ", t, " is outside the vocabulary of ", vocab);

  // ---- special tokens (_prepare_special_tokens) ----
  const bool has_mask = attention_mask.defined();
  auto& eos = config.eos_token_id;
  if (eos && eos->empty()) eos.reset();
  if (!config.pad_token_id && eos) {
    if (!has_mask)
      warn("The attention mask and the pad token id were not set. As a consequence, you may observe unexpected "
           "behavior. Please pass your input's `attention_mask` to obtain reliable results.");
    config.pad_token_id = (*eos)[0];
    warn(str_cat("Setting `pad_token_id` to `eos_token_id`:", *config.pad_token_id, " for open-end generation."));
  }
  const auto& pad = config.pad_token_id;
  if (eos && pad && std::find(eos->begin(), eos->end(), *pad) != eos->end() && !has_mask)
    warn("The attention mask is not set and cannot be inferred from input because pad token is same as eos token. As "
         "a consequence, you may observe unexpected behavior. Please pass your input's `attention_mask` to obtain "
         "reliable results.");
  if (eos)
    for (int64_t e : *eos)
      if (e < 0)
        warn(str_cat("`eos_token_id` should consist of positive integers, but is ", e,
                     ". Your generation will not stop until the maximum length is reached. Depending on other flags, "
                     "it may even crash."));
  if (pad && batch > 1) {
    bool right_pad = false;
    for (const auto& row : p.ids) right_pad = right_pad || row.back() == *pad;
    if (right_pad)
      warn("A decoder-only architecture is being used, but right-padding was detected! For correct generation "
           "results, please set `padding_side='left'` when initializing the tokenizer.");
  }

  // ---- attention mask (_prepare_attention_mask_for_generation) ----
  if (has_mask) {
    p.mask = tensor_to_rows(attention_mask, "attention_mask");
    AM_CHECK(int64_t(p.mask.size()) == batch && int64_t(p.mask[0].size()) == p.input_len,
             "generate(): attention_mask is ", attention_mask.str(), " but input_ids is [", batch, ", ", p.input_len,
             "]");
    for (auto& row : p.mask)
      for (auto& m : row) {
        AM_CHECK(m == 0 || m == 1, "generate(): attention_mask values must be 0 or 1, found ", m);
      }
  } else {
    bool infer = false;
    if (pad) {
      bool pad_in_inputs = false;
      for (const auto& row : p.ids) pad_in_inputs = pad_in_inputs || std::count(row.begin(), row.end(), *pad) > 0;
      const bool pad_is_eos = eos && std::find(eos->begin(), eos->end(), *pad) != eos->end();
      infer = pad_in_inputs && !pad_is_eos;
    }
    p.mask = Rows(batch, std::vector<int64_t>(p.input_len, 1));
    if (infer)
      for (int64_t r = 0; r < batch; ++r)
        for (int64_t i = 0; i < p.input_len; ++i) p.mask[r][i] = p.ids[r][i] != *pad;
  }

  // ---- lengths (_prepare_generated_length / _validate_generated_length) ----
  const bool has_default_max_length = !kwargs.contains("max_length");
  const bool has_default_min_length = !kwargs.contains("min_length");
  if (config.max_new_tokens) {
    if (!has_default_max_length)
      warn(str_cat("Both `max_new_tokens` (=", *config.max_new_tokens, ") and `max_length`(=", config.max_length,
                   ") seem to have been set. `max_new_tokens` will take precedence. Please refer to the documentation "
                   "for more information. (https://huggingface.co/docs/transformers/main/en/main_classes/"
                   "text_generation)"));
    config.max_length = *config.max_new_tokens + p.input_len;
  } else if (has_default_max_length && config.max_length == GenerationConfig().max_length) {
    config.max_length += p.input_len;
    if (auto mpe = max_position_embeddings(model.config_json())) config.max_length = std::min(config.max_length, *mpe);
  }
  if (config.min_new_tokens) {
    if (!has_default_min_length)
      warn(str_cat("Both `min_new_tokens` (=", *config.min_new_tokens, ") and `min_length`(=", config.min_length,
                   ") seem to have been set. `min_new_tokens` will take precedence. Please refer to the documentation "
                   "for more information. (https://huggingface.co/docs/transformers/main/en/main_classes/"
                   "text_generation)"));
    config.min_length = *config.min_new_tokens + p.input_len;
  }
  if (has_default_max_length && !config.max_new_tokens && config.max_length == 20)
    warn("Using the model-agnostic default `max_length` (=20) to control the generation length. We recommend setting "
         "`max_new_tokens` to control the maximum length of the generation.");
  AM_CHECK(p.input_len < config.max_length, "Input length of input_ids is ", p.input_len,
           ", but `max_length` is set to ", config.max_length,
           ". This can lead to unexpected behavior. You should consider increasing `max_length` or, better yet, setting "
           "`max_new_tokens`.");
  std::string suffix =
      " Generation will stop at the defined maximum length. You should decrease the minimum length and/or increase the "
      "maximum length.";
  if (has_default_max_length)
    suffix += str_cat(" Note that `max_length` is set to ", config.max_length, ", its default value.");
  if (config.min_length > config.max_length)
    warn(str_cat("Unfeasible length constraints: `min_length` (", config.min_length,
                 ") is larger than the maximum possible length (", config.max_length, ").", suffix));
  if (config.min_new_tokens && *config.min_new_tokens + p.input_len > config.max_length)
    warn(str_cat("Unfeasible length constraints: `min_new_tokens` (", *config.min_new_tokens,
                 "), when added to the prompt length (", p.input_len, "), is larger than the maximum possible length (",
                 config.max_length, ").", suffix));
  p.config = std::move(config);
  return p;
}

std::vector<std::unique_ptr<StoppingCriterion>> build_stopping_criteria(const GenerationConfig& c, CausalLM& model,
                                                                        GenerateOptions& o) {
  std::vector<std::unique_ptr<StoppingCriterion>> list;
  list.push_back(std::make_unique<MaxLengthCriteria>(c.max_length, max_position_embeddings(model.config_json()),
                                                     o.logger));
  if (c.max_time) list.push_back(std::make_unique<MaxTimeCriteria>(*c.max_time));
  if (c.stop_strings) {
    AM_CHECK(o.token_string,
             "There are one or more stop strings, either in the arguments to `generate` or in the model's generation "
             "config, but we could not locate a tokenizer. When generating with stop strings, you must pass the "
             "model's tokenizer to the `tokenizer` argument of `generate`.");
    list.push_back(std::make_unique<StopStringCriteria>(*c.stop_strings, o.token_string, o.tokenizer_vocab_size));
  }
  if (c.eos_token_id) list.push_back(std::make_unique<EosTokenCriteria>(*c.eos_token_id));
  for (auto& user : o.stopping_criteria) {
    AM_CHECK(user, "a user stopping criterion is null");
    for (const auto& d : list)
      AM_CHECK(d->name() != user->name(), "A custom stopping criteria of type ", user->name(),
               " has been passed to generate(), but it has already been created from the generation config.");
  }
  for (auto& user : o.stopping_criteria) list.push_back(std::move(user));
  return list;
}

std::vector<bool> any_done(std::vector<std::unique_ptr<StoppingCriterion>>& criteria, const Tensor& ids) {
  std::vector<bool> done(ids.size(0), false);
  for (auto& c : criteria) {
    auto d = c->is_done(ids);
    for (size_t i = 0; i < done.size(); ++i) done[i] = done[i] || d[i];
  }
  return done;
}

Rows repeat_interleave(const Rows& rows, int64_t times) {
  Rows out;
  for (const auto& r : rows)
    for (int64_t k = 0; k < times; ++k) out.push_back(r);
  return out;
}

Sampler make_sampler(const GenerateOptions& o) { return Sampler(o.seed ? *o.seed : std::random_device{}()); }

// ---- greedy / multinomial sampling (_sample) ----

GenerateOutput run_sample(CausalLM& model, Prepared& p, LogitsProcessorList& processors,
                          std::vector<std::unique_ptr<StoppingCriterion>>& criteria, GenerateOptions& o) {
  const GenerationConfig& c = p.config;
  Rows ids = repeat_interleave(p.ids, c.num_return_sequences);
  Rows mask = repeat_interleave(p.mask, c.num_return_sequences);
  const int64_t rows = int64_t(ids.size());
  const bool has_eos_criteria = c.eos_token_id.has_value();
  const bool keep_scores = c.return_dict_in_generate && c.output_scores;
  const bool keep_logits = c.return_dict_in_generate && c.output_logits.value_or(false);
  Sampler sampler = make_sampler(o);
  Stepper stepper(model, c.use_cache, rows, c.max_length);
  std::vector<bool> unfinished(rows, true);
  GenerateOutput out;
  std::vector<float> probs;
  while (std::any_of(unfinished.begin(), unfinished.end(), [](bool u) { return u; })) {
    Tensor raw = stepper.next_logits(ids, mask);
    for (auto& m : mask) m.push_back(1);
    Tensor scores = keep_logits ? raw.clone() : raw;
    Tensor id_tensor = rows_to_tensor(ids);
    processors.apply(id_tensor, scores);
    if (keep_scores) out.scores.push_back(scores.clone());
    if (keep_logits) out.logits.push_back(raw);
    const int64_t vocab = scores.size(1);
    const float* s = scores.data<float>();
    std::vector<int64_t> next(rows);
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = s + r * vocab;
      if (c.do_sample) {
        probs.resize(vocab);
        score_math::softmax(row, vocab, probs.data());
        next[r] = sampler.multinomial_one(probs.data(), vocab);
      } else {
        next[r] = std::max_element(row, row + vocab) - row;  // first maximum, like torch.argmax
      }
      if (has_eos_criteria && !unfinished[r]) next[r] = *c.pad_token_id;
      ids[r].push_back(next[r]);
    }
    if (o.streamer) o.streamer->put(Tensor::from_vector(next, {rows}));
    auto done = any_done(criteria, rows_to_tensor(ids));
    for (int64_t r = 0; r < rows; ++r) unfinished[r] = unfinished[r] && !done[r];
  }
  if (o.streamer) o.streamer->end();
  out.sequences = rows_to_tensor(ids);
  return out;
}

// ---- beam search / beam sampling (_beam_search) ----

GenerateOutput run_beam(CausalLM& model, Prepared& p, LogitsProcessorList& processors,
                        std::vector<std::unique_ptr<StoppingCriterion>>& criteria, GenerateOptions& o) {
  const GenerationConfig& c = p.config;
  const int64_t batch = int64_t(p.ids.size());
  const int64_t beams = c.num_beams;
  beam::BeamSearchScorer scorer(batch, beams, c.length_penalty, c.early_stopping, c.num_return_sequences,
                                c.max_length);
  Rows ids = repeat_interleave(p.ids, beams);
  Rows mask = repeat_interleave(p.mask, beams);
  const int64_t rows = batch * beams;
  const bool keep_scores = c.return_dict_in_generate && c.output_scores;
  const bool keep_logits = c.return_dict_in_generate && c.output_logits.value_or(false);
  Rows beam_indices(keep_scores ? rows : 0);
  Sampler sampler = make_sampler(o);
  Stepper stepper(model, c.use_cache, rows, c.max_length);
  std::vector<float> beam_scores(rows, 0.0f);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 1; j < beams; ++j) beam_scores[b * beams + j] = -1e9f;
  const int64_t decoder_prompt_len = p.input_len;
  const int64_t n_eos = c.eos_token_id ? int64_t(c.eos_token_id->size()) : 0;
  const int64_t n_keep = std::max<int64_t>(2, 1 + n_eos) * beams;
  GenerateOutput out;
  while (true) {
    Tensor raw = stepper.next_logits(ids, mask);
    for (auto& m : mask) m.push_back(1);
    const int64_t vocab = raw.size(1);
    Tensor scores = Tensor::empty({rows, vocab});
    for (int64_t r = 0; r < rows; ++r)
      score_math::log_softmax(raw.data<float>() + r * vocab, vocab, scores.mutable_data<float>() + r * vocab);
    processors.apply(rows_to_tensor(ids), scores);
    if (keep_scores) out.scores.push_back(scores.clone());
    if (keep_logits) out.logits.push_back(raw);
    AM_CHECK(n_keep <= beams * vocab, "beam search keeps ", n_keep, " candidates but there are only ", beams * vocab);

    std::vector<std::vector<float>> cand_scores(batch);
    std::vector<std::vector<int64_t>> cand_tokens(batch), cand_beams(batch);
    std::vector<float> flat(beams * vocab), probs;
    const float* s = scores.data<float>();
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t j = 0; j < beams; ++j)
        for (int64_t v = 0; v < vocab; ++v)
          flat[j * vocab + v] = s[(b * beams + j) * vocab + v] + beam_scores[b * beams + j];
      std::vector<int64_t> chosen;
      if (c.do_sample) {
        probs.resize(flat.size());
        score_math::softmax(flat.data(), int64_t(flat.size()), probs.data());
        chosen = sampler.multinomial_without_replacement(probs.data(), int64_t(flat.size()), n_keep);
        std::stable_sort(chosen.begin(), chosen.end(), [&](int64_t x, int64_t y) { return flat[x] > flat[y]; });
      } else {
        chosen.resize(flat.size());
        std::iota(chosen.begin(), chosen.end(), 0);
        std::partial_sort(chosen.begin(), chosen.begin() + n_keep, chosen.end(), [&](int64_t x, int64_t y) {
          return flat[x] != flat[y] ? flat[x] > flat[y] : x < y;
        });
        chosen.resize(n_keep);
      }
      for (int64_t k : chosen) {
        cand_scores[b].push_back(flat[k]);
        cand_tokens[b].push_back(k % vocab);
        cand_beams[b].push_back(k / vocab);
      }
    }
    beam::StepResult step = scorer.process(ids, cand_scores, cand_tokens, cand_beams, c.pad_token_id, c.eos_token_id,
                                           keep_scores ? &beam_indices : nullptr, decoder_prompt_len);
    beam_scores = step.next_beam_scores;
    Rows next_ids(rows), next_mask(rows), next_beam_indices(keep_scores ? rows : 0);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t src = step.next_beam_indices[r];
      next_ids[r] = ids[src];
      next_ids[r].push_back(step.next_beam_tokens[r]);
      next_mask[r] = mask[src];
      if (keep_scores) {
        next_beam_indices[r] = beam_indices[src];
        next_beam_indices[r].push_back(src);
      }
    }
    ids = std::move(next_ids);
    mask = std::move(next_mask);
    if (keep_scores) beam_indices = std::move(next_beam_indices);
    stepper.select_rows(step.next_beam_indices);
    auto done = any_done(criteria, rows_to_tensor(ids));
    if (scorer.is_done() || std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
  }
  beam::FinalResult fin = scorer.finalize(ids, beam_scores, c.max_length, c.pad_token_id, c.eos_token_id,
                                          keep_scores ? &beam_indices : nullptr, decoder_prompt_len);
  out.sequences = rows_to_tensor(fin.sequences);
  out.sequences_scores = Tensor::from_vector(fin.sequence_scores, {int64_t(fin.sequence_scores.size())});
  if (keep_scores) out.beam_indices = rows_to_tensor(fin.beam_indices);
  return out;
}

GenerateOutput generate_from(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                             GenerationConfig base, const json& kwargs, GenerateOptions& options) {
  NoGradGuard no_grad;  // like HF's @torch.no_grad() on generate(): a model being trained records nothing
  Prepared p = prepare(model, input_ids, attention_mask, std::move(base), kwargs, options.logger);
  const GenerationConfig& c = p.config;
  AM_CHECK(!(options.streamer && c.num_beams > 1),
           "`streamer` cannot be used with beam search (yet!). Make sure that `num_beams` is set to 1.");
  auto criteria = build_stopping_criteria(c, model, options);
  LogitsProcessorList processors = build_logits_processors(c, p.input_len, rows_to_tensor(p.ids),
                                                           std::move(options.logits_processors));
  if (options.streamer) options.streamer->put(rows_to_tensor(p.ids));
  GenerateOutput out = c.num_beams > 1 ? run_beam(model, p, processors, criteria, options)
                                       : run_sample(model, p, processors, criteria, options);
  out.config = p.config;
  return out;
}

}  // namespace

GenerateOutput generate(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask, const json& kwargs,
                        GenerateOptions options) {
  GenerationConfig base =
      GenerationConfig::for_model(model.config_json(), model.generation_config_json(), options.logger);
  return generate_from(model, input_ids, attention_mask, std::move(base), kwargs, options);
}

GenerateOutput generate(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                        const GenerationConfig& base_config, const json& kwargs, GenerateOptions options) {
  // HF: an explicit config borrows the model's special ids it leaves unset.
  GenerationConfig model_default =
      GenerationConfig::for_model(model.config_json(), model.generation_config_json(), options.logger);
  GenerationConfig base = base_config;
  if (!base.bos_token_id) base.bos_token_id = model_default.bos_token_id;
  if (!base.eos_token_id) base.eos_token_id = model_default.eos_token_id;
  if (!base.pad_token_id) base.pad_token_id = model_default.pad_token_id;
  if (!base.decoder_start_token_id) base.decoder_start_token_id = model_default.decoder_start_token_id;
  return generate_from(model, input_ids, attention_mask, std::move(base), kwargs, options);
}

}  // namespace automodel
