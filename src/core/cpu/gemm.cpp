// Matrix products. linear() picks between two strategies:
// * few rows (decode): Highway dot products over weight rows in their stored dtype, threaded
//   over output features; every weight byte is read once per call.
// * many rows (prefill): OpenBLAS sgemm per block of output features, threaded over blocks;
//   bf16/f16 weight blocks are first widened into a per-thread f32 scratch tile.
// OpenBLAS runs single-threaded inside our pool, so the two never compete (src/core/cpu/blas.cpp).
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "automodel/core/blas.h"
#include "automodel/core/thread_pool.h"
#include "float_io.h"
#include "kernels.h"

namespace automodel::cpu {

namespace {

// Rows of x at or below this count use the dot-product path.
constexpr int64_t kGemvMaxRows = 4;
// Weight bytes per chunk of the dot-product path (see gemv_chunk_rows).
constexpr int64_t kGemvChunkBytes = 256 * 1024;
// Output features per sgemm call in the prefill path: a few blocks per thread for balance, but
// large enough that OpenBLAS's packing of x (repeated per call) stays small next to the math.
int64_t block_out(int64_t out, int threads) {
  const int64_t per = (out + 4 * threads - 1) / (4 * threads);
  return std::clamp<int64_t>((per + 15) / 16 * 16, 64, 512);
}

// Weight rows per chunk of the dot-product path: about kGemvChunkBytes of weights, a multiple
// of 4 (the kernels take rows four at a time). parallel_for_chunks hands out multiples of it,
// long runs first and single chunks at the end, so both threads stream until the end of a call
// (a quarter of a thread's share per chunk left one thread waiting on the other's last chunk);
// much smaller chunks lose more to restarting the prefetch stream at each one (measured on
// the 134M bf16 decode with fixed-size chunks: 16-32 KiB slower, 128-512 KiB alike).
int64_t gemv_chunk_rows(int64_t in, int64_t elem_bytes) {
  const int64_t rows = kGemvChunkBytes / std::max<int64_t>(in * elem_bytes, 1);
  return std::max<int64_t>(4, rows / 4 * 4);
}

void dot_rows(DType wt, const float* x, const void* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  switch (wt) {
    case DType::F32: dot_rows_f32(x, static_cast<const float*>(w), in, r0, r1, y); return;
    case DType::BF16: dot_rows_bf16(x, static_cast<const uint16_t*>(w), in, r0, r1, y); return;
    case DType::F16: dot_rows_f16(x, static_cast<const uint16_t*>(w), in, r0, r1, y); return;
    default: fail("internal: linear weight dtype ", dtype_name(wt));
  }
}

// Output features [r0, r1) of y [n, out] = x [n, in] · w [out, in]ᵀ, for the few rows of x.
void gemv_rows(DType wt, const float* x, int64_t n, int64_t in, const void* w, int64_t out, int64_t r0, int64_t r1,
               float* y) {
  if (n == 1) {
    dot_rows(wt, x, w, in, r0, r1, y + r0);
    return;
  }
  std::vector<float> buf(size_t(r1 - r0));  // y rows are strided by out
  for (int64_t t = 0; t < n; ++t) {
    dot_rows(wt, x + t * in, w, in, r0, r1, buf.data());
    std::copy(buf.begin(), buf.end(), y + t * out + r0);
  }
}

// x [n, in] f32 -> y [n, out] f32 (no bias).
void linear_f32(const float* x, int64_t n, int64_t in, DType wt, const void* w, int64_t out, float* y) {
  ThreadPool& pool = ThreadPool::global();
  if (n <= kGemvMaxRows) {
    pool.parallel_for_chunks(out, gemv_chunk_rows(in, dtype_info(wt).block_bytes),
                             [&](int64_t r0, int64_t r1) { gemv_rows(wt, x, n, in, w, out, r0, r1, y); });
    return;
  }
  ensure_blas_ready();
  const int64_t kBlockOut = block_out(out, pool.num_threads());
  const int64_t blocks = (out + kBlockOut - 1) / kBlockOut;
  pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> tile;
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t o0 = blk * kBlockOut, oc = std::min(kBlockOut, out - o0);
      const float* wf;
      if (wt == DType::F32) {
        wf = static_cast<const float*>(w) + o0 * in;
      } else {
        tile.resize(size_t(oc * in));
        widen_to_f32(wt, static_cast<const std::byte*>(w) + o0 * in * 2, tile.data(), oc * in);
        wf = tile.data();
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(n), int(oc), int(in), 1.0f, x, int(in), wf, int(in),
                  0.0f, y + o0, int(out));
    }
  });
}

