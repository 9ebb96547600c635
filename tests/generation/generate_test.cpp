// generate() on TableLM, a fake model whose next-token distribution is a fixed table keyed by the
// attended tokens. Expected sequences and beam scores were derived by hand from HF 4.47's
// _sample / _beam_search / BeamSearchScorer (the derivations are in the comments).
#include "automodel/generation/generate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "automodel/core/error.h"
#include "table_lm.h"

namespace automodel {
namespace {

using testing::log_probs;
using testing::TableLM;

std::vector<std::vector<int64_t>> rows_of(const Tensor& t) {
  auto flat = t.to_vector<int64_t>();
  std::vector<std::vector<int64_t>> out(t.size(0));
  for (int64_t r = 0; r < t.size(0); ++r) out[r].assign(flat.begin() + r * t.size(1), flat.begin() + (r + 1) * t.size(1));
  return out;
}

Tensor ids(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<int64_t> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {int64_t(rows.size()), int64_t(rows[0].size())});
}

// ---- greedy: a counter model. After token t comes t+1 (mod 8), except that 7 is followed by eos 0.

constexpr int64_t kCounterVocab = 8;
std::vector<float> counter_table(const std::vector<int64_t>& attended) {
  std::vector<float> l(kCounterVocab, 0.0f);
  const int64_t last = attended.empty() ? 1 : attended.back();
  l[last == 7 ? 0 : (last + 1) % kCounterVocab] = 5.0f;
  return l;
}

json counter_config() { return json::parse(R"({"eos_token_id": 0, "pad_token_id": 1, "max_position_embeddings": 64})"); }

TEST(Generate, GreedyStopsAtEosAndPadsFinishedRows) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  Tensor prompt = ids({{5, 6}, {2, 3}});
  auto out = generate(model, prompt, Tensor(), json{{"max_new_tokens", 6}});
  // row 0: 7, eos, then the pad id while row 1 runs 4 5 6 7 eos; the loop ends when both are done
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{5, 6, 7, 0, 1, 1, 1},
                                                                        {2, 3, 4, 5, 6, 7, 0}}));
}

TEST(Generate, StopsWhenEveryRowIsDone) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  auto out = generate(model, ids({{5, 6}}), Tensor(), json{{"max_new_tokens", 10}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{5, 6, 7, 0}}));
  EXPECT_EQ(model.forward_calls, 2);
  // KV cache: the prompt once, then one token per step
  EXPECT_EQ(model.tokens_per_call, (std::vector<int64_t>{2, 1}));
}

TEST(Generate, DefaultMaxLengthIsTwentyNewTokensCappedByPositions) {
  TableLM model(kCounterVocab, [](const std::vector<int64_t>&) { return std::vector<float>(kCounterVocab, 0.0f); },
                json::parse(R"({"max_position_embeddings": 10})"));
  auto out = generate(model, ids({{3, 4, 5}}), Tensor());
  EXPECT_EQ(out.sequences.size(1), 10);  // min(20 + 3, 10)
  TableLM model2(kCounterVocab, [](const std::vector<int64_t>&) { return std::vector<float>(kCounterVocab, 0.0f); });
  auto out2 = generate(model2, ids({{3, 4, 5}}), Tensor());
  EXPECT_EQ(out2.sequences.size(1), 23);
  // all-equal logits: argmax takes the lowest index
  EXPECT_EQ(rows_of(out2.sequences)[0][3], 0);
}

TEST(Generate, LeftPaddingPositionsAndMask) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  // row 1 is left-padded with pad id 1; the table only sees attended tokens
  Tensor prompt = ids({{4, 5, 6}, {1, 1, 2}});
  Tensor mask = ids({{1, 1, 1}, {0, 0, 1}});
  auto out = generate(model, prompt, mask, json{{"max_new_tokens", 2}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{4, 5, 6, 7, 0}, {1, 1, 2, 3, 4}}));
  ASSERT_EQ(model.positions.size(), 2u);
  // prefill: cumsum(mask) - 1 with pads set to 1
  EXPECT_EQ(model.positions[0], (std::vector<int64_t>{0, 1, 2, 1, 1, 0}));
  EXPECT_EQ(model.positions[1], (std::vector<int64_t>{3, 1}));
}

