// Batches of dataset rows: right padding into HF-layout tensors, and the seeded, resumable
// per-epoch order.
#include <numeric>
#include <sstream>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"

namespace automodel::recipes {

int32_t sft_pad_token_id(const AutoTokenizer& tokenizer) {
  if (auto pad = tokenizer.pad_token_id()) return *pad;
  if (auto eos = tokenizer.eos_token_id()) return *eos;
  fail("the tokenizer has neither a pad token nor an eos token to pad batches with");
}

SftBatch collate_sft_batch(const SftDataset& dataset, const std::vector<size_t>& rows, int32_t pad_token_id) {
  AM_CHECK(!rows.empty(), "collate_sft_batch: no rows");
  size_t longest = 0;
  for (size_t r : rows) {
    AM_CHECK(r < dataset.size(), "collate_sft_batch: row ", r, " of a dataset of ", dataset.size());
    longest = std::max(longest, dataset.row(r).input_ids.size());
  }
  const size_t B = rows.size(), T = longest;
  std::vector<int64_t> ids(B * T, pad_token_id), mask(B * T, 0), labels(B * T, kIgnoreIndex);
  SftBatch batch;
  for (size_t b = 0; b < B; ++b) {
    const SftExample& e = dataset.row(rows[b]);
    for (size_t t = 0; t < e.input_ids.size(); ++t) {
      ids[b * T + t] = e.input_ids[t];
      mask[b * T + t] = 1;
      labels[b * T + t] = e.labels[t];
      batch.num_label_tokens += t > 0 && e.labels[t] != kIgnoreIndex;
    }
    batch.num_tokens += int64_t(e.input_ids.size());
  }
  const Shape shape{int64_t(B), int64_t(T)};
  batch.input_ids = Tensor::from_vector(ids, shape);
  batch.attention_mask = Tensor::from_vector(mask, shape);
  batch.labels = Tensor::from_vector(labels, shape);
  batch.rows = rows;
  return batch;
}

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  AM_CHECK(bound > 0, "uniform_below: empty range");
  // 2^64 mod bound outputs at the bottom are the biased tail; the rest split evenly.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

std::vector<size_t> shuffled_order(size_t n, std::mt19937_64& rng) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);
  return order;
}

SftBatchIterator::SftBatchIterator(const SftDataset& dataset, int64_t batch_size, int32_t pad_token_id,
                                   std::optional<uint64_t> shuffle_seed)
    : dataset_(&dataset), batch_size_(batch_size), pad_token_id_(pad_token_id), seed_(shuffle_seed) {
  AM_CHECK(batch_size >= 1, "batch size must be >= 1, found ", batch_size);
  AM_CHECK(dataset.size() > 0, dataset.source(), ": the dataset has no rows to batch");
  batches_per_epoch_ = (int64_t(dataset.size()) + batch_size - 1) / batch_size;
  if (seed_) rng_.seed(*seed_);
  start_epoch(0);
}

void SftBatchIterator::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  batch_in_epoch_ = 0;
  if (seed_) {
    std::ostringstream os;
    os << rng_;  // the standard's textual form: the same on every library
    epoch_rng_state_ = os.str();
    order_ = shuffled_order(dataset_->size(), rng_);
  } else {
    order_.resize(dataset_->size());
    std::iota(order_.begin(), order_.end(), size_t(0));
  }
}

std::vector<size_t> SftBatchIterator::next_rows() {
  if (batch_in_epoch_ == batches_per_epoch_) start_epoch(epoch_ + 1);
  const size_t begin = size_t(batch_in_epoch_ * batch_size_);
  const size_t end = std::min(begin + size_t(batch_size_), order_.size());
  ++batch_in_epoch_;
  return std::vector<size_t>(order_.begin() + ptrdiff_t(begin), order_.begin() + ptrdiff_t(end));
}

SftBatch SftBatchIterator::next() { return collate_sft_batch(*dataset_, next_rows(), pad_token_id_); }

json SftBatchIterator::state() const {
  json s = json::object();
  s["epoch"] = epoch_;
  s["batch_in_epoch"] = batch_in_epoch_;
  s["batch_size"] = batch_size_;
  s["rows"] = dataset_->size();
  s["fingerprint"] = dataset_->fingerprint();
  s["shuffle_seed"] = seed_ ? json(*seed_) : json();
  s["rng_state"] = seed_ ? json(epoch_rng_state_) : json();
  return s;
}

void SftBatchIterator::load_state(const json& s, const std::string& what) {
  AM_CHECK(s.is_object(), what, ": expected an object, found ", json_type_name(s));
  auto integer = [&](const char* key) -> int64_t {
    auto it = s.find(key);
    AM_CHECK(it != s.end(), what, ": missing '", key, "'");
    AM_CHECK(it->is_number_integer(), what, ": '", key, "' must be an integer, found ", json_type_name(*it));
    return it->get<int64_t>();
  };
  const int64_t epoch = integer("epoch"), in_epoch = integer("batch_in_epoch");
  const int64_t batch_size = integer("batch_size"), rows = integer("rows");
  auto fp = s.find("fingerprint");
  AM_CHECK(fp != s.end() && fp->is_string(), what, ": missing the dataset fingerprint");
  AM_CHECK(rows == int64_t(dataset_->size()) && fp->get<std::string>() == dataset_->fingerprint(), what,
           ": the position is for a dataset of ", rows, " rows (fingerprint ", fp->get<std::string>(),
           "), this one has ", dataset_->size(), " rows (fingerprint ", dataset_->fingerprint(),
           "): the data, tokenizer or data options changed since it was saved");
  AM_CHECK(batch_size == batch_size_, what, ": the position is for batches of ", batch_size, ", this run uses ",
           batch_size_);
  auto seed = s.find("shuffle_seed");
  AM_CHECK(seed != s.end() && (seed->is_null() || seed->is_number_unsigned()), what,
           ": 'shuffle_seed' must be a non-negative integer or null");
  const std::optional<uint64_t> saved_seed = seed->is_null() ? std::nullopt : std::optional(seed->get<uint64_t>());
  AM_CHECK(saved_seed == seed_, what, ": the position was saved with shuffle seed ",
           saved_seed ? std::to_string(*saved_seed) : "none", ", this run uses ", seed_ ? std::to_string(*seed_) : "none");
  AM_CHECK(epoch >= 0 && in_epoch >= 0 && in_epoch <= batches_per_epoch_, what, ": epoch ", epoch, " batch ",
           in_epoch, " is outside an epoch of ", batches_per_epoch_, " batches");
  if (seed_) {
    auto state = s.find("rng_state");
    AM_CHECK(state != s.end() && state->is_string(), what, ": missing 'rng_state'");
    std::istringstream is(state->get<std::string>());
    std::mt19937_64 rng;
    is >> rng;
    AM_CHECK(!is.fail(), what, ": 'rng_state' is not a std::mt19937_64 state");
    rng_ = rng;
    start_epoch(epoch);  // records the state and redraws this epoch's order from it
  } else {
    start_epoch(epoch);
  }
  batch_in_epoch_ = in_epoch;
}

}  // namespace automodel::recipes
