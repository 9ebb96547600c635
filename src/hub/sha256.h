// SHA-256, to check a downloaded LFS blob against its ETag (the Hub names LFS files by the
// sha256 of their content), so a corrupt or mixed-up resume never enters the cache.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace automodel::hub_detail {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t len);
  std::string hex_digest();  // finishes the hash; lower-case hex

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_;
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(const void* data, std::size_t len);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws naming the file on I/O error

}  // namespace automodel::hub_detail
