// A process that forks after the pool has run (a server forking workers, the trainer's crash
// test) gets a working pool in the child: the workers did not survive fork(), so the child
// builds a fresh pool instead of waiting on the old one's threads or locks.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include "automodel/core/thread_pool.h"

namespace {

using automodel::ThreadPool;

int64_t parallel_sum(int64_t n) {
  std::atomic<int64_t> sum{0};
  ThreadPool::global().parallel_for(n, 1, [&](int64_t b, int64_t e) {
    int64_t s = 0;
    for (int64_t i = b; i < e; ++i) s += i;
    sum += s;
  });
  return sum.load();
}

TEST(ThreadPoolFork, ChildProcessGetsAWorkingPool) {
  ASSERT_EQ(parallel_sum(100000), int64_t(100000) * 99999 / 2);  // the parent's pool is running
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(30);  // a hang becomes SIGALRM, a failure of the test instead of a stuck suite
    const bool ok = parallel_sum(100000) == int64_t(100000) * 99999 / 2 && parallel_sum(7) == 21;
    std::_Exit(ok ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(parallel_sum(1000), int64_t(1000) * 999 / 2);  // and the parent's still works
}

}  // namespace
