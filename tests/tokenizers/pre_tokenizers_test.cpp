// Pre-tokenizers and normalizers built from their tokenizer.json objects, on small inputs whose
// expected pieces come from the HF documentation and tests or are worked out by hand.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {
namespace {

using Pieces = std::vector<std::string>;
using Spans = std::vector<Offsets>;

struct Result {
  Pieces pieces;
  Spans offsets;  // code points in the input
};

Result pre_tokenize(const std::string& spec, const std::string& text) {
  auto p = make_pre_tokenizer(json::parse(spec), "pre_tokenizer");
  PreTokenizedString s(text);
  p->pre_tokenize(s);
  Result r;
  ByteToCharOffsets conv(text);
  for (const auto& split : s.splits()) {
    r.pieces.push_back(split.normalized.get());
    auto o = split.normalized.offsets_original();
    r.offsets.push_back(conv.convert(o).value_or(o));
  }
  return r;
}

std::string normalize(const std::string& spec, const std::string& text) {
  auto n = make_normalizer(json::parse(spec), "normalizer");
  NormalizedString s(text);
  n->normalize(s);
  return s.get();
}

TEST(PreTokenizer, Whitespace) {
  EXPECT_EQ(pre_tokenize(R"({"type":"Whitespace"})", "Hello! How are you?").pieces,
            (Pieces{"Hello", "!", "How", "are", "you", "?"}));
  EXPECT_EQ(pre_tokenize(R"({"type":"Whitespace"})", "Hey man!").offsets, (Spans{{0, 3}, {4, 7}, {7, 8}}));
}

TEST(PreTokenizer, WhitespaceSplit) {
  EXPECT_EQ(pre_tokenize(R"({"type":"WhitespaceSplit"})", "Hey man!\u3000ok").pieces, (Pieces{"Hey", "man!", "ok"}));
}

TEST(PreTokenizer, BertSplitsWhitespaceAndIsolatesPunctuation) {
  EXPECT_EQ(pre_tokenize(R"({"type":"BertPreTokenizer"})", "Hey friend!     How are you?!?").pieces,
            (Pieces{"Hey", "friend", "!", "How", "are", "you", "?", "!", "?"}));
}

TEST(PreTokenizer, Punctuation) {
  EXPECT_EQ(pre_tokenize(R"({"type":"Punctuation"})", "Hey friend!     How are you?!?").pieces,
            (Pieces{"Hey friend", "!", "     How are you", "?", "!", "?"}));
  EXPECT_EQ(pre_tokenize(R"({"type":"Punctuation","behavior":"Contiguous"})", "Hi!?, yo").pieces,
            (Pieces{"Hi", "!?,", " yo"}));
}

TEST(PreTokenizer, Digits) {
  EXPECT_EQ(pre_tokenize(R"({"type":"Digits","individual_digits":false})", "Hey 123 friend!").pieces,
            (Pieces{"Hey ", "123", " friend!"}));
  EXPECT_EQ(pre_tokenize(R"({"type":"Digits","individual_digits":true})", "Hey 123 friend!").pieces,
            (Pieces{"Hey ", "1", "2", "3", " friend!"}));
}

TEST(PreTokenizer, ByteLevelGpt2) {
  auto r = pre_tokenize(R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true})",
                        "Hello my friend, how is your day going?");
  EXPECT_EQ(r.pieces, (Pieces{"ĠHello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġis", "Ġyour", "Ġday", "Ġgoing", "?"}));
  EXPECT_EQ(r.offsets.front(), Offsets(0, 5));  // the added space maps onto 'H'
  // Every byte of a multi-byte character shares the character's span.
  auto u = pre_tokenize(R"({"type":"ByteLevel","add_prefix_space":false})", "é");
  EXPECT_EQ(u.pieces, (Pieces{"Ã©"}));
  EXPECT_EQ(u.offsets, (Spans{{0, 1}}));
  // The GPT-2 regex: contractions, numbers, space runs before a word.
  EXPECT_EQ(pre_tokenize(R"({"type":"ByteLevel","add_prefix_space":false})", "I'm 42  ok").pieces,
            (Pieces{"I", "'m", "Ġ42", "Ġ", "Ġok"}));
  EXPECT_EQ(pre_tokenize(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":false})", "a b").pieces,
            (Pieces{"aĠb"}));
}