// A contiguous f32 version of x (x itself when it already is one).
Tensor as_f32(const Tensor& x) { return x.dtype() == DType::F32 ? x.contiguous() : x.to(DType::F32).contiguous(); }

// Adds the bias (f32) to y [n, out] and returns it in x's dtype: one rounding of the
// f32-accumulated result, as torch's bf16 GEMM.
Tensor finish_linear(Tensor yf, const Tensor& b, DType out_dtype) {
  const int64_t n = yf.size(0), out = yf.size(1);
  float* y = yf.mutable_data<float>();
  if (b.defined()) {
    std::vector<float> bias(static_cast<size_t>(out));
    widen_to_f32(b.dtype(), b.raw_data(), bias.data(), out);
    ThreadPool::global().parallel_for(n, std::max<int64_t>(1, 65536 / std::max<int64_t>(out, 1)),
                                      [&](int64_t t0, int64_t t1) {
                                        for (int64_t t = t0; t < t1; ++t)
                                          for (int64_t o = 0; o < out; ++o) y[t * out + o] += bias[size_t(o)];
                                      });
  }
  if (out_dtype == DType::F32) return yf;
  return yf.to(out_dtype);
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t in = x.size(-1), out = w.size(0), n = x.numel() / std::max<int64_t>(in, 1);
  Tensor xf = as_f32(x);
  Tensor yf = Tensor::empty({n, out}, DType::F32);
  float* y = yf.mutable_data<float>();
  if (in == 0) {
    std::fill(y, y + n * out, 0.0f);
  } else if (n > 0) {
    linear_f32(xf.data<float>(), n, in, w.dtype(), w.raw_data(), out, y);
  }
  return finish_linear(yf, b, x.dtype());
}

std::vector<Tensor> linear_group(const Tensor& x, const std::vector<Tensor>& ws, const std::vector<Tensor>& bs) {
  const int64_t in = x.size(-1), n = x.numel() / std::max<int64_t>(in, 1);
  std::vector<Tensor> ys;
  if (n > kGemvMaxRows || in == 0 || n == 0) {
    for (size_t i = 0; i < ws.size(); ++i) ys.push_back(linear(x, ws[i], bs[i]));
    return ys;
  }
  // Decode: the weights' rows, one after the other, as one range split into small chunks, so
  // q/k/v (or gate/up) cost one fork-join instead of one each.
  Tensor xf = as_f32(x);
  const float* xp = xf.data<float>();
  std::vector<Tensor> yfs;
  std::vector<int64_t> first_row{0};
  int64_t widest = 1;
  for (const Tensor& w : ws) {
    yfs.push_back(Tensor::empty({n, w.size(0)}, DType::F32));
    first_row.push_back(first_row.back() + w.size(0));
    widest = std::max<int64_t>(widest, dtype_info(w.dtype()).block_bytes);
  }
  std::vector<float*> yps;
  for (Tensor& y : yfs) yps.push_back(y.mutable_data<float>());
  ThreadPool::global().parallel_for_chunks(first_row.back(), gemv_chunk_rows(in, widest), [&](int64_t r0, int64_t r1) {
    for (size_t i = 0; i < ws.size(); ++i) {
      const int64_t lo = std::max(r0, first_row[i]) - first_row[i];
      const int64_t hi = std::min(r1, first_row[i + 1]) - first_row[i];
      if (lo < hi) gemv_rows(ws[i].dtype(), xp, n, in, ws[i].raw_data(), ws[i].size(0), lo, hi, yps[i]);
    }
  });
  for (size_t i = 0; i < ws.size(); ++i) ys.push_back(finish_linear(yfs[i], bs[i], x.dtype()));
  return ys;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  Tensor af = as_f32(a), bf = as_f32(b);
  Tensor yf = Tensor::zeros({batch, m, n}, DType::F32);
  ensure_blas_ready();
  const float* ap = af.data<float>();
  const float* bp = bf.data<float>();
  float* yp = yf.mutable_data<float>();
  if (m > 0 && n > 0 && k > 0) {
    ThreadPool::global().parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, ap + i * m * k, int(k),
                    bp + i * k * n, int(n), 0.0f, yp + i * m * n, int(n));
    });
  }
  if (a.dtype() == DType::F32) return yf;
  return yf.to(a.dtype());
}

}  // namespace automodel::cpu
