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

// The masking rules of both kernels, read once per call into plain arrays and strides, so the
// per-key test in the inner loops does no Tensor calls or dtype switches: structural masks
// (causal, sliding window), the key padding mask [B, Tk] as bytes, and an explicit [B|1, H|1,
// Tq, Tk] mask (boolean = allowed or not, floating = added to the score) as f32 or bytes.
class KeyMask {
 public:
  KeyMask(const ops::AttentionOptions& opt, const Tensor& mask, int64_t Tk)
      : causal_(opt.causal), window_(opt.sliding_window), tk_(Tk) {
    if (opt.key_padding_mask.defined()) {
      const std::vector<int64_t> keep = opt.key_padding_mask.to(DType::I64).contiguous().to_vector<int64_t>();
      padding_.assign(keep.size(), 0);
      for (size_t n = 0; n < keep.size(); ++n) padding_[n] = keep[n] != 0;
      const int64_t rows = Tk > 0 ? int64_t(keep.size()) / Tk : 0;
      row_padded_.assign(size_t(rows), 0);
      for (size_t n = 0; n < keep.size(); ++n)
        if (!padding_[n]) row_padded_[n / size_t(Tk)] = 1;
    }
    if (mask.defined()) {
      mask_dtype_ = mask.dtype();
      is_bool_ = !dtype_info(mask_dtype_).is_floating;
      elem_ = dtype_size(mask_dtype_);
      base_ = static_cast<const std::byte*>(mask.raw_data());
      for (int d = 0; d < 4; ++d) stride_[d] = mask.stride(d);  // 0 along broadcast dims
    }
  }
  // Whether query row i (absolute position pos) of (b, h) may attend key j.
  bool allowed(int64_t b, int64_t h, int64_t i, int64_t pos, int64_t j) const {
    if (causal_ && j > pos) return false;
    if (window_ > 0 && pos - j >= window_) return false;
    if (!padding_.empty() && !padding_[size_t(b * tk_ + j)]) return false;
    if (base_ && is_bool_ && load(b, h, i, j) == 0) return false;
    return true;
  }
  // When the keys query row (b, pos) may attend are exactly [lo, hi) (no explicit mask and no
  // padding in batch row b: only the causal and sliding-window limits apply), sets them and
  // returns true; the caller may then skip the per-key test.
  bool allowed_range(int64_t b, int64_t pos, int64_t& lo, int64_t& hi) const {
    if (base_ || (!row_padded_.empty() && row_padded_[size_t(b)])) return false;
    hi = causal_ ? std::min(tk_, pos + 1) : tk_;
    lo = window_ > 0 ? std::max<int64_t>(0, pos - window_ + 1) : 0;
    return true;
  }
  // Whether an explicit floating mask adds to the scores, and what it adds.
  bool adds() const { return base_ && !is_bool_; }
  float added(int64_t b, int64_t h, int64_t i, int64_t j) const { return float(load(b, h, i, j)); }

 private:
  double load(int64_t b, int64_t h, int64_t i, int64_t j) const {
    const int64_t off = b * stride_[0] + h * stride_[1] + i * stride_[2] + j * stride_[3];
    return load_as_double(mask_dtype_, base_ + off * elem_);
  }
  bool causal_;
  int64_t window_, tk_;
  std::vector<uint8_t> padding_;
  std::vector<uint8_t> row_padded_;  // per batch row: any key masked by padding
  const std::byte* base_ = nullptr;
  DType mask_dtype_ = DType::F32;
  bool is_bool_ = false;
  int64_t elem_ = 0;
  int64_t stride_[4] = {0, 0, 0, 0};
};

