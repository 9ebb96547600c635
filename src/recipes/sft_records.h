// Internal: a tokenized record plus what the dataset statistics count about it.
#pragma once

#include "automodel/recipes/sft_data.h"

namespace automodel::recipes {

struct TokenizedRecord {
  SftExample example;
  bool prefix_mismatch = false;  // prompt/completion: tokenized prompt not a prefix of the whole
};

TokenizedRecord tokenize_record(const json& record, DataFormat format, const AutoTokenizer& tokenizer, bool add_eos,
                                const std::string& where);

}  // namespace automodel::recipes
