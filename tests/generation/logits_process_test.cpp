// Each processor on a small table whose expected result was worked out by hand from HF 4.47's
// definitions (logits_process.py), ties and boundaries included.
#include "automodel/generation/logits_process.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>

#include "automodel/core/error.h"

namespace automodel {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

Tensor scores_of(const std::vector<std::vector<float>>& rows) {
  std::vector<float> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {int64_t(rows.size()), int64_t(rows[0].size())});
}

Tensor ids_of(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<int64_t> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {int64_t(rows.size()), int64_t(rows[0].size())});
}

std::vector<float> row(const Tensor& t, int64_t r) {
  auto all = t.to_vector<float>();
  return std::vector<float>(all.begin() + r * t.size(1), all.begin() + (r + 1) * t.size(1));
}

std::vector<float> logs(const std::vector<double>& p) {
  std::vector<float> out;
  for (double x : p) out.push_back(float(std::log(x)));
  return out;
}

// Which entries were set to -inf.
std::vector<bool> removed(const Tensor& t, int64_t r = 0) {
  std::vector<bool> out;
  for (float v : row(t, r)) out.push_back(v == -kInf);
  return out;
}

const Tensor kOneId = ids_of({{0}});

TEST(TopK, KeepsAllTiesAtTheKthValue) {
  Tensor s = scores_of({{1, 3, 3, 2, 5}});
  TopKLogitsWarper(2).apply(kOneId, s);
  // sorted 5,3,3,2,1: the 2nd largest is 3, every score >= 3 stays
  EXPECT_EQ(row(s, 0), (std::vector<float>{-kInf, 3, 3, -kInf, 5}));
}

TEST(TopK, MinTokensToKeepRaisesK) {
  Tensor s = scores_of({{1, 3, 4, 2, 5}});
  TopKLogitsWarper(1, /*min_tokens_to_keep=*/3).apply(kOneId, s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{-kInf, 3, 4, -kInf, 5}));
  Tensor t = scores_of({{1, 2}});
  TopKLogitsWarper(10).apply(kOneId, t);  // k larger than the vocabulary: nothing removed
  EXPECT_EQ(row(t, 0), (std::vector<float>{1, 2}));
  EXPECT_THROW(TopKLogitsWarper(0), Error);
}

TEST(TopP, RemovesTheLowTailUpToOneMinusP) {
  // probs 0.1 0.2 0.3 0.4: ascending cumsum 0.1 0.3 0.6 1.0
  Tensor a = scores_of({logs({0.1, 0.2, 0.3, 0.4})});
  TopPLogitsWarper(0.75).apply(kOneId, a);  // remove cum <= 0.25: only the 0.1 token
  EXPECT_EQ(removed(a), (std::vector<bool>{true, false, false, false}));
  Tensor b = scores_of({logs({0.3, 0.1, 0.4, 0.2})});
  TopPLogitsWarper(0.65).apply(kOneId, b);  // remove cum <= 0.35: the 0.1 and 0.2 tokens
  EXPECT_EQ(removed(b), (std::vector<bool>{false, true, false, true}));
  Tensor c = scores_of({logs({0.1, 0.2, 0.3, 0.4})});
  TopPLogitsWarper(0.1, /*min_tokens_to_keep=*/3).apply(kOneId, c);  // would keep only 0.4; 3 kept
  EXPECT_EQ(removed(c), (std::vector<bool>{true, false, false, false}));
  Tensor d = scores_of({logs({0.1, 0.2, 0.3, 0.4})});
  TopPLogitsWarper(1.0).apply(kOneId, d);  // threshold 0: nothing has cum <= 0
  EXPECT_EQ(removed(d), (std::vector<bool>{false, false, false, false}));
}

