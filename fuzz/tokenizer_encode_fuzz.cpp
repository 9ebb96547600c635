// libFuzzer target: arbitrary bytes (including invalid UTF-8) encoded by two small fixed
// tokenizers built here from inline JSON: a byte-level BPE with a Llama-3-style Split regex,
// NFKC and added tokens (lstrip / rstrip / single_word / normalized), and a BERT-style
// WordPiece. Encoding must not fail; offsets must lie inside the (repaired) input and follow
// their tokens; decode must accept every id it produced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/tokenizer.h"

namespace {

using automodel::json;
using automodel::tokenizers::Tokenizer;

std::string byte_level_char(int b) {
  // GPT-2's byte-to-character table.
  int n = 0;
  for (int x = 0; x < 256; ++x) {
    bool printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
    int cp = printable ? x : 256 + n++;
    if (x == b) {
      std::string s;
      if (cp < 0x80) {
        s += static_cast<char>(cp);
      } else {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
      }
      return s;
    }
  }
  return {};
}

Tokenizer make_bpe() {
  json vocab = json::object();
  int id = 0;
  for (int b = 0; b < 256; ++b) vocab[byte_level_char(b)] = id++;
  for (const char* t : {"he", "hel", "hell", "hello", "Ġh", "Ġw", "or", "wor", "ld"}) vocab[t] = id++;
  json merges = json::array({"h e", "he l", "hel l", "hell o", "Ġ h", "Ġ w", "o r", "w or", "l d"});
  json j = {
      {"version", "1.0"},
      {"added_tokens",
       json::array({
           {{"id", id}, {"content", "<|s|>"}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
            {"normalized", false}, {"special", true}},
           {{"id", id + 1}, {"content", "<m>"}, {"single_word", false}, {"lstrip", true}, {"rstrip", true},
            {"normalized", false}, {"special", true}},
           {{"id", id + 2}, {"content", "word"}, {"single_word", true}, {"lstrip", false}, {"rstrip", false},
            {"normalized", true}, {"special", false}},
       })},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFKC"}}})}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         json::array({{{"type", "Split"},
                       {"pattern",
                        {{"Regex",
                          "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                          "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
                       {"behavior", "Isolated"},
                       {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}}},
      {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
        {"vocab", vocab}, {"merges", merges}}},
  };
  return Tokenizer::from_json_text(j.dump(), "fuzz bpe tokenizer");
}

Tokenizer make_wordpiece() {
  json vocab = {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}, {"hello", 3}, {"world", 4}, {"##s", 5}, {"a", 6}, {"##b", 7}};
  json j = {
      {"version", "1.0"},
      {"added_tokens",
       json::array({{{"id", 0}, {"content", "[UNK]"}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}}})},
      {"normalizer",
       {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true}, {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"model",
       {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100}, {"vocab", vocab}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
  };
  return Tokenizer::from_json_text(j.dump(), "fuzz wordpiece tokenizer");
}

size_t count_code_points_repaired(std::string s) {
  // The tokenizer replaces invalid sequences by U+FFFD; an upper bound is the byte count.
  return s.size();
}

void check(const Tokenizer& tok, std::string_view text, bool add_special) {
  auto e = tok.encode(text, add_special);
  if (e.ids.size() != e.tokens.size() || e.ids.size() != e.offsets.size()) std::abort();
  const size_t limit = count_code_points_repaired(std::string(text));
  for (const auto& [start, end] : e.offsets)
    if (start > end || end > limit) std::abort();
  tok.decode(e.ids, false);
  tok.decode(e.ids, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tokenizer bpe = make_bpe();
  static const Tokenizer wordpiece = make_wordpiece();
  if (size == 0) return 0;
  const bool add_special = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  check(bpe, text, add_special);
  check(wordpiece, text, add_special);
  const size_t half = text.size() / 2;
  bpe.encode_pair(text.substr(0, half), text.substr(half), add_special);
  return 0;
}
