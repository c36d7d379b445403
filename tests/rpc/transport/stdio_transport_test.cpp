// StdioTransport through the transport_echo helper, with stdin a pipe, a regular file and
// /dev/null, and stdout a pipe, a regular file and /dev/null; both a TTY; both one Unix or
// TCP socket; oversized lines; a second signal during shutdown exits with status 130.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <utility>

#include "support/run_process.h"
#include "support/temp_dir.h"

using spool::test::read_file;
using spool::test::run_shell;
using spool::test::shell_quote;
using spool::test::TempDir;
using spool::test::write_file;

namespace {

const std::string kEcho = shell_quote(TRANSPORT_ECHO_BINARY);

// The helper, with a time limit so a transport that never finishes fails the test.
std::string echo_cmd(const std::string& args = "") {
  return "timeout 20 " + kEcho + (args.empty() ? "" : " " + args);
}

}  // namespace

TEST_CASE("stdio transport: stdin a pipe, stdout a regular file", "[transport]") {
  auto r = run_shell("printf 'one\\ntwo\\r\\n\\nthree' | " + echo_cmd());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "one\ntwo\nthree\n");
  CHECK(r.err == "closed\ndone\n");  // on_done after on_closed; nothing else on stderr
}

TEST_CASE("stdio transport: stdin a regular file, stdout a pipe", "[transport]") {
  TempDir dir;
  write_file(dir.file("in"), "first line\nsecond line without newline");
  auto r = run_shell(echo_cmd() + " < " + shell_quote(dir.file("in")) + " | cat");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "first line\nsecond line without newline\n");
}

TEST_CASE("stdio transport: stdin and stdout regular files", "[transport]") {
  TempDir dir;
  write_file(dir.file("in"), "a\nb");
  auto r = run_shell(echo_cmd() + " < " + shell_quote(dir.file("in")) + " > " +
                     shell_quote(dir.file("out")));
  CHECK(r.exit_code == 0);
  CHECK(read_file(dir.file("out")) == "a\nb\n");
  CHECK(r.err == "closed\ndone\n");
}

TEST_CASE("stdio transport: stdin /dev/null", "[transport]") {
  auto to_file = run_shell(echo_cmd() + " < /dev/null");
  CHECK(to_file.exit_code == 0);
  CHECK(to_file.out == "");
  CHECK(to_file.err == "closed\ndone\n");
  auto to_pipe = run_shell(echo_cmd() + " < /dev/null | cat");
  CHECK(to_pipe.exit_code == 0);
  CHECK(to_pipe.out == "");
}

TEST_CASE("stdio transport: stdout /dev/null", "[transport]") {
  TempDir dir;
  write_file(dir.file("in"), "x\ny\n");
  auto r = run_shell(echo_cmd() + " < " + shell_quote(dir.file("in")) + " > /dev/null");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "closed\ndone\n");
}

TEST_CASE("stdio transport: a large input through files and pipes", "[transport]") {
  TempDir dir;
  std::string input;
  for (int i = 0; i < 30000; ++i) {
    input += "{\"id\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 200, 'p') + "\"}\n";
  }
  write_file(dir.file("in"), input);
  const std::string in = shell_quote(dir.file("in"));
  SECTION("file to file") {
    auto r = run_shell(echo_cmd() + " < " + in + " > " + shell_quote(dir.file("out")));
    CHECK(r.exit_code == 0);
    CHECK(read_file(dir.file("out")) == input);
  }
  SECTION("pipe to pipe") {
    auto r = run_shell("cat " + in + " | " + echo_cmd() + " | cat");
    CHECK(r.exit_code == 0);
    CHECK(r.out == input);
  }
}

TEST_CASE("stdio transport: an oversized line is skipped and reported", "[transport]") {
  TempDir dir;
  write_file(dir.file("in"), "short\n" + std::string(200000, 'x') + "\nafter\n");
  auto r = run_shell(echo_cmd("--max-line 16") + " < " + shell_quote(dir.file("in")));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "short\noversized 16\nafter\n");
}

TEST_CASE("stdio transport: a second signal during shutdown exits with status 130", "[transport]") {
  auto r = run_shell(echo_cmd("--signal-test") + " < /dev/null");
  CHECK(r.exit_code == 130);
  CHECK(r.out == "");
}