TEST(MinP, ScalesWithTheTopProbability) {
  Tensor a = scores_of({logs({0.5, 0.3, 0.15, 0.05})});
  MinPLogitsWarper(0.2).apply(kOneId, a);  // cut at 0.2 * 0.5 = 0.1
  EXPECT_EQ(removed(a), (std::vector<bool>{false, false, false, true}));
  Tensor b = scores_of({logs({0.5, 0.3, 0.15, 0.05})});
  MinPLogitsWarper(0.5).apply(kOneId, b);  // cut at 0.25
  EXPECT_EQ(removed(b), (std::vector<bool>{false, false, true, true}));
  Tensor c = scores_of({logs({0.5, 0.3, 0.15, 0.05})});
  MinPLogitsWarper(0.5, /*min_tokens_to_keep=*/3).apply(kOneId, c);  // the top 3 by score stay
  EXPECT_EQ(removed(c), (std::vector<bool>{false, false, false, true}));
}

TEST(Typical, KeepsTheTokensClosestToTheEntropy) {
  // p = 0.6 0.3 0.1: H = 0.89794; |-log p - H| = 0.3871, 0.3061, 1.4047. Ascending order is
  // token 1, token 0, token 2 with probs 0.3, 0.6, 0.1: cumsum 0.3, 0.9, 1.0.
  Tensor a = scores_of({logs({0.6, 0.3, 0.1})});
  TypicalLogitsWarper(0.5).apply(kOneId, a);  // one cumsum < 0.5: cut at token 0's distance
  EXPECT_EQ(removed(a), (std::vector<bool>{false, false, true}));
  Tensor b = scores_of({logs({0.6, 0.3, 0.1})});
  TypicalLogitsWarper(0.2).apply(kOneId, b);  // none < 0.2: only token 1, the most typical, stays
  EXPECT_EQ(removed(b), (std::vector<bool>{true, false, true}));
  Tensor c = scores_of({logs({0.6, 0.3, 0.1})});
  TypicalLogitsWarper(0.2, /*min_tokens_to_keep=*/2).apply(kOneId, c);
  EXPECT_EQ(removed(c), (std::vector<bool>{false, false, true}));
}

TEST(Epsilon, RemovesBelowEpsilonButKeepsTheTop) {
  Tensor a = scores_of({logs({0.6, 0.3, 0.07, 0.03})});
  EpsilonLogitsWarper(0.05).apply(kOneId, a);
  EXPECT_EQ(removed(a), (std::vector<bool>{false, false, false, true}));
  Tensor b = scores_of({logs({0.6, 0.3, 0.07, 0.03})});
  EpsilonLogitsWarper(0.5, /*min_tokens_to_keep=*/2).apply(kOneId, b);  // 0.3 < 0.5 but is 2nd
  EXPECT_EQ(removed(b), (std::vector<bool>{false, false, true, true}));
}

TEST(Eta, UsesTheEntropyBoundWhenSmaller) {
  // p = 0.6 0.3 0.07 0.03: H = 0.95903, exp(-H) = 0.38324. eps 0.5: sqrt(0.5) * 0.38324 = 0.27099
  // < 0.5, so the cut is 0.271: 0.3 survives (plain epsilon 0.5 would remove it).
  Tensor a = scores_of({logs({0.6, 0.3, 0.07, 0.03})});
  EtaLogitsWarper(0.5).apply(kOneId, a);
  EXPECT_EQ(removed(a), (std::vector<bool>{false, false, true, true}));
  // eps 0.05: sqrt(0.05) * 0.38324 = 0.0857 > 0.05, so the cut is 0.05.
  Tensor b = scores_of({logs({0.6, 0.3, 0.07, 0.03})});
  EtaLogitsWarper(0.05).apply(kOneId, b);
  EXPECT_EQ(removed(b), (std::vector<bool>{false, false, false, true}));
}

TEST(Temperature, DividesAndRejectsZero) {
  Tensor s = scores_of({{2, -4, 1}});
  TemperatureLogitsWarper(2.0).apply(kOneId, s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{1, -2, 0.5f}));
  EXPECT_THROW(TemperatureLogitsWarper(0.0), Error);
}

