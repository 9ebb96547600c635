// Backward kernels: the gradient formulas of the ops that are more than a composition of other
// ops. Inputs of any floating dtype are widened; every gradient is float32 and contiguous.
// The large products go through OpenBLAS sgemm, split over row blocks on the owned pool.
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

Tensor f32c(const Tensor& t) { return t.dtype() == DType::F32 ? t.contiguous() : t.to(DType::F32).contiguous(); }

}  // namespace

// C[M, N] = A·B (+ beta·C), row-major, A [M, K] (or [K, M] when ta), B [K, N] (or [N, K] when
// tb), split over blocks of M rows on the pool.
void par_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
               int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0 ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  ensure_blas_ready();
  ThreadPool& pool = ThreadPool::global();
  const int64_t blk = std::max<int64_t>(16, (M + 2 * pool.num_threads() - 1) / (2 * pool.num_threads()));
  const int64_t nblk = (M + blk - 1) / blk;
  pool.parallel_for(nblk, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t m0 = b * blk, mc = std::min(blk, M - m0);
      const float* a = ta ? A + m0 : A + m0 * lda;
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(mc), int(N),
                  int(K), 1.0f, a, int(lda), B, int(ldb), beta, C + m0 * ldc, int(ldc));
    }
  });
}

namespace {

// Single-threaded sgemm for work items that are already spread over the pool.
void sgemm1(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
            const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0 || K == 0) {
    if (beta == 0)
      for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

}  // namespace

Tensor unary_backward(UnaryKind kind, const Tensor& x, const Tensor& y, const Tensor& g, double p0, double p1) {
  const Tensor gf = f32c(g);
  const Tensor xf = x.defined() ? f32c(x) : Tensor();
  const Tensor yf = y.defined() ? f32c(y) : Tensor();
  const int64_t n = gf.numel();
  Tensor out = Tensor::empty(gf.shape(), DType::F32);
  const float* gp = gf.data<float>();
  const float* xp = xf.defined() ? xf.data<float>() : nullptr;
  const float* yp = yf.defined() ? yf.data<float>() : nullptr;
  float* o = out.mutable_data<float>();
  const float s0 = float(p0), s1 = float(p1);
  ThreadPool::global().parallel_for(n, 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = gp[i];
      switch (kind) {
        case UnaryKind::kNeg: o[i] = -gi; break;
        case UnaryKind::kExp: o[i] = gi * yp[i]; break;
        case UnaryKind::kTanh: o[i] = gi * (1.0f - yp[i] * yp[i]); break;
        case UnaryKind::kSilu: {
          const float s = 1.0f / (1.0f + std::exp(-xp[i]));
          o[i] = gi * s * (1.0f + xp[i] * (1.0f - s));
          break;
        }
        case UnaryKind::kGelu: {
          const float v = xp[i];
          const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
          o[i] = gi * (cdf + v * kInvSqrt2Pi * std::exp(-0.5f * v * v));
          break;
        }
        case UnaryKind::kGeluTanh: {
          const float v = xp[i];
          const float u = kSqrt2OverPi * (v + 0.044715f * v * v * v);
          const float t = std::tanh(u);
          const float du = kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * v * v);
          o[i] = gi * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
          break;
        }
        case UnaryKind::kRelu: o[i] = xp[i] > 0 ? gi : 0.0f; break;
        case UnaryKind::kMulScalar: o[i] = gi * s0; break;
        case UnaryKind::kAddScalar: o[i] = gi; break;
        case UnaryKind::kClamp: o[i] = (xp[i] >= s0 && xp[i] <= s1) ? gi : 0.0f; break;
      }
    }
  });
  return out;
}

