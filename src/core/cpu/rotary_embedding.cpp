// Token embedding lookup and rotary position embedding kernels.
#include <cmath>
#include <vector>

#include "automodel/core/thread_pool.h"
#include "convert.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

Tensor embedding(const Tensor& weight, const Tensor& ids, DType out_dtype) {
  const int64_t vocab = weight.size(0), d = weight.size(1), n = ids.numel();
  Shape s = ids.shape();
  s.push_back(d);
  Tensor out = Tensor::empty(s, out_dtype);
  Tensor idc = ids.contiguous();
  const auto* ip = static_cast<const std::byte*>(idc.raw_data());
  const int64_t isz = dtype_size(ids.dtype());
  for (int64_t t = 0; t < n; ++t) {
    const int64_t id = load_as_int64(ids.dtype(), ip + t * isz);
    AM_CHECK(id >= 0 && id < vocab, "embedding: token id ", id, " at flat position ", t, " is outside the vocabulary [0, ",
             vocab, ")");
  }
  const auto* wp = static_cast<const std::byte*>(weight.raw_data());
  auto* op = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t wsz = dtype_size(weight.dtype()), osz = dtype_size(out_dtype);
  ThreadPool::global().parallel_for(n, 16, [&](int64_t t0, int64_t t1) {
    std::vector<float> row(static_cast<size_t>(d));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t id = load_as_int64(ids.dtype(), ip + t * isz);
      if (weight.dtype() == out_dtype) {
        std::memcpy(op + t * d * osz, wp + id * d * wsz, size_t(d * osz));
      } else {
        widen_to_f32(weight.dtype(), wp + id * d * wsz, row.data(), d);
        narrow_from_f32(out_dtype, row.data(), op + t * d * osz, d);
      }
    }
  });
  return out;
}

std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& position_ids, const std::vector<float>& inv_freq,
                                       double attention_scaling, DType out_dtype) {
  const int64_t b = position_ids.size(0), t = position_ids.size(1), half = int64_t(inv_freq.size()), rot = 2 * half;
  Tensor cos_f = Tensor::empty({b, t, rot}, DType::F32), sin_f = Tensor::empty({b, t, rot}, DType::F32);
  Tensor pos = position_ids.contiguous();
  const auto* pp = static_cast<const std::byte*>(pos.raw_data());
  const int64_t psz = dtype_size(pos.dtype());
  float* cp = cos_f.mutable_data<float>();
  float* sp = sin_f.mutable_data<float>();
  const float scale = float(attention_scaling);
  for (int64_t i = 0; i < b * t; ++i) {
    const float p = float(load_as_int64(pos.dtype(), pp + i * psz));
    for (int64_t j = 0; j < half; ++j) {
      const float angle = inv_freq[size_t(j)] * p;  // f32 product, like HF's f32 matmul
      const float c = float(std::cos(double(angle))) * scale, s = float(std::sin(double(angle))) * scale;
      cp[i * rot + j] = cp[i * rot + j + half] = c;
      sp[i * rot + j] = sp[i * rot + j + half] = s;
    }
  }
  if (out_dtype == DType::F32) return {cos_f, sin_f};
  return {cos_f.to(out_dtype), sin_f.to(out_dtype)};
}

Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  // x [B, H, T, D] contiguous; cos/sin [B, T, rot] contiguous, same dtype as x.
  const int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3), rot = cos.size(2), half = rot / 2;
  const DType dt = x.dtype();
  Tensor out = Tensor::empty(x.shape(), dt);
  const void* xp = x.raw_data();
  const void* cp = cos.raw_data();
  const void* sp = sin.raw_data();
  auto* op = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  ThreadPool::global().parallel_for(B * H * T, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    if (dt == DType::F32) {
      // float32 rows are rotated where they lie, without widening copies (decode rotates one
      // short row per head, where the copies cost more than the arithmetic).
      const float* x = static_cast<const float*>(xp);
      const float* c = static_cast<const float*>(cp);
      const float* s = static_cast<const float*>(sp);
      float* y = reinterpret_cast<float*>(op);
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t bi = r / (H * T), ti = r % T;
        const float* cr = c + (bi * T + ti) * rot;
        const float* sr = s + (bi * T + ti) * rot;
        const float* xr = x + r * D;
        float* yr = y + r * D;
        for (int64_t j = 0; j < half; ++j) yr[j] = xr[j] * cr[j] - xr[j + half] * sr[j];
        for (int64_t j = half; j < rot; ++j) yr[j] = xr[j] * cr[j] + xr[j - half] * sr[j];
        for (int64_t j = rot; j < D; ++j) yr[j] = xr[j];
      }
      return;
    }
    std::vector<float> in(static_cast<size_t>(D)), res(static_cast<size_t>(D));
    std::vector<float> cw(static_cast<size_t>(rot)), sw(static_cast<size_t>(rot));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / (H * T), ti = r % T;
      const int64_t cs = (bi * T + ti) * rot;
      widen_to_f32(dt, static_cast<const std::byte*>(xp) + r * D * esz, in.data(), D);
      widen_to_f32(dt, static_cast<const std::byte*>(cp) + cs * esz, cw.data(), rot);
      widen_to_f32(dt, static_cast<const std::byte*>(sp) + cs * esz, sw.data(), rot);
      for (int64_t j = 0; j < rot; ++j) {
        const float c = cw[size_t(j)], s = sw[size_t(j)];
        const float rh = j < half ? -in[size_t(j + half)] : in[size_t(j - half)];
        // torch rounds each product and the sum when x is bf16/f16.
        res[size_t(j)] = round_to(dt, in[size_t(j)] * c) + round_to(dt, rh * s);
      }
      for (int64_t j = rot; j < D; ++j) res[size_t(j)] = in[size_t(j)];
      narrow_from_f32(dt, res.data(), op + r * D * esz, D);
    }
  });
  return out;
}

}  // namespace automodel::cpu