TEST(Generate, MaskIsInferredFromPadWhenPadIsNotEos) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  auto out = generate(model, ids({{4, 5, 6}, {1, 1, 2}}), Tensor(), json{{"max_new_tokens", 1}});
  EXPECT_EQ(rows_of(out.sequences)[1], (std::vector<int64_t>{1, 1, 2, 3}));
  EXPECT_EQ(model.positions[0], (std::vector<int64_t>{0, 1, 2, 1, 1, 0}));
}

TEST(Generate, NoCacheRecomputesTheWholeSequence) {
  TableLM a(kCounterVocab, counter_table, counter_config());
  TableLM b(kCounterVocab, counter_table, counter_config());
  Tensor prompt = ids({{4, 5, 6}, {1, 1, 2}});
  Tensor mask = ids({{1, 1, 1}, {0, 0, 1}});
  auto cached = generate(a, prompt, mask, json{{"max_new_tokens", 4}});
  auto full = generate(b, prompt, mask, json{{"max_new_tokens", 4}, {"use_cache", false}});
  EXPECT_EQ(rows_of(cached.sequences), rows_of(full.sequences));
  EXPECT_EQ(b.tokens_per_call, (std::vector<int64_t>{3, 4, 5, 6}));
}

TEST(Generate, PadFallsBackToFirstEosWithHfWarning) {
  TableLM model(kCounterVocab, counter_table, json::parse(R"({"eos_token_id": [0, 6]})"));
  std::vector<std::string> log;
  GenerateOptions o;
  o.logger = [&](const std::string& m) { log.push_back(m); };
  auto out = generate(model, ids({{4}, {5}}), ids({{1}, {1}}), json{{"max_new_tokens", 3}}, std::move(o));
  // 6 is an eos too: row 1 stops at 6 and is padded with eos[0] = 0; row 0 stops at 6 a step later
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{4, 5, 6}, {5, 6, 0}}));
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0], "Setting `pad_token_id` to `eos_token_id`:0 for open-end generation.");
}

TEST(Generate, MinNewTokensMasksEos) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  auto out = generate(model, ids({{6}}), Tensor(), json{{"max_new_tokens", 3}, {"min_new_tokens", 3}});
  // 7, then eos is banned -> argmax among zeros picks token 1, then 2
  EXPECT_EQ(rows_of(out.sequences)[0], (std::vector<int64_t>{6, 7, 1, 2}));
}

TEST(Generate, ReturnDictScoresAreProcessedLogitsAreRaw) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  auto out = generate(model, ids({{3}}), Tensor(),
                      json{{"max_new_tokens", 2}, {"repetition_penalty", 2.0}, {"return_dict_in_generate", true},
                           {"output_scores", true}, {"output_logits", true}});
  ASSERT_EQ(out.scores.size(), 2u);
  ASSERT_EQ(out.logits.size(), 2u);
  EXPECT_EQ(out.logits[1].item_at({0, 5}), 5.0);  // raw: after 4 comes 5
  EXPECT_EQ(out.scores[1].item_at({0, 5}), 5.0);  // 5 not generated yet: unpenalised
  EXPECT_EQ(out.logits[0].item_at({0, 4}), 5.0);
  EXPECT_EQ(out.scores[0].item_at({0, 4}), 5.0);
  EXPECT_EQ(out.scores[1].item_at({0, 3}), 0.0);  // 0 / 2
  GenerateOutput plain = generate(model, ids({{3}}), Tensor(), json{{"max_new_tokens", 2}});
  EXPECT_TRUE(plain.scores.empty());
}

