// automodel: the whole public API in one include, plus the few lines that join the layers the
// way the transformers quick-start reads:
//
//   auto tok = automodel::AutoTokenizer::from_pretrained("path/or/org-name");
//   auto model = automodel::AutoModelForCausalLM::from_pretrained("path/or/org-name");
//   auto inputs = tok({"Hello"});                                   // BatchEncoding
//   auto out = automodel::generate(*model, inputs, {{"max_new_tokens", 20}});
//   std::cout << tok.batch_decode(automodel::generated_tokens(out, inputs), {true})[0];
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "automodel/core/dtype.h"
#include "automodel/core/error.h"
#include "automodel/core/tensor.h"
#include "automodel/core/thread_pool.h"
#include "automodel/generation/generate.h"
#include "automodel/generation/generation_config.h"
#include "automodel/generation/measure.h"
#include "automodel/generation/streamer.h"
#include "automodel/hub/checkpoint.h"
#include "automodel/hub/config.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/resolve.h"
#include "automodel/hub/safetensors.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/causal_lm.h"
#include "automodel/models/sequence_classification.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "automodel/tokenizers/streaming.h"
#include "automodel/tokenizers/text_streamer.h"

namespace automodel {

using tokenizers::BatchEncoding;
using tokenizers::CallOptions;
using tokenizers::ChatMessage;
using tokenizers::ChatTemplateOptions;
using tokenizers::DecodeOptions;
using tokenizers::PaddingMode;
using tokenizers::StreamingDetokenizer;

// Token rows (all the same length: pad a batch first) as the int64 [rows, length] tensor models take.
inline Tensor to_tensor(const std::vector<std::vector<int32_t>>& rows) {
  AM_CHECK(!rows.empty(), "to_tensor: no rows");
  const size_t width = rows[0].size();
  std::vector<int64_t> flat;
  flat.reserve(rows.size() * width);
  for (size_t r = 0; r < rows.size(); ++r) {
    AM_CHECK(rows[r].size() == width, "to_tensor: row ", r, " has ", rows[r].size(), " tokens but row 0 has ", width,
             " (pad the batch: CallOptions::padding = PaddingMode::longest)");
    flat.insert(flat.end(), rows[r].begin(), rows[r].end());
  }
  return Tensor::from_vector(flat, {int64_t(rows.size()), int64_t(width)});
}

// An integer tensor [rows, length] (e.g. GenerateOutput::sequences) as token rows.
inline std::vector<std::vector<int32_t>> to_rows(const Tensor& ids) {
  AM_CHECK(ids.dim() == 2, "to_rows: expected a [rows, length] tensor, found ", ids.shape().str());
  const std::vector<int64_t> flat = ids.to(DType::I64).to_vector<int64_t>();
  const size_t n = size_t(ids.size(0)), width = size_t(ids.size(1));
  std::vector<std::vector<int32_t>> rows(n);
  for (size_t r = 0; r < n; ++r) rows[r].assign(flat.begin() + ptrdiff_t(r * width), flat.begin() + ptrdiff_t((r + 1) * width));
  return rows;
}

// model.generate(**inputs, **kwargs): input_ids and attention_mask from a tokenizer call.
inline GenerateOutput generate(CausalLM& model, const BatchEncoding& inputs, const json& kwargs = json::object(),
                               GenerateOptions options = {}) {
  const Tensor mask = inputs.attention_mask ? to_tensor(*inputs.attention_mask) : Tensor();
  return generate(model, to_tensor(inputs.input_ids), mask, kwargs, std::move(options));
}

// The new tokens of each returned sequence (what follows the prompt), for batch_decode.
inline std::vector<std::vector<int32_t>> generated_tokens(const GenerateOutput& out, size_t prompt_length) {
  auto rows = to_rows(out.sequences);
  for (auto& r : rows) r.erase(r.begin(), r.begin() + ptrdiff_t(std::min(prompt_length, r.size())));
  return rows;
}
inline std::vector<std::vector<int32_t>> generated_tokens(const GenerateOutput& out, const BatchEncoding& inputs) {
  return generated_tokens(out, inputs.input_ids.empty() ? 0 : inputs.input_ids[0].size());
}

}  // namespace automodel