TEST(PreTokenizer, Metaspace) {
  const char* always = R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true})";
  EXPECT_EQ(pre_tokenize(always, "Hey friend!").pieces, (Pieces{"▁Hey", "▁friend!"}));
  EXPECT_EQ(pre_tokenize(always, "Hey   friend!").pieces, (Pieces{"▁Hey", "▁", "▁", "▁friend!"}));
  const char* nosplit = R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":false})";
  EXPECT_EQ(pre_tokenize(nosplit, "Hey friend").pieces, (Pieces{"Hey▁friend"}));
  // Legacy layout: add_prefix_space=false means never.
  EXPECT_EQ(pre_tokenize(R"({"type":"Metaspace","replacement":"▁","add_prefix_space":false})", "a b").pieces,
            (Pieces{"a", "▁b"}));
}

TEST(PreTokenizer, MetaspaceFirstOnlyPrependsAtTheStartOfTheInput) {
  // A pre-tokenizer sequence where the second piece starts later in the input.
  auto r = pre_tokenize(
      R"({"type":"Sequence","pretokenizers":[{"type":"CharDelimiterSplit","delimiter":"|"},
          {"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}]})",
      "ab|cd");
  EXPECT_EQ(r.pieces, (Pieces{"▁ab", "cd"}));
}

TEST(PreTokenizer, SplitBehavioursAndInvert) {
  auto split = [](const char* behavior, bool invert, const std::string& text) {
    std::string spec = std::string(R"({"type":"Split","pattern":{"String":"-"},"behavior":")") + behavior +
                       R"(","invert":)" + (invert ? "true" : "false") + "}";
    return pre_tokenize(spec, text).pieces;
  };
  EXPECT_EQ(split("Removed", false, "the-final--countdown"), (Pieces{"the", "final", "countdown"}));
  EXPECT_EQ(split("Isolated", false, "a-b"), (Pieces{"a", "-", "b"}));
  EXPECT_EQ(split("MergedWithPrevious", false, "a-b"), (Pieces{"a-", "b"}));
  EXPECT_EQ(split("MergedWithNext", false, "a-b"), (Pieces{"a", "-b"}));
  EXPECT_EQ(split("Contiguous", false, "a--b"), (Pieces{"a", "--", "b"}));
  // invert: the matches are the non-delimiters, so Removed keeps only the dashes.
  EXPECT_EQ(split("Removed", true, "a--b"), (Pieces{"-", "-"}));
  // Regex with Unicode classes and lookahead, as in the Llama-3 pattern.
  auto r = pre_tokenize(R"({"type":"Split","pattern":{"Regex":"\\p{L}+|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false})",
                        "héllo  wörld");
  EXPECT_EQ(r.pieces, (Pieces{"héllo", " ", " ", "wörld"}));
  EXPECT_EQ(r.offsets, (Spans{{0, 5}, {5, 6}, {6, 7}, {7, 12}}));
}

TEST(PreTokenizer, CharDelimiterSplit) {
  EXPECT_EQ(pre_tokenize(R"({"type":"CharDelimiterSplit","delimiter":"x"})", "axbxxc").pieces,
            (Pieces{"a", "b", "c"}));
}

TEST(PreTokenizer, UnicodeScripts) {
  EXPECT_EQ(pre_tokenize(R"({"type":"UnicodeScripts"})", "Hello 世界").pieces, (Pieces{"Hello ", "世界"}));
  // Hiragana / Katakana count as Han.
  EXPECT_EQ(pre_tokenize(R"({"type":"UnicodeScripts"})", "日本ひらがなカタカナabc").pieces,
            (Pieces{"日本ひらがなカタカナ", "abc"}));
}

TEST(PreTokenizer, FixedLength) {
  EXPECT_EQ(pre_tokenize(R"({"type":"FixedLength","length":2})", "abcdé").pieces, (Pieces{"ab", "cd", "é"}));
}

