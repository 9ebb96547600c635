// Post-processors: templates (both JSON forms), BERT / RoBERTa / ByteLevel, Sequence, overflow
// handling and factory errors. Expected encodings are written out by hand from the templates.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"
#include "tokenizers/post_processors/post_processors.h"

namespace automodel::tokenizers {
namespace {

using Ids = std::vector<int32_t>;
using Seq = std::vector<std::optional<uint32_t>>;

Encoding enc(const std::vector<Token>& tokens, int32_t type_id = 0) { return Encoding::from_tokens(tokens, type_id); }

std::unique_ptr<PostProcessor> make(const std::string& j) { return make_post_processor(json::parse(j), "post_processor"); }

const char* kBertTemplate = R"({"type":"TemplateProcessing",
  "single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
            {"SpecialToken":{"id":"[SEP]","type_id":0}}],
  "pair":[{"SpecialToken":{"id":"[CLS]","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
          {"SpecialToken":{"id":"[SEP]","type_id":0}},{"Sequence":{"id":"B","type_id":1}},
          {"SpecialToken":{"id":"[SEP]","type_id":1}}],
  "special_tokens":{"[CLS]":{"id":"[CLS]","ids":[101],"tokens":["[CLS]"]},
                    "[SEP]":{"id":"[SEP]","ids":[102],"tokens":["[SEP]"]}}})";

TEST(TemplateProcessing, SingleAndPair) {
  auto p = make(kBertTemplate);
  EXPECT_EQ(p->added_tokens(false), 2u);
  EXPECT_EQ(p->added_tokens(true), 3u);
  Encoding a = enc({{5, "hello", {0, 5}}, {6, "world", {6, 11}}});
  Encoding b = enc({{7, "hi", {0, 2}}}, 1);

  Encoding single = p->process(a, std::nullopt, true);
  EXPECT_EQ(single.ids, (Ids{101, 5, 6, 102}));
  EXPECT_EQ(single.tokens, (std::vector<std::string>{"[CLS]", "hello", "world", "[SEP]"}));
  EXPECT_EQ(single.special_tokens_mask, (Ids{1, 0, 0, 1}));
  EXPECT_EQ(single.offsets, (std::vector<Offsets>{{0, 0}, {0, 5}, {6, 11}, {0, 0}}));
  EXPECT_EQ(single.sequence_ids, (Seq{std::nullopt, 0u, 0u, std::nullopt}));

  Encoding pair = p->process(a, b, true);
  EXPECT_EQ(pair.ids, (Ids{101, 5, 6, 102, 7, 102}));
  EXPECT_EQ(pair.type_ids, (Ids{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(pair.special_tokens_mask, (Ids{1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(pair.attention_mask, (Ids{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(pair.offsets, (std::vector<Offsets>{{0, 0}, {0, 5}, {6, 11}, {0, 0}, {0, 2}, {0, 0}}));
  EXPECT_EQ(pair.sequence_ids, (Seq{std::nullopt, 0u, 0u, std::nullopt, 1u, std::nullopt}));

  Encoding plain = p->process(a, b, false);
  EXPECT_EQ(plain.ids, (Ids{5, 6, 7}));
  EXPECT_EQ(plain.type_ids, (Ids{0, 0, 1}));
}

TEST(TemplateProcessing, StringFormsAndMultiIdSpecialTokens) {
  auto p = make(R"({"type":"TemplateProcessing","single":"<bos> $0 <eos>","pair":["<bos>","$A","$B:1","<eos>:1"],
    "special_tokens":{"<bos>":{"id":"<bos>","ids":[1,2],"tokens":["<b1>","<b2>"]},
                      "<eos>":{"id":"<eos>","ids":[3],"tokens":["<e>"]}}})");
  EXPECT_EQ(p->added_tokens(false), 3u);
  EXPECT_EQ(p->added_tokens(true), 3u);
  Encoding single = p->process(enc({{9, "x", {0, 1}}}), std::nullopt, true);
  EXPECT_EQ(single.ids, (Ids{1, 2, 9, 3}));
  EXPECT_EQ(single.tokens, (std::vector<std::string>{"<b1>", "<b2>", "x", "<e>"}));
  Encoding pair = p->process(enc({{9, "x", {0, 1}}}), enc({{8, "y", {0, 1}}}, 1), true);
  EXPECT_EQ(pair.ids, (Ids{1, 2, 9, 8, 3}));
  EXPECT_EQ(pair.type_ids, (Ids{0, 0, 0, 1, 1}));
}

TEST(TemplateProcessing, PieceParsing) {
  auto a = TemplateProcessing::parse_piece("$");
  EXPECT_TRUE(a.is_sequence);
  EXPECT_EQ(a.sequence, 0);
  auto b1 = TemplateProcessing::parse_piece("$B:1");
  EXPECT_EQ(b1.sequence, 1);
  EXPECT_EQ(b1.type_id, 1);
  auto t2 = TemplateProcessing::parse_piece("$2");
  EXPECT_EQ(t2.sequence, 0);
  EXPECT_EQ(t2.type_id, 2);
  auto s = TemplateProcessing::parse_piece("[SEP]:1");
  EXPECT_FALSE(s.is_sequence);
  EXPECT_EQ(s.special_id, "[SEP]");
  EXPECT_EQ(s.type_id, 1);
  EXPECT_THROW(TemplateProcessing::parse_piece("$C"), Error);
  EXPECT_THROW(TemplateProcessing::parse_piece("a:b:c"), Error);
  EXPECT_THROW(TemplateProcessing::parse_piece("[SEP]:x"), Error);
}

TEST(TemplateProcessing, Errors) {
  try {
    make(R"({"type":"TemplateProcessing","single":"[CLS] $A","pair":"$A $B","special_tokens":{}})");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Missing SpecialToken(s) with id(s) `[CLS]`"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("post_processor (TemplateProcessing)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make(R"({"type":"TemplateProcessing","single":"$A","pair":"$A","special_tokens":{}})"), Error);
  EXPECT_THROW(make(R"({"type":"TemplateProcessing","single":[{"Other":{}}],"pair":"$A $B"})"), Error);
  EXPECT_THROW(make(R"({"type":"Nope"})"), Error);
  EXPECT_THROW(make(R"({"sep":["a",1]})"), Error);
  EXPECT_EQ(make_post_processor(json(nullptr), "post_processor"), nullptr);
}

TEST(TemplateProcessing, OverflowingPartsGetTheTemplateToo) {
  auto p = make(kBertTemplate);
  Encoding a = enc({{1, "a", {0, 1}}, {2, "b", {1, 2}}, {3, "c", {2, 3}}});
  a.truncate(2, 0, Direction::right);
  Encoding out = p->process(a, std::nullopt, true);
  EXPECT_EQ(out.ids, (Ids{101, 1, 2, 102}));
  ASSERT_EQ(out.overflowing.size(), 1u);
  EXPECT_EQ(out.overflowing[0].ids, (Ids{101, 3, 102}));
}

TEST(BertProcessing, AddsClsAndSep) {
  auto p = make(R"({"type":"BertProcessing","sep":["[SEP]",102],"cls":["[CLS]",101]})");
  EXPECT_EQ(p->added_tokens(false), 2u);
  EXPECT_EQ(p->added_tokens(true), 3u);
  Encoding pair = p->process(enc({{5, "a", {0, 1}}}), enc({{6, "b", {0, 1}}}, 1), true);
  EXPECT_EQ(pair.ids, (Ids{101, 5, 102, 6, 102}));
  EXPECT_EQ(pair.type_ids, (Ids{0, 0, 0, 1, 1}));
  EXPECT_EQ(pair.special_tokens_mask, (Ids{1, 0, 1, 0, 1}));
  EXPECT_EQ(pair.sequence_ids, (Seq{std::nullopt, 0u, std::nullopt, 1u, std::nullopt}));
}

TEST(RobertaProcessing, SpecialTokensTypeIdsAndTrimmedOffsets) {
  auto p = make(R"({"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0],"trim_offsets":true,
                    "add_prefix_space":true})");
  EXPECT_EQ(p->added_tokens(false), 2u);
  EXPECT_EQ(p->added_tokens(true), 4u);
  // "hello world" with the prefix space added: the first token keeps its one added space.
  Encoding a = enc({{10, "Ġhello", {0, 5}}, {11, "Ġworld", {5, 11}}});
  Encoding b = enc({{12, "Ġhi", {0, 2}}}, 1);
  Encoding out = p->process(a, b, true);
  EXPECT_EQ(out.ids, (Ids{0, 10, 11, 2, 2, 12, 2}));
  EXPECT_EQ(out.type_ids, (Ids{0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(out.special_tokens_mask, (Ids{1, 0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(out.offsets, (std::vector<Offsets>{{0, 0}, {0, 5}, {6, 11}, {0, 0}, {0, 0}, {0, 2}, {0, 0}}));
}

TEST(ByteLevelProcessing, TrimsLeadingAndTrailingSpaces) {
  auto p = make(R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true})");
  EXPECT_EQ(p->added_tokens(false), 0u);
  Encoding a = enc({{1, "hiĠ", {0, 3}}, {2, "ĠĠyo", {3, 7}}, {3, "Ġ", {7, 8}}});
  Encoding out = p->process(a, std::nullopt, true);
  EXPECT_EQ(out.offsets, (std::vector<Offsets>{{0, 2}, {5, 7}, {8, 8}}));
  EXPECT_EQ(out.ids, (Ids{1, 2, 3}));
  auto keep = make(R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false})");
  EXPECT_EQ(keep->process(a, std::nullopt, true).offsets, a.offsets);
}

TEST(SequenceProcessing, ByteLevelThenTemplate) {
  auto p = make(R"({"type":"Sequence","processors":[
      {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
      {"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|bos|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
       "pair":[{"SpecialToken":{"id":"<|bos|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
               {"SpecialToken":{"id":"<|bos|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
       "special_tokens":{"<|bos|>":{"id":"<|bos|>","ids":[128000],"tokens":["<|bos|>"]}}}]})");
  EXPECT_EQ(p->added_tokens(false), 1u);
  EXPECT_EQ(p->added_tokens(true), 2u);
  Encoding out = p->process(enc({{9, "Hi", {0, 2}}}), std::nullopt, true);
  EXPECT_EQ(out.ids, (Ids{128000, 9}));
  EXPECT_EQ(out.special_tokens_mask, (Ids{1, 0}));
}

}  // namespace
}  // namespace automodel::tokenizers
