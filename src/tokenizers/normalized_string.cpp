// NormalizedString / PreTokenizedString with HF `tokenizers` alignment semantics: every change
// goes through transform_range, which gives each new character the alignment HF would give it
// (a replacing character takes the alignment of the character it replaces, an inserted one
// that of the character before it), so offsets match HF's byte for byte.
#include "automodel/tokenizers/normalized_string.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <utf8proc.h>

#include "automodel/core/error.h"
#include "unicode.h"

namespace automodel::tokenizers {

using unicode::next_char;

std::optional<SplitDelimiterBehavior> parse_split_delimiter_behavior(std::string_view name) {
  if (name == "Removed") return SplitDelimiterBehavior::removed;
  if (name == "Isolated") return SplitDelimiterBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitDelimiterBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitDelimiterBehavior::merged_with_next;
  if (name == "Contiguous") return SplitDelimiterBehavior::contiguous;
  return std::nullopt;
}

NormalizedString::NormalizedString(std::string original, size_t original_shift)
    : original_size_(original.size()), normalized_(std::move(original)), original_shift_(original_shift) {
  const size_t size = normalized_.size();
  alignments_.resize(size);
  for (size_t i = 0; i < size;) {
    auto lead = static_cast<unsigned char>(normalized_[i]);
    if (lead < 0x80) {
      alignments_[i] = {i, i + 1};
      ++i;
      continue;
    }
    size_t n = std::min(unicode::utf8_len_from_lead(lead), size - i);
    for (size_t k = 0; k < n; ++k) alignments_[i + k] = {i, i + n};
    i += n;
  }
}

std::optional<Offsets> NormalizedString::normalized_to_original(Offsets r) const {
  if (r.first == r.second) return r;
  if (r.first > r.second) return std::nullopt;
  if (r.second > alignments_.size()) return std::nullopt;
  return Offsets{alignments_[r.first].first, alignments_[r.second - 1].second};
}

std::optional<Offsets> NormalizedString::original_to_normalized(Offsets r) const {
  if (r.first == r.second) return r;
  if (r.first > r.second) return std::nullopt;
  if (original_size_ == 0) return Offsets{0, normalized_.size()};
  std::optional<size_t> start, end;
  for (size_t i = 0; i < alignments_.size(); ++i) {
    const auto& a = alignments_[i];
    if (r.second < a.second) break;
    if (!start && r.first <= a.first && a.first != a.second) start = i;
    if (r.second >= a.second) end = i + 1;
  }
  if (start && end) return Offsets{*start, *end};
  if (start) return Offsets{*start, *start};
  if (end) return Offsets{*end, *end};
  return std::nullopt;
}

std::optional<NormalizedString> NormalizedString::slice(Offsets r) const {
  if (r.first > r.second || r.second > normalized_.size()) return std::nullopt;
  if (!unicode::is_char_boundary(normalized_, r.first) || !unicode::is_char_boundary(normalized_, r.second))
    return std::nullopt;
  std::optional<Offsets> orig;
  if (r.first == r.second) {
    orig = r;  // HF returns the (normalized) range itself for an empty target
  } else {
    orig = normalized_to_original(r);
  }
  if (!orig) return std::nullopt;
  NormalizedString out;
  size_t n_shift = orig->first;
  if (orig->first <= orig->second && orig->second <= original_size_) out.original_size_ = orig->second - orig->first;
  out.normalized_ = normalized_.substr(r.first, r.second - r.first);
  out.alignments_.reserve(r.second - r.first);
  for (size_t i = r.first; i < r.second; ++i)
    out.alignments_.push_back({alignments_[i].first - n_shift, alignments_[i].second - n_shift});
  out.original_shift_ = original_shift_ + orig->first;
  return out;
}

void NormalizedString::transform_range(Offsets range, const std::vector<CharChange>& changes,
                                       size_t initial_offset) {
  // Byte sizes of the characters being replaced, consumed as the changes say.
  std::string_view old_part(normalized_.data() + range.first, range.second - range.first);
  std::vector<uint8_t> old_sizes;
  old_sizes.reserve(old_part.size());
  for (size_t i = 0; i < old_part.size();) {
    size_t n = unicode::utf8_len_from_lead(static_cast<unsigned char>(old_part[i]));
    old_sizes.push_back(static_cast<uint8_t>(n));
    i += n;
  }
  size_t next_old = 0;
  auto take = [&](size_t count) {
    size_t bytes = 0;
    for (size_t k = 0; k < count && next_old < old_sizes.size(); ++k) bytes += old_sizes[next_old++];
    return bytes;
  };
  size_t offset = range.first + take(initial_offset);

  std::string new_text;
  new_text.reserve(changes.size() + 4);
  std::vector<Alignment> new_alignments;
  new_alignments.reserve(changes.size() + 4);
  for (const auto& [c, change] : changes) {
    Alignment align;
    if (change > 0) {
      align = offset < 1 ? Alignment{0, 0} : alignments_[offset - 1];
    } else {
      align = offset < alignments_.size() ? alignments_[offset] : Alignment{0, 0};
    }
    size_t replaced = change > 0 ? 0 : take(1);
    size_t removed = change < 0 ? take(static_cast<size_t>(-change)) : 0;
    offset += replaced + removed;
    size_t before = new_text.size();
    unicode::append_utf8(new_text, c);
    new_alignments.insert(new_alignments.end(), new_text.size() - before, align);
  }
  normalized_.replace(range.first, range.second - range.first, new_text);
  alignments_.erase(alignments_.begin() + static_cast<std::ptrdiff_t>(range.first),
                    alignments_.begin() + static_cast<std::ptrdiff_t>(range.second));
  alignments_.insert(alignments_.begin() + static_cast<std::ptrdiff_t>(range.first), new_alignments.begin(),
                     new_alignments.end());
}

namespace {

int combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

// Canonical composition of a pair (the table utf8proc composes with, Hangul included).
std::optional<char32_t> compose_pair(char32_t a, char32_t b) {
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  if (utf8proc_normalize_utf32(buf, 2, UTF8PROC_COMPOSE) == 1) return static_cast<char32_t>(buf[0]);
  return std::nullopt;
}

// NFD / NFKD with HF's change flags: the first code point of a decomposition replaces the
// character (0), the others are insertions (+1); each run of non-starters is then stably sorted
// by combining class (canonical ordering), flags moving with their characters.
std::vector<CharChange> decompose(std::string_view s, bool compat) {
  std::vector<CharChange> out;
  std::vector<int> classes;
  out.reserve(s.size());
  size_t run_start = 0;  // start of the current starter + non-starters run
  auto sort_run = [&]() {
    if (out.size() - run_start > 1) {
      std::vector<size_t> idx(out.size() - run_start);
      for (size_t k = 0; k < idx.size(); ++k) idx[k] = run_start + k;
      std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return classes[x] < classes[y]; });
      std::vector<CharChange> sorted_c;
      std::vector<int> sorted_k;
      for (size_t k : idx) {
        sorted_c.push_back(out[k]);
        sorted_k.push_back(classes[k]);
      }
      std::copy(sorted_c.begin(), sorted_c.end(), out.begin() + static_cast<std::ptrdiff_t>(run_start));
      std::copy(sorted_k.begin(), sorted_k.end(), classes.begin() + static_cast<std::ptrdiff_t>(run_start));
    }
    run_start = out.size();
  };
  utf8proc_option_t options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
  for (size_t i = 0; i < s.size();) {
    char32_t c = next_char(s, i);
    utf8proc_int32_t buf[32];
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32, options, &boundclass);
    if (n <= 0 || n > 32) {
      buf[0] = static_cast<utf8proc_int32_t>(c);
      n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      char32_t d = static_cast<char32_t>(buf[k]);
      int cls = combining_class(d);
      if (cls == 0) sort_run();
      out.push_back({d, k == 0 ? 0 : 1});
      classes.push_back(cls);
    }
  }
  sort_run();
  return out;
}

