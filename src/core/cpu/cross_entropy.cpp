// Cross-entropy kernels, plain and fused with the LM head. The fused form walks the rows that
// carry a label in chunks: each chunk's logits are computed, reduced to one log-sum-exp per row
// and dropped, so a [tokens, vocab] matrix never exists (at vocab 32000 and 4096 tokens that
// would be 512 MB per copy). The backward recomputes each chunk's logits.
#include <algorithm>
#include <cmath>
#include <vector>

#include "automodel/core/thread_pool.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

namespace {

std::vector<int64_t> label_vector(const Tensor& labels) { return labels.to_vector<int64_t>(); }

void check_label(int64_t label, int64_t row, int64_t V, int64_t ignore_index) {
  AM_CHECK(label == ignore_index || (label >= 0 && label < V), "cross_entropy: label ", label, " at row ", row,
           " is outside [0, ", V, ") and is not the ignore index ", ignore_index);
}

// Row-wise log-sum-exp of an f32 [n, V] block.
void row_lse(const float* z, int64_t n, int64_t V, float* lse) {
  ThreadPool::global().parallel_for(n, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = z + r * V;
      float mx = -INFINITY;
      for (int64_t j = 0; j < V; ++j) mx = std::max(mx, row[j]);
      double sum = 0;
      for (int64_t j = 0; j < V; ++j) sum += std::exp(double(row[j] - mx));
      lse[r] = float(std::log(sum)) + mx;
    }
  });
}

// Rows per chunk: about 16 MB of f32 logits.
int64_t chunk_rows(int64_t V) { return std::max<int64_t>(1, (int64_t(4) << 20) / std::max<int64_t>(V, 1)); }

void apply_softcap(float* z, int64_t n, double softcap) {
  if (softcap <= 0) return;
  const float c = float(softcap);
  ThreadPool::global().parallel_for(n, 65536, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) z[i] = std::tanh(z[i] / c) * c;
  });
}

}  // namespace

std::pair<Tensor, Tensor> cross_entropy_forward(const Tensor& logits, const Tensor& labels, int64_t ignore_index) {
  const Tensor z = logits.dtype() == DType::F32 ? logits.contiguous() : logits.to(DType::F32).contiguous();
  const int64_t N = z.size(0), V = z.size(1);
  const std::vector<int64_t> lab = label_vector(labels);
  Tensor lse = Tensor::empty({N}, DType::F32);
  row_lse(z.data<float>(), N, V, lse.mutable_data<float>());
  double total = 0;
  const float* zp = z.data<float>();
  const float* lp = lse.data<float>();
  for (int64_t r = 0; r < N; ++r) {
    check_label(lab[size_t(r)], r, V, ignore_index);
    if (lab[size_t(r)] == ignore_index) continue;
    total += double(lp[r]) - double(zp[r * V + lab[size_t(r)]]);
  }
  return {Tensor::full({}, total, DType::F32), lse};
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, int64_t ignore_index,
                              float grad) {
  const Tensor z = logits.dtype() == DType::F32 ? logits.contiguous() : logits.to(DType::F32).contiguous();
  const int64_t N = z.size(0), V = z.size(1);
  const std::vector<int64_t> lab = label_vector(labels);
  Tensor d = Tensor::empty({N, V}, DType::F32);
  const float* zp = z.data<float>();
  const float* lp = lse.data<float>();
  float* dp = d.mutable_data<float>();
  ThreadPool::global().parallel_for(N, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = dp + r * V;
      if (lab[size_t(r)] == ignore_index) {
        std::fill(row, row + V, 0.0f);
        continue;
      }
      for (int64_t j = 0; j < V; ++j) row[j] = grad * std::exp(zp[r * V + j] - lp[r]);
      row[lab[size_t(r)]] -= grad;
    }
  });
  return d;
}

namespace {
// The hidden rows that carry a label, gathered into a contiguous f32 block.
struct ActiveRows {
  std::vector<int64_t> rows, labels;
};
ActiveRows active_rows(const Tensor& labels, int64_t V, int64_t ignore_index) {
  ActiveRows a;
  const std::vector<int64_t> lab = label_vector(labels);
  for (size_t r = 0; r < lab.size(); ++r) {
    check_label(lab[r], int64_t(r), V, ignore_index);
    if (lab[r] == ignore_index) continue;
    a.rows.push_back(int64_t(r));
    a.labels.push_back(lab[r]);
  }
  return a;
}

void gather_rows(const Tensor& h, const std::vector<int64_t>& rows, int64_t begin, int64_t count, float* out) {
  const int64_t H = h.size(1);
  const auto* base = static_cast<const std::byte*>(h.raw_data());
  const int64_t esz = dtype_size(h.dtype());
  for (int64_t i = 0; i < count; ++i)
    widen_to_f32(h.dtype(), base + rows[size_t(begin + i)] * H * esz, out + i * H, H);
}

// logits [count, V] = rows @ weight^T through the model's linear kernel (bf16 weights widened).
Tensor chunk_logits(const float* rows, int64_t count, int64_t H, const Tensor& weight, double softcap) {
  Tensor x = Tensor::empty({count, H}, DType::F32);
  std::copy(rows, rows + count * H, x.mutable_data<float>());
  Tensor z = linear(x, weight, Tensor());
  apply_softcap(z.mutable_data<float>(), z.numel(), softcap);
  return z;
}
}  // namespace

