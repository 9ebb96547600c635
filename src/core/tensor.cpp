#include "automodel/core/tensor.h"

#include <algorithm>

#include "automodel/core/autograd.h"
#include "cpu/convert.h"
#include "cpu/copy.h"

namespace automodel {

namespace {
// Largest and smallest element offsets addressed by a view (relative to its offset).
void addressed_range(const Shape& shape, const Strides& strides, int64_t& lo, int64_t& hi) {
  lo = hi = 0;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) {
      lo = hi = 0;
      return;
    }
    const int64_t span = (shape[i] - 1) * strides[i];
    if (span > 0) hi += span; else lo += span;
  }
}
}  // namespace

const Tensor::Impl& Tensor::impl() const {
  AM_CHECK(impl_, "use of an undefined tensor");
  return *impl_;
}
Tensor::Impl& Tensor::impl() {
  AM_CHECK(impl_, "use of an undefined tensor");
  return *impl_;
}

int Tensor::wrap_dim(int d) const {
  const int n = dim();
  const int w = d < 0 ? d + n : d;
  AM_CHECK(w >= 0 && w < n, "dimension ", d, " out of range for a ", n, "-d tensor");
  return w;
}

void Tensor::check_dtype(DType want) const {
  AM_CHECK(dtype() == want, "tensor has dtype ", dtype_name(dtype()), ", accessed as ", dtype_name(want));
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape) AM_CHECK(s >= 0, "negative size in shape ", shape.str());
  auto impl = std::make_shared<Impl>();
  impl->storage = Storage::allocate(size_t(dtype_nbytes(dtype, shape.numel())), device);
  impl->dtype = dtype;
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (t.nbytes() > 0) std::memset(t.mutable_raw_data(), 0, size_t(t.nbytes()));
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  const int64_t sz = dtype_size(dtype);
  auto* p = static_cast<std::byte*>(t.mutable_raw_data());
  if (t.numel() == 0) return t;
  cpu::store_double(dtype, p, value);
  for (int64_t i = 1; i < t.numel(); ++i) std::memcpy(p + i * sz, p, size_t(sz));
  return t;
}

Tensor Tensor::arange(int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  auto* p = static_cast<std::byte*>(t.mutable_raw_data());
  for (int64_t i = 0; i < n; ++i) cpu::store_int64(dtype, p + i * dtype_size(dtype), i);
  return t;
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape) {
  return from_storage(std::move(storage), dtype, shape, contiguous_strides(shape), 0);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                            const Strides& strides, int64_t offset) {
  AM_CHECK(storage, "from_storage: no storage");
  AM_CHECK(shape.size() == strides.size(), "from_storage: shape ", shape.str(), " and strides ", strides.str(),
           " differ in rank");
  for (int64_t s : shape) AM_CHECK(s >= 0, "negative size in shape ", shape.str());
  if (shape.numel() > 0) {
    AM_CHECK(dtype_info(dtype).block_elems == 1, "from_storage: strided views of block types are not supported");
    int64_t lo, hi;
    addressed_range(shape, strides, lo, hi);
    const int64_t esz = dtype_size(dtype);
    AM_CHECK(offset + lo >= 0 && (offset + hi + 1) * esz <= int64_t(storage->nbytes()), "from_storage: view ",
             shape.str(), " strides ", strides.str(), " offset ", offset, " exceeds the storage (",
             storage->nbytes(), " bytes)");
  }
  auto impl = std::make_shared<Impl>();
  impl->storage = std::move(storage);
  impl->dtype = dtype;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  return Tensor(std::move(impl));
}

