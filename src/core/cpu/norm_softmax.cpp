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

// Calls fn(row_in_f32, row_out_f32, row_index) for each row, widening and narrowing around it.
template <class F>
Tensor map_rows(const Tensor& x, DType out_dtype, F fn) {
  const int64_t d = x.size(-1), rows = d ? x.numel() / d : 0;
  Tensor out = Tensor::empty(x.shape(), out_dtype);
  const auto* src = static_cast<const std::byte*>(x.raw_data());
  auto* dst = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t isz = dtype_size(x.dtype()), osz = dtype_size(out_dtype);
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> in(static_cast<size_t>(d)), res(static_cast<size_t>(d));
    for (int64_t r = r0; r < r1; ++r) {
      widen_to_f32(x.dtype(), src + r * d * isz, in.data(), d);
      fn(in.data(), res.data(), r);
      narrow_from_f32(out_dtype, res.data(), dst + r * d * osz, d);
    }
  });
  return out;
}

std::vector<float> widen_vector(const Tensor& t) {
  std::vector<float> v(size_t(t.numel()));
  if (t.numel()) widen_to_f32(t.dtype(), t.contiguous().raw_data(), v.data(), t.numel());
  return v;
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
  const std::vector<float> wv = widen_vector(w);
  const DType dt = x.dtype();
  const float feps = float(eps);
  return map_rows(x, dt, [&](const float* in, float* out, int64_t) {
    float ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += in[i] * in[i];
    const float r = 1.0f / std::sqrt(ss / float(d) + feps);
    if (style == ops::RmsNormStyle::kUnitOffset) {
      for (int64_t i = 0; i < d; ++i) out[i] = (in[i] * r) * (1.0f + wv[size_t(i)]);
    } else if (style == ops::RmsNormStyle::kWeightBeforeCast) {
      for (int64_t i = 0; i < d; ++i) out[i] = wv[size_t(i)] * (in[i] * r);
    } else {
      // HF Llama: the normalised row is cast back to the input dtype before the weight multiply.
      for (int64_t i = 0; i < d; ++i) out[i] = wv[size_t(i)] * round_to(dt, in[i] * r);
    }
  });
}

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  const int64_t d = x.size(-1);
  const std::vector<float> wv = w.defined() ? widen_vector(w) : std::vector<float>();
  const std::vector<float> bv = b.defined() ? widen_vector(b) : std::vector<float>();
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
      if (!wv.empty()) v *= wv[size_t(i)];
      if (!bv.empty()) v += bv[size_t(i)];
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
  const void* src = x.raw_data();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    float bv = load_f32(x.dtype(), src, r * d);
    for (int64_t i = 1; i < d; ++i) {
      const float v = load_f32(x.dtype(), src, r * d + i);
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
