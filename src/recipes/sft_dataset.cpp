// SftDataset: JSONL records read and tokenized, then truncated or packed into rows.
#include <cstdio>
#include <fstream>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"
#include "sft_records.h"

namespace automodel::recipes {
namespace {

// Trained labels a causal loss counts: the shift drops position 0.
int64_t shifted_targets(const std::vector<int32_t>& labels) {
  int64_t n = 0;
  for (size_t k = 1; k < labels.size(); ++k) n += labels[k] != kIgnoreIndex;
  return n;
}

struct Tokenized {
  std::vector<SftExample> examples;
  DataFormat format = DataFormat::auto_detect;
  int64_t prefix_mismatches = 0;
};

// Tokenizes records one by one; `where(i)` names record i in errors.
template <class Next>
Tokenized tokenize_all(Next&& next_record, DataFormat format, const AutoTokenizer& tokenizer, bool add_eos) {
  Tokenized out;
  out.format = format;
  json record;
  std::string where;
  while (next_record(record, where)) {
    if (out.format == DataFormat::auto_detect) out.format = detect_data_format(record, where);
    TokenizedRecord t = tokenize_record(record, out.format, tokenizer, add_eos, where);
    out.prefix_mismatches += t.prefix_mismatch;
    out.examples.push_back(std::move(t.example));
  }
  return out;
}

}  // namespace

SftDataset SftDataset::from_jsonl(const std::filesystem::path& file, const AutoTokenizer& tokenizer,
                                  const SftDataOptions& options) {
  std::error_code ec;
  AM_CHECK(std::filesystem::is_regular_file(file, ec), file.string(), ": data file not found");
  std::ifstream in(file, std::ios::binary);
  AM_CHECK(in, file.string(), ": cannot open the data file");
  size_t line_number = 0;
  std::string line;
  auto next = [&](json& record, std::string& where) {
    while (std::getline(in, line)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      where = str_cat(file.string(), ":", line_number);
      record = parse_json(line, where);
      return true;
    }
    AM_CHECK(!in.bad(), file.string(), ": read error after line ", line_number);
    return false;
  };
  Tokenized t = tokenize_all(next, options.format, tokenizer, options.add_eos);
  AM_CHECK(!t.examples.empty(), file.string(), ": no records (the file is empty)");
  SftDataset ds;
  ds.options_ = options;
  ds.format_ = t.format;
  ds.source_ = file.string();
  ds.stats_.prompt_prefix_mismatches = t.prefix_mismatches;
  ds.finish(std::move(t.examples));
  return ds;
}

SftDataset SftDataset::from_records(const std::vector<json>& records, const std::string& source,
                                    const AutoTokenizer& tokenizer, const SftDataOptions& options) {
  AM_CHECK(!records.empty(), source, ": no records");
  size_t i = 0;
  auto next = [&](json& record, std::string& where) {
    if (i == records.size()) return false;
    where = str_cat(source, ":", i + 1);
    record = records[i++];
    return true;
  };
  Tokenized t = tokenize_all(next, options.format, tokenizer, options.add_eos);
  SftDataset ds;
  ds.options_ = options;
  ds.format_ = t.format;
  ds.source_ = source;
  ds.stats_.prompt_prefix_mismatches = t.prefix_mismatches;
  ds.finish(std::move(t.examples));
  return ds;
}

SftDataset SftDataset::from_examples(std::vector<SftExample> examples, const SftDataOptions& options,
                                     const std::string& source) {
  AM_CHECK(!examples.empty(), source, ": no examples");
  for (size_t i = 0; i < examples.size(); ++i) {
    const auto& e = examples[i];
    AM_CHECK(e.labels.size() == e.input_ids.size(), source, ": example ", i, " has ", e.input_ids.size(),
             " input ids but ", e.labels.size(), " labels");
    for (size_t k = 0; k < e.input_ids.size(); ++k)
      AM_CHECK(e.input_ids[k] >= 0, source, ": example ", i, " has a negative input id ", e.input_ids[k],
               " at position ", k);
  }
  SftDataset ds;
  ds.options_ = options;
  ds.format_ = options.format;
  ds.source_ = source;
  ds.finish(std::move(examples));
  return ds;
}

void SftDataset::finish(std::vector<SftExample> examples) {
  AM_CHECK(options_.max_length >= 2, source_, ": max_length must be at least 2, found ", options_.max_length);
  const size_t max_length = size_t(options_.max_length);
  stats_.records = int64_t(examples.size());
  if (!options_.packing) {
    for (auto& e : examples) {
      if (e.input_ids.size() > max_length) {  // keep the start (TRL truncate_dataset)
        e.input_ids.resize(max_length);
        e.labels.resize(max_length);
        ++stats_.truncated;
      }
      stats_.records_without_targets += shifted_targets(e.labels) == 0;
    }
    rows_ = std::move(examples);
  } else {
    // Wrapped packing: one stream cut into max_length blocks; an example's first token is
    // never a target, so no loss term predicts across an example boundary.
    SftExample block;
    auto flush = [&] {
      rows_.push_back(std::move(block));
      block = SftExample();
    };
    for (const auto& e : examples) {
      stats_.records_without_targets += shifted_targets(e.labels) == 0;
      for (size_t k = 0; k < e.input_ids.size(); ++k) {
        block.input_ids.push_back(e.input_ids[k]);
        block.labels.push_back(k == 0 ? kIgnoreIndex : e.labels[k]);
        if (block.input_ids.size() == max_length) flush();
      }
    }
    if (!block.input_ids.empty()) flush();
  }
  stats_.rows = int64_t(rows_.size());
  for (const auto& r : rows_) {
    stats_.tokens += int64_t(r.input_ids.size());
    stats_.target_tokens += shifted_targets(r.labels);
  }
}

std::string SftDataset::fingerprint() const {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  auto mix = [&](uint32_t v) {
    for (int b = 0; b < 4; ++b) {  // little-endian bytes: the same value on every platform
      h ^= (v >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const auto& r : rows_) {
    mix(uint32_t(r.input_ids.size()));
    for (int32_t id : r.input_ids) mix(uint32_t(id));
    for (int32_t l : r.labels) mix(uint32_t(l));
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace automodel::recipes
