// NormalizedString and PreTokenizedString: text that keeps, for every byte of its current
// (normalized) form, the byte range of the original input it came from, so offsets survive
// normalization and splitting. Owned by the normalizer/pre-tokenizer work; this header fixes
// the names the other stages use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automodel/tokenizers/encoding.h"

namespace automodel::tokenizers {

class NormalizedString;   // defined below by the normalizer work
class PreTokenizedString;  // defined below by the pre-tokenizer work

}  // namespace automodel::tokenizers
