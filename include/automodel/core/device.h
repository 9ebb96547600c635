// Where a tensor's storage lives. CPU is implemented; CUDA is the next backend and plugs in
// at the dispatch points named in docs/ARCHITECTURE.md (Storage::allocate and ops dispatch).
#pragma once

#include <string>
#include <string_view>

namespace automodel {

enum class DeviceType { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {}; }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool operator==(const Device&) const = default;
  std::string str() const;
  // "cpu", "cuda", "cuda:1"; throws on anything else.
  static Device parse(std::string_view s);
};

// Whether a device of this type can be used in this build (CPU: always).
bool device_available(DeviceType t);

}  // namespace automodel
