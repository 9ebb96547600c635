#include "automodel/tokenizers/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "automodel/core/error.h"
#include "unicode.h"

namespace automodel::tokenizers {

namespace {

constexpr std::string_view kSpiece = "\xE2\x96\x81";  // U+2581 "▁"

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  AM_CHECK(f, path.string(), ": cannot open SentencePiece model");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Python's str.isspace(): White_Space plus the information separators U+001C..U+001F.
bool python_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string python_lstrip(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!python_isspace(unicode::next_char(s, j))) break;
    i = j;
  }
  return std::string(s.substr(i));
}

std::string python_rstrip(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && !unicode::is_char_boundary(s, start)) --start;
    size_t j = start;
    if (!python_isspace(unicode::next_char(s, j))) break;
    end = start;
  }
  return std::string(s.substr(0, end));
}

// The last code point of s is a space (Python: s[-1] != " " checks exactly U+0020).
bool ends_with_space(std::string_view s) { return !s.empty() && s.back() == ' '; }
bool starts_with_space(std::string_view s) { return !s.empty() && s.front() == ' '; }

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  size_t i = 0;
  while (true) {
    size_t p = s.find(from, i);
    if (p == std::string_view::npos) break;
    out.append(s.substr(i, p - i));
    out.append(to);
    i = p + from.size();
  }
  out.append(s.substr(i));
  return out;
}

}  // namespace

struct SentencePieceTokenizer::Impl {
  sentencepiece::SentencePieceProcessor sp;
};

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file, SentencePieceOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  std::string proto = read_file_bytes(model_file);
  if (!options_.legacy) {
    // LlamaTokenizer.get_spm_processor with legacy=False sets
    // normalizer_spec.add_dummy_prefix = False before loading. ModelProto.normalizer_spec is field 3
    // and NormalizerSpec.add_dummy_prefix is its field 3; protobuf merges a repeated occurrence of an
    // embedded message into the earlier one, so appending `normalizer_spec { add_dummy_prefix: false }`
    // overrides just that flag without a protobuf dependency.
    static constexpr char kNoDummyPrefix[] = {0x1A, 0x02, 0x18, 0x00};
    proto.append(kNoDummyPrefix, sizeof kNoDummyPrefix);
  }
  auto status = impl_->sp.LoadFromSerializedProto(proto);
  AM_CHECK(status.ok(), model_file.string(), ": not a valid SentencePiece model: ", status.ToString());
  AM_CHECK(impl_->sp.GetPieceSize() > 0, model_file.string(), ": SentencePiece model has no pieces");

  // PreTrainedTokenizer.__init__: the config's added_tokens_decoder first, then every special
  // token not yet known is added (its id is its piece id when the vocabulary has it, else the next
  // free id).
  for (const auto& [id, tok] : options_.added_tokens_decoder) {
    AM_CHECK(id >= 0, model_file.string(), ": added token '", tok.content, "' has negative id ", id);
    added_decoder_[id] = tok;
    added_encoder_[tok.content] = id;
  }
  register_special_tokens();

  // LlamaTokenizer.unk_token_length: len(sp_model.encode(str(self.unk_token))).
  unk_token_length_ = sp_encode_pieces(options_.unk_token ? options_.unk_token->content : "None").size();
}

void SentencePieceTokenizer::register_special_tokens() {
  all_special_tokens_.clear();
  auto add_special = [&](const std::optional<AddedTokenSpec>& t) {
    if (!t) return;
    if (std::find(all_special_tokens_.begin(), all_special_tokens_.end(), t->content) == all_special_tokens_.end())
      all_special_tokens_.push_back(t->content);
    if (added_encoder_.count(t->content)) return;
    int32_t id;
    int piece = impl_->sp.PieceToId(t->content);
    if (impl_->sp.IdToPiece(piece) == t->content) {
      id = piece;
    } else {
      id = static_cast<int32_t>(size_with_added());
    }
    AddedTokenSpec spec = *t;
    spec.special = true;
    added_decoder_[id] = spec;
    added_encoder_[t->content] = id;
  };
  add_special(options_.bos_token);
  add_special(options_.eos_token);
  add_special(options_.unk_token);
  add_special(options_.pad_token);
  for (const auto& t : options_.additional_special_tokens) add_special(t);
}

