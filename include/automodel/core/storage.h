// Storage: the bytes behind one or more tensors. Either owned (64-byte aligned heap memory)
// or a read-only window into a MappedFile shared by many tensors.
#pragma once

#include <cstddef>
#include <memory>

#include "automodel/core/device.h"
#include "automodel/core/mapped_file.h"

namespace automodel {

class Storage {
 public:
  static constexpr size_t kAlignment = 64;

  // Uninitialised owned bytes on `device`. The device dispatch point for allocation.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = Device::cpu());
  // Read-only view of [offset, offset + nbytes) of a mapped file.
  static std::shared_ptr<Storage> mapped(std::shared_ptr<const MappedFile> file, size_t offset, size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  const std::byte* data() const { return data_; }
  // Writable bytes; throws for read-only (mapped) storage.
  std::byte* mutable_data();
  size_t nbytes() const { return nbytes_; }
  bool read_only() const { return file_ != nullptr; }
  Device device() const { return device_; }
  // The mapped file this storage views, or null.
  const MappedFile* file() const { return file_.get(); }

 private:
  Storage() = default;
  std::byte* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::shared_ptr<const MappedFile> file_;
};

}  // namespace automodel
