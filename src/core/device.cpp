#include "automodel/core/device.h"

#include "automodel/core/error.h"

namespace automodel {

std::string Device::str() const {
  if (type == DeviceType::CPU) return "cpu";
  return "cuda:" + std::to_string(index);
}

Device Device::parse(std::string_view s) {
  if (s == "cpu") return Device::cpu();
  if (s.starts_with("cuda")) {
    Device d{DeviceType::CUDA, 0};
    if (s.size() > 4) {
      AM_CHECK(s[4] == ':' && s.size() > 5, "device '", s, "': expected cpu, cuda or cuda:N");
      int idx = 0;
      for (char c : s.substr(5)) {
        AM_CHECK(c >= '0' && c <= '9', "device '", s, "': expected cpu, cuda or cuda:N");
        idx = idx * 10 + (c - '0');
      }
      d.index = idx;
    }
    return d;
  }
  fail("device '", s, "': expected cpu, cuda or cuda:N");
}

bool device_available(DeviceType t) { return t == DeviceType::CPU; }

}  // namespace automodel