// Canonical recomposition with HF's change bookkeeping (a composed pair's change is the sum of
// both minus one), following the streaming algorithm of unicode-normalization-alignments.
std::vector<CharChange> recompose(const std::vector<CharChange>& in) {
  std::vector<CharChange> out;
  out.reserve(in.size());
  std::vector<CharChange> buffer;
  std::optional<CharChange> composee;
  std::optional<int> last_ccc;
  for (const auto& item : in) {
    int cls = combining_class(item.c);
    if (!composee) {
      if (cls != 0) {
        out.push_back(item);
        continue;
      }
      composee = item;
      continue;
    }
    CharChange k = *composee;
    if (!last_ccc) {
      if (auto r = compose_pair(k.c, item.c)) {
        composee = CharChange{*r, k.change + item.change - 1};
        continue;
      }
      if (cls == 0) {
        composee = item;
        out.push_back(k);
        continue;
      }
      buffer.push_back(item);
      last_ccc = cls;
      continue;
    }
    if (*last_ccc >= cls) {
      if (cls == 0) {
        composee = item;
        last_ccc.reset();
        out.push_back(k);
        out.insert(out.end(), buffer.begin(), buffer.end());
        buffer.clear();
        continue;
      }
      buffer.push_back(item);
      last_ccc = cls;
      continue;
    }
    if (auto r = compose_pair(k.c, item.c)) {
      composee = CharChange{*r, k.change + item.change - 1};
      continue;
    }
    buffer.push_back(item);
    last_ccc = cls;
  }
  if (composee) out.push_back(*composee);
  out.insert(out.end(), buffer.begin(), buffer.end());
  return out;
}

