// The thread pool kernels run on. One pool, owned by the library (no OpenMP), sized by
// AUTOMODEL_NUM_THREADS or the hardware. parallel_for splits [0, n) into chunks that the
// calling thread and the workers take from a shared counter; the call returns when all are
// done. Calls from inside a worker run inline, so kernels may nest without deadlock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace automodel {

class ThreadPool {
 public:
  // num_threads counts the calling thread: 1 means no workers.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return int(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n), each at least `grain` long
  // (except the last). Runs inline when n <= grain or from inside a pool thread.
  template <class F>
  void parallel_for(int64_t n, int64_t grain, F&& fn) {
    dispatch(n, grain, 4, fn);
  }

  // Like parallel_for, but for memory-bound loops: each thread claims a multiple of `chunk`,
  // max(chunk, what is left / (2 x threads)) (the last claim may be shorter). The first claims
  // give each thread long runs to stream (the hardware prefetchers restart at every jump), the
  // last ones, `chunk` long, keep every thread busy until the end instead of one waiting on the
  // other's last big piece. (Decode matrix-vector products over TinyLlama-sized f32 matrices
  // on 2 threads, three interleaved runs: 4-5% more bytes per second than fixed 256 KiB chunks.)
  template <class F>
  void parallel_for_chunks(int64_t n, int64_t chunk, F&& fn) {
    dispatch(n, chunk, 0, fn);
  }

  // The process-wide pool. Its size comes from AUTOMODEL_NUM_THREADS, else the number of cores.
  static ThreadPool& global();
  // Replaces the global pool (not while another thread uses it).
  static void set_global_threads(int num_threads);

 private:
  using Fn = void (*)(void*, int64_t, int64_t);
  // Both parallel_fors: inline when there is nothing to share (no workers, one chunk, or a
  // call from inside a pool thread), else run() with fn behind a type-erased pointer.
  template <class F>
  void dispatch(int64_t n, int64_t grain, int chunks_per_thread, F& fn) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (workers_.empty() || n <= grain || in_pool_thread()) {
      fn(int64_t(0), n);
      return;
    }
    run(n, grain, chunks_per_thread, [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // One parallel_for call; lives on the caller's stack. Workers register in `users` under
  // mu_ and the caller returns only when none is still inside, so no worker ever touches a
  // finished job.
  struct Job {
    Fn fn;
    void* ctx;
    int64_t n, chunk, num_chunks;
    bool guided = false;  // parallel_for_chunks: decreasing claims (work_on)
    int64_t threads = 1;
    std::atomic<int64_t> next{0};  // next chunk index, or next element when guided
    std::atomic<int64_t> done{0};  // elements finished
    std::atomic<int> users{0};
  };
  // chunks_per_thread > 0: about that many chunks per thread, each at least `grain` long;
  // 0: claims of decreasing size, multiples of `grain` (parallel_for_chunks).
  void run(int64_t n, int64_t grain, int chunks_per_thread, Fn fn, void* ctx);
  void worker_loop();
  static void work_on(Job& job);
  static bool in_pool_thread();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::mutex run_mu_;  // one parallel_for at a time per pool
  Job* job_ = nullptr;  // guarded by mu_
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;  // guarded by mu_
};

}  // namespace automodel