Tensor softmax_last_backward(const Tensor& y, const Tensor& g) {
  const Tensor yf = f32c(y), gf = f32c(g);
  const int64_t d = yf.size(-1), rows = d ? yf.numel() / d : 0;
  Tensor out = Tensor::empty(yf.shape(), DType::F32);
  const float* yp = yf.data<float>();
  const float* gp = gf.data<float>();
  float* o = out.mutable_data<float>();
  ThreadPool::global().parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = yp + r * d;
      const float* gr = gp + r * d;
      float dot = 0;
      for (int64_t i = 0; i < d; ++i) dot += yr[i] * gr[i];
      for (int64_t i = 0; i < d; ++i) o[r * d + i] = yr[i] * (gr[i] - dot);
    }
  });
  return out;
}

std::pair<Tensor, Tensor> rms_norm_backward(const Tensor& x, const Tensor& w, double eps, ops::RmsNormStyle style,
                                            const Tensor& g) {
  const Tensor xf = f32c(x), gf = f32c(g), wf = f32c(w);
  const int64_t d = xf.size(-1), rows = d ? xf.numel() / d : 0;
  Tensor dx = Tensor::empty(xf.shape(), DType::F32);
  const float* xp = xf.data<float>();
  const float* gp = gf.data<float>();
  const float* wp = wf.data<float>();
  float* dxp = dx.mutable_data<float>();
  const bool unit_offset = style == ops::RmsNormStyle::kUnitOffset;
  ThreadPool& pool = ThreadPool::global();
  // Per-thread partial sums of dw, added in chunk order so the result does not depend on timing.
  const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1));
  const int64_t chunks = (rows + grain - 1) / std::max<int64_t>(grain, 1);
  std::vector<double> partial(size_t(std::max<int64_t>(chunks, 1) * d), 0.0);
  pool.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double* dw = partial.data() + c * d;
      for (int64_t r = c * grain; r < std::min(rows, (c + 1) * grain); ++r) {
        const float* xr = xp + r * d;
        const float* gr = gp + r * d;
        double ss = 0;
        for (int64_t i = 0; i < d; ++i) ss += double(xr[i]) * xr[i];
        const float rs = float(1.0 / std::sqrt(ss / double(d) + eps));
        double dot = 0;  // sum(dn * n)
        for (int64_t i = 0; i < d; ++i) {
          const float n = xr[i] * rs;
          const float wi = unit_offset ? 1.0f + wp[i] : wp[i];
          dot += double(gr[i] * wi) * n;
          dw[i] += double(gr[i]) * n;
        }
        const float mean_dot = float(dot / double(d));
        for (int64_t i = 0; i < d; ++i) {
          const float n = xr[i] * rs;
          const float wi = unit_offset ? 1.0f + wp[i] : wp[i];
          dxp[r * d + i] = rs * (gr[i] * wi - n * mean_dot);
        }
      }
    }
  });
  Tensor dwt = Tensor::zeros({d}, DType::F32);
  float* dwp = dwt.mutable_data<float>();
  for (int64_t i = 0; i < d; ++i) {
    double s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += partial[size_t(c * d + i)];
    dwp[i] = float(s);
  }
  return {dx, dwt};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& b, double eps,
                                                       const Tensor& g) {
  const Tensor xf = f32c(x), gf = f32c(g);
  const Tensor wf = w.defined() ? f32c(w) : Tensor();
  const int64_t d = xf.size(-1), rows = d ? xf.numel() / d : 0;
  Tensor dx = Tensor::empty(xf.shape(), DType::F32);
  const float* xp = xf.data<float>();
  const float* gp = gf.data<float>();
  const float* wp = wf.defined() ? wf.data<float>() : nullptr;
  float* dxp = dx.mutable_data<float>();
  const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(d, 1));
  const int64_t chunks = (rows + grain - 1) / std::max<int64_t>(grain, 1);
  std::vector<double> pw(size_t(std::max<int64_t>(chunks, 1) * d), 0.0), pb(pw.size(), 0.0);
  ThreadPool::global().parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    std::vector<float> nrm(static_cast<size_t>(d)), dn(static_cast<size_t>(d));
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t r = c * grain; r < std::min(rows, (c + 1) * grain); ++r) {
        const float* xr = xp + r * d;
        const float* gr = gp + r * d;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < d; ++i) mean += xr[i];
        mean /= double(d);
        for (int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= double(d);
        const float rs = float(1.0 / std::sqrt(var + eps));
        double sum_dn = 0, sum_dn_n = 0;
        for (int64_t i = 0; i < d; ++i) {
          nrm[size_t(i)] = float(xr[i] - mean) * rs;
          dn[size_t(i)] = wp ? gr[i] * wp[i] : gr[i];
          sum_dn += dn[size_t(i)];
          sum_dn_n += double(dn[size_t(i)]) * nrm[size_t(i)];
          pw[size_t(c * d + i)] += double(gr[i]) * nrm[size_t(i)];
          pb[size_t(c * d + i)] += gr[i];
        }
        const float m1 = float(sum_dn / double(d)), m2 = float(sum_dn_n / double(d));
        for (int64_t i = 0; i < d; ++i) dxp[r * d + i] = rs * (dn[size_t(i)] - m1 - nrm[size_t(i)] * m2);
      }
    }
  });
  auto reduce = [&](const std::vector<double>& p) {
    Tensor t = Tensor::zeros({d}, DType::F32);
    float* tp = t.mutable_data<float>();
    for (int64_t i = 0; i < d; ++i) {
      double s = 0;
      for (int64_t c = 0; c < chunks; ++c) s += p[size_t(c * d + i)];
      tp[i] = float(s);
    }
    return t;
  };
  return {dx, w.defined() ? reduce(pw) : Tensor(), b.defined() ? reduce(pb) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> linear_backward(const Tensor& x, const Tensor& w, bool has_bias, const Tensor& g,
                                                   bool need_dx, bool need_dw) {
  // Rows from the gradient: x is not saved (undefined) when the weight needs no gradient.
  const int64_t in = w.size(1), out = w.size(0), n = out ? g.numel() / out : 0;
  const Tensor gf = f32c(g);
  const float* gp = gf.data<float>();
  Tensor dx, dw, db;
  if (need_dx) {
    const Tensor wf = f32c(w);
    dx = Tensor::empty({n, in}, DType::F32);
    par_sgemm(false, false, n, in, out, gp, out, wf.data<float>(), in, 0.0f, dx.mutable_data<float>(), in);
  }
  if (need_dw) {
    const Tensor xf = f32c(x);
    dw = Tensor::empty({out, in}, DType::F32);
    par_sgemm(true, false, out, in, n, gp, out, xf.data<float>(), in, 0.0f, dw.mutable_data<float>(), in);
  }
  if (has_bias) {
    db = Tensor::zeros({out}, DType::F32);
    float* bp = db.mutable_data<float>();
    std::vector<double> acc(size_t(out), 0.0);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t o = 0; o < out; ++o) acc[size_t(o)] += gp[t * out + o];
    for (int64_t o = 0; o < out; ++o) bp[o] = float(acc[size_t(o)]);
  }
  return {dx, dw, db};
}

