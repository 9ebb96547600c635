// Legacy tokenizer files → the tokenizer.json that transformers' convert_slow_tokenizer builds
// for them (GPT2Converter, RobertaConverter, BertConverter), so they run through the same
// pipeline as tokenizer.json repositories.
#include <fstream>
#include <sstream>

#include "auto_tokenizer_backend.h"
#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"

namespace automodel::tokenizers {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  AM_CHECK(f, p.string(), ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool config_flag(const TokenizerConfig& c, const char* key, bool fallback) {
  auto it = c.raw.find(key);
  if (it == c.raw.end() || it->is_null()) return fallback;
  AM_CHECK(it->is_boolean(), (c.folder / "tokenizer_config.json").string(), ": ", key, ": expected a boolean, found ",
           json_type_name(*it));
  return it->get<bool>();
}

int32_t vocab_id(const json& vocab, const std::string& token, const fs::path& file) {
  auto it = vocab.find(token);
  AM_CHECK(it != vocab.end() && it->is_number_integer(), file.string(), ": special token '", token,
           "' is not in the vocabulary");
  return it->get<int32_t>();
}

json special_entry(const std::string& token, int32_t id) {
  return json{{"id", token}, {"ids", json::array({id})}, {"tokens", json::array({token})}};
}

json special_piece(const std::string& token, int type_id) {
  return json{{"SpecialToken", {{"id", token}, {"type_id", type_id}}}};
}

json sequence_piece(const char* s, int type_id) { return json{{"Sequence", {{"id", s}, {"type_id", type_id}}}}; }

// GPT2Tokenizer / RobertaTokenizer: vocab.json + merges.txt, byte-level BPE.
json convert_byte_level_bpe(const TokenizerConfig& c, const fs::path& folder, bool roberta) {
  const fs::path vocab_file = folder / "vocab.json", merges_file = folder / "merges.txt";
  json vocab = read_json_file(vocab_file);
  AM_CHECK(vocab.is_object(), vocab_file.string(), ": expected a JSON object {token: id}, found ", json_type_name(vocab));
  // GPT2Tokenizer: merges_handle.read().split("\n")[1:-1] — the "#version" line and the part
  // after the final newline are dropped; each line splits on whitespace into a pair.
  auto lines = split_lines(read_text(merges_file));
  json merges = json::array();
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::istringstream ls(lines[i]);
    std::vector<std::string> parts;
    for (std::string p; ls >> p;) parts.push_back(p);
    AM_CHECK(parts.size() == 2, merges_file.string(), ": line ", i + 1, ": expected two symbols, found ", parts.size());
    merges.push_back(json::array({parts[0], parts[1]}));
  }
  const bool add_prefix_space = config_flag(c, "add_prefix_space", false);
  json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = json::array();
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"trim_offsets", true}, {"use_regex", true}};
  if (roberta) {
    AM_CHECK(c.sep_token && c.cls_token, folder.string(), ": RobertaTokenizer needs sep_token and cls_token");
    j["post_processor"] = {{"type", "RobertaProcessing"},
                           {"sep", json::array({c.sep_token->content, vocab_id(vocab, c.sep_token->content, vocab_file)})},
                           {"cls", json::array({c.cls_token->content, vocab_id(vocab, c.cls_token->content, vocab_file)})},
                           {"trim_offsets", true},
                           {"add_prefix_space", add_prefix_space}};
  } else if (config_flag(c, "add_bos_token", false)) {
    AM_CHECK(c.bos_token, folder.string(), ": add_bos_token is set but there is no bos_token");
    const std::string& bos = c.bos_token->content;
    j["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", json::array({special_piece(bos, 0), sequence_piece("A", 0)})},
                           {"pair", json::array({special_piece(bos, 0), sequence_piece("A", 0), sequence_piece("B", 1)})},
                           {"special_tokens", {{bos, special_entry(bos, vocab_id(vocab, bos, vocab_file))}}}};
  } else {
    j["post_processor"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
  }
  j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  j["model"] = {{"type", "BPE"},           {"dropout", nullptr},       {"unk_token", nullptr},
                {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""}, {"fuse_unk", false},
                {"byte_fallback", false},   {"ignore_merges", false},   {"vocab", vocab},
                {"merges", merges}};
  return j;
}

// BertTokenizer: vocab.txt (one token per line, id = line number), WordPiece.
json convert_wordpiece(const TokenizerConfig& c, const fs::path& folder) {
  const fs::path vocab_file = folder / "vocab.txt";
  auto lines = split_lines(read_text(vocab_file));
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final newline
  JsonObjectBuilder builder;
  for (size_t i = 0; i < lines.size(); ++i) builder[lines[i]] = static_cast<int32_t>(i);  // later duplicates win, as load_vocab
  const json vocab = builder.take();
  AM_CHECK(c.cls_token && c.sep_token && c.unk_token, folder.string(), ": BertTokenizer needs cls, sep and unk tokens");
  const std::string& cls = c.cls_token->content;
  const std::string& sep = c.sep_token->content;
  json strip_accents = nullptr;
  if (auto it = c.raw.find("strip_accents"); it != c.raw.end() && it->is_boolean()) strip_accents = *it;
  json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = json::array();
  j["normalizer"] = {{"type", "BertNormalizer"},
                     {"clean_text", true},
                     {"handle_chinese_chars", config_flag(c, "tokenize_chinese_chars", true)},
                     {"strip_accents", strip_accents},
                     {"lowercase", config_flag(c, "do_lower_case", true)}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", json::array({special_piece(cls, 0), sequence_piece("A", 0), special_piece(sep, 0)})},
      {"pair", json::array({special_piece(cls, 0), sequence_piece("A", 0), special_piece(sep, 0), sequence_piece("B", 1),
                            special_piece(sep, 1)})},
      {"special_tokens",
       {{cls, special_entry(cls, vocab_id(vocab, cls, vocab_file))}, {sep, special_entry(sep, vocab_id(vocab, sep, vocab_file))}}}};
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  j["model"] = {{"type", "WordPiece"},
                {"unk_token", c.unk_token->content},
                {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", 100},
                {"vocab", vocab}};
  return j;
}

}  // namespace

std::optional<json> convert_legacy_vocab_files(const TokenizerConfig& config, const fs::path& folder) {
  const std::string cls = slow_class_name(config.tokenizer_class);
  const bool has_bpe = fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt");
  const bool has_wordpiece = fs::exists(folder / "vocab.txt");
  if (!has_bpe && !has_wordpiece) return std::nullopt;
  if (has_bpe && (cls == "GPT2Tokenizer" || cls == "GPTNeoXTokenizer" || cls == "CodeGenTokenizer" || cls.empty()))
    return convert_byte_level_bpe(config, folder, false);
  if (has_bpe && cls == "RobertaTokenizer") return convert_byte_level_bpe(config, folder, true);
  if (has_wordpiece && (cls == "BertTokenizer" || cls == "DistilBertTokenizer" || cls.empty()))
    return convert_wordpiece(config, folder);
  fail(folder.string(), ": legacy vocabulary files (", has_bpe ? "vocab.json + merges.txt" : "vocab.txt",
       ") for tokenizer_class '", config.tokenizer_class,
       "' are not supported; supported: GPT2Tokenizer, RobertaTokenizer (vocab.json + merges.txt), BertTokenizer "
       "(vocab.txt)");
}

}  // namespace automodel::tokenizers
