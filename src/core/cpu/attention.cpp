// Fused scaled-dot-product attention: one pass per query row computes scores, applies the
// soft-cap, the structural masks (causal, sliding window, key padding) and an optional explicit
// mask, takes the f32 softmax and accumulates the weighted values. Nothing of size Tq x Tk is
// materialised. With bf16/f16 operands the kernel rounds where HF's eager attention stores a
// reduced-precision tensor (scores after the matmul and after scaling, soft-cap steps, the
// probabilities after the f32 softmax).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "automodel/core/blas.h"
#include "automodel/core/thread_pool.h"
#include "convert.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

namespace {

inline bool mask_allows(const Tensor& m, const std::byte* base, int64_t b, int64_t h, int64_t i, int64_t j) {
  const int64_t off = b * m.stride(0) + h * m.stride(1) + i * m.stride(2) + j * m.stride(3);
  return load_as_double(m.dtype(), base + off * dtype_size(m.dtype())) != 0;
}

inline float mask_value(const Tensor& m, const std::byte* base, int64_t b, int64_t h, int64_t i, int64_t j) {
  const int64_t off = b * m.stride(0) + h * m.stride(1) + i * m.stride(2) + j * m.stride(3);
  return float(load_as_double(m.dtype(), base + off * dtype_size(m.dtype())));
}

// Whether query row i (absolute position pos) of (b, h) may attend key j: the structural masks
// (causal, sliding window, key padding) and a boolean explicit mask. Shared by both kernels.
inline bool key_allowed(const ops::AttentionOptions& opt, int64_t pos, int64_t j, const Tensor& kpm,
                        const std::byte* kpmp, int64_t kpm_sz, int64_t b, int64_t Tk, bool mask_is_bool,
                        const Tensor& mask, const std::byte* mp, int64_t h, int64_t i) {
  if (opt.causal && j > pos) return false;
  if (opt.sliding_window > 0 && pos - j >= opt.sliding_window) return false;
  if (kpmp && load_as_int64(kpm.dtype(), kpmp + (b * Tk + j) * kpm_sz) == 0) return false;
  if (mask_is_bool && !mask_allows(mask, mp, b, h, i, j)) return false;
  return true;
}

// float32 with many queries (prefill, training): per (batch, head), S = scale·Q·Kᵀ and O = P·V
// as two sgemm calls around the row-wise soft-cap / mask / softmax, instead of one scalar
// pass per query row. Same masking rules and the same f32 softmax as the row kernel below.
Tensor attention_f32_blocked(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt,
                             const Tensor& mask) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2), Dv = v.size(3), group = H / Hkv;
  const int64_t q_offset = opt.q_offset >= 0 ? opt.q_offset : Tk - Tq;
  Tensor out = Tensor::empty({B, H, Tq, Dv}, DType::F32);
  const bool mask_is_bool = mask.defined() && !dtype_info(mask.dtype()).is_floating;
  const std::byte* mp = mask.defined() ? static_cast<const std::byte*>(mask.raw_data()) : nullptr;
  const Tensor kpm = opt.key_padding_mask.defined() ? opt.key_padding_mask.contiguous() : Tensor();
  const std::byte* kpmp = kpm.defined() ? static_cast<const std::byte*>(kpm.raw_data()) : nullptr;
  const int64_t kpm_sz = kpm.defined() ? dtype_size(kpm.dtype()) : 0;
  const float scale = float(opt.scale), cap = float(opt.softcap);
  const float* qp = q.data<float>();
  const float* kp = k.data<float>();
  const float* vp = v.data<float>();
  float* op = out.mutable_data<float>();
  ensure_blas_ready();
  ThreadPool::global().parallel_for(B * H, 1, [&](int64_t w0, int64_t w1) {
    std::vector<float> S(static_cast<size_t>(Tq * Tk));
    std::vector<char> allowed(static_cast<size_t>(Tk));
    for (int64_t w = w0; w < w1; ++w) {
      const int64_t b = w / H, h = w % H, hk = h / group;
      const float* Q = qp + b * q.stride(0) + h * q.stride(1);
      const float* K = kp + b * k.stride(0) + hk * k.stride(1);
      const float* V = vp + b * v.stride(0) + hk * v.stride(1);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(Tq), int(Tk), int(D), scale, Q, int(q.stride(2)), K,
                  int(k.stride(2)), 0.0f, S.data(), int(Tk));
      for (int64_t i = 0; i < Tq; ++i) {
        float* row = S.data() + i * Tk;
        const int64_t pos = q_offset + i;
        int64_t n_allowed = 0;
        float mx = -INFINITY;
        for (int64_t j = 0; j < Tk; ++j) {
          const bool ok = key_allowed(opt, pos, j, kpm, kpmp, kpm_sz, b, Tk, mask_is_bool, mask, mp, h, i);
          allowed[size_t(j)] = ok;
          if (!ok) continue;
          ++n_allowed;
          float sc = row[j];
          if (cap > 0) sc = std::tanh(sc / cap) * cap;
          if (mask.defined() && !mask_is_bool) sc += mask_value(mask, mp, b, h, i, j);
          row[j] = sc;
          mx = std::max(mx, sc);
        }
        if (n_allowed == 0) {
          // Every key is masked: a uniform average (see the row kernel).
          std::fill(row, row + Tk, 1.0f / float(Tk));
          continue;
        }
        float sum = 0;
        for (int64_t j = 0; j < Tk; ++j) {
          if (!allowed[size_t(j)]) {
            row[j] = 0;
            continue;
          }
          row[j] = std::exp(row[j] - mx);
          sum += row[j];
        }
        for (int64_t j = 0; j < Tk; ++j) row[j] /= sum;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(Tq), int(Dv), int(Tk), 1.0f, S.data(), int(Tk), V,
                  int(v.stride(2)), 0.0f, op + (b * H + h) * Tq * Dv, int(Dv));
    }
  });
  return out;
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt,
                 const Tensor& mask) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2), Dv = v.size(3);
  const int64_t group = H / Hkv;
  const DType dt = q.dtype();
  // Many f32 queries: the sgemm form (bounded scratch: one Tq x Tk score block per thread).
  if (dt == DType::F32 && Tq >= 32 && Tq * Tk <= (int64_t(4) << 20) && D > 0 && q.stride(3) == 1 &&
      k.stride(3) == 1 && v.stride(3) == 1 && q.is_contiguous())
    return attention_f32_blocked(q, k, v, opt, mask);
  const bool low = dt != DType::F32;
  const int64_t q_offset = opt.q_offset >= 0 ? opt.q_offset : Tk - Tq;
  Tensor out = Tensor::empty({B, H, Tq, Dv}, dt);
  const auto* qp = static_cast<const std::byte*>(q.raw_data());
  const auto* kp = static_cast<const std::byte*>(k.raw_data());
  const auto* vp = static_cast<const std::byte*>(v.raw_data());
  auto* op = static_cast<std::byte*>(out.mutable_raw_data());
  const int64_t esz = dtype_size(dt);
  const bool mask_is_bool = mask.defined() && !dtype_info(mask.dtype()).is_floating;
  const std::byte* mp = mask.defined() ? static_cast<const std::byte*>(mask.raw_data()) : nullptr;
  Tensor kpm = opt.key_padding_mask.defined() ? opt.key_padding_mask.contiguous() : Tensor();
  const std::byte* kpmp = kpm.defined() ? static_cast<const std::byte*>(kpm.raw_data()) : nullptr;
  const int64_t kpm_sz = kpm.defined() ? dtype_size(kpm.dtype()) : 0;
  const float scale = float(opt.scale), cap = float(opt.softcap);
  // torch 1.13's CPU bmm (what HF's eager attention calls) takes a naive kernel for products
  // with m*k*n < 400 that multiplies and accumulates in the tensor's dtype, rounding after
  // every product and every add (measured against torch 1.13 on bf16: bit-identical). Decode
  // steps of tiny heads fall there, so reduced-precision compute emulates it to stay within the
  // golden tolerance; larger products accumulate in f32 and round once.
  const bool qk_accumulates_low = low && D * Tq * Tk < 400;
  const bool pv_accumulates_low = low && Tk * Tq * Dv < 400;

  const bool f32_rows = dt == DType::F32 && D > 0 && k.stride(3) == 1 && k.stride(2) == D;

  ThreadPool::global().parallel_for(B * H * Tq, std::max<int64_t>(1, 2048 / std::max<int64_t>(Tk * D, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> qrow(static_cast<size_t>(D)), krow(static_cast<size_t>(D)), vrow(static_cast<size_t>(Dv)), scores(static_cast<size_t>(Tk)), acc(static_cast<size_t>(Dv));
    std::vector<char> allowed(static_cast<size_t>(Tk));
    std::vector<float> dots(f32_rows ? static_cast<size_t>(Tk) : 0);
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / (H * Tq), h = (r / Tq) % H, i = r % Tq, hk = h / group;
      const int64_t pos = q_offset + i;
      const int64_t qoff = b * q.stride(0) + h * q.stride(1) + i * q.stride(2);
      widen_to_f32(dt, qp + qoff * esz, qrow.data(), D);
      // f32 keys stored as contiguous rows: all q.k products in one vectorised pass (the
      // scalar loop below cannot be vectorised without reassociating, and it dominated decode
      // time of small models). Scores of masked keys are computed and ignored.
      if (f32_rows) {
        const int64_t last = opt.causal ? std::min<int64_t>(Tk, pos + 1) : Tk;
        if (last > 0)
          dot_rows_f32(qrow.data(), reinterpret_cast<const float*>(kp) + b * k.stride(0) + hk * k.stride(1), D, 0,
                       last, dots.data());
      }
      int64_t n_allowed = 0;
      float mx = -INFINITY;
      for (int64_t j = 0; j < Tk; ++j) {
        const bool ok = key_allowed(opt, pos, j, kpm, kpmp, kpm_sz, b, Tk, mask_is_bool, mask, mp, h, i);
        allowed[size_t(j)] = ok;
        if (!ok) continue;
        ++n_allowed;
        const int64_t koff = b * k.stride(0) + hk * k.stride(1) + j * k.stride(2);
        float s = 0;
        if (f32_rows) {
          s = dots[size_t(j)];
        } else if (dt == DType::F32) {
          const float* kr = reinterpret_cast<const float*>(kp) + koff;
          for (int64_t d = 0; d < D; ++d) s += qrow[size_t(d)] * kr[d];
        } else {
          widen_to_f32(dt, kp + koff * esz, krow.data(), D);
          if (qk_accumulates_low) {
            for (int64_t d = 0; d < D; ++d) s = round_to(dt, s + round_to(dt, qrow[size_t(d)] * krow[size_t(d)]));
          } else {
            for (int64_t d = 0; d < D; ++d) s += qrow[size_t(d)] * krow[size_t(d)];
            s = round_to(dt, s);
          }
        }
        s = low ? round_to(dt, s * scale) : s * scale;
        if (cap > 0) {
          if (low)
            s = round_to(dt, round_to(dt, std::tanh(round_to(dt, s / cap))) * cap);
          else
            s = std::tanh(s / cap) * cap;
        }
        if (mask.defined() && !mask_is_bool) {
          s += mask_value(mask, mp, b, h, i, j);
          if (low) s = round_to(dt, s);
        }
        scores[size_t(j)] = s;
        mx = std::max(mx, s);
      }
      std::fill(acc.begin(), acc.end(), 0.0f);
      if (n_allowed == 0) {
        // Every key is masked: HF's finfo.min masks make all scores equal, i.e. a uniform average.
        for (int64_t j = 0; j < Tk; ++j) {
          allowed[size_t(j)] = 1;
          scores[size_t(j)] = 0;
        }
        mx = 0;
      }
      float sum = 0;
      for (int64_t j = 0; j < Tk; ++j) {
        if (!allowed[size_t(j)]) continue;
        scores[size_t(j)] = std::exp(scores[size_t(j)] - mx);
        sum += scores[size_t(j)];
      }
      for (int64_t j = 0; j < Tk; ++j) {
        if (!allowed[size_t(j)]) continue;
        float p = scores[size_t(j)] / sum;
        if (low) p = round_to(dt, p);
        const int64_t voff = b * v.stride(0) + hk * v.stride(1) + j * v.stride(2);
        if (dt == DType::F32) {
          const float* vr = reinterpret_cast<const float*>(vp) + voff;
          for (int64_t d = 0; d < Dv; ++d) acc[size_t(d)] += p * vr[d];
        } else {
          widen_to_f32(dt, vp + voff * esz, vrow.data(), Dv);
          if (pv_accumulates_low) {
            for (int64_t d = 0; d < Dv; ++d) acc[size_t(d)] = round_to(dt, acc[size_t(d)] + round_to(dt, p * vrow[size_t(d)]));
          } else {
            for (int64_t d = 0; d < Dv; ++d) acc[size_t(d)] += p * vrow[size_t(d)];
          }
        }
      }
      narrow_from_f32(dt, acc.data(), op + ((b * H + h) * Tq + i) * Dv * esz, Dv);
    }
  });
  return out;
}

}  // namespace automodel::cpu