void SentencePieceTokenizer::set_pad_token(std::optional<AddedTokenSpec> token) {
  options_.pad_token = std::move(token);
  register_special_tokens();
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;
SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;
SentencePieceTokenizer& SentencePieceTokenizer::operator=(SentencePieceTokenizer&&) noexcept = default;

size_t SentencePieceTokenizer::vocab_size() const { return static_cast<size_t>(impl_->sp.GetPieceSize()); }

size_t SentencePieceTokenizer::size_with_added() const {
  // len(tokenizer) = len(vocab ∪ added tokens): added ids beyond the SentencePiece vocabulary count.
  size_t n = vocab_size();
  for (const auto& [id, tok] : added_decoder_)
    if (static_cast<size_t>(id) >= vocab_size()) ++n;
  return n;
}

std::vector<std::string> SentencePieceTokenizer::sp_encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  auto status = impl_->sp.Encode(text, &pieces);
  AM_CHECK(status.ok(), "SentencePiece encode failed: ", status.ToString());
  return pieces;
}

bool SentencePieceTokenizer::is_special(std::string_view token) const {
  return std::find(all_special_tokens_.begin(), all_special_tokens_.end(), token) != all_special_tokens_.end();
}

std::vector<std::string> SentencePieceTokenizer::tokenize(std::string_view raw) const {
  std::string text(raw);
  unicode::sanitize_utf8(text);  // Python strings are always valid Unicode; invalid bytes become U+FFFD
  if (options_.legacy || text.empty()) return slow_tokenize(text);
  // LlamaTokenizer.tokenize (legacy=False): "▁" in the text means a space, and one prefix space is
  // added; a lone "▁" right before a special token is dropped.
  text = replace_all(text, kSpiece, " ");
  if (options_.add_prefix_space) text = std::string(kSpiece) + text;
  auto tokens = slow_tokenize(text);
  if (tokens.size() > 1 && tokens[0] == kSpiece && is_special(tokens[1])) tokens.erase(tokens.begin());
  return tokens;
}

std::vector<std::string> SentencePieceTokenizer::slow_tokenize(std::string_view text) const {
  // Split on added tokens, leftmost then longest match (transformers' Trie.split).
  std::vector<std::string> chunks;
  size_t last = 0, i = 0;
  while (i < text.size()) {
    size_t best = 0;
    for (const auto& [content, id] : added_encoder_)
      if (content.size() > best && !content.empty() && text.compare(i, content.size(), content) == 0)
        best = content.size();
    if (best == 0) {
      ++i;
      continue;
    }
    chunks.emplace_back(text.substr(last, i - last));
    chunks.emplace_back(text.substr(i, best));
    i += best;
    last = i;
  }
  chunks.emplace_back(text.substr(last));
  // Trie.cut_text drops empty pieces between matches; keep the same list shape.
  std::vector<std::string> tokens;
  for (size_t k = 0; k < chunks.size(); ++k)
    if (!chunks[k].empty()) tokens.push_back(std::move(chunks[k]));

  // AddedToken lstrip / rstrip / single_word, as PreTrainedTokenizer.tokenize applies them.
  for (size_t k = 0; k < tokens.size(); ++k) {
    auto it = added_encoder_.find(tokens[k]);
    if (it == added_encoder_.end()) continue;
    const AddedTokenSpec& tok = added_decoder_.at(it->second);
    bool has_left = k > 0 && !tokens[k - 1].empty();
    bool has_right = k + 1 < tokens.size() && !tokens[k + 1].empty();
    if (tok.rstrip && has_right) tokens[k + 1] = python_lstrip(tokens[k + 1]);
    if (tok.lstrip && has_left) tokens[k - 1] = python_rstrip(tokens[k - 1]);
    if (tok.single_word && has_left && !ends_with_space(tokens[k - 1])) {
      tokens[k - 1] += tokens[k];
      tokens[k].clear();
    } else if (tok.single_word && has_right && !starts_with_space(tokens[k + 1])) {
      tokens[k] += tokens[k + 1];
      tokens[k + 1].clear();
    }
  }

  std::vector<std::string> out;
  for (const auto& t : tokens) {
    if (t.empty()) continue;
    if (added_encoder_.count(t)) {
      out.push_back(t);
    } else {
      auto pieces = piece_tokenize(t);
      out.insert(out.end(), std::make_move_iterator(pieces.begin()), std::make_move_iterator(pieces.end()));
    }
  }
  return out;
}

