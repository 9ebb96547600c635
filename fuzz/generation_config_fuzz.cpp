// libFuzzer target: arbitrary bytes as generation_config.json, then as generate() kwargs, then
// the logits-processor chain they configure applied to a small score table. Every step must
// either succeed or throw automodel::Error; a parsed config must survive to_json/from_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "automodel/core/error.h"
#include "automodel/generation/generation_config.h"
#include "automodel/generation/logits_process.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace automodel;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json value;
  try {
    value = parse_json(text, "fuzz/generation_config.json");
  } catch (const Error&) {
    return 0;
  }
  std::optional<json> once;
  try {
    once = GenerationConfig::from_json(value, "fuzz/generation_config.json").to_json();
  } catch (const Error&) {
  }
  if (once) {
    try {
      if (GenerationConfig::from_json(*once, "round trip").to_json() != *once) std::abort();
    } catch (const Error&) {
      std::abort();  // a config we write must read back
    }
  }
  try {
    GenerationConfig c;
    c.update(value);
    if (c.max_length > 64 || c.max_length < 2) c.max_length = 8;
    LogitsProcessorList chain =
        build_logits_processors(c, 3, Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 3, 2, 1}, {2, 3}));
    Tensor ids = Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 4, 3, 2, 1, 0}, {2, 4});
    Tensor scores = Tensor::from_vector(std::vector<float>{0.5f, -1.f, 2.f, 0.f, 3.f, 1.f, -2.f, 0.25f}, {2, 4});
    chain.apply(ids, scores);
  } catch (const Error&) {
  }
  return 0;
}