TEST(PreTokenizer, ErrorsNameThePathAndType) {
  try {
    make_pre_tokenizer(json::parse(R"({"type":"Sequence","pretokenizers":[{"type":"Whitespace"},{"type":"Nope"}]})"),
                       "pre_tokenizer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer.pretokenizers[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Nope"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_pre_tokenizer(json::parse(R"({"type":"Split","pattern":{"Regex":"("},"behavior":"Isolated","invert":false})"),
                                  "pre_tokenizer"),
               Error);
  EXPECT_THROW(make_pre_tokenizer(json::parse(R"({"type":"Split","pattern":{"String":"a"},"behavior":"Sideways","invert":false})"),
                                  "pre_tokenizer"),
               Error);
}

TEST(Normalizer, UnicodeForms) {
  EXPECT_EQ(normalize(R"({"type":"NFD"})", "é"), "e\xCC\x81");
  EXPECT_EQ(normalize(R"({"type":"NFC"})", "e\xCC\x81"), "é");
  EXPECT_EQ(normalize(R"({"type":"NFKD"})", "ﬁé"), "fie\xCC\x81");
  EXPECT_EQ(normalize(R"({"type":"NFKC"})", "①ﬁ"), "1fi");
}

TEST(Normalizer, LowercaseStripAccentsStripPrependReplace) {
  EXPECT_EQ(normalize(R"({"type":"Lowercase"})", "HeLLo ÀÉ"), "hello àé");
  EXPECT_EQ(normalize(R"({"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"StripAccents"}]})", "café"),
            "cafe");
  EXPECT_EQ(normalize(R"({"type":"Strip","strip_left":true,"strip_right":false})", "  a  "), "a  ");
  EXPECT_EQ(normalize(R"({"type":"Prepend","prepend":"▁"})", "hi"), "▁hi");
  EXPECT_EQ(normalize(R"({"type":"Prepend","prepend":"▁"})", ""), "");
  EXPECT_EQ(normalize(R"({"type":"Replace","pattern":{"String":" "},"content":"▁"})", "a b  c"), "a▁b▁▁c");
  EXPECT_EQ(normalize(R"({"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "})", "a \t\n b"), "a b");
  // String patterns are literal, not regexes.
  EXPECT_EQ(normalize(R"({"type":"Replace","pattern":{"String":".*"},"content":"!"})", "a.*b"), "a!b");
}

TEST(Normalizer, BertNormalizer) {
  const char* bert =
      R"({"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true})";
  EXPECT_EQ(normalize(bert, "Héllo\tWorld\x01"), "hello world");
  EXPECT_EQ(normalize(bert, "a中b"), "a 中 b");
  const char* keep_accents =
      R"({"type":"BertNormalizer","clean_text":false,"handle_chinese_chars":false,"strip_accents":false,"lowercase":true})";
  EXPECT_EQ(normalize(keep_accents, "Héllo"), "héllo");
}

TEST(Normalizer, ByteLevelAndNmt) {
  EXPECT_EQ(normalize(R"({"type":"ByteLevel"})", "a é"), "aĠÃ©");
  EXPECT_EQ(normalize(R"({"type":"Nmt"})", "a\tb\x01" "c"), "a bc");
}

TEST(Normalizer, PrecompiledRejectsMalformedCharsmaps) {
  EXPECT_THROW(make_normalizer(json::parse(R"({"type":"Precompiled","precompiled_charsmap":"AAA"})"), "normalizer"),
               Error);  // not base64
  EXPECT_THROW(make_normalizer(json::parse(R"({"type":"Precompiled","precompiled_charsmap":"AQ=="})"), "normalizer"),
               Error);  // shorter than its header
  EXPECT_THROW(make_normalizer(json::parse(R"({"type":"Precompiled","precompiled_charsmap":"/////w=="})"), "normalizer"),
               Error);  // declares a trie larger than the blob
}

TEST(Normalizer, ErrorsNameThePathAndType) {
  try {
    make_normalizer(json::parse(R"({"type":"Sequence","normalizers":[{"type":"Replace","pattern":{"Regex":"[a-"},"content":""}]})"),
                    "normalizer");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("normalizer.normalizers[0].pattern.Regex"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_normalizer(json::parse(R"({"type":"Frobnicate"})"), "normalizer"), Error);
  EXPECT_THROW(make_normalizer(json::parse(R"({"type":"Prepend"})"), "normalizer"), Error);
}

}  // namespace
}  // namespace automodel::tokenizers