TEST(Generate, StreamerSeesPromptThenEachStep) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  std::vector<std::vector<int64_t>> puts;
  int ends = 0;
  CallbackStreamer streamer([&](const Tensor& t) { puts.push_back(t.to_vector<int64_t>()); }, [&] { ++ends; });
  GenerateOptions o;
  o.streamer = &streamer;
  generate(model, ids({{5}}), Tensor(), json{{"max_new_tokens", 5}}, std::move(o));
  EXPECT_EQ(puts, (std::vector<std::vector<int64_t>>{{5}, {6}, {7}, {0}}));
  EXPECT_EQ(ends, 1);
}

TEST(Generate, StopStringsNeedATokenizerAndStopTheRow) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  EXPECT_THROW(generate(model, ids({{2}}), Tensor(), json{{"max_new_tokens", 5}, {"stop_strings", "cd"}}), Error);
  GenerateOptions o;
  o.token_string = [](int64_t id) { return std::string(1, char('a' + id)); };  // 2 -> "c", 3 -> "d"
  o.tokenizer_vocab_size = kCounterVocab;
  auto out = generate(model, ids({{1}}), Tensor(), json{{"max_new_tokens", 5}, {"stop_strings", "cd"}}, std::move(o));
  EXPECT_EQ(rows_of(out.sequences)[0], (std::vector<int64_t>{1, 2, 3}));
}

TEST(Generate, StopStringMayEndInsideTheLastToken) {
  std::vector<std::string> text = {"", "x", "ab", "cde", "f"};
  StopStringCriteria crit({"bcd"}, [&](int64_t id) { return text[id]; }, 5);
  EXPECT_EQ(crit.is_done(ids({{1, 2, 3}, {1, 2, 4}, {2, 3, 4}})), (std::vector<bool>{true, false, false}));
  // "bcd" ends inside "cde" (the last token of row 0); row 2's last token "f" does not hold its end
}

TEST(Generate, UnsupportedModesAndKwargsFail) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  EXPECT_THROW(generate(model, ids({{2}}), Tensor(), json{{"max_new_tokens", 2}, {"num_beams", 2}, {"num_beam_groups", 2},
                                                          {"diversity_penalty", 1.0}}),
               Error);
  EXPECT_THROW(generate(model, ids({{2}}), Tensor(), json{{"max_new_tokens", 2}, {"not_a_field", 1}}), Error);
  EXPECT_THROW(generate(model, ids({{2}}), Tensor(), json{{"max_length", 1}}), Error);  // prompt already at max
  CallbackStreamer s([](const Tensor&) {});
  GenerateOptions o;
  o.streamer = &s;
  EXPECT_THROW(generate(model, ids({{2}}), Tensor(), json{{"max_new_tokens", 2}, {"num_beams", 2}}, std::move(o)),
               Error);
}

// ---- sampling

// Five tokens whose logits are a permutation of 0, 0.4, ..., 1.6 depending on the last token: no ties.
std::vector<float> spread_table(const std::vector<int64_t>& attended) {
  std::vector<float> l(5);
  for (int64_t i = 0; i < 5; ++i) l[i] = float((attended.back() * 7 + i * 3) % 5) * 0.4f;
  return l;
}

TEST(Sampling, SameSeedSameTokensAndTopKOneIsGreedy) {
  TableLM model(5, spread_table);
  auto run = [&](uint64_t seed, json kw) {
    GenerateOptions o;
    o.seed = seed;
    kw["do_sample"] = true;
    kw["max_new_tokens"] = 12;
    return rows_of(generate(model, ids({{1}, {2}}), Tensor(), kw, std::move(o)).sequences);
  };
  EXPECT_EQ(run(7, json::object()), run(7, json::object()));
  EXPECT_NE(run(7, json::object()), run(8, json::object()));
  auto greedy = rows_of(generate(model, ids({{1}, {2}}), Tensor(), json{{"max_new_tokens", 12}}).sequences);
  EXPECT_EQ(run(123, json{{"top_k", 1}}), greedy);
  EXPECT_EQ(run(456, json{{"temperature", 0.01}, {"top_k", 1}}), greedy);
}

