// Tensor: a shared handle to (storage, dtype, shape, strides, offset). Copying a Tensor
// copies the handle; views (view/reshape/permute/transpose/narrow/slice/select/expand) share
// storage. Strides and offset are in elements. The handle also carries the autograd slot
// (see docs/ARCHITECTURE.md, "Autograd"), so a copy of a Tensor shares its gradient.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "automodel/core/device.h"
#include "automodel/core/dims.h"
#include "automodel/core/dtype.h"
#include "automodel/core/storage.h"

namespace automodel {

struct AutogradMeta;  // defined by the autograd layer (core/autograd.h)

class Tensor {
 public:
  Tensor() = default;  // undefined tensor

  // ---- construction ----
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
  // A tensor over existing storage; checks that every addressed element lies inside it.
  static Tensor from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                             const Strides& strides, int64_t offset = 0);
  static Tensor from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape);
  // Copies host values into a new contiguous CPU tensor of dtype_of<T>.
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // 0..n-1 as int64.
  static Tensor arange(int64_t n, DType dtype = DType::I64);

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  DType dtype() const { return impl().dtype; }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  int dim() const { return impl().shape.size(); }
  int64_t size(int d) const { return impl().shape[wrap_dim(d)]; }
  int64_t stride(int d) const { return impl().strides[wrap_dim(d)]; }
  int64_t numel() const { return impl().shape.numel(); }
  int64_t nbytes() const { return dtype_nbytes(dtype(), numel()); }
  Device device() const { return impl().storage->device(); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  std::string str() const;  // "Tensor(float32, [2, 3], cpu)"

  // ---- data access (CPU) ----
  const void* raw_data() const;
  void* mutable_raw_data();  // throws for read-only (mapped) storage
  template <class T>
  const T* data() const {
    check_dtype(dtype_of<T>::value);
    return static_cast<const T*>(raw_data());
  }
  template <class T>
  T* mutable_data() {
    check_dtype(dtype_of<T>::value);
    return static_cast<T*>(mutable_raw_data());
  }
  // Element at a multi-index, converted to double (any dtype). For tests and small reads.
  double item_at(std::initializer_list<int64_t> index) const;
  double item() const;  // a one-element tensor's value
  // All elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;

  // ---- views (share storage) ----
  Tensor view(const Shape& shape) const;     // needs a compatible layout; one -1 allowed
  Tensor reshape(const Shape& shape) const;  // view when possible, otherwise a copy
  Tensor permute(const Dims& order) const;
  Tensor transpose(int a, int b) const;
  Tensor narrow(int dim, int64_t start, int64_t length) const;
  Tensor slice(int dim, int64_t start, int64_t end, int64_t step = 1) const;  // python-style clamping
  Tensor select(int dim, int64_t index) const;  // drops dim
  Tensor expand(const Shape& shape) const;      // broadcast size-1 dims (stride 0); -1 keeps
  Tensor unsqueeze(int dim) const;
  Tensor squeeze(int dim) const;
  Tensor flatten() const { return reshape({numel()}); }

  // ---- copies ----
  Tensor contiguous() const;  // this if already contiguous
  Tensor clone() const;       // always a new owned contiguous tensor
  Tensor to(DType dtype) const;  // this if same dtype; round-to-nearest-even into f16/bf16
  Tensor to(Device device) const;
  // Copies src into this (shapes must match, src broadcast not allowed), converting dtype.
  void copy_from(const Tensor& src);

  // ---- identity / autograd slot ----
  bool same(const Tensor& o) const { return impl_ == o.impl_; }
  const std::shared_ptr<AutogradMeta>& autograd_meta() const { return impl().autograd; }
  void set_autograd_meta(std::shared_ptr<AutogradMeta> m) { impl().autograd = std::move(m); }
  // Points this handle (and every copy of it) at src's storage, dtype and layout, keeping the
  // autograd slot: torch's `param.data = src`. Used to give a parameter loaded from a read-only
  // mapped file an owned, writable copy before training.
  void replace_data(const Tensor& src);

  int wrap_dim(int d) const;  // negative dims count from the end; throws when out of range

 private:
  struct Impl {
    std::shared_ptr<Storage> storage;
    DType dtype = DType::F32;
    Shape shape;
    Strides strides;
    int64_t offset = 0;
    std::shared_ptr<AutogradMeta> autograd;
  };
  explicit Tensor(std::shared_ptr<Impl> i) : impl_(std::move(i)) {}
  // is_expand: made by expand(), whose gradient is reduced with sum_to (see tensor.cpp).
  Tensor make_view(const Shape& shape, const Strides& strides, int64_t offset, bool is_expand = false) const;
  void record_view_backward(Tensor& out, bool is_expand) const;
  void record_copy_backward(Tensor& out, const char* op) const;
  const Impl& impl() const;
  Impl& impl();
  void check_dtype(DType want) const;

  std::shared_ptr<Impl> impl_;
};

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  AM_CHECK(int64_t(values.size()) == shape.numel(), "from_vector: ", values.size(), " values for shape ",
           shape.str());
  Tensor t = empty(shape, dtype_of<T>::value);
  if constexpr (std::is_same_v<T, bool>) {
    auto* p = t.mutable_data<bool>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  } else if (!values.empty()) {
    std::memcpy(t.mutable_raw_data(), values.data(), values.size() * sizeof(T));
  }
  return t;
}

}  // namespace automodel