bool is_ascii(std::string_view s) {
  for (unsigned char b : s)
    if (b >= 0x80) return false;
  return true;
}

}  // namespace

void NormalizedString::apply_utf8proc(int kind) {
  // kind: bit 0 = compatibility, bit 1 = compose. ASCII is invariant under every form.
  if (is_ascii(normalized_)) return;
  {
    // Text already in the target form (the usual case) needs no work: the change list would
    // be all zeros (a character decomposed and recomposed into itself nets 0), i.e. identity.
    int options = UTF8PROC_STABLE | ((kind & 2) ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) | ((kind & 1) ? UTF8PROC_COMPAT : 0);
    utf8proc_uint8_t* mapped = nullptr;
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(normalized_.data()),
                                      static_cast<utf8proc_ssize_t>(normalized_.size()), &mapped,
                                      static_cast<utf8proc_option_t>(options));
    bool same = n >= 0 && static_cast<size_t>(n) == normalized_.size() &&
                std::memcmp(mapped, normalized_.data(), normalized_.size()) == 0;
    std::free(mapped);
    if (same) return;
  }
  auto changes = decompose(normalized_, (kind & 1) != 0);
  if (kind & 2) changes = recompose(changes);
  transform(changes, 0);
}

void NormalizedString::nfd() { apply_utf8proc(0); }
void NormalizedString::nfkd() { apply_utf8proc(1); }
void NormalizedString::nfc() { apply_utf8proc(2); }
void NormalizedString::nfkc() { apply_utf8proc(3); }

void NormalizedString::lowercase() {
  bool changed = false;
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = next_char(normalized_, i);
    char32_t low[3];
    int n = unicode::to_lowercase(c, low);
    for (int k = 0; k < n; ++k) changes.push_back({low[k], k > 0 ? 1 : 0});
    changed |= n != 1 || low[0] != c;
  }
  if (changed) transform(changes, 0);
}

void NormalizedString::filter(const std::function<bool(char32_t)>& keep) {
  int removed = 0;
  size_t removed_start = 0;
  std::optional<char32_t> last;
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  bool any_removed = false;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = next_char(normalized_, i);
    if (keep(c)) {
      if (last)
        changes.push_back({*last, -removed});
      else
        removed_start = static_cast<size_t>(removed);
      last = c;
      removed = 0;
    } else {
      ++removed;
      any_removed = true;
    }
  }
  if (!any_removed) return;
  if (last) changes.push_back({*last, -removed});
  transform(changes, removed_start);
}

void NormalizedString::map(const std::function<char32_t(char32_t)>& f) {
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  bool changed = false;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = next_char(normalized_, i);
    char32_t m = f(c);
    changed |= m != c;
    changes.push_back({m, 0});
  }
  if (changed) transform(changes, 0);
}

void NormalizedString::prepend(std::string_view s) {
  if (normalized_.empty()) return;
  size_t i = 0;
  char32_t first = next_char(normalized_, i);
  std::vector<CharChange> changes;
  size_t k = 0;
  for (size_t j = 0; j < s.size(); ++k) changes.push_back({next_char(s, j), k != 0 ? 1 : 0});
  changes.push_back({first, 1});
  transform_range({0, i}, changes, 0);
}

