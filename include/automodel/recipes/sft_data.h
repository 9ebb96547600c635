// Supervised fine-tuning data: JSONL records tokenized the way TRL's SFTTrainer tokenizes them,
// batched with right padding or packed into fixed-length blocks, and a shuffled batch order
// that a checkpoint can save and restore exactly.
//
// Records (one JSON object per line; blank lines are skipped; errors name file:line and the
// field). The format is detected from the first record's keys unless given:
//   {"text": "..."}                         every token is trained;
//   {"prompt": "...", "completion": "..."}  only completion tokens are trained;
//   {"prompt": [msgs], "completion": [msgs]} the same, rendered with the chat template;
//   {"messages": [{"role", "content"}, ...], "tools"?: [...]}
//                                           rendered with the chat template, only assistant
//                                           turns are trained.
// Other keys are ignored. A message may carry further fields the template reads (tool_calls).
//
// Tokenization (TRL 0.19 SFTTrainer, transformers 4.47 tokenizers):
//  * text: `tokenizer(text)` (special tokens as the tokenizer adds them, e.g. Llama's BOS); with
//    add_eos, eos_token is appended to the text first unless it already ends with it.
//  * prompt/completion strings: ids = tokenizer(prompt + completion [+ eos_token]); the first
//    len(tokenizer(prompt)) tokens are not trained (TRL's completion_mask). When those are not a
//    prefix of the whole (a merge across the boundary) TRL only warns; here it is counted in
//    SftDatasetStats::prompt_prefix_mismatches.
//  * conversational prompt/completion: ids = apply_chat_template(prompt + completion), the first
//    len(apply_chat_template(prompt, add_generation_prompt=True)) not trained.
//  * messages: ids = apply_chat_template(messages) (tokenized without adding special tokens, as
//    apply_chat_template(tokenize=True) does; no EOS appended: the template ends turns itself).
//    Assistant spans, found by rendering prefixes of the conversation (see assistant_spans()).
//  * labels = ids where trained, -100 elsewhere (HF convention: the loss shifts them).
//  * Without packing, rows longer than max_length are cut to their first max_length tokens
//    (TRL's truncate_dataset).
//
// Packing (TRL's "wrapped" strategy): the tokenized examples, in file order, are concatenated
// and cut into blocks of max_length tokens (the last block may be shorter); nothing is
// truncated, an example may continue in the next block. A block is one causal sequence:
// attention crosses example boundaries (like transformers' run_clm group_texts and TRL's
// ConstantLengthDataset; there is no per-example attention mask) and positions run 0..T-1, but
// the first token of every example gets label -100, so no loss term asks the model to predict
// one example from the end of another (transformers' DataCollatorWithFlattening does the same).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/auto_tokenizer.h"

namespace automodel::recipes {

using tokenizers::AutoTokenizer;
using tokenizers::ChatMessage;

inline constexpr int32_t kIgnoreIndex = -100;  // label of a token the loss skips (HF / torch)

enum class DataFormat { auto_detect, text, prompt_completion, messages };

std::string_view to_string(DataFormat format);  // "auto", "text", "prompt_completion", "messages"
std::optional<DataFormat> data_format_from_string(std::string_view name);

struct SftDataOptions {
  DataFormat format = DataFormat::auto_detect;
  int64_t max_length = 1024;  // truncation length, or the block length when packing
  bool packing = false;
  bool add_eos = true;  // text and string prompt/completion only
};

// One training row: an example, or a packed block. labels has input_ids' length.
struct SftExample {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> labels;
  bool operator==(const SftExample&) const = default;
};

// The format a record has, from its keys ("messages" > "prompt"+"completion" > "text").
// `where` ("train.jsonl:1") prefixes the error when none fits.
DataFormat detect_data_format(const json& record, const std::string& where);

// Tokenizes one record, untruncated (auto_detect: the format of this record's keys). `where`
// is "file:line" for errors, which also name the field ("messages[2].role").
SftExample tokenize_sft_record(const json& record, DataFormat format, const AutoTokenizer& tokenizer, bool add_eos,
                               const std::string& where);

// A rendered conversation and the [begin, end) byte ranges of its trained assistant turns.
struct RenderedConversation {
  std::string text;
  std::vector<std::pair<size_t, size_t>> assistant_spans;
};

// Renders `messages` with the tokenizer's chat template (add_generation_prompt false) and
// finds each assistant message's span, the text an assistant-only loss trains, by rendering
// prefixes of the conversation (a TRL prompt/completion split at every assistant turn):
//  * begin = the length of render(messages[:i], add_generation_prompt=true), i.e. after the
//    assistant header the template opens the turn with. It must be a prefix of the full
//    rendering, else the error says the template does not render prefixes stably.
//  * end = where render(messages[:i+1]) and the full rendering part: the turn's content and
//    whatever closing text (end-of-turn token, newline) the template writes before the next
//    message. Templates that render the final message differently (phi3's trailing
//    <|endoftext|>, qwen3's empty <think></think> on the last assistant turn) part from the
//    full rendering early; when that parting lies before the end of the message's content, the
//    content is located in the full text after `begin` and the end is the content end plus
//    the closing text both renderings share.
// So for Llama 3 a trained span is "Hello!<|eot_id|>", for ChatML "Hello!<|im_end|>\n", for
// Gemma "Hello!<end_of_turn>\n"; the final turn of phi3 keeps its "<|endoftext|>".
RenderedConversation render_conversation(const AutoTokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                                         const json& tools = json(), const std::string& where = "conversation");

// Counts over a dataset, for the run log.
struct SftDatasetStats {
  int64_t records = 0;                   // JSONL records read
  int64_t rows = 0;                      // examples, or packed blocks
  int64_t truncated = 0;                 // records cut to max_length (no packing)
  int64_t records_without_targets = 0;   // records with no trained label after the shift
  int64_t tokens = 0;                    // tokens over all rows
  int64_t target_tokens = 0;             // trained label tokens over all rows (after the shift)
  int64_t prompt_prefix_mismatches = 0;  // see the prompt/completion rule above
};

class SftDataset {
 public:
  // Reads and tokenizes a JSONL file.
  static SftDataset from_jsonl(const std::filesystem::path& file, const AutoTokenizer& tokenizer,
                               const SftDataOptions& options);
  // The same for records in memory (e.g. a generated task); `source` names them in errors
  // ("<source>:<index + 1>").
  static SftDataset from_records(const std::vector<json>& records, const std::string& source,
                                 const AutoTokenizer& tokenizer, const SftDataOptions& options);
  // Already tokenized examples (labels given), truncated or packed per `options`.
  static SftDataset from_examples(std::vector<SftExample> examples, const SftDataOptions& options,
                                  const std::string& source = "examples");

