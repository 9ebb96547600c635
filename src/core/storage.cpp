#include "automodel/core/storage.h"

#include <cstdlib>
#include <new>

#include "automodel/core/error.h"

namespace automodel {

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  // Device dispatch point: a CUDA build adds its allocator here.
  AM_CHECK(device.is_cpu(), "device ", device.str(), " is not available in this build (CPU only)");
  std::shared_ptr<Storage> s(new Storage());
  const size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded > 0) {
    s->data_ = static_cast<std::byte*>(std::aligned_alloc(kAlignment, rounded));
    if (!s->data_) throw std::bad_alloc();
  }
  s->nbytes_ = nbytes;
  s->device_ = device;
  return s;
}

std::shared_ptr<Storage> Storage::mapped(std::shared_ptr<const MappedFile> file, size_t offset, size_t nbytes) {
  AM_CHECK(file, "Storage::mapped: no file");
  AM_CHECK(offset <= file->size() && nbytes <= file->size() - offset, file->path(), ": byte range [", offset, ", ",
           offset + nbytes, ") is outside the file (", file->size(), " bytes)");
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = const_cast<std::byte*>(file->data()) + offset;
  s->nbytes_ = nbytes;
  s->file_ = std::move(file);
  return s;
}

Storage::~Storage() {
  if (!file_) std::free(data_);
}

std::byte* Storage::mutable_data() {
  AM_CHECK(!read_only(), "storage is a read-only memory map of ", file_->path(),
           "; copy the tensor (clone/contiguous/to) before writing to it");
  return data_;
}

}  // namespace automodel
