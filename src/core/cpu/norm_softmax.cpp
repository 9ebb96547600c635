// Row-wise kernels over the last dimension: softmax, RMSNorm, LayerNorm, argmax, top-k, sum.
// Each row is widened to f32, reduced in f32 (LayerNorm moments in f64), and rounded once.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "automodel/core/thread_pool.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

namespace {

// Calls fn(row_in_f32, row_out_f32, row_index) for each row. f32 rows are read and written where
// they are; other dtypes go through f32 scratch (decode normalises one short row per call, where
// copies and allocations cost more than the arithmetic).
template <class F>
Tensor map_rows(const Tensor& x, DType out_dtype, F fn) {
  const int64_t d = x.size(-1), rows = d ? x.numel() / d : 0;
  Tensor out = Tensor::empty(x.shape(), out_dtype);
  const auto* src = static_cast<const std::byte*>(x.raw_data());
  auto* dst = static_cast<std::byte*>(out.mutable_raw_data());
  const DType in_dtype = x.dtype();
  const int64_t isz = dtype_size(in_dtype), osz = dtype_size(out_dtype);
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> in_buf(in_dtype == DType::F32 ? 0 : size_t(d)), out_buf(out_dtype == DType::F32 ? 0 : size_t(d));
    for (int64_t r = r0; r < r1; ++r) {
      const float* in = reinterpret_cast<const float*>(src + r * d * isz);
      if (in_dtype != DType::F32) {
        widen_to_f32(in_dtype, src + r * d * isz, in_buf.data(), d);
        in = in_buf.data();
      }
      float* res = out_dtype == DType::F32 ? reinterpret_cast<float*>(dst + r * d * osz) : out_buf.data();
      fn(in, res, r);
      if (out_dtype != DType::F32) narrow_from_f32(out_dtype, res, dst + r * d * osz, d);
    }
  });
  return out;
}

// A norm's parameter as f32: its own data when it is a contiguous f32 tensor (no copy), else
// widened into `storage`.
const float* param_f32(const Tensor& t, std::vector<float>& storage) {
  if (t.dtype() == DType::F32 && t.is_contiguous()) return t.data<float>();
  storage.resize(size_t(t.numel()));
  if (t.numel()) widen_to_f32(t.dtype(), t.contiguous().raw_data(), storage.data(), t.numel());
  return storage.data();
}

// Sum of squares in 16 interleaved partial sums, added up at the end: the compiler vectorises
// it without reassociation flags, and the order (so the result) is the same on every CPU. A
// single running sum is a chain of dependent adds, several times slower on a 768-wide row.
float sum_of_squares(const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += x[i + k] * x[i + k];
  float s = 0;
  for (int k = 0; k < kLanes; ++k) s += acc[k];
  for (; i < n; ++i) s += x[i] * x[i];
  return s;
}

// One RMSNorm row (see ops::RmsNormStyle); dt is the tensor's dtype, for the Llama style's cast.
void rms_norm_row(const float* in, float* out, int64_t d, const float* w, float eps, ops::RmsNormStyle style, DType dt) {
  const float r = 1.0f / std::sqrt(sum_of_squares(in, d) / float(d) + eps);
  if (style == ops::RmsNormStyle::kUnitOffset) {
    for (int64_t i = 0; i < d; ++i) out[i] = (in[i] * r) * (1.0f + w[i]);
  } else if (style == ops::RmsNormStyle::kWeightBeforeCast || dt == DType::F32) {
    for (int64_t i = 0; i < d; ++i) out[i] = w[i] * (in[i] * r);
  } else {
    // HF Llama: the normalised row is cast back to the input dtype before the weight multiply.
    for (int64_t i = 0; i < d; ++i) out[i] = w[i] * round_to(dt, in[i] * r);
  }
}

}  // namespace

Tensor softmax_last(const Tensor& x) {
  const int64_t d = x.size(-1);
  return map_rows(x, x.dtype(), [d](const float* in, float* out, int64_t) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < d; ++i) mx = std::max(mx, in[i]);
    float sum = 0;
    for (int64_t i = 0; i < d; ++i) {
      out[i] = std::exp(in[i] - mx);
      sum += out[i];
    }
    for (int64_t i = 0; i < d; ++i) out[i] /= sum;  // divide, as torch does
  });
}

Tensor rms_norm(const Tensor& x, const Tensor& w, double eps, ops::RmsNormStyle style) {
  const int64_t d = x.size(-1);
  std::vector<float> storage;
  const float* wp = param_f32(w, storage);
  const DType dt = x.dtype();
  const float feps = float(eps);
  return map_rows(x, dt, [&](const float* in, float* out, int64_t) { rms_norm_row(in, out, d, wp, feps, style, dt); });
}