std::vector<std::string> SentencePieceTokenizer::piece_tokenize(std::string_view text) const {
  bool starts_with_prefix = text.substr(0, kSpiece.size()) == kSpiece || starts_with_space(text);
  if (options_.legacy || !starts_with_prefix) return sp_encode_pieces(text);
  // With add_dummy_prefix off SentencePiece strips a leading "▁"; encoding "<unk>" + text and
  // dropping the unk pieces keeps it (LlamaTokenizer._tokenize).
  std::string unk = options_.unk_token ? options_.unk_token->content : "None";
  auto pieces = sp_encode_pieces(unk + std::string(text));
  if (pieces.size() >= unk_token_length_) pieces.erase(pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(unk_token_length_));
  return pieces;
}

int32_t SentencePieceTokenizer::convert_token_to_id(std::string_view token) const {
  if (auto it = added_encoder_.find(token); it != added_encoder_.end()) return it->second;
  return impl_->sp.PieceToId(token);
}

std::vector<int32_t> SentencePieceTokenizer::encode_plain(std::string_view text) const {
  auto tokens = tokenize(text);
  std::vector<int32_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(convert_token_to_id(t));
  return ids;
}

std::string SentencePieceTokenizer::convert_id_to_token(int32_t id) const {
  if (auto it = added_decoder_.find(id); it != added_decoder_.end()) return it->second.content;
  if (id < 0 || id >= impl_->sp.GetPieceSize())
    throw PieceIdOutOfRange(str_cat("piece id is out of range. (id ", id, ", vocabulary size ", impl_->sp.GetPieceSize(), ")"));
  return impl_->sp.IdToPiece(id);
}

std::optional<int32_t> SentencePieceTokenizer::token_id(const std::optional<AddedTokenSpec>& token) const {
  if (!token) return std::nullopt;
  return convert_token_to_id(token->content);
}

std::vector<int32_t> SentencePieceTokenizer::all_special_ids() const {
  std::vector<int32_t> ids;
  for (const auto& t : all_special_tokens_) ids.push_back(convert_token_to_id(t));
  return ids;
}

namespace {
std::vector<int32_t> flag_token(bool flag, const std::optional<int32_t>& id, const char* name) {
  if (!flag) return {};
  AM_CHECK(id.has_value(), "add_", name, "_token is set but the tokenizer has no ", name, "_token");
  return {*id};
}
}  // namespace

std::vector<int32_t> SentencePieceTokenizer::build_inputs_with_special_tokens(const std::vector<int32_t>& a,
                                                                              const std::vector<int32_t>* b) const {
  auto bos = flag_token(options_.add_bos_token, token_id(options_.bos_token), "bos");
  auto eos = flag_token(options_.add_eos_token, token_id(options_.eos_token), "eos");
  std::vector<int32_t> out(bos);
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), eos.begin(), eos.end());
  if (b) {
    out.insert(out.end(), bos.begin(), bos.end());
    out.insert(out.end(), b->begin(), b->end());
    out.insert(out.end(), eos.begin(), eos.end());
  }
  return out;
}

