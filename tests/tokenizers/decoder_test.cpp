// Decoders: expected outputs from HF tokenizers' own decoder tests where they exist (noted),
// otherwise worked out by hand from the byte-level alphabet and the rules.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {
namespace {

using Strings = std::vector<std::string>;

Strings run(const std::string& j, Strings tokens) {
  return make_decoder(json::parse(j), "decoder")->decode_chain(std::move(tokens));
}

TEST(ByteLevelDecoder, MapsTheAlphabetBackToBytes) {
  const std::string d = R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})";
  EXPECT_EQ(run(d, {"Hello", "Ġworld", "Ċ"}), Strings{"Hello world\n"});
  // "…" is E2 80 A6: 'â' = 0xE2, 'Ģ' = 0x80 (U+0122), '¦' = 0xA6.
  EXPECT_EQ(run(d, {"âĢ", "¦"}), Strings{"…"});
  // An incomplete sequence becomes one U+FFFD (Rust's from_utf8_lossy).
  EXPECT_EQ(run(d, {"âĢ"}), Strings{"\xEF\xBF\xBD"});
  EXPECT_EQ(run(d, {"âĢ", "a"}), Strings{"\xEF\xBF\xBD" "a"});
  // A token with a character outside the alphabet (an added token) is kept as it is.
  EXPECT_EQ(run(d, {"a b", "Ġc"}), Strings{"a b c"});
  EXPECT_EQ(run(d, {}), Strings{""});
}

TEST(ByteFallbackDecoder, HfCases) {
  // HF decoders/byte_fallback.rs tests.
  const std::string d = R"({"type":"ByteFallback"})";
  EXPECT_EQ(run(d, {"Hey", "friend!"}), (Strings{"Hey", "friend!"}));
  EXPECT_EQ(run(d, {"<0x61>"}), Strings{"a"});
  EXPECT_EQ(run(d, {"<0xE5>"}), Strings{"\xEF\xBF\xBD"});
  EXPECT_EQ(run(d, {"<0xE5>", "<0x8f>"}), (Strings{"\xEF\xBF\xBD", "\xEF\xBF\xBD"}));
  EXPECT_EQ(run(d, {"<0xE5>", "<0x8f>", "<0xab>"}), Strings{"叫"});
  EXPECT_EQ(run(d, {"<0xE5>", "<0x8f>", "<0xab>", "a"}), (Strings{"叫", "a"}));
  EXPECT_EQ(run(d, {"<0xE5>", "<0x8f>", "a"}), (Strings{"\xEF\xBF\xBD", "\xEF\xBF\xBD", "a"}));
  EXPECT_EQ(run(d, {"<0xZZ>", "<0x6>"}), (Strings{"<0xZZ>", "<0x6>"}));
}

TEST(MetaspaceDecoder, HfCases) {
  EXPECT_EQ(run(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true})",
                {"▁Hey", "▁friend!"}),
            (Strings{"Hey", " friend!"}));
  EXPECT_EQ(run(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":true})",
                {"▁Hey", "▁friend!"}),
            (Strings{" Hey", " friend!"}));
  // Old layout: add_prefix_space true = "always".
  EXPECT_EQ(run(R"({"type":"Metaspace","replacement":"▁","add_prefix_space":true})", {"▁a▁b", "▁c"}),
            (Strings{"ab", " c"}));
  EXPECT_THROW(run(R"({"type":"Metaspace","replacement":"▁▁"})", {}), Error);
}

TEST(WordPieceDecoder, PrefixAndCleanup) {
  // HF decoders/wordpiece.rs test.
  EXPECT_EQ(run(R"({"type":"WordPiece","prefix":"##","cleanup":true})",
                {"##uelo", "Ara", "##új", "##o", "No", "##guera"}),
            (Strings{"##uelo", " Ara", "új", "o", " No", "guera"}));
  EXPECT_EQ(run(R"({"type":"WordPiece","prefix":"##","cleanup":true})", {"hello", ",", "it", "'", "s", "."}),
            (Strings{"hello", ",", " it", " '", " s", "."}));
  EXPECT_EQ(run(R"({"type":"WordPiece","prefix":"##","cleanup":false})", {"a", "."}), (Strings{"a", " ."}));
}

TEST(BpeDecoder, SuffixBecomesSpaceExceptAtTheEnd) {
  EXPECT_EQ(run(R"({"type":"BPEDecoder","suffix":"</w>"})", {"hello</w>", "wor", "ld</w>"}),
            (Strings{"hello ", "wor", "ld"}));
  EXPECT_EQ(run(R"({"type":"BPEDecoder","suffix":"</w>"})", {}), Strings{});
}

TEST(CtcDecoder, HfCase) {
  // HF decoders/ctc.rs test.
  const std::string d = R"({"type":"CTC","pad_token":"<pad>","word_delimiter_token":"|","cleanup":true})";
  EXPECT_EQ(run(d, {"<pad>", "<pad>", "h", "e", "e", "l", "l", "<pad>", "l", "o", "o", "o", "<pad>"}),
            (Strings{"h", "e", "l", "l", "o"}));
  EXPECT_EQ(run(d, {"h", "|", "i"}), (Strings{"h", " ", "i"}));
}

TEST(StripFuseReplace, HfCases) {
  EXPECT_EQ(run(R"({"type":"Strip","content":"H","start":1,"stop":0})", {"Hey", "friend!", "HHH"}),
            (Strings{"ey", "friend!", "HH"}));
  EXPECT_EQ(run(R"({"type":"Strip","content":"y","start":0,"stop":1})", {"Hey", "friend!"}),
            (Strings{"He", "friend!"}));
  EXPECT_EQ(run(R"({"type":"Strip","content":" ","start":1,"stop":0})", {" ", " a"}), (Strings{"", "a"}));
  EXPECT_EQ(run(R"({"type":"Fuse"})", {"Hey", " friend!"}), Strings{"Hey friend!"});
  EXPECT_EQ(run(R"({"type":"Replace","pattern":{"String":"▁"},"content":" "})", {"▁Hey", "▁friend▁"}),
            (Strings{" Hey", " friend "}));
  EXPECT_EQ(run(R"({"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "})", {"a \t b", ""}),
            (Strings{"a b", ""}));
  EXPECT_EQ(run(R"({"type":"Replace","pattern":{"Regex":"x*"},"content":"-"})", {"ab"}), Strings{"-a-b-"});
}

TEST(SequenceDecoder, MistralChain) {
  const std::string d = R"({"type":"Sequence","decoders":[
      {"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},
      {"type":"Strip","content":" ","start":1,"stop":0}]})";
  EXPECT_EQ(run(d, {"▁Hey", "<0x21>", "▁", "<0xE5>", "<0x8f>", "<0xab>"}), Strings{"Hey! 叫"});
}

TEST(DecoderFactory, Errors) {
  EXPECT_THROW(run(R"({"type":"Nope"})", {}), Error);
  EXPECT_THROW(run(R"({"suffix":"</w>"})", {}), Error);
  EXPECT_THROW(run(R"({"type":"Replace","pattern":{"Regex":"("},"content":""})", {}), Error);
  EXPECT_THROW(run(R"({"type":"Strip","content":"ab","start":1,"stop":0})", {}), Error);
  try {
    make_decoder(json::parse(R"({"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"Strip","content":1,"start":1,"stop":0}]})"),
                 "decoder");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("decoder.decoders[1].content"), std::string::npos) << e.what();
  }
  EXPECT_EQ(make_decoder(json(nullptr), "decoder"), nullptr);
}

}  // namespace
}  // namespace automodel::tokenizers