Tensor embedding_backward(const Tensor& ids, const Tensor& g, int64_t num, int64_t dim, int64_t padding_idx) {
  const Tensor gf = f32c(g);
  const std::vector<int64_t> idv = ids.to_vector<int64_t>();
  Tensor dw = Tensor::zeros({num, dim}, DType::F32);
  float* dp = dw.mutable_data<float>();
  const float* gp = gf.data<float>();
  // Rows are split over the pool by destination row range, so each row is summed by one thread
  // in position order (deterministic).
  ThreadPool::global().parallel_for(num, std::max<int64_t>(1, num / 64), [&](int64_t r0, int64_t r1) {
    for (size_t t = 0; t < idv.size(); ++t) {
      const int64_t id = idv[t];
      if (id < r0 || id >= r1 || id == padding_idx) continue;
      float* row = dp + id * dim;
      const float* src = gp + int64_t(t) * dim;
      for (int64_t i = 0; i < dim; ++i) row[i] += src[i];
    }
  });
  return dw;
}

Tensor apply_rotary_backward(const Tensor& g, const Tensor& cos, const Tensor& sin) {
  const Tensor gf = f32c(g), cf = f32c(cos), sf = f32c(sin);
  const int64_t B = gf.size(0), H = gf.size(1), T = gf.size(2), D = gf.size(3), R = cf.size(2), half = R / 2;
  Tensor dx = Tensor::empty(gf.shape(), DType::F32);
  const float* gp = gf.data<float>();
  const float* cp = cf.data<float>();
  const float* sp = sf.data<float>();
  float* o = dx.mutable_data<float>();
  ThreadPool::global().parallel_for(B * H * T, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / (H * T), t = r % T;
      const float* gr = gp + r * D;
      const float* c = cp + (b * T + t) * R;
      const float* s = sp + (b * T + t) * R;
      float* orow = o + r * D;
      // y1 = x1 c1 - x2 s1, y2 = x2 c2 + x1 s2  =>  dx1 = g1 c1 + g2 s2, dx2 = g2 c2 - g1 s1.
      for (int64_t i = 0; i < half; ++i) {
        orow[i] = gr[i] * c[i] + gr[i + half] * s[i + half];
        orow[i + half] = gr[i + half] * c[i + half] - gr[i] * s[i];
      }
      for (int64_t i = R; i < D; ++i) orow[i] = gr[i];
    }
  });
  return dx;
}

