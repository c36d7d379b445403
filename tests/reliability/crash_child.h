// A child process for the crash and concurrency tests: started with pipes on stdin and
// stdout (stderr goes to a file), read line by line with a deadline, killed with SIGKILL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace spool::test {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv, the environment plus `env` ("NAME=value" entries),
  // stderr appended to `stderr_path` ("" = /dev/null). Throws std::runtime_error on failure.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
               const std::string& stderr_path = "");
  ~ChildProcess();  // kills (SIGKILL) and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of `bytes` to the child's stdin; false when the pipe is closed.
  bool write_stdin(const std::string& bytes);
  void close_stdin();

  // The next complete line of stdout (without '\n'), waiting at most until `deadline`;
  // nullopt on timeout or end of stream.
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point deadline);
  // Every complete line still to come until end of stream (after a kill: what the child had
  // written before it died), waiting at most until `deadline`.
  std::vector<std::string> drain_lines(std::chrono::steady_clock::time_point deadline);
  bool at_eof() const { return eof_; }

  void kill9();
  // Reaps the child; returns the exit code, or 128 + signal number when killed.
  int wait();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false: timeout or EOF

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
};

}  // namespace spool::test
