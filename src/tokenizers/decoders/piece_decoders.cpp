// The decoders that rewrite word-piece markers and whitespace (HF decoders/{fuse, strip,
// wordpiece, bpe, ctc, sequence}.rs and the Metaspace decoder).
#include "decoders.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  if (from.empty()) {
    out += to;
    for (size_t i = 0; i < s.size(); i += utf8::char_len(s, i)) {
      out.append(s.substr(i, utf8::char_len(s, i)));
      out += to;
    }
    return out;
  }
  size_t pos = 0;
  while (true) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out += to;
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

std::vector<std::string> FuseDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::string all;
  for (const std::string& t : tokens) all += t;
  return {all};
}

std::vector<std::string> StripDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (std::string& t : tokens) {
    std::vector<size_t> starts;  // byte position of each character
    for (size_t i = 0; i < t.size(); i += utf8::char_len(t, i)) starts.push_back(i);
    const size_t n = starts.size();
    auto char_at = [&](size_t k) { return utf8::decode_at(t, starts[k]); };
    size_t start_cut = 0;
    for (size_t k = 0; k < start_ && k < n; ++k) {
      if (char_at(k) != content_) break;
      start_cut = k + 1;
    }
    size_t stop_cut = n;
    for (size_t k = 0; k < stop_ && k < n; ++k) {
      const size_t index = n - k - 1;
      if (char_at(index) != content_) break;
      stop_cut = index;
    }
    // HF would panic on crossing cuts (a token made only of `content`); it becomes empty here.
    if (start_cut >= stop_cut) {
      t.clear();
      continue;
    }
    const size_t b0 = starts[start_cut];
    const size_t b1 = stop_cut < n ? starts[stop_cut] : t.size();
    t = t.substr(b0, b1 - b0);
  }
  return tokens;
}

std::vector<std::string> MetaspaceDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    std::string out;
    for (size_t k = 0; k < t.size(); k += utf8::char_len(t, k)) {
      const char32_t c = utf8::decode_at(t, k);
      if (c == replacement_) {
        // In the first token every replacement character goes (HF removes them all there).
        if (!(i == 0 && scheme_ != PrependScheme::never)) out += ' ';
      } else {
        out.append(t, k, utf8::char_len(t, k));
      }
    }
    tokens[i] = std::move(out);
  }
  return tokens;
}

std::string wordpiece_cleanup(std::string_view s) {
  std::string r(s);
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."},    {" ?", "?"},    {" !", "!"},         {" ,", ","},    {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : rules) r = replace_all(r, from, to);
  return r;
}

std::vector<std::string> WordPieceDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string& t = tokens[i];
    if (i != 0) {
      if (t.compare(0, prefix_.size(), prefix_) == 0)
        t.erase(0, prefix_.size());
      else
        t.insert(0, " ");
    }
    if (cleanup_) t = wordpiece_cleanup(t);
  }
  return tokens;
}

std::vector<std::string> BpeDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i] = replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  return tokens;
}

std::vector<std::string> CtcDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // CTC collapses repeats
    std::string r = replace_all(tokens[i], pad_token_, "");
    if (cleanup_) r = replace_all(wordpiece_cleanup(r), word_delimiter_token_, " ");
    if (!r.empty()) out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> SequenceDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (const auto& d : decoders_) tokens = d->decode_chain(std::move(tokens));
  return tokens;
}

}  // namespace automodel::tokenizers