std::pair<Tensor, Tensor> add_rms_norm(const Tensor& a, const Tensor& b, const Tensor& w, double eps,
                                       ops::RmsNormStyle style) {
  const int64_t d = a.size(-1), rows = d ? a.numel() / d : 0;
  const DType dt = a.dtype();
  std::vector<float> storage;
  const float* wp = param_f32(w, storage);
  const float feps = float(eps);
  Tensor sum = Tensor::empty(a.shape(), dt), normed = Tensor::empty(a.shape(), dt);
  const auto* ap = static_cast<const std::byte*>(a.raw_data());
  const auto* bp = static_cast<const std::byte*>(b.raw_data());
  auto* sp = static_cast<std::byte*>(sum.mutable_raw_data());
  auto* np = static_cast<std::byte*>(normed.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  const bool f32 = dt == DType::F32;
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> a_buf(f32 ? 0 : size_t(d)), b_buf(f32 ? 0 : size_t(d)), s_buf(f32 ? 0 : size_t(d)),
        n_buf(f32 ? 0 : size_t(d));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t off = r * d * esz;
      if (f32) {
        const float* x = reinterpret_cast<const float*>(ap + off);
        const float* y = reinterpret_cast<const float*>(bp + off);
        float* s = reinterpret_cast<float*>(sp + off);
        for (int64_t i = 0; i < d; ++i) s[i] = x[i] + y[i];
        rms_norm_row(s, reinterpret_cast<float*>(np + off), d, wp, feps, style, dt);
        continue;
      }
      // The sum is rounded to the dtype (it is a tensor of its own in HF) before it is normalised.
      widen_to_f32(dt, ap + off, a_buf.data(), d);
      widen_to_f32(dt, bp + off, b_buf.data(), d);
      for (int64_t i = 0; i < d; ++i) s_buf[size_t(i)] = round_to(dt, a_buf[size_t(i)] + b_buf[size_t(i)]);
      narrow_from_f32(dt, s_buf.data(), sp + off, d);
      rms_norm_row(s_buf.data(), n_buf.data(), d, wp, feps, style, dt);
      narrow_from_f32(dt, n_buf.data(), np + off, d);
    }
  });
  return {sum, normed};
}

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  const int64_t d = x.size(-1);
  std::vector<float> w_storage, b_storage;
  const float* wv = w.defined() ? param_f32(w, w_storage) : nullptr;
  const float* bv = b.defined() ? param_f32(b, b_storage) : nullptr;
  return map_rows(x, x.dtype(), [&](const float* in, float* out, int64_t) {
    double mean = 0;
    for (int64_t i = 0; i < d; ++i) mean += in[i];
    mean /= double(d);
    double var = 0;
    for (int64_t i = 0; i < d; ++i) var += (in[i] - mean) * (in[i] - mean);
    var /= double(d);
    const float rstd = float(1.0 / std::sqrt(var + eps));
    const float fmean = float(mean);
    for (int64_t i = 0; i < d; ++i) {
      float v = (in[i] - fmean) * rstd;
      if (wv) v *= wv[i];
      if (bv) v += bv[i];
      out[i] = v;
    }
  });
}

Tensor argmax_last(const Tensor& x) {
  const int64_t d = x.size(-1), rows = x.numel() / d;
  Shape s = x.shape();
  s.erase(s.size() - 1);
  Tensor out = Tensor::empty(s, DType::I64);
  int64_t* o = out.mutable_data<int64_t>();
  const auto* src = static_cast<const std::byte*>(x.raw_data());
  const int64_t esz = dtype_size(x.dtype());
  std::vector<float> buf(x.dtype() == DType::F32 ? 0 : size_t(d));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = reinterpret_cast<const float*>(src + r * d * esz);
    if (x.dtype() != DType::F32) {
      widen_to_f32(x.dtype(), src + r * d * esz, buf.data(), d);
      row = buf.data();
    }
    int64_t best = 0;
    float bv = row[0];
    for (int64_t i = 1; i < d; ++i) {
      const float v = row[i];
      if (v > bv || (std::isnan(v) && !std::isnan(bv))) {
        bv = v;
        best = i;
      }
    }
    o[r] = best;
  }
  return out;
}

std::pair<Tensor, Tensor> topk_last(const Tensor& x, int64_t k) {
  const int64_t d = x.size(-1), rows = x.numel() / d;
  Shape s = x.shape();
  s[s.size() - 1] = k;
  Tensor vals = Tensor::empty(s, x.dtype());
  Tensor idx = Tensor::empty(s, DType::I64);
  int64_t* ip = idx.mutable_data<int64_t>();
  auto* vp = static_cast<std::byte*>(vals.mutable_raw_data());
  std::vector<float> row(static_cast<size_t>(d)), top(static_cast<size_t>(k));
  std::vector<int64_t> order(static_cast<size_t>(d));
  for (int64_t r = 0; r < rows; ++r) {
    widen_to_f32(x.dtype(), static_cast<const std::byte*>(x.raw_data()) + r * d * dtype_size(x.dtype()), row.data(), d);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      return row[size_t(a)] > row[size_t(b)] || (row[size_t(a)] == row[size_t(b)] && a < b);
    });
    for (int64_t j = 0; j < k; ++j) {
      ip[r * k + j] = order[size_t(j)];
      top[size_t(j)] = row[size_t(order[size_t(j)])];
    }
    narrow_from_f32(x.dtype(), top.data(), vp + r * k * dtype_size(x.dtype()), k);
  }
  return {vals, idx};
}

Tensor sum_last(const Tensor& x) {
  const int64_t d = x.size(-1), rows = d ? x.numel() / d : 0;
  Shape s = x.shape();
  s.erase(s.size() - 1);
  std::vector<float> sums(static_cast<size_t>(rows));
  std::vector<float> row(static_cast<size_t>(d));
  for (int64_t r = 0; r < rows; ++r) {
    widen_to_f32(x.dtype(), static_cast<const std::byte*>(x.raw_data()) + r * d * dtype_size(x.dtype()), row.data(), d);
    float acc = 0;
    for (float v : row) acc += v;
    sums[size_t(r)] = acc;
  }
  Tensor out = Tensor::empty(s, x.dtype());
  narrow_from_f32(x.dtype(), sums.data(), out.mutable_raw_data(), rows);
  return out;
}

}  // namespace automodel::cpu