TEST(RepetitionPenalty, OncePerDistinctTokenSignAware) {
  Tensor s = scores_of({{2, -2, 1, 0.5f}, {2, -2, 1, 0.5f}});
  RepetitionPenaltyLogitsProcessor(2.0).apply(ids_of({{0, 1, 0}, {3, 3, 3}}), s);
  // row 0: token 0 seen twice is penalised once (2/2), token 1 is negative so multiplied
  EXPECT_EQ(row(s, 0), (std::vector<float>{1, -4, 1, 0.5f}));
  EXPECT_EQ(row(s, 1), (std::vector<float>{2, -2, 1, 0.25f}));
}

TEST(EncoderRepetitionPenalty, RewardsPromptTokens) {
  Tensor s = scores_of({{2, -2, 1}});
  EncoderRepetitionPenaltyLogitsProcessor(2.0, ids_of({{0, 1}})).apply(ids_of({{0, 1, 2}}), s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{4, -1, 1}));  // penalty 1/2: 2/(1/2), -2*(1/2)
}

TEST(NoRepeatNGram, BansTheTokenThatWouldRepeatAnNgram) {
  Tensor s = scores_of({{0, 0, 0, 0, 0, 0, 0, 0}});
  NoRepeatNGramLogitsProcessor(2).apply(ids_of({{5, 6, 7, 5}}), s);  // bigram (5, 6) exists
  EXPECT_EQ(removed(s), (std::vector<bool>{false, false, false, false, false, false, true, false}));
  Tensor t = scores_of({{0, 0, 0, 0, 0}});
  NoRepeatNGramLogitsProcessor(3).apply(ids_of({{1, 2, 3, 1, 2}}), t);  // trigram (1, 2, 3)
  EXPECT_EQ(removed(t), (std::vector<bool>{false, false, false, true, false}));
  Tensor u = scores_of({{0, 0, 0, 0}});
  NoRepeatNGramLogitsProcessor(4).apply(ids_of({{1, 2}}), u);  // too short for any 4-gram
  EXPECT_EQ(removed(u), (std::vector<bool>{false, false, false, false}));
  Tensor v = scores_of({{0, 0, 0, 0}});
  NoRepeatNGramLogitsProcessor(1).apply(ids_of({{1, 3}}), v);  // unigrams: every seen token
  EXPECT_EQ(removed(v), (std::vector<bool>{false, true, false, true}));
}

TEST(SequenceBias, SingleTokensAlwaysLongerOnesAfterTheirPrefix) {
  Tensor s = scores_of({{0, 0, 0, 0}, {0, 0, 0, 0}});
  SequenceBiasLogitsProcessor({{{3}, -1.0}, {{1, 2}, 2.0}}).apply(ids_of({{0, 1}, {1, 0}}), s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{0, 0, 2, -1}));
  EXPECT_EQ(row(s, 1), (std::vector<float>{0, 0, 0, -1}));
  Tensor t = scores_of({{0, 0}});
  EXPECT_THROW(SequenceBiasLogitsProcessor({{{5}, 1.0}}).apply(kOneId, t), Error);  // outside vocab
}

TEST(NoBadWords, DropsSingleEosEntriesAndBansSequences) {
  Tensor s = scores_of({{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}});
  NoBadWordsLogitsProcessor({{2}, {3}, {1, 4}}, std::vector<int64_t>{2}).apply(ids_of({{0, 1}, {1, 0}}), s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{1, 1, 1, -kInf, -kInf}));
  EXPECT_EQ(row(s, 1), (std::vector<float>{1, 1, 1, -kInf, 1}));
  // only the eos itself: HF ends with an empty bias dict and raises
  EXPECT_THROW(NoBadWordsLogitsProcessor({{2}}, std::vector<int64_t>{2}), Error);
}

TEST(MinLength, MasksEosUntilTheLengthIsReached) {
  Tensor s = scores_of({{1, 1, 1, 1, 1}});
  MinLengthLogitsProcessor(5, {2, 4}).apply(ids_of({{7, 7, 7, 7}}), s);
  EXPECT_EQ(removed(s), (std::vector<bool>{false, false, true, false, true}));
  Tensor t = scores_of({{1, 1, 1, 1, 1}});
  MinLengthLogitsProcessor(5, {2, 4}).apply(ids_of({{7, 7, 7, 7, 7}}), t);
  EXPECT_EQ(removed(t), (std::vector<bool>{false, false, false, false, false}));
}

