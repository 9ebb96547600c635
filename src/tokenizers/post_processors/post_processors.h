// The post-processors of tokenizer.json (HF tokenizers' processors/): they add special tokens,
// set type ids and, for the byte-level family, trim offsets. Built by make_post_processor.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {

using SpecialTokenRef = std::pair<std::string, int32_t>;  // (token, id), e.g. ("[CLS]", 101)

// Moves offsets past leading / before trailing spaces ('Ġ' or Unicode white space) of each
// token, as HF's byte_level::process_offsets (offsets in code points).
void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space);

class ByteLevelProcessing final : public PostProcessor {
 public:
  explicit ByteLevelProcessing(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool) const override { return 0; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override;

 private:
  bool trim_offsets_;
  bool add_prefix_space_;
};

// [CLS] A [SEP] (B [SEP]); type ids 0 for A, the pair's own (1) for B.
class BertProcessing final : public PostProcessor {
 public:
  BertProcessing(SpecialTokenRef sep, SpecialTokenRef cls) : sep_(std::move(sep)), cls_(std::move(cls)) {}
  size_t added_tokens(bool is_pair) const override { return is_pair ? 3 : 2; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override;

 private:
  SpecialTokenRef sep_, cls_;
};

// <s> A </s> (</s> B </s>); every type id 0; optional byte-level offset trimming.
class RobertaProcessing final : public PostProcessor {
 public:
  RobertaProcessing(SpecialTokenRef sep, SpecialTokenRef cls, bool trim_offsets, bool add_prefix_space)
      : sep_(std::move(sep)), cls_(std::move(cls)), trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool is_pair) const override { return is_pair ? 4 : 2; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override;

 private:
  SpecialTokenRef sep_, cls_;
  bool trim_offsets_;
  bool add_prefix_space_;
};

class TemplateProcessing final : public PostProcessor {
 public:
  struct Piece {
    bool is_sequence = false;  // $A / $B, else a special token
    int sequence = 0;          // 0 = A, 1 = B
    std::string special_id;    // key into the special token map
    int32_t type_id = 0;
  };
  struct SpecialToken {
    std::vector<int32_t> ids;
    std::vector<std::string> tokens;
  };
  using Template = std::vector<Piece>;

  // Throws when a template names a special token missing from `special_tokens`, or when the
  // pair template does not use both $A and $B.
  TemplateProcessing(Template single, Template pair, std::map<std::string, SpecialToken> special_tokens);
  // A piece in HF's string form: "$A", "$B:1", "$0", "[CLS]", "[SEP]:1"; a template is such
  // pieces separated by single spaces. Throws on malformed pieces.
  static Piece parse_piece(const std::string& s);
  static Template parse_template(const std::string& s);

  size_t added_tokens(bool is_pair) const override { return is_pair ? added_pair_ : added_single_; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override;

 private:
  size_t count_added(const Template& t) const;
  Template single_, pair_;
  std::map<std::string, SpecialToken> special_tokens_;
  size_t added_single_ = 0, added_pair_ = 0;
};

class SequenceProcessing final : public PostProcessor {
 public:
  explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> processors)
      : processors_(std::move(processors)) {}
  size_t added_tokens(bool is_pair) const override;
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override;

 private:
  std::vector<std::unique_ptr<PostProcessor>> processors_;
};

}  // namespace automodel::tokenizers