std::tuple<Tensor, Tensor, Tensor> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                                      const ops::AttentionOptions& opt, const Tensor& mask,
                                                      const Tensor& g) {
  const Tensor qf = f32c(q), kf = f32c(k), vf = f32c(v), gf = f32c(g);
  const int64_t B = qf.size(0), H = qf.size(1), Tq = qf.size(2), D = qf.size(3);
  const int64_t Hkv = kf.size(1), Tk = kf.size(2), Dv = vf.size(3), group = H / Hkv;
  const int64_t q_offset = opt.q_offset >= 0 ? opt.q_offset : Tk - Tq;
  Tensor dq = Tensor::empty(qf.shape(), DType::F32);
  Tensor dk = Tensor::zeros(kf.shape(), DType::F32);
  Tensor dv = Tensor::zeros(vf.shape(), DType::F32);
  const float scale = float(opt.scale), cap = float(opt.softcap);
  const bool mask_is_bool = mask.defined() && !dtype_info(mask.dtype()).is_floating;
  const Tensor kpm = opt.key_padding_mask.defined() ? opt.key_padding_mask.to(DType::I64).contiguous() : Tensor();
  const int64_t* kpmp = kpm.defined() ? kpm.data<int64_t>() : nullptr;
  const Tensor maskf = mask.defined() ? mask.to(mask_is_bool ? DType::U8 : DType::F32).contiguous() : Tensor();
  ensure_blas_ready();
  ThreadPool::global().parallel_for(B * Hkv, 1, [&](int64_t w0, int64_t w1) {
    std::vector<float> S(size_t(Tq * Tk)), dP(size_t(Tq * Tk)), T(cap > 0 ? size_t(Tq * Tk) : 0);
    for (int64_t w = w0; w < w1; ++w) {
      const int64_t b = w / Hkv, hk = w % Hkv;
      const float* K = kf.data<float>() + (b * Hkv + hk) * Tk * D;
      const float* V = vf.data<float>() + (b * Hkv + hk) * Tk * Dv;
      float* dK = dk.mutable_data<float>() + (b * Hkv + hk) * Tk * D;
      float* dV = dv.mutable_data<float>() + (b * Hkv + hk) * Tk * Dv;
      for (int64_t h = hk * group; h < (hk + 1) * group; ++h) {
        const float* Q = qf.data<float>() + (b * H + h) * Tq * D;
        const float* dO = gf.data<float>() + (b * H + h) * Tq * Dv;
        float* dQ = dq.mutable_data<float>() + (b * H + h) * Tq * D;
        // Recompute the probabilities exactly as the forward defines them.
        sgemm1(false, true, Tq, Tk, D, scale, Q, D, K, D, 0.0f, S.data(), Tk);
        for (int64_t i = 0; i < Tq; ++i) {
          float* s = S.data() + i * Tk;
          const int64_t pos = q_offset + i;
          int64_t n_allowed = 0;
          float mx = -INFINITY;
          for (int64_t j = 0; j < Tk; ++j) {
            bool ok = !(opt.causal && j > pos) && !(opt.sliding_window > 0 && pos - j >= opt.sliding_window) &&
                      !(kpmp && kpmp[b * Tk + j] == 0);
            const int64_t moff = maskf.defined() ? ((b * H + h) * Tq + i) * Tk + j : 0;
            if (ok && mask_is_bool && maskf.data<uint8_t>()[moff] == 0) ok = false;
            float val = s[j];
            if (cap > 0) {
              const float t = std::tanh(val / cap);
              T[size_t(i * Tk + j)] = t;
              val = t * cap;
            }
            if (maskf.defined() && !mask_is_bool) val += maskf.data<float>()[moff];
            if (!ok) {
              s[j] = NAN;  // marks a masked key
              continue;
            }
            ++n_allowed;
            s[j] = val;
            mx = std::max(mx, val);
          }
          if (n_allowed == 0) {
            // Uniform average over all keys (see the forward): the scores do not matter, so
            // the probabilities get no gradient. A negative marker tells the pass below.
            for (int64_t j = 0; j < Tk; ++j) s[j] = -1.0f / float(Tk);
            continue;
          }
          float sum = 0;
          for (int64_t j = 0; j < Tk; ++j) {
            if (std::isnan(s[j])) {
              s[j] = 0;
              continue;
            }
            s[j] = std::exp(s[j] - mx);
            sum += s[j];
          }
          for (int64_t j = 0; j < Tk; ++j) s[j] /= sum;
        }
        // Rows marked constant hold -1/Tk: use |P| for dV and zero dS.
        std::vector<char> constant_row(size_t(Tq), 0);
        for (int64_t i = 0; i < Tq; ++i)
          if (Tk > 0 && S[size_t(i * Tk)] < 0) {
            constant_row[size_t(i)] = 1;
            for (int64_t j = 0; j < Tk; ++j) S[size_t(i * Tk + j)] = 1.0f / float(Tk);
          }
        // dV += P^T dO ; dP = dO V^T
        sgemm1(true, false, Tk, Dv, Tq, 1.0f, S.data(), Tk, dO, Dv, 1.0f, dV, Dv);
        sgemm1(false, true, Tq, Tk, Dv, 1.0f, dO, Dv, V, Dv, 0.0f, dP.data(), Tk);
        for (int64_t i = 0; i < Tq; ++i) {
          float* p = S.data() + i * Tk;
          float* dp = dP.data() + i * Tk;
          if (constant_row[size_t(i)]) {
            std::fill(dp, dp + Tk, 0.0f);
            continue;
          }
          float dot = 0;
          for (int64_t j = 0; j < Tk; ++j) dot += p[j] * dp[j];
          for (int64_t j = 0; j < Tk; ++j) {
            float ds = p[j] * (dp[j] - dot);
            if (cap > 0) {
              const float t = T[size_t(i * Tk + j)];
              ds *= 1.0f - t * t;
            }
            dp[j] = ds;
          }
        }
        // dQ = scale dS K ; dK += scale dS^T Q
        sgemm1(false, false, Tq, D, Tk, scale, dP.data(), Tk, K, D, 0.0f, dQ, D);
        sgemm1(true, false, Tk, D, Tq, scale, dP.data(), Tk, Q, D, 1.0f, dK, D);
      }
    }
  });
  return {dq, dk, dv};
}

}  // namespace automodel::cpu
