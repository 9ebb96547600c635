// The download progress bar: readable units, and silence when stderr is not a terminal.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include "hub/progress_bar.h"

namespace automodel::hub_detail {
namespace {

TEST(ProgressBar, HumanBytesUseDecimalUnits) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(999), "999 B");
  EXPECT_EQ(human_bytes(1000), "1.00 kB");
  EXPECT_EQ(human_bytes(1234567), "1.23 MB");
  EXPECT_EQ(human_bytes(4.5e9), "4.50 GB");
}

TEST(ProgressBar, QuietWhenStderrIsNotATerminal) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(pipe_fds[1], STDERR_FILENO);
  {
    ProgressBar bar("model.safetensors", /*wanted=*/true);
    bar.update(10, 100);
    bar.update(100, 100);
    bar.finish();
  }
  ::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(pipe_fds[1]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  char buf[64];
  EXPECT_LE(::read(pipe_fds[0], buf, sizeof buf), 0);  // nothing was written
  ::close(pipe_fds[0]);
}

}  // namespace
}  // namespace automodel::hub_detail
