// libFuzzer target: arbitrary bytes as config.json and generation_config.json. Parsing must
// either succeed (and then writing back and re-reading gives the same JSON) or throw
// automodel::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "automodel/core/error.h"
#include "automodel/hub/config.h"
#include "automodel/hub/generation_config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  automodel::json value;
  try {
    value = automodel::parse_json(text, "fuzz/config.json");
  } catch (const automodel::Error&) {
    return 0;
  }
  try {
    const auto cfg = automodel::ModelConfig::from_json(value, "fuzz/config.json");
    if (cfg.to_json() != value) std::abort();  // an untouched config must write back unchanged
  } catch (const automodel::Error&) {
  }
  try {
    const auto gen = automodel::GenerationConfigFile::from_json(value, "fuzz/generation_config.json");
    if (gen.to_json() != value) std::abort();
  } catch (const automodel::Error&) {
  }
  return 0;
}
