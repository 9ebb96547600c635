// Elementwise kernels. Values are processed in f32 blocks: bf16/f16 inputs are widened block by
// block and the result rounded once, which is what torch does for reduced-precision tensors.
#include <cmath>
#include <vector>

#include "automodel/core/thread_pool.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

namespace {

constexpr int64_t kBlock = 1024;
constexpr int64_t kGrain = 16384;

inline float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * float(M_SQRT1_2))); }
inline float gelu_tanh_approx(float x) {
  // torch's formula: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  const float kBeta = float(M_SQRT2 * M_2_SQRTPI * 0.5);
  const float inner = kBeta * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + std::tanh(inner));
}

template <class F>
void apply_unary(const float* in, float* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

void unary_block(UnaryKind kind, const float* in, float* out, int64_t n, float p0, float p1) {
  switch (kind) {
    case UnaryKind::kNeg: apply_unary(in, out, n, [](float v) { return -v; }); return;
    case UnaryKind::kExp: apply_unary(in, out, n, [](float v) { return std::exp(v); }); return;
    case UnaryKind::kTanh: apply_unary(in, out, n, [](float v) { return std::tanh(v); }); return;
    case UnaryKind::kSilu: silu_f32(in, out, n); return;
    case UnaryKind::kGelu: apply_unary(in, out, n, gelu_erf); return;
    case UnaryKind::kGeluTanh: apply_unary(in, out, n, gelu_tanh_approx); return;
    case UnaryKind::kRelu: apply_unary(in, out, n, [](float v) { return v > 0 ? v : (std::isnan(v) ? v : 0.0f); }); return;
    case UnaryKind::kMulScalar: apply_unary(in, out, n, [p0](float v) { return v * p0; }); return;
    case UnaryKind::kAddScalar: apply_unary(in, out, n, [p0](float v) { return v + p0; }); return;
    case UnaryKind::kClamp:
      apply_unary(in, out, n, [p0, p1](float v) { return std::isnan(v) ? v : std::min(std::max(v, p0), p1); });
      return;
  }
}

inline float binary_apply(BinaryKind kind, float a, float b) {
  switch (kind) {
    case BinaryKind::kAdd: return a + b;
    case BinaryKind::kSub: return a - b;
    case BinaryKind::kMul: return a * b;
    case BinaryKind::kDiv: return a / b;
  }
  return 0;
}

// Separate loops per kind so each vectorises.
void binary_block(BinaryKind kind, const float* a, const float* b, float* o, int64_t n) {
  switch (kind) {
    case BinaryKind::kAdd: for (int64_t i = 0; i < n; ++i) o[i] = a[i] + b[i]; return;
    case BinaryKind::kSub: for (int64_t i = 0; i < n; ++i) o[i] = a[i] - b[i]; return;
    case BinaryKind::kMul: for (int64_t i = 0; i < n; ++i) o[i] = a[i] * b[i]; return;
    case BinaryKind::kDiv: for (int64_t i = 0; i < n; ++i) o[i] = a[i] / b[i]; return;
  }
}

}  // namespace

Tensor unary(UnaryKind kind, const Tensor& x, double p0, double p1) {
  const DType dt = x.dtype();
  Tensor out = Tensor::empty(x.shape(), dt);
  const int64_t n = x.numel();
  const auto* src = static_cast<const std::byte*>(x.raw_data());
  auto* dst = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    float in[kBlock], res[kBlock];
    for (int64_t i = b; i < e; i += kBlock) {
      const int64_t m = std::min(kBlock, e - i);
      if (dt == DType::F32) {
        unary_block(kind, reinterpret_cast<const float*>(src) + i, reinterpret_cast<float*>(dst) + i, m, float(p0),
                    float(p1));
        continue;
      }
      widen_to_f32(dt, src + i * esz, in, m);
      unary_block(kind, in, res, m, float(p0), float(p1));
      narrow_from_f32(dt, res, dst + i * esz, m);
    }
  });
  return out;
}