  size_t size() const { return rows_.size(); }
  const SftExample& row(size_t i) const { return rows_.at(i); }
  const std::vector<SftExample>& rows() const { return rows_; }
  DataFormat format() const { return format_; }  // the detected / given format
  const SftDataOptions& options() const { return options_; }
  const SftDatasetStats& stats() const { return stats_; }
  const std::string& source() const { return source_; }
  // 16 hex digits (FNV-1a 64 over every row's ids and labels): a resumed run checks that its
  // data are the data the checkpoint was written with.
  std::string fingerprint() const;

 private:
  SftDataset() = default;
  void finish(std::vector<SftExample> examples);  // truncate or pack, fill the stats

  std::vector<SftExample> rows_;
  DataFormat format_ = DataFormat::auto_detect;
  SftDataOptions options_;
  SftDatasetStats stats_;
  std::string source_;
};

// A micro-batch in HF layout: int64 tensors [B, T], right-padded to the longest row.
struct SftBatch {
  Tensor input_ids;       // pad_token_id on padding
  Tensor attention_mask;  // 1 on tokens, 0 on padding
  Tensor labels;          // input ids where trained, -100 elsewhere and on padding (unshifted)
  // Labels the shifted loss counts: labels[:, 1:] != -100. The loss of a step is the sum over
  // its micro-batches divided by the sum of these (transformers' num_items_in_batch).
  int64_t num_label_tokens = 0;
  int64_t num_tokens = 0;  // attention_mask.sum(): tokens processed, for tokens/s
  std::vector<size_t> rows;  // the dataset rows, in batch order
};

// The pad id a batch uses: the tokenizer's pad token, else its eos token (what TRL does);
// throws when it has neither.
int32_t sft_pad_token_id(const AutoTokenizer& tokenizer);

// Builds the batch of the given dataset rows.
SftBatch collate_sft_batch(const SftDataset& dataset, const std::vector<size_t>& rows, int32_t pad_token_id);

// The rows of a dataset in batches, epoch after epoch. With a shuffle seed every epoch visits
// the rows in a new order: a Fisher–Yates shuffle driven by std::mt19937_64 (seeded once with
// the seed, then advancing from epoch to epoch), drawing indices by rejection sampling rather
// than std::uniform_int_distribution, so the order is the same with every standard library.
// Without a seed (validation), rows come in dataset order. The last batch of an epoch may be
// smaller (transformers' dataloader_drop_last = false); a batch never spans two epochs.
//
// state() is the position (epoch, next batch within it, the generator state the epoch's order
// was drawn from, plus the dataset size / fingerprint / batch size it belongs to); a new
// iterator given load_state(state) produces exactly the batches the saved one would have.
class SftBatchIterator {
 public:
  SftBatchIterator(const SftDataset& dataset, int64_t batch_size, int32_t pad_token_id,
                   std::optional<uint64_t> shuffle_seed);

  // The next batch; after the last batch of an epoch, the first of the next one.
  SftBatch next();
  // The rows of the next batch without building it (advances like next()).
  std::vector<size_t> next_rows();

  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t epoch() const { return epoch_; }                   // of the last batch returned (0-based)
  int64_t batch_in_epoch() const { return batch_in_epoch_; }  // batches of epoch() returned so far
  bool epoch_finished() const { return batch_in_epoch_ == batches_per_epoch_; }
  // The row order of the current epoch.
  const std::vector<size_t>& order() const { return order_; }

  json state() const;
  // Throws when the state belongs to another dataset (rows, fingerprint), batch size or seed.
  void load_state(const json& state, const std::string& what = "data position");

 private:
  void start_epoch(int64_t epoch);

  const SftDataset* dataset_;
  int64_t batch_size_;
  int32_t pad_token_id_;
  std::optional<uint64_t> seed_;
  int64_t batches_per_epoch_;
  std::mt19937_64 rng_;
  std::string epoch_rng_state_;  // rng_ before drawing the current epoch's order
  std::vector<size_t> order_;
  int64_t epoch_ = 0;
  int64_t batch_in_epoch_ = 0;
};

// The shuffle the iterator uses: the identity permutation of n, Fisher–Yates over `rng`
// (i from n-1 down to 1 swaps i with uniform_below(rng, i + 1)).
std::vector<size_t> shuffled_order(size_t n, std::mt19937_64& rng);
// A uniform integer in [0, bound) from rng's 64-bit outputs (rejection of the biased tail).
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

}  // namespace automodel::recipes
