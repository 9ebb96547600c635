// libFuzzer target: arbitrary bytes as a whole safetensors file. The parser must either accept
// them (and then every entry is inside the data section) or throw automodel::Error; never crash,
// hang or read outside the buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
  try {
    const auto h = automodel::parse_safetensors_header(file, "fuzz.safetensors");
    uint64_t covered = 0;
    for (const auto& e : h.entries) {
      if (e.begin != covered || e.end > h.data_size) std::abort();  // the validator let a bad layout through
      covered = e.end;
    }
    if (covered != h.data_size || h.data_start + h.data_size != size) std::abort();
  } catch (const automodel::Error&) {
  }
  return 0;
}
