// The tokenizer.json models (HF tokenizers' models/): BPE, WordPiece, WordLevel, Unigram.
// Each turns one pre-tokenized piece into tokens with byte offsets inside the piece.
// Built by make_model / make_model_from_text; also constructible directly (legacy files).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automodel/tokenizers/components.h"
#include "vocab_table.h"

namespace automodel::tokenizers {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
  // HF applies BPE-dropout whenever it is set and > 0 (randomly skipping merges, without the
  // cache); null or 0 is the deterministic algorithm every released tokenizer uses.
  std::optional<double> dropout;
};

using MergePair = std::pair<std::string_view, std::string_view>;

class BpeModel final : public Model {
 public:
  // merges in rank order. Throws automodel::Error when a merge names a token (or produces one)
  // missing from the vocabulary, or when dropout is outside [0, 1].
  BpeModel(TokenVocab vocab, const std::vector<MergePair>& merges, BpeOptions options);
  std::vector<Token> tokenize(std::string_view piece) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return vocab_.size(); }
  const BpeOptions& options() const { return options_; }

  // One symbol of a word being merged: a token id and the bytes of the piece it covers.
  struct Symbol {
    int32_t id;
    uint32_t len;
  };

 private:
  // Looks up merges[begin, end) into out[rank] = (pair key, (rank, merged id)).
  void resolve_merges(const std::vector<MergePair>& merges, size_t begin, size_t end, size_t prefix_len,
                      std::vector<std::pair<uint64_t, PairMap::Value>>& out) const;
  void split_into_symbols(std::string_view piece, std::vector<Symbol>& word) const;
  void merge_all(std::vector<Symbol>& word) const;
  std::vector<Token> to_tokens(const std::vector<Symbol>& word) const;

  TokenVocab vocab_;
  PairMap merges_;  // (left id, right id) -> (rank, merged id)
  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::vector<int32_t> byte_ids_;  // id of "<0xXX>" per byte, -1 when absent
  uint64_t instance_id_;           // keys the per-thread word cache
};

class WordPieceModel final : public Model {
 public:
  WordPieceModel(TokenVocab vocab, std::string unk_token, std::string continuing_subword_prefix,
                 size_t max_input_chars_per_word);
  std::vector<Token> tokenize(std::string_view piece) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  std::vector<Token> unk(std::string_view piece) const;
  TokenVocab vocab_;
  std::string unk_token_, prefix_;
  size_t max_chars_;
};

class WordLevelModel final : public Model {
 public:
  WordLevelModel(TokenVocab vocab, std::string unk_token);
  std::vector<Token> tokenize(std::string_view piece) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  TokenVocab vocab_;
  std::string unk_token_;
};

class UnigramModel final : public Model {
 public:
  // pieces[i] = (token, score) of id i. Throws when unk_id is out of range.
  UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<size_t> unk_id, bool byte_fallback);
  std::vector<Token> tokenize(std::string_view piece) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return pieces_.size(); }
  // The Viterbi segmentation (unknown runs fused), as HF's Unigram::encode.
  std::vector<std::string> encode(std::string_view sentence) const;

 private:
  std::vector<std::pair<std::string, double>> pieces_;
  TokenVocab vocab_;
  PairMap trie_;  // (node << 8 | byte) -> (child node, unused)
  std::vector<int32_t> node_token_;  // node -> token id ending there, or -1
  std::optional<size_t> unk_id_;
  bool byte_fallback_;
  double min_score_;
};

class JsonReader;
// make_model_from_text on the model value at a reader's position (the whole tokenizer.json is
// read once, without first splitting it into members); the reader ends after the value.
std::unique_ptr<Model> make_model_from_reader(JsonReader& r, const std::string& path);

}  // namespace automodel::tokenizers