TEST(MinNewTokens, CountsOnlyTokensAfterThePrompt) {
  Tensor s = scores_of({{1, 1, 1}});
  MinNewTokensLengthLogitsProcessor(3, 2, {2}).apply(ids_of({{7, 7, 7, 7}}), s);  // 1 new < 2
  EXPECT_EQ(removed(s), (std::vector<bool>{false, false, true}));
  Tensor t = scores_of({{1, 1, 1}});
  MinNewTokensLengthLogitsProcessor(3, 2, {2}).apply(ids_of({{7, 7, 7, 7, 7}}), t);
  EXPECT_EQ(removed(t), (std::vector<bool>{false, false, false}));
}

TEST(ForcedTokens, BosAtLengthOneEosAtMaxLengthMinusOne) {
  Tensor s = scores_of({{3, 1, 2}});
  ForcedBOSTokenLogitsProcessor(1).apply(ids_of({{0}}), s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{-kInf, 0, -kInf}));
  Tensor t = scores_of({{3, 1, 2}});
  ForcedBOSTokenLogitsProcessor(1).apply(ids_of({{0, 0}}), t);
  EXPECT_EQ(row(t, 0), (std::vector<float>{3, 1, 2}));
  Tensor u = scores_of({{3, 1, 2}});
  ForcedEOSTokenLogitsProcessor(4, {2}).apply(ids_of({{0, 0, 0}}), u);
  EXPECT_EQ(row(u, 0), (std::vector<float>{-kInf, -kInf, 0}));
  Tensor v = scores_of({{3, 1, 2}});
  ForcedEOSTokenLogitsProcessor(4, {2}).apply(ids_of({{0, 0}}), v);
  EXPECT_EQ(row(v, 0), (std::vector<float>{3, 1, 2}));
}

TEST(InfNanRemove, ReplacesWithFiniteExtremes) {
  Tensor s = scores_of({{std::nanf(""), kInf, -kInf, 1}});
  InfNanRemoveLogitsProcessor().apply(kOneId, s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{0, FLT_MAX, -FLT_MAX, 1}));
}

TEST(ExponentialDecay, GrowsTheEosScoreByItsMagnitude) {
  // start 1 after a prompt of 3: regulation starts at 4; length 6 -> 2^(6-4) - 1 = 3
  Tensor s = scores_of({{0, 0, 2}, {0, 0, -2}});
  ExponentialDecayLengthPenalty({1, 2.0}, {2}, 3).apply(ids_of({{0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}}), s);
  EXPECT_EQ(row(s, 0), (std::vector<float>{0, 0, 8}));
  EXPECT_EQ(row(s, 1), (std::vector<float>{0, 0, 4}));
  Tensor t = scores_of({{0, 0, 2}});
  ExponentialDecayLengthPenalty({1, 2.0}, {2}, 3).apply(ids_of({{0, 0, 0, 0}}), t);  // not past start
  EXPECT_EQ(row(t, 0), (std::vector<float>{0, 0, 2}));
}

TEST(SuppressTokens, AlwaysAndAtTheBeginIndexOnly) {
  Tensor s = scores_of({{1, 1, 1}});
  SuppressTokensLogitsProcessor({0, 2, 9}).apply(kOneId, s);
  EXPECT_EQ(removed(s), (std::vector<bool>{true, false, true}));
  Tensor t = scores_of({{1, 1, 1}});
  SuppressTokensAtBeginLogitsProcessor({1}, 2).apply(ids_of({{0, 0}}), t);
  EXPECT_EQ(removed(t), (std::vector<bool>{false, true, false}));
  Tensor u = scores_of({{1, 1, 1}});
  SuppressTokensAtBeginLogitsProcessor({1}, 2).apply(ids_of({{0, 0, 0}}), u);
  EXPECT_EQ(removed(u), (std::vector<bool>{false, false, false}));
}