void NormalizedString::append(std::string_view s) {
  std::vector<CharChange> changes;
  if (normalized_.empty()) {
    for (size_t j = 0; j < s.size();) changes.push_back({next_char(s, j), 1});
    transform_range({0, 0}, changes, 0);
    return;
  }
  size_t last = normalized_.size() - 1;
  while (last > 0 && !unicode::is_char_boundary(normalized_, last)) --last;
  size_t i = last;
  changes.push_back({next_char(normalized_, i), 0});
  for (size_t j = 0; j < s.size();) changes.push_back({next_char(s, j), 1});
  transform_range({last, normalized_.size()}, changes, 0);
}

void NormalizedString::replace(const Pattern& pattern, std::string_view content) {
  std::vector<PatternSpan> spans;
  pattern.find_matches(normalized_, spans);
  bool any = false;
  for (const auto& sp : spans) any |= sp.is_match;
  if (!any) return;
  std::string new_text;
  new_text.reserve(normalized_.size());
  std::vector<Alignment> new_alignments;
  new_alignments.reserve(alignments_.size());
  size_t last_end = 0;
  for (const auto& sp : spans) {
    if (!sp.is_match) continue;
    auto [start, end] = sp.offsets;
    new_text.append(normalized_, last_end, start - last_end);
    new_alignments.insert(new_alignments.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last_end),
                          alignments_.begin() + static_cast<std::ptrdiff_t>(start));
    // Every inserted character shares the alignment of the last replaced byte (HF: inserted
    // characters after removing the whole match).
    Alignment align = end < 1 ? Alignment{0, 0} : alignments_[end - 1];
    size_t before = new_text.size();
    new_text.append(content);
    new_alignments.insert(new_alignments.end(), new_text.size() - before, align);
    last_end = end;
  }
  new_text.append(normalized_, last_end, std::string::npos);
  new_alignments.insert(new_alignments.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last_end),
                        alignments_.end());
  normalized_ = std::move(new_text);
  alignments_ = std::move(new_alignments);
}

void NormalizedString::clear() { transform({}, unicode::count_chars(normalized_)); }

void NormalizedString::strip_sides(bool left, bool right) {
  std::vector<char32_t> chars;
  chars.reserve(normalized_.size());
  for (size_t i = 0; i < normalized_.size();) chars.push_back(next_char(normalized_, i));
  size_t leading = 0, trailing = 0;
  if (left)
    while (leading < chars.size() && unicode::is_whitespace(chars[leading])) ++leading;
  if (right)
    while (trailing < chars.size() - leading && unicode::is_whitespace(chars[chars.size() - 1 - trailing])) ++trailing;
  if (leading == 0 && trailing == 0) return;
  std::vector<CharChange> changes;
  for (size_t i = leading; i + trailing < chars.size(); ++i) changes.push_back({chars[i], 0});
  // The trailing characters are dropped at the end of the range, which needs no bookkeeping.
  transform(changes, leading);
}

