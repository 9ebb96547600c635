#include "copy.h"

#include <cstring>

#include "automodel/core/thread_pool.h"
#include "convert.h"

namespace automodel::cpu {

namespace {

// Contiguous runs of equal dtype pairs with a dedicated loop (the common load/convert cases).
bool convert_contiguous_fast(DType dt, std::byte* d, DType st, const std::byte* s, int64_t n) {
  if (st == DType::BF16 && dt == DType::F32) {
    auto* out = reinterpret_cast<float*>(d);
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, s + 2 * i, 2);
      out[i] = bf16_to_f32(h);
    }
    return true;
  }
  if (st == DType::F32 && dt == DType::BF16) {
    for (int64_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, s + 4 * i, 4);
      uint16_t h = f32_to_bf16(f);
      std::memcpy(d + 2 * i, &h, 2);
    }
    return true;
  }
  if (st == DType::F16 && dt == DType::F32) {
    auto* out = reinterpret_cast<float*>(d);
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, s + 2 * i, 2);
      out[i] = f16_to_f32(h);
    }
    return true;
  }
  if (st == DType::F32 && dt == DType::F16) {
    for (int64_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, s + 4 * i, 4);
      uint16_t h = f32_to_f16(f);
      std::memcpy(d + 2 * i, &h, 2);
    }
    return true;
  }
  return false;
}

void convert_run(DType dt, std::byte* d, int64_t dstep, DType st, const std::byte* s, int64_t sstep, int64_t n) {
  const int64_t dsz = dtype_size(dt), ssz = dtype_size(st);
  if (dstep == 1 && sstep == 1) {
    if (dt == st) {
      std::memcpy(d, s, size_t(n * dsz));
      return;
    }
    if (convert_contiguous_fast(dt, d, st, s, n)) return;
  }
  const bool ints = is_int_like(st) && is_int_like(dt);
  for (int64_t i = 0; i < n; ++i) {
    const std::byte* sp = s + i * sstep * ssz;
    std::byte* dp = d + i * dstep * dsz;
    if (dt == st)
      std::memcpy(dp, sp, size_t(dsz));
    else if (ints)
      store_int64(dt, dp, load_as_int64(st, sp));
    else
      store_double(dt, dp, load_as_double(st, sp));
  }
}

}  // namespace

void copy(Tensor& dst, const Tensor& src) {
  AM_CHECK(dst.shape() == src.shape(), "copy: shape ", src.shape().str(), " into ", dst.shape().str());
  AM_CHECK(dtype_info(dst.dtype()).computable, "copy: cannot write dtype ", dtype_name(dst.dtype()));
  const int64_t n = src.numel();
  if (n == 0) return;
  const DType dt = dst.dtype(), st = src.dtype();
  auto* dbase = static_cast<std::byte*>(dst.mutable_raw_data());
  const auto* sbase = static_cast<const std::byte*>(src.raw_data());
  const int nd = src.dim();
  if (nd == 0 || (dst.is_contiguous() && src.is_contiguous())) {
    ThreadPool::global().parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
      convert_run(dt, dbase + b * dtype_size(dt), 1, st, sbase + b * dtype_size(st), 1, e - b);
    });
    return;
  }
  // Walk every index of the leading nd-1 dims; the last dim is one strided run.
  const Shape& shape = src.shape();
  const int64_t inner = shape[nd - 1];
  const int64_t rows = n / inner;
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, (1 << 14) / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t rem = r, soff = 0, doff = 0;
      for (int k = nd - 2; k >= 0; --k) {
        const int64_t idx = rem % shape[k];
        rem /= shape[k];
        soff += idx * src.stride(k);
        doff += idx * dst.stride(k);
      }
      convert_run(dt, dbase + doff * dtype_size(dt), dst.stride(nd - 1), st, sbase + soff * dtype_size(st),
                  src.stride(nd - 1), inner);
    }
  });
}

}  // namespace automodel::cpu