std::vector<int32_t> SentencePieceTokenizer::create_token_type_ids(const std::vector<int32_t>& a,
                                                                   const std::vector<int32_t>* b) const {
  size_t extra = (options_.add_bos_token ? 1 : 0) + (options_.add_eos_token ? 1 : 0);
  std::vector<int32_t> out(a.size() + extra, 0);
  if (b) out.insert(out.end(), b->size() + extra, 1);
  return out;
}

std::vector<int32_t> SentencePieceTokenizer::special_tokens_mask(const std::vector<int32_t>& a,
                                                                 const std::vector<int32_t>* b) const {
  std::vector<int32_t> out;
  auto one = [&](size_t n) {
    if (options_.add_bos_token) out.push_back(1);
    out.insert(out.end(), n, 0);
    if (options_.add_eos_token) out.push_back(1);
  };
  one(a.size());
  if (b) one(b->size());
  return out;
}

size_t SentencePieceTokenizer::num_special_tokens_to_add(bool pair) const {
  size_t one = (options_.add_bos_token ? 1 : 0) + (options_.add_eos_token ? 1 : 0);
  return pair ? 2 * one : one;
}

std::string SentencePieceTokenizer::convert_tokens_to_string(std::vector<std::string> tokens) const {
  if (tokens.empty()) return "";
  // The prefix space tokenize() added is removed again.
  if (options_.add_prefix_space && tokens[0].compare(0, kSpiece.size(), kSpiece) == 0) tokens[0].erase(0, kSpiece.size());
  std::string out;
  std::vector<std::string> current;
  bool prev_is_special = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (is_special(token)) {
      // Special tokens never go through SentencePiece (it would render control pieces as "").
      if (!prev_is_special && i != 0 && options_.legacy) out += ' ';
      out += impl_->sp.DecodePieces(current) + token;
      prev_is_special = true;
      current.clear();
    } else {
      if (prev_is_special && i == 1 && options_.add_prefix_space && token.compare(0, kSpiece.size(), kSpiece) != 0)
        out += ' ';
      current.push_back(token);
      prev_is_special = false;
    }
  }
  out += impl_->sp.DecodePieces(current);
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                                           bool spaces_between_special_tokens) const {
  // PreTrainedTokenizer._decode: convert_ids_to_tokens (raises on ids outside the vocabulary),
  // then added tokens that are not special are kept out of convert_tokens_to_string.
  std::vector<int32_t> special_ids;
  if (skip_special_tokens) special_ids = all_special_ids();
  std::vector<std::string> filtered;
  for (int32_t id : ids) {
    if (skip_special_tokens && std::find(special_ids.begin(), special_ids.end(), id) != special_ids.end()) continue;
    filtered.push_back(convert_id_to_token(id));
  }
  std::set<std::string, std::less<>> legacy_added;
  for (const auto& [content, id] : added_encoder_)
    if (!is_special(content)) legacy_added.insert(content);
  for (const auto& t : options_.additional_special_tokens)
    if (static_cast<size_t>(convert_token_to_id(t.content)) >= vocab_size()) legacy_added.insert(t.content);

  std::vector<std::string> sub_texts;
  std::vector<std::string> current;
  for (auto& token : filtered) {
    if (legacy_added.count(token)) {
      if (!current.empty()) {
        std::string s = convert_tokens_to_string(std::move(current));
        if (!s.empty()) sub_texts.push_back(std::move(s));
        current.clear();
      }
      sub_texts.push_back(token);
    } else {
      current.push_back(std::move(token));
    }
  }
  if (!current.empty()) sub_texts.push_back(convert_tokens_to_string(std::move(current)));
  std::string text;
  for (size_t i = 0; i < sub_texts.size(); ++i) {
    if (i > 0 && spaces_between_special_tokens) text += ' ';
    text += sub_texts[i];
  }
  return text;
}

}  // namespace automodel::tokenizers