TEST(LogitNormalization, IsLogSoftmax) {
  Tensor s = scores_of({{0, float(std::log(3.0))}});
  LogitNormalization().apply(kOneId, s);
  EXPECT_NEAR(row(s, 0)[0], std::log(0.25), 1e-6);
  EXPECT_NEAR(row(s, 0)[1], std::log(0.75), 1e-6);
}

TEST(Chain, FollowsHfOrder) {
  GenerationConfig c;
  c.do_sample = true;
  c.num_beams = 2;
  c.eos_token_id = std::vector<int64_t>{2, 3};
  c.sequence_bias = std::vector<std::pair<std::vector<int64_t>, double>>{{{1}, 1.0}};
  c.repetition_penalty = 1.2;
  c.encoder_repetition_penalty = 1.1;
  c.no_repeat_ngram_size = 2;
  c.bad_words_ids = std::vector<std::vector<int64_t>>{{4}};
  c.min_length = 3;
  c.min_new_tokens = 1;
  c.forced_bos_token_id = 1;
  c.forced_eos_token_id = std::vector<int64_t>{2};
  c.remove_invalid_values = true;
  c.exponential_decay_length_penalty = std::make_pair(int64_t(1), 1.5);
  c.suppress_tokens = std::vector<int64_t>{5};
  c.begin_suppress_tokens = std::vector<int64_t>{6};
  c.temperature = 0.7;
  c.top_k = 10;
  c.top_p = 0.9;
  c.min_p = 0.05;
  c.typical_p = 0.95;
  c.epsilon_cutoff = 0.01;
  c.eta_cutoff = 0.01;
  c.renormalize_logits = true;
  auto list = build_logits_processors(c, 4, ids_of({{1, 2, 3, 4}}));
  EXPECT_EQ(list.names(),
            (std::vector<std::string>{"SequenceBiasLogitsProcessor", "EncoderRepetitionPenaltyLogitsProcessor",
                                      "RepetitionPenaltyLogitsProcessor", "NoRepeatNGramLogitsProcessor",
                                      "NoBadWordsLogitsProcessor", "MinLengthLogitsProcessor",
                                      "MinNewTokensLengthLogitsProcessor", "ForcedBOSTokenLogitsProcessor",
                                      "ForcedEOSTokenLogitsProcessor", "InfNanRemoveLogitsProcessor",
                                      "ExponentialDecayLengthPenalty", "SuppressTokensLogitsProcessor",
                                      "SuppressTokensAtBeginLogitsProcessor", "TemperatureLogitsWarper",
                                      "TopKLogitsWarper", "TopPLogitsWarper", "MinPLogitsWarper", "TypicalLogitsWarper",
                                      "EpsilonLogitsWarper", "EtaLogitsWarper", "LogitNormalization"}));
  // Greedy: the warpers are not built at all (HF ignores sampling flags when do_sample is false).
  c.do_sample = false;
  auto greedy = build_logits_processors(c, 4, ids_of({{1, 2, 3, 4}}));
  EXPECT_EQ(greedy.size(), 14u);
  EXPECT_EQ(greedy.names().back(), "LogitNormalization");
}

TEST(Chain, BeamSamplingKeepsOneMoreThanTheEosCount) {
  // min_tokens_to_keep = #eos + 1 = 3 with beams: top_k 1 keeps the top 3.
  GenerationConfig c;
  c.do_sample = true;
  c.num_beams = 2;
  c.top_k = 1;
  c.eos_token_id = std::vector<int64_t>{0, 1};
  auto list = build_logits_processors(c, 1, ids_of({{0}}));
  Tensor s = scores_of({{1, 2, 3, 4, 5}});
  list.apply(kOneId, s);
  EXPECT_EQ(removed(s), (std::vector<bool>{true, true, false, false, false}));
}

TEST(Chain, UserProcessorOfAnExistingTypeIsRejected) {
  GenerationConfig c;
  c.repetition_penalty = 1.5;
  std::vector<std::unique_ptr<LogitsProcessor>> user;
  user.push_back(std::make_unique<RepetitionPenaltyLogitsProcessor>(2.0));
  EXPECT_THROW(build_logits_processors(c, 1, ids_of({{0}}), std::move(user)), Error);
}

}  // namespace
}  // namespace automodel