TEST(Sampling, NumReturnSequencesRepeatsEachRow) {
  TableLM model(5, spread_table);
  GenerateOptions o;
  o.seed = 3;
  auto out = generate(model, ids({{1}, {2}}), Tensor(),
                      json{{"do_sample", true}, {"num_return_sequences", 3}, {"max_new_tokens", 4}}, std::move(o));
  auto rows = rows_of(out.sequences);
  ASSERT_EQ(rows.size(), 6u);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(rows[r][0], 1);
  for (int r = 3; r < 6; ++r) EXPECT_EQ(rows[r][0], 2);
}

TEST(Sampling, FollowsTheDistribution) {
  // p = 0.7 / 0.2 / 0.1 after every token: frequencies over many draws approach it.
  TableLM model(3, [](const std::vector<int64_t>&) { return log_probs({0.7, 0.2, 0.1}); });
  GenerateOptions o;
  o.seed = 11;
  auto out = generate(model, ids({{0}}), Tensor(), json{{"do_sample", true}, {"max_new_tokens", 3000}, {"top_k", 0}},
                      std::move(o));
  auto row = rows_of(out.sequences)[0];
  std::vector<double> count(3, 0);
  for (size_t i = 1; i < row.size(); ++i) count[row[i]] += 1;
  EXPECT_NEAR(count[0] / 3000, 0.7, 0.03);
  EXPECT_NEAR(count[1] / 3000, 0.2, 0.03);
  EXPECT_NEAR(count[2] / 3000, 0.1, 0.03);
}

// ---- beam search on a hand-worked table
//
// Tokens: 0 eos, 1 A, 2 B, 3 C, 4 pad (never likely). Prompt [C].
//   after [C]:      eos .05  A .5  B .4  C .05
//   after [C A]:    eos .1   A .4  B .3  C .2
//   after [C B]:    eos .9   A .05 B .03 C .02
//   anything else:  eos .7   A .1  B .1  C .1
// num_beams 2, length_penalty 1, decoder_prompt_len 1; keep 4 = max(2, 1 + 1) * 2 candidates.
// Step 1 (beam 1 starts at -1e9): A -0.693147 -> beam 0, B -0.916291 -> beam 1.
// Step 2 (cur_len 3): candidates eos@B -1.021651, A@A -1.609438, B@A -1.897120, C@A -2.302585.
//   eos@B is rank 0: hypothesis [C B], score -1.021651 / 2 = -0.510826; beams [C A A], [C A B].
//   One hypothesis < 2 beams: not done.
// Step 3 (cur_len 4): eos@[CAA] -1.966113 (rank 0) -> hypothesis, -1.966113 / 3 = -0.655371, now
//   worst; eos@[CAB] -2.253795 / 3 = -0.751265 is worse than the worst: dropped. Heuristic
//   is_done: best -1.966113 / 3 = -0.655371 <= worst -0.655371 -> done.
// Result: [C B eos] (-0.510826), then [C A A eos] (-0.655371).

std::vector<float> beam_table(const std::vector<int64_t>& h) {
  using V = std::vector<int64_t>;
  std::vector<double> p;
  if (h == V{3})
    p = {0.05, 0.5, 0.4, 0.05, 0};
  else if (h == V{3, 1})
    p = {0.1, 0.4, 0.3, 0.2, 0};
  else if (h == V{3, 2})
    p = {0.9, 0.05, 0.03, 0.02, 0};
  else
    p = {0.7, 0.1, 0.1, 0.1, 0};
  return log_probs(p);
}

json beam_config() { return json::parse(R"({"eos_token_id": 0, "pad_token_id": 4})"); }

TEST(BeamSearch, HandWorkedBeamsAndScores) {
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{3}}), Tensor(), json{{"num_beams", 2}, {"max_new_tokens", 5}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{3, 2, 0}}));
  ASSERT_EQ(out.sequences_scores.numel(), 1);
  EXPECT_NEAR(out.sequences_scores.item_at({0}), -0.510826, 1e-5);
  EXPECT_EQ(model.forward_calls, 3);  // the heuristic stopped after step 3
  // greedy takes A (0.5) then A (0.4) then eos (0.7)
  auto greedy = generate(model, ids({{3}}), Tensor(), json{{"max_new_tokens", 5}});
  EXPECT_EQ(rows_of(greedy.sequences), (std::vector<std::vector<int64_t>>{{3, 1, 1, 0}}));
}

