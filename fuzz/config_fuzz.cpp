// libFuzzer target: arbitrary bytes as config.json. Parsing must either succeed (and then
// writing back gives the same JSON) or throw automodel::Error. (generation_config.json has its
// own target, generation_config_fuzz.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "automodel/core/error.h"
#include "automodel/hub/config.h"

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
  return 0;
}
