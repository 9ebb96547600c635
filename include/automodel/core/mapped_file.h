// A read-only memory map of a whole file. Tensors loaded from safetensors point into it and
// keep it alive through shared ownership, so loading never copies weight bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace automodel {

class MappedFile {
 public:
  // Maps path read-only. Throws automodel::Error naming the file on failure.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace automodel