std::pair<Tensor, Tensor> linear_cross_entropy_forward(const Tensor& hidden, const Tensor& weight,
                                                       const Tensor& labels, int64_t ignore_index, double softcap) {
  const Tensor h = hidden.contiguous();
  const Tensor w = weight.contiguous();
  const int64_t H = h.size(1), V = w.size(0);
  const ActiveRows a = active_rows(labels, V, ignore_index);
  const int64_t n = int64_t(a.rows.size()), chunk = chunk_rows(V);
  Tensor lse = Tensor::empty({n}, DType::F32);
  std::vector<float> rows(size_t(std::min(n, chunk) * H));
  double total = 0;
  for (int64_t c0 = 0; c0 < n; c0 += chunk) {
    const int64_t cn = std::min(chunk, n - c0);
    gather_rows(h, a.rows, c0, cn, rows.data());
    const Tensor z = chunk_logits(rows.data(), cn, H, w, softcap);
    float* lp = lse.mutable_data<float>() + c0;
    row_lse(z.data<float>(), cn, V, lp);
    for (int64_t i = 0; i < cn; ++i) total += double(lp[i]) - double(z.data<float>()[i * V + a.labels[size_t(c0 + i)]]);
  }
  return {Tensor::full({}, total, DType::F32), lse};
}

std::pair<Tensor, Tensor> linear_cross_entropy_backward(const Tensor& hidden, const Tensor& weight,
                                                        const Tensor& labels, const Tensor& lse, int64_t ignore_index,
                                                        double softcap, float grad, bool need_dh, bool need_dw) {
  const Tensor h = hidden.contiguous();
  const Tensor w = weight.contiguous();
  const int64_t N = h.size(0), H = h.size(1), V = w.size(0);
  const ActiveRows a = active_rows(labels, V, ignore_index);
  const int64_t n = int64_t(a.rows.size()), chunk = chunk_rows(V);
  Tensor dh = need_dh ? Tensor::zeros({N, H}, DType::F32) : Tensor();
  Tensor dw = need_dw ? Tensor::zeros({V, H}, DType::F32) : Tensor();
  const Tensor wf = need_dh ? (w.dtype() == DType::F32 ? w : w.to(DType::F32)) : Tensor();
  std::vector<float> rows(size_t(std::min(n, chunk) * H)), drows(need_dh ? rows.size() : 0);
  const float c = float(softcap);
  for (int64_t c0 = 0; c0 < n; c0 += chunk) {
    const int64_t cn = std::min(chunk, n - c0);
    gather_rows(h, a.rows, c0, cn, rows.data());
    Tensor z = chunk_logits(rows.data(), cn, H, w, softcap);
    float* zp = z.mutable_data<float>();
    const float* lp = lse.data<float>() + c0;
    ThreadPool::global().parallel_for(cn, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float* row = zp + r * V;
        for (int64_t j = 0; j < V; ++j) {
          const float capped = row[j];
          float d = grad * std::exp(capped - lp[r]);
          if (j == a.labels[size_t(c0 + r)]) d -= grad;
          if (softcap > 0) {
            const float t = capped / c;
            d *= 1.0f - t * t;
          }
          row[j] = d;
        }
      }
    });
    if (need_dw) par_sgemm(true, false, V, H, cn, zp, V, rows.data(), H, 1.0f, dw.mutable_data<float>(), H);
    if (need_dh) {
      par_sgemm(false, false, cn, H, V, zp, V, wf.data<float>(), H, 0.0f, drows.data(), H);
      float* dhp = dh.mutable_data<float>();
      for (int64_t i = 0; i < cn; ++i)
        std::copy(drows.data() + i * H, drows.data() + (i + 1) * H, dhp + a.rows[size_t(c0 + i)] * H);
    }
  }
  return {dh, dw};
}

}  // namespace automodel::cpu
