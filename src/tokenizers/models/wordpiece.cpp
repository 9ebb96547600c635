// WordPiece (HF models/wordpiece): greedy longest-match-first over the characters of a word,
// pieces after the first carrying the continuing-subword prefix; a word with an unmatchable
// part, or longer than max_input_chars_per_word characters, becomes the unk token.
#include "automodel/core/error.h"
#include "models.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

WordPieceModel::WordPieceModel(TokenVocab vocab, std::string unk_token, std::string continuing_subword_prefix,
                               size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      unk_token_(std::move(unk_token)),
      prefix_(std::move(continuing_subword_prefix)),
      max_chars_(max_input_chars_per_word) {}

std::optional<std::string> WordPieceModel::id_to_token(int32_t id) const {
  auto t = vocab_.token(id);
  if (!t) return std::nullopt;
  return std::string(*t);
}

std::vector<Token> WordPieceModel::unk(std::string_view piece) const {
  auto id = vocab_.find(unk_token_);
  AM_CHECK(id.has_value(), "WordPiece: the unk_token \"", unk_token_, "\" is not in the vocabulary");
  return {Token{*id, unk_token_, {0, piece.size()}}};
}

std::vector<Token> WordPieceModel::tokenize(std::string_view piece) const {
  if (utf8::count_chars(piece) > max_chars_) return unk(piece);
  std::vector<Token> out;
  std::string candidate;
  size_t start = 0;
  while (start < piece.size()) {
    size_t end = piece.size();
    bool found = false;
    while (start < end) {
      candidate.clear();
      if (start > 0) candidate += prefix_;
      candidate.append(piece.substr(start, end - start));
      if (auto id = vocab_.find(candidate)) {
        out.push_back(Token{*id, candidate, {start, end}});
        found = true;
        break;
      }
      // Step back one character.
      size_t last = end - 1;
      while (last > start && (static_cast<unsigned char>(piece[last]) & 0xC0) == 0x80) --last;
      end = last;
    }
    if (!found) return unk(piece);
    start = end;
  }
  return out;
}

WordLevelModel::WordLevelModel(TokenVocab vocab, std::string unk_token)
    : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {}

std::optional<std::string> WordLevelModel::id_to_token(int32_t id) const {
  auto t = vocab_.token(id);
  if (!t) return std::nullopt;
  return std::string(*t);
}

std::vector<Token> WordLevelModel::tokenize(std::string_view piece) const {
  if (auto id = vocab_.find(piece)) return {Token{*id, std::string(piece), {0, piece.size()}}};
  auto unk = vocab_.find(unk_token_);
  AM_CHECK(unk.has_value(), "WordLevel: \"", piece, "\" is not in the vocabulary and the unk_token \"", unk_token_,
           "\" is not either");
  return {Token{*unk, unk_token_, {0, piece.size()}}};
}

}  // namespace automodel::tokenizers
