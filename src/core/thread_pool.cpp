#include "automodel/core/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace automodel {

namespace {
thread_local bool t_in_pool = false;
// Workers spin briefly before sleeping: decode issues hundreds of small parallel_for calls
// per token, and a futex wake-up per call would cost more than the work.
constexpr int kSpinIterations = 20000;

int default_threads() {
  if (const char* s = std::getenv("AUTOMODEL_NUM_THREADS")) {
    int n = std::atoi(s);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

std::unique_ptr<ThreadPool>& global_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}

// Set in a child process after fork(): the pool's worker threads did not survive it (and a
// lock one of them held may stay locked forever), so the child's next global() call builds a
// fresh pool instead of touching the old one.
std::atomic<bool> g_forked{false};
void mark_forked_child() { g_forked.store(true, std::memory_order_relaxed); }

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

bool ThreadPool::in_pool_thread() { return t_in_pool; }

void ThreadPool::work_on(Job& job) {
  if (job.guided) {
    // Each claim takes max(chunk, remaining / (2 x threads)), a multiple of chunk: long runs
    // while much is left, chunk-sized ones at the end.
    int64_t b = job.next.load(std::memory_order_relaxed);
    while (b < job.n) {
      const int64_t parts = (job.n - b) / (2 * job.threads * job.chunk);
      const int64_t e = std::min(job.n, b + std::max<int64_t>(parts, 1) * job.chunk);
      if (!job.next.compare_exchange_weak(b, e, std::memory_order_relaxed)) continue;  // b reloaded
      job.fn(job.ctx, b, e);
      job.done.fetch_add(e - b, std::memory_order_release);
      b = job.next.load(std::memory_order_relaxed);
    }
    return;
  }
  for (;;) {
    const int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.num_chunks) break;
    const int64_t b = c * job.chunk;
    const int64_t e = std::min(job.n, b + job.chunk);
    job.fn(job.ctx, b, e);
    job.done.fetch_add(e - b, std::memory_order_release);
  }
}

void ThreadPool::run(int64_t n, int64_t grain, int chunks_per_thread, Fn fn, void* ctx) {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  const int64_t threads = num_threads();
  // About 4 chunks per thread (parallel_for) evens out uneven chunks without much counter traffic.
  int64_t chunk = grain;
  if (chunks_per_thread > 0) {
    chunk = (n + threads * chunks_per_thread - 1) / (threads * chunks_per_thread);
    if (chunk < grain) chunk = grain;
  }
  Job job;
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.chunk = chunk;
  job.num_chunks = (n + chunk - 1) / chunk;
  job.guided = chunks_per_thread == 0;
  job.threads = threads;
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &job;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  t_in_pool = true;
  work_on(job);
  t_in_pool = false;
  while (job.done.load(std::memory_order_acquire) < job.n) cpu_relax();
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = nullptr;
  }
  while (job.users.load(std::memory_order_acquire) > 0) cpu_relax();
}

void ThreadPool::worker_loop() {
  t_in_pool = true;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    for (int spin = 0; g == seen && spin < kSpinIterations; ++spin) {
      cpu_relax();
      g = generation_.load(std::memory_order_acquire);
    }
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (g == seen) wake_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      seen = generation_.load(std::memory_order_acquire);
      if (stop_) return;
      job = job_;
      if (job) job->users.fetch_add(1, std::memory_order_relaxed);
    }
    if (job) {
      work_on(*job);
      job->users.fetch_sub(1, std::memory_order_release);
    }
  }
}

ThreadPool& ThreadPool::global() {
  static std::once_flag once;
  std::call_once(once, [] {
    pthread_atfork(nullptr, nullptr, &mark_forked_child);
    if (!global_slot()) global_slot() = std::make_unique<ThreadPool>(default_threads());
  });
  if (g_forked.load(std::memory_order_relaxed)) {
    g_forked.store(false, std::memory_order_relaxed);
    // The old pool is kept (reachable, never destroyed: joining threads that no longer exist
    // would hang) and replaced by one of the same size.
    static std::vector<ThreadPool*> abandoned;
    const int threads = global_slot()->num_threads();
    abandoned.push_back(global_slot().release());
    global_slot() = std::make_unique<ThreadPool>(threads);
  }
  return *global_slot();
}

void ThreadPool::set_global_threads(int num_threads) {
  global();
  global_slot() = std::make_unique<ThreadPool>(num_threads < 1 ? 1 : num_threads);
}

}  // namespace automodel