Tensor activation_mul(UnaryKind kind, const Tensor& gate, const Tensor& up) {
  const DType dt = gate.dtype();
  Tensor out = Tensor::empty(gate.shape(), dt);
  const int64_t n = out.numel();
  const auto* gp = static_cast<const std::byte*>(gate.raw_data());
  const auto* up_ = static_cast<const std::byte*>(up.raw_data());
  auto* dst = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    float g[kBlock], u[kBlock], res[kBlock];
    for (int64_t i = b; i < e; i += kBlock) {
      const int64_t m = std::min(kBlock, e - i);
      widen_to_f32(dt, gp + i * esz, g, m);
      unary_block(kind, g, res, m, 0.0f, 0.0f);
      // The activation is a tensor of its own in HF: rounded to the dtype before the product.
      if (dt != DType::F32)
        for (int64_t j = 0; j < m; ++j) res[j] = round_to(dt, res[j]);
      widen_to_f32(dt, up_ + i * esz, u, m);
      for (int64_t j = 0; j < m; ++j) res[j] *= u[j];
      narrow_from_f32(dt, res, dst + i * esz, m);
    }
  });
  return out;
}

Tensor binary(BinaryKind kind, const Tensor& a, const Tensor& b) {
  const DType dt = a.dtype();
  const Shape& shape = a.shape();
  Tensor out = Tensor::empty(shape, dt);
  const int64_t n = out.numel();
  if (n == 0) return out;
  const int nd = shape.size();
  const int64_t inner = nd ? shape[nd - 1] : 1;
  const int64_t rows = n / inner;
  const int64_t sa = nd ? a.stride(nd - 1) : 0, sb = nd ? b.stride(nd - 1) : 0;
  const auto* pa = static_cast<const std::byte*>(a.raw_data());
  const auto* pb = static_cast<const std::byte*>(b.raw_data());
  auto* po = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, kGrain / inner), [&](int64_t r0, int64_t r1) {
    std::vector<float> res(size_t(std::min(inner, kBlock))), abuf(res.size()), bbuf(res.size());
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int k = nd - 2; k >= 0; --k) {
        const int64_t idx = rem % shape[k];
        rem /= shape[k];
        oa += idx * a.stride(k);
        ob += idx * b.stride(k);
      }
      for (int64_t i0 = 0; i0 < inner; i0 += kBlock) {
        const int64_t m = std::min(kBlock, inner - i0);
        // Fast path: unit or broadcast (0) inner strides, operands widened a block at a time.
        if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
          if (sa == 1) widen_to_f32(dt, pa + (oa + i0) * esz, abuf.data(), m);
          else std::fill(abuf.begin(), abuf.begin() + m, load_f32(dt, pa, oa));
          if (sb == 1) widen_to_f32(dt, pb + (ob + i0) * esz, bbuf.data(), m);
          else std::fill(bbuf.begin(), bbuf.begin() + m, load_f32(dt, pb, ob));
          binary_block(kind, abuf.data(), bbuf.data(), res.data(), m);
        } else {
          for (int64_t i = 0; i < m; ++i)
            res[size_t(i)] = binary_apply(kind, load_f32(dt, pa, oa + (i0 + i) * sa), load_f32(dt, pb, ob + (i0 + i) * sb));
        }
        narrow_from_f32(dt, res.data(), po + (r * inner + i0) * esz, m);
      }
    }
  });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor c = cond.contiguous(), ac = a.contiguous(), bc = b.contiguous();
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  const int64_t n = out.numel(), esz = dtype_size(a.dtype()), csz = dtype_size(cond.dtype());
  const auto* pc = static_cast<const std::byte*>(c.raw_data());
  const auto* pa = static_cast<const std::byte*>(ac.raw_data());
  const auto* pb = static_cast<const std::byte*>(bc.raw_data());
  auto* po = static_cast<std::byte*>(out.mutable_raw_data());
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      bool t = false;
      for (int64_t k = 0; k < csz; ++k) t |= pc[i * csz + k] != std::byte{0};
      std::memcpy(po + i * esz, (t ? pa : pb) + i * esz, size_t(esz));
    }
  });
  return out;
}

}  // namespace automodel::cpu