TEST(BeamSearch, NumReturnSequencesPadsShorterHypotheses) {
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{3}}), Tensor(),
                      json{{"num_beams", 2}, {"num_return_sequences", 2}, {"max_new_tokens", 5}});
  // lengths 2 and 3 differ: filled with pad 4, each followed by eos where it fits
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{3, 2, 0, 4}, {3, 1, 1, 0}}));
  EXPECT_NEAR(out.sequences_scores.item_at({0}), -0.510826, 1e-5);
  EXPECT_NEAR(out.sequences_scores.item_at({1}), -0.655371, 1e-5);
}

TEST(BeamSearch, EarlyStoppingNeverLooksFurther) {
  // "never" with length_penalty > 0 bounds by max_length: after step 3 the best candidate could
  // still reach -1.966113 / (6 - 1) = -0.393 > worst, so step 4 runs. Step 4 (cur_len 5): the
  // beams [CAAA], [CAAB] (-3.912023 each) give eos -4.268698 -> -1.067 (< worst, dropped);
  // bound -4.268698 / 5 = -0.854 <= worst: done. Same answer, one more forward.
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{3}}), Tensor(),
                      json{{"num_beams", 2}, {"max_new_tokens", 5}, {"early_stopping", "never"}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{3, 2, 0}}));
  EXPECT_EQ(model.forward_calls, 4);
  // true: done as soon as 2 hypotheses exist (after step 3)
  TableLM model2(5, beam_table, beam_config());
  generate(model2, ids({{3}}), Tensor(), json{{"num_beams", 2}, {"max_new_tokens", 5}, {"early_stopping", true}});
  EXPECT_EQ(model2.forward_calls, 3);
}

TEST(BeamSearch, MaxLengthFinalizesOpenBeams) {
  // max_new_tokens 2: after step 2 the open beams [C A A] (-1.609438 / 2 = -0.804719) and
  // [C A B] (-0.948560, not better than the worst) meet the hypothesis [C B] (-0.510826).
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{3}}), Tensor(),
                      json{{"num_beams", 2}, {"num_return_sequences", 2}, {"max_new_tokens", 2},
                           {"return_dict_in_generate", true}, {"output_scores", true}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{3, 2, 0}, {3, 1, 1}}));
  EXPECT_NEAR(out.sequences_scores.item_at({0}), -0.510826, 1e-5);
  EXPECT_NEAR(out.sequences_scores.item_at({1}), -0.804719, 1e-5);
  ASSERT_EQ(out.scores.size(), 2u);
  EXPECT_EQ(out.scores[0].size(0), 2);  // batch * num_beams rows
  // beam indices: [C B]: step 1 from row 0, eos taken from row 1; [C A A]: rows 0, 0
  EXPECT_EQ(rows_of(out.beam_indices), (std::vector<std::vector<int64_t>>{{0, 1, -1}, {0, 0, -1}}));
}

TEST(BeamSearch, LengthPenaltyChangesTheWinner) {
  // length_penalty 3 divides by generated_len^3. Step 2: hypothesis [C B] -1.021651 / 8 =
  // -0.127706. Step 3: [C A A]+eos -1.966113 / 27 = -0.072819 joins; [C A B]+eos -2.253795 / 27 =
  // -0.083474 beats the worst and evicts [C B]. max_new_tokens 3 ends it; the open beams
  // [C A A A] / [C A A B] (-3.912023 / 27 = -0.144890) do not make it.
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{3}}), Tensor(),
                      json{{"num_beams", 2}, {"max_new_tokens", 3}, {"length_penalty", 3.0}});
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{3, 1, 1, 0}}));
  EXPECT_NEAR(out.sequences_scores.item_at({0}), -0.072819, 1e-5);
}

