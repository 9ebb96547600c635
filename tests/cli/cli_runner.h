// Running the built `automodel` binary from tests: argv passed as is (no shell), stdin fed from
// a string, stdout and stderr captured separately, exit status returned.
#pragma once

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

namespace automodel::testing {

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

inline std::string cli_path() { return AUTOMODEL_CLI; }

inline std::vector<char*> make_argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Runs args[0] with args[1..]; `input` is written to its stdin, then stdin is closed.
inline CliResult run_program(std::vector<std::string> args, const std::string& input = "") {
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    auto argv = make_argv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]), close(out[1]), close(err[1]);
  std::signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  if (input.empty()) close(in[1]), in[1] = -1;
  CliResult r;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  int open_outputs = 2;
  while (open_outputs > 0) {
    if (poll(fds, in[1] >= 0 ? 3 : 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd), fds[i].fd = -1, --open_outputs;
      } else {
        (i == 0 ? r.out : r.err).append(buf, size_t(n));
      }
    }
    if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = write(in[1], input.data() + written, input.size() - written);
      if (n > 0) written += size_t(n);
      if (n <= 0 || written == input.size()) close(in[1]), in[1] = -1, fds[2].fd = -1;
    }
  }
  if (in[1] >= 0) close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline CliResult run_cli(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), cli_path());
  return run_program(std::move(args), input);
}

}  // namespace automodel::testing