std::vector<NormalizedString> NormalizedString::split(const Pattern& pattern, SplitDelimiterBehavior behavior) const {
  thread_local std::vector<PatternSpan> matches;  // reused: this runs once per piece
  pattern.find_matches(normalized_, matches);
  // (offsets, remove)
  std::vector<std::pair<Offsets, bool>> splits;
  splits.reserve(matches.size());
  switch (behavior) {
    case SplitDelimiterBehavior::isolated:
      for (auto& m : matches) splits.push_back({m.offsets, false});
      break;
    case SplitDelimiterBehavior::removed:
      for (auto& m : matches) splits.push_back({m.offsets, m.is_match});
      break;
    case SplitDelimiterBehavior::contiguous: {
      bool previous = false;
      for (auto& m : matches) {
        if (m.is_match == previous && !splits.empty())
          splits.back().first.second = m.offsets.second;
        else
          splits.push_back({m.offsets, false});
        previous = m.is_match;
      }
      break;
    }
    case SplitDelimiterBehavior::merged_with_previous: {
      bool previous = false;
      for (auto& m : matches) {
        if (m.is_match && !previous && !splits.empty())
          splits.back().first.second = m.offsets.second;
        else
          splits.push_back({m.offsets, false});
        previous = m.is_match;
      }
      break;
    }
    case SplitDelimiterBehavior::merged_with_next: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !previous && !splits.empty())
          splits.back().first.first = it->offsets.first;
        else
          splits.push_back({it->offsets, false});
        previous = it->is_match;
      }
      std::reverse(splits.begin(), splits.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(splits.size());
  for (auto& [offsets, remove] : splits) {
    if (remove) continue;
    auto piece = slice(offsets);
    AM_CHECK(piece, "NormalizedString::split: bad split at bytes ", offsets.first, "..", offsets.second);
    out.push_back(std::move(*piece));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

PreTokenizedString::PreTokenizedString(std::string text) : original_(text) {
  splits_.push_back(Split{NormalizedString(std::move(text)), std::nullopt});
}

namespace {

bool all_ascii(std::string_view s) {
  for (unsigned char b : s)
    if (b >= 0x80) return false;
  return true;
}

}  // namespace

void PreTokenizedString::split(const SplitFn& fn) {
  std::vector<Split> new_splits;
  new_splits.reserve(splits_.size());
  std::vector<Split> pieces;
  for (size_t i = 0; i < splits_.size(); ++i) {
    if (splits_[i].tokens) {
      new_splits.push_back(std::move(splits_[i]));
      continue;
    }
    pieces.clear();
    fn(i, std::move(splits_[i].normalized), pieces);
    for (auto& p : pieces)
      if (!p.normalized.empty()) new_splits.push_back(std::move(p));
  }
  splits_ = std::move(new_splits);
}

void PreTokenizedString::normalize(const std::function<void(NormalizedString&)>& fn) {
  for (auto& s : splits_)
    if (!s.tokens) fn(s.normalized);
}

void PreTokenizedString::tokenize(const std::function<std::vector<Token>(const NormalizedString&)>& fn) {
  for (auto& s : splits_)
    if (!s.tokens) s.tokens = fn(s.normalized);
}

Encoding PreTokenizedString::into_encoding(std::optional<uint32_t> word_index, uint32_t type_id) {
  Encoding enc;
  if (splits_.empty()) return enc;
  // For ASCII text code points are bytes; only the offsets past the end need HF's fallback.
  const bool ascii = all_ascii(original_);
  std::optional<ByteToCharOffsets> converter;
  if (!ascii) converter.emplace(original_);
  size_t total = 0;
  for (const auto& s : splits_) {
    AM_CHECK(s.tokens, "PreTokenizedString::into_encoding: a split has not been tokenized");
    total += s.tokens->size();
  }
  enc.ids.reserve(total);
  enc.tokens.reserve(total);
  enc.offsets.reserve(total);
  for (size_t idx = 0; idx < splits_.size(); ++idx) {
    auto& split = splits_[idx];
    Offsets base = split.normalized.offsets_original();
    for (auto& token : *split.tokens) {
      Offsets offsets = token.offsets;
      if (auto r = split.normalized.normalized_to_original(token.offsets))
        offsets = {base.first + r->first, base.first + r->second};
      if (converter)
        if (auto c = converter->convert(offsets)) offsets = *c;
      enc.ids.push_back(token.id);
      enc.tokens.push_back(std::move(token.value));
      enc.offsets.push_back(offsets);
      enc.word_ids.push_back(word_index ? *word_index : static_cast<uint32_t>(idx));
    }
  }
  size_t n = enc.ids.size();
  enc.type_ids.assign(n, static_cast<int32_t>(type_id));
  enc.special_tokens_mask.assign(n, 0);
  enc.attention_mask.assign(n, 1);
  enc.sequence_ids.assign(n, std::nullopt);
  return enc;
}

ByteToCharOffsets::ByteToCharOffsets(std::string_view text) {
  char_of_byte_.resize(text.size());
  uint32_t ch = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++ch;
    char_of_byte_[i] = ch;
  }
}

std::optional<Offsets> ByteToCharOffsets::convert(Offsets o) const {
  if (o.first >= char_of_byte_.size()) return std::nullopt;
  size_t start = char_of_byte_[o.first];
  if (o.second < char_of_byte_.size()) return Offsets{start, char_of_byte_[o.second]};
  // The end is past the last byte: the character before it, plus one.
  size_t last = o.second >= 1 && o.second - 1 < char_of_byte_.size() ? char_of_byte_[o.second - 1] : start;
  return Offsets{start, last + 1};
}

}  // namespace automodel::tokenizers