TEST_CASE("stdio transport: stdin and stdout a TTY", "[transport]") {
  // The helper runs on a pseudo-terminal we own: we type a line, read the terminal's echo
  // and the helper's copy, then type the EOF character and read until the helper exits.
  // Driving the terminal ourselves (not script(1)) keeps the EOF from racing the input.
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) {
    WARN("no pseudo-terminal here: TTY case skipped (errno " << errno << ")");
    return;
  }
  if (pid == 0) {
    ::execl(TRANSPORT_ECHO_BINARY, TRANSPORT_ECHO_BINARY, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string out;
  // Reads from the terminal until `want` has been seen, the helper closed it, or the
  // deadline passed; returns whether `want` was seen.
  auto read_until = [&](const std::string& want) {
    while (out.find(want) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{master, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) return out.find(want) != std::string::npos;  // EIO once the slave closes
      out.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  const std::string line = "hello tty\n";
  REQUIRE(::write(master, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  const bool echoed = read_until("hello tty\r\nhello tty\r\n");  // the echo, then ours
  termios tio{};
  ::tcgetattr(master, &tio);
  const char eof = static_cast<char>(tio.c_cc[VEOF]);
  REQUIRE(::write(master, &eof, 1) == 1);
  const bool finished = read_until("closed\r\ndone\r\n");
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  INFO("terminal output: " << out);
  CHECK(echoed);
  CHECK(finished);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {

// A connected pair of stream sockets: Unix (socketpair) or loopback TCP.
std::pair<int, int> socket_pair(bool tcp) {
  int sv[2] = {-1, -1};
  if (!tcp) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return {-1, -1};
    return {sv[0], sv[1]};
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(listener, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  ::listen(listener, 1);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::connect(client, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  return {client, server};
}

struct SocketRun {
  int exit_code = -1;
  std::string out;
};

// Runs the helper with fds 0 and 1 both one end of a socket pair (as inetd-style launchers
// do); writes `input` to the other end, half-closes it, and reads the replies up to EOF.
// EOF comes only once the helper has let go of both fds 0 and 1.
SocketRun run_on_socket(bool tcp, const std::string& input) {
  SocketRun result;
  auto [ours, theirs] = socket_pair(tcp);
  if (ours < 0 || theirs < 0) return result;
  timeval tv{};
  tv.tv_sec = 20;
  ::setsockopt(ours, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs, 0);
  posix_spawn_file_actions_adddup2(&actions, theirs, 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string path = TRANSPORT_ECHO_BINARY;
  char* argv[] = {path.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(theirs);
  if (rc != 0) {
    ::close(ours);
    return result;
  }
  ::send(ours, input.data(), input.size(), MSG_NOSIGNAL);
  ::shutdown(ours, SHUT_WR);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(ours, buf, sizeof buf, 0);
    if (n <= 0) break;
    result.out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(ours);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST_CASE("stdio transport: stdin and stdout one Unix socket", "[transport]") {
  auto r = run_on_socket(false, "one\ntwo");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "one\ntwo\n");
}

TEST_CASE("stdio transport: stdin and stdout one TCP socket", "[transport]") {
  auto r = run_on_socket(true, "{\"x\":1}\r\n{\"y\":2}\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{\"x\":1}\n{\"y\":2}\n");
}

TEST_CASE("stdio transport: stdin or stdout closed behave as /dev/null", "[transport]") {
  auto no_stdin = run_shell(echo_cmd() + " <&-");
  CHECK(no_stdin.exit_code == 0);
  CHECK(no_stdin.out == "");
  CHECK(no_stdin.err == "closed\ndone\n");
  auto no_stdout = run_shell("printf 'x\\n' | " + echo_cmd() + " >&-");
  CHECK(no_stdout.exit_code == 0);
  CHECK(no_stdout.err == "closed\ndone\n");
}

TEST_CASE("stdio transport: stdin a directory is an error", "[transport]") {
  auto r = run_shell(echo_cmd() + " < /");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "transport_echo: stdin is of an unsupported kind (unknown)\n");
  CHECK(r.out == "");
}