// float32 with many queries (prefill, training): per (batch, head), S = scale·Q·Kᵀ and O = P·V
// as two sgemm calls around the row-wise soft-cap / mask / softmax, instead of one scalar
// pass per query row. Same masking rules and the same f32 softmax as the row kernel below.
Tensor attention_f32_blocked(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt,
                             const Tensor& mask) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2), Dv = v.size(3), group = H / Hkv;
  const int64_t q_offset = opt.q_offset >= 0 ? opt.q_offset : Tk - Tq;
  Tensor out = Tensor::empty({B, H, Tq, Dv}, DType::F32);
  const KeyMask keys(opt, mask, Tk);
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
          const bool ok = keys.allowed(b, h, i, pos, j);
          allowed[size_t(j)] = ok;
          if (!ok) continue;
          ++n_allowed;
          float sc = row[j];
          if (cap > 0) sc = std::tanh(sc / cap) * cap;
          if (keys.adds()) sc += keys.added(b, h, i, j);
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
  const KeyMask keys(opt, mask, Tk);
  // Strides read once: Tensor accessors in the per-key loops cost more than the arithmetic.
  const int64_t qs0 = q.stride(0), qs1 = q.stride(1), qs2 = q.stride(2);
  const int64_t ks0 = k.stride(0), ks1 = k.stride(1), ks2 = k.stride(2);
  const int64_t vs0 = v.stride(0), vs1 = v.stride(1), vs2 = v.stride(2);
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
      const int64_t qoff = b * qs0 + h * qs1 + i * qs2;
      widen_to_f32(dt, qp + qoff * esz, qrow.data(), D);
      // f32 keys stored as contiguous rows: all q.k products in one vectorised pass (the
      // scalar loop below cannot be vectorised without reassociating, and it dominated decode
      // time of small models). Scores of masked keys are computed and ignored.
      if (f32_rows) {
        const int64_t last = opt.causal ? std::min<int64_t>(Tk, pos + 1) : Tk;
        if (last > 0)
          dot_rows_f32(qrow.data(), reinterpret_cast<const float*>(kp) + b * ks0 + hk * ks1, D, 0, last, dots.data());
      }
      // Decode's common case (f32, no soft-cap, no padding or explicit mask): the allowed keys
      // are one range, so the scores need no per-key mask test. (Profiling a small-head model's
      // decode, this function's own per-key loop cost as much as its vectorised dot products,
      // softmax and value sum together.)
      int64_t lo = 0, hi = 0;
      if (f32_rows && vs2 > 0 && cap == 0 && keys.allowed_range(b, pos, lo, hi) && lo < hi) {
        float mx = -INFINITY;
        float* sc = scores.data();
        std::fill(sc, sc + lo, -INFINITY);
        for (int64_t j = lo; j < hi; ++j) {
          sc[j] = dots[size_t(j)] * scale;
          mx = std::max(mx, sc[j]);
        }
        std::fill(sc + hi, sc + Tk, -INFINITY);
        softmax_in_place_f32(sc, Tk, mx);
        weighted_row_sum_f32(sc, reinterpret_cast<const float*>(vp) + b * vs0 + hk * vs1, Tk, vs2, Dv, acc.data());
        narrow_from_f32(dt, acc.data(), op + ((b * H + h) * Tq + i) * Dv * esz, Dv);
        continue;
      }
      int64_t n_allowed = 0;
      float mx = -INFINITY;
      for (int64_t j = 0; j < Tk; ++j) {
        const bool ok = keys.allowed(b, h, i, pos, j);
        allowed[size_t(j)] = ok;
        if (!ok) continue;
        ++n_allowed;
        const int64_t koff = b * ks0 + hk * ks1 + j * ks2;
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
        if (keys.adds()) {
          s += keys.added(b, h, i, j);
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
      if (dt == DType::F32 && vs2 > 0) {
        // Vectorised: masked keys get probability 0 (exp(-inf)), and the sum runs over the
        // rows of V, whose strides are those of the cache (any row stride, unit last one).
        for (int64_t j = 0; j < Tk; ++j)
          if (!allowed[size_t(j)]) scores[size_t(j)] = -INFINITY;
        softmax_in_place_f32(scores.data(), Tk, mx);
        weighted_row_sum_f32(scores.data(), reinterpret_cast<const float*>(vp) + b * vs0 + hk * vs1, Tk, vs2, Dv,
                             acc.data());
        narrow_from_f32(dt, acc.data(), op + ((b * H + h) * Tq + i) * Dv * esz, Dv);
        continue;
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
        const int64_t voff = b * vs0 + hk * vs1 + j * vs2;
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
