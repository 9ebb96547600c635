// Template part of regex.h.
#pragma once

#include "unicode.h"

namespace automodel::tokenizers {

template <class Pred>
void CharPredicatePattern<Pred>::find_matches(std::string_view text, std::vector<PatternSpan>& out) const {
  out.clear();
  if (text.empty()) {
    out.push_back({{0, 0}, invert_});
    return;
  }
  size_t last_offset = 0;
  for (size_t i = 0; i < text.size();) {
    size_t b = i;
    char32_t c = unicode::next_char(text, i);
    if (pred_(c)) {
      if (last_offset < b) out.push_back({{last_offset, b}, invert_});
      out.push_back({{b, i}, !invert_});
      last_offset = i;
    }
  }
  if (text.size() > last_offset) out.push_back({{last_offset, text.size()}, invert_});
}

}  // namespace automodel::tokenizers