TEST(BeamSearch, BatchRowsAreIndependentAndReorderTheCache) {
  // Row 0 is the worked example behind one left pad (mask 0): the table sees only attended
  // tokens, and decoder_prompt_len is 2, so its beams and score are unchanged; that needs the
  // cache rows to follow their beams. Row 1's prompt [C C] uses the "anything else" table: step 1
  // eos -0.356675 (rank 0) -> hypothesis [C C] / 1; step 2 both beams offer eos -2.659260 / 2 =
  // -1.329630 (the second is not better than the worst): two hypotheses, bound -1.329630 <= worst:
  // done, its beams are fed pad while row 0 continues.
  TableLM model(5, beam_table, beam_config());
  auto out = generate(model, ids({{4, 3}, {3, 3}}), ids({{0, 1}, {1, 1}}), json{{"num_beams", 2}, {"max_new_tokens", 5}});
  // lengths 3 and 2 differ: the shorter row is filled with pad 4 after its eos
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{4, 3, 2, 0}, {3, 3, 0, 4}}));
  EXPECT_NEAR(out.sequences_scores.item_at({0}), -0.510826, 1e-5);
  EXPECT_NEAR(out.sequences_scores.item_at({1}), -0.356675, 1e-5);
}

TEST(BeamSample, SeededAndReturnsValidBeams) {
  TableLM model(5, beam_table, beam_config());
  auto run = [&](uint64_t seed) {
    GenerateOptions o;
    o.seed = seed;
    return rows_of(generate(model, ids({{3}}), Tensor(),
                            json{{"num_beams", 2}, {"do_sample", true}, {"max_new_tokens", 4}, {"top_k", 0}},
                            std::move(o))
                       .sequences);
  };
  auto a = run(5);
  EXPECT_EQ(a, run(5));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0][0], 3);
  for (size_t i = 1; i < a[0].size(); ++i) EXPECT_LT(a[0][i], 4);  // never the pad token
}

}  // namespace
}  // namespace automodel

namespace automodel {
namespace {

TEST(StoppingCriteria, MaxLengthWarnsOncePastThePositionTable) {
  std::vector<std::string> log;
  MaxLengthCriteria c(10, 4, [&](const std::string& m) { log.push_back(m); });
  Tensor three = Tensor::from_vector(std::vector<int64_t>{1, 2, 3}, {1, 3});
  Tensor five = Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 4, 5}, {1, 5});
  EXPECT_EQ(c.is_done(three), std::vector<bool>{false});
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(c.is_done(five), std::vector<bool>{false});
  EXPECT_EQ(c.is_done(five), std::vector<bool>{false});
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("predefined maximum length (4)"), std::string::npos);
  EXPECT_EQ(MaxLengthCriteria(5).is_done(five), std::vector<bool>{true});
}

TEST(StoppingCriteria, MaxTimeAndEos) {
  Tensor ids = Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 9}, {2, 2});
  EXPECT_EQ(MaxTimeCriteria(-1.0).is_done(ids), (std::vector<bool>{true, true}));  // already past
  EXPECT_EQ(MaxTimeCriteria(1e9).is_done(ids), (std::vector<bool>{false, false}));
  EXPECT_EQ(EosTokenCriteria({9, 4}).is_done(ids), (std::vector<bool>{false, true}));
}

TEST(Generate, ExplicitConfigBorrowsTheModelsSpecialIds) {
  TableLM model(kCounterVocab, counter_table, counter_config());
  GenerationConfig base;  // no eos / pad of its own
  base.max_new_tokens = 6;
  auto out = generate(model, ids({{5, 6}}), Tensor(), base, json::object());
  EXPECT_EQ(rows_of(out.sequences), (std::vector<std::vector<int64_t>>{{5, 6, 7, 0}}));  // stopped on the model's eos
  EXPECT_EQ(*out.config.pad_token_id, 1);
  EXPECT_EQ(out.config.max_length, 8);
}

}  // namespace
}  // namespace automodel