bool Tensor::is_contiguous() const {
  const auto& s = shape();
  const auto& st = strides();
  int64_t expected = 1;
  for (int i = s.size() - 1; i >= 0; --i) {
    if (s[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= s[i];
  }
  return true;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  return str_cat("Tensor(", dtype_name(dtype()), ", ", shape().str(), ", ", device().str(), ")");
}

const void* Tensor::raw_data() const {
  AM_CHECK(device().is_cpu(), "raw_data: tensor is on ", device().str());
  return impl().storage->data() + offset() * dtype_size(dtype());
}

void* Tensor::mutable_raw_data() {
  AM_CHECK(device().is_cpu(), "mutable_raw_data: tensor is on ", device().str());
  return impl().storage->mutable_data() + offset() * dtype_size(dtype());
}

double Tensor::item_at(std::initializer_list<int64_t> index) const {
  AM_CHECK(int(index.size()) == dim(), "item_at: ", index.size(), " indices for a ", dim(), "-d tensor");
  int64_t off = 0;
  int k = 0;
  for (int64_t i : index) {
    AM_CHECK(i >= 0 && i < size(k), "item_at: index ", i, " out of range for dim ", k, " of size ", size(k));
    off += i * stride(k);
    ++k;
  }
  const auto* p = static_cast<const std::byte*>(raw_data()) + off * dtype_size(dtype());
  return cpu::load_as_double(dtype(), p);
}

double Tensor::item() const {
  AM_CHECK(numel() == 1, "item: tensor has ", numel(), " elements");
  Tensor c = contiguous();
  return cpu::load_as_double(dtype(), static_cast<const std::byte*>(c.raw_data()));
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = to(dtype_of<T>::value).contiguous();
  std::vector<T> out(static_cast<size_t>(numel()));
  const T* p = c.data<T>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

Tensor Tensor::make_view(const Shape& shape, const Strides& strides, int64_t offset, bool is_expand) const {
  auto impl = std::make_shared<Impl>();
  impl->storage = this->impl().storage;
  impl->dtype = dtype();
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  Tensor out(std::move(impl));
  if (autograd::needs_grad({this})) record_view_backward(out, is_expand);
  return out;
}

// The gradient of a view is scattered back through the storage geometry: the view's gradient
// is written into a zeroed buffer laid out like the base's storage span, and read back with
// the base's geometry. This covers every view (reshape, permute, narrow, slice, select,
// squeeze) with one rule; expand, whose elements alias, reduces with sum_to instead.
void Tensor::record_view_backward(Tensor& out, bool is_expand) const {
  const Tensor base = *this;
  if (is_expand) {
    autograd::record(out, "expand", {base}, [shape = base.shape()](const Tensor& g) {
      Tensor r = autograd::sum_to(g, shape);
      return std::vector<Tensor>{r};
    });
    return;
  }
  for (int i = 0; i < base.dim(); ++i)
    AM_CHECK(!(base.stride(i) == 0 && base.size(i) > 1), "autograd: a view of an expanded tensor ", base.str(),
             " cannot be differentiated; make it contiguous first");
  autograd::record(out, "view", {base},
                   [bs = base.shape(), bst = base.strides(), bo = base.offset(), vs = out.shape(), vst = out.strides(),
                    vo = out.offset()](const Tensor& g) {
                     int64_t lo, hi;
                     addressed_range(bs, bst, lo, hi);
                     const int64_t start = bo + lo, span = hi - lo + 1;
                     Tensor buffer = Tensor::zeros({std::max<int64_t>(span, 1)}, DType::F32);
                     Tensor as_view = Tensor::from_storage(buffer.storage(), DType::F32, vs, vst, vo - start);
                     cpu::copy(as_view, g);
                     Tensor as_base = Tensor::from_storage(buffer.storage(), DType::F32, bs, bst, bo - start);
                     return std::vector<Tensor>{as_base.contiguous()};
                   });
}

namespace {
Shape infer_shape(const Shape& want, int64_t numel) {
  Shape s = want;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      AM_CHECK(infer < 0, "shape ", want.str(), ": only one dimension can be -1");
      infer = i;
    } else {
      AM_CHECK(s[i] >= 0, "shape ", want.str(), ": invalid size ", s[i]);
      known *= s[i];
    }
  }
  if (infer >= 0) {
    AM_CHECK(known > 0 && numel % known == 0, "shape ", want.str(), " is invalid for ", numel, " elements");
    s[infer] = numel / known;
  }
  AM_CHECK(s.numel() == numel, "shape ", want.str(), " is invalid for ", numel, " elements");
  return s;
}

// Strides for viewing (old shape, old strides) as new_shape without copying, if possible
// (the same rule as torch's computeStride: each group of merged/split dims must be contiguous
// within itself).
bool view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& new_shape, Strides& out) {
  out = Strides();
  for (int i = 0; i < new_shape.size(); ++i) out.push_back(0);
  if (old_shape.numel() == 0) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int view_d = new_shape.size() - 1;
  int64_t chunk_base_stride = old_strides.size() ? old_strides.back() : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int tensor_d = old_shape.size() - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_shape[tensor_d];
    if (tensor_d == 0 ||
        (old_shape[tensor_d - 1] != 1 && old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}
}  // namespace

Tensor Tensor::view(const Shape& want) const {
  const Shape s = infer_shape(want, numel());
  Strides st;
  AM_CHECK(view_strides(shape(), strides(), s, st), "view: ", str(), " with strides ", strides().str(),
           " cannot be viewed as ", s.str(), " without a copy; use reshape");
  return make_view(s, st, offset());
}

Tensor Tensor::reshape(const Shape& want) const {
  const Shape s = infer_shape(want, numel());
  Strides st;
  if (view_strides(shape(), strides(), s, st)) return make_view(s, st, offset());
  return contiguous().view(s);
}

Tensor Tensor::permute(const Dims& order) const {
  AM_CHECK(order.size() == dim(), "permute: ", order.size(), " dims given for a ", dim(), "-d tensor");
  Shape s;
  Strides st;
  bool seen[kMaxDims] = {};
  for (int64_t o : order) {
    const int d = wrap_dim(int(o));
    AM_CHECK(!seen[d], "permute: dimension ", d, " repeated in ", order.str());
    seen[d] = true;
    s.push_back(size(d));
    st.push_back(stride(d));
  }
  return make_view(s, st, offset());
}

Tensor Tensor::transpose(int a, int b) const {
  a = wrap_dim(a);
  b = wrap_dim(b);
  Shape s = shape();
  Strides st = strides();
  std::swap(s[a], s[b]);
  std::swap(st[a], st[b]);
  return make_view(s, st, offset());
}

Tensor Tensor::narrow(int d, int64_t start, int64_t length) const {
  d = wrap_dim(d);
  if (start < 0) start += size(d);
  AM_CHECK(start >= 0 && length >= 0 && start + length <= size(d), "narrow: [", start, ", ", start + length,
           ") out of range for dim ", d, " of size ", size(d));
  Shape s = shape();
  s[d] = length;
  return make_view(s, strides(), offset() + start * stride(d));
}

Tensor Tensor::slice(int d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d);
  AM_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = size(d);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape();
  Strides st = strides();
  s[d] = (end - start + step - 1) / step;
  st[d] *= step;
  return make_view(s, st, offset() + start * stride(d));
}

Tensor Tensor::select(int d, int64_t index) const {
  d = wrap_dim(d);
  if (index < 0) index += size(d);
  AM_CHECK(index >= 0 && index < size(d), "select: index ", index, " out of range for dim ", d, " of size ", size(d));
  Shape s = shape();
  Strides st = strides();
  const int64_t off = offset() + index * stride(d);
  s.erase(d);
  st.erase(d);
  return make_view(s, st, off);
}

Tensor Tensor::expand(const Shape& want) const {
  AM_CHECK(want.size() >= dim(), "expand: ", want.str(), " has fewer dims than ", shape().str());
  Shape s;
  Strides st;
  const int lead = want.size() - dim();
  for (int i = 0; i < want.size(); ++i) {
    if (i < lead) {
      AM_CHECK(want[i] >= 0, "expand: size -1 not allowed for a new leading dim");
      s.push_back(want[i]);
      st.push_back(0);
      continue;
    }
    const int64_t cur = size(i - lead);
    const int64_t w = want[i] == -1 ? cur : want[i];
    if (cur == w) {
      s.push_back(w);
      st.push_back(stride(i - lead));
    } else {
      AM_CHECK(cur == 1, "expand: dim ", i, " of size ", cur, " cannot become ", w);
      s.push_back(w);
      st.push_back(0);
    }
  }
  return make_view(s, st, offset(), /*is_expand=*/true);
}

Tensor Tensor::unsqueeze(int d) const {
  const int n = dim();
  if (d < 0) d += n + 1;
  AM_CHECK(d >= 0 && d <= n, "unsqueeze: dim out of range");
  Shape s = shape();
  Strides st = strides();
  const int64_t stride_here = d < n ? st[d] * s[d] : 1;
  s.insert(d, 1);
  st.insert(d, stride_here);
  return make_view(s, st, offset());
}

Tensor Tensor::squeeze(int d) const {
  d = wrap_dim(d);
  if (size(d) != 1) return *this;
  Shape s = shape();
  Strides st = strides();
  s.erase(d);
  st.erase(d);
  return make_view(s, st, offset());
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_from(*this);
  if (autograd::needs_grad({this})) record_copy_backward(out, "clone");
  return out;
}

Tensor Tensor::to(DType dt) const {
  if (dt == dtype()) return *this;
  Tensor out = empty(shape(), dt, device());
  out.copy_from(*this);
  if (autograd::needs_grad({this})) record_copy_backward(out, "to");
  return out;
}

// Copies and dtype casts pass the (float32) gradient through unchanged.
void Tensor::record_copy_backward(Tensor& out, const char* op) const {
  autograd::record(out, op, {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

void Tensor::replace_data(const Tensor& src) {
  AM_CHECK(src.shape() == shape(), "replace_data: ", src.shape().str(), " for a tensor of shape ", shape().str());
  Impl& me = impl();
  me.storage = src.storage();
  me.dtype = src.dtype();
  me.strides = src.strides();
  me.offset = src.offset();
}

Tensor Tensor::to(Device dev) const {
  if (dev == device()) return *this;
  fail("to(", dev.str(), "): device is not available in this build (CPU only)");
}

void Tensor::copy_from(const Tensor& src) {
  // Device dispatch point: a CUDA build routes device tensors to its own copy kernel.
  AM_CHECK(device().is_cpu() && src.device().is_cpu(), "copy between ", src.device().str(), " and ",
           device().str(), " is not available in this build");
  cpu::copy(*this, src);
}

}  // namespace automodel
