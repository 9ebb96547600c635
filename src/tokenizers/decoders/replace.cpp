// The Replace decoder (HF normalizers/replace.rs, Decoder impl): literal or regex matches in
// each token replaced by `content`.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "automodel/core/error.h"
#include "decoders.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

ReplaceDecoder::ReplaceDecoder(std::string pattern, bool is_regex, std::string content)
    : pattern_(std::move(pattern)), is_regex_(is_regex), content_(std::move(content)) {
  if (!is_regex_) return;
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &err_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    fail("Replace: invalid regex \"", pattern_, "\" at offset ", err_offset, ": ", reinterpret_cast<char*>(msg));
  }
  code_ = code;
}

ReplaceDecoder::~ReplaceDecoder() {
  if (code_) pcre2_code_free(static_cast<pcre2_code*>(code_));
}

std::vector<std::string> ReplaceDecoder::decode_chain(std::vector<std::string> tokens) const {
  if (!is_regex_) {
    // An empty literal matches nothing (HF's Pattern for &str).
    if (pattern_.empty()) return tokens;
    for (std::string& t : tokens) t = replace_all(t, pattern_, content_);
    return tokens;
  }
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
  for (std::string& t : tokens) {
    if (t.empty()) continue;  // HF's find_matches reports no match inside an empty string
    std::string out;
    size_t pos = 0, copied = 0;
    while (pos <= t.size()) {
      const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(t.data()), t.size(), pos, 0, md, nullptr);
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      out.append(t, copied, ov[0] - copied);
      out += content_;
      copied = ov[1];
      if (ov[1] > ov[0]) {
        pos = ov[1];
      } else {
        // After an empty match the scan steps over one character, as Oniguruma's find_iter.
        if (ov[1] >= t.size()) break;
        pos = ov[1] + utf8::char_len(t, ov[1]);
      }
    }
    if (copied < t.size()) out.append(t, copied, std::string::npos);
    t = std::move(out);
  }
  pcre2_match_data_free(md);
  return tokens;
}

}  // namespace automodel::tokenizers
