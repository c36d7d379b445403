// Blocking POSIX client sockets for the transport tests, used from plain std::threads while
// the loop under test runs on the test's main thread. Every socket has 10 s send/receive
// timeouts, so a server that misbehaves fails a test instead of hanging it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spool::test {

class ClientSocket {
 public:
  static ClientSocket connect_unix(const std::string& path);
  // `host` is "127.0.0.1" or "::1".
  static ClientSocket connect_tcp(const std::string& host, int port);

  ClientSocket() = default;
  ClientSocket(ClientSocket&& other) noexcept;
  ClientSocket& operator=(ClientSocket&& other) noexcept;
  ~ClientSocket();

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }  // why connect failed

  // False on an error (the peer closed, a timeout).
  bool write_all(std::string_view bytes);
  // Half-close: the server sees EOF, replies can still be read.
  void shutdown_write();
  // The next line without its '\n'; nullopt at EOF, on an error or a timeout.
  std::optional<std::string> read_line();
  // Everything up to EOF (what was buffered by read_line first).
  std::string read_to_eof();
  // Closes with SO_LINGER 0: a TCP peer gets a reset instead of a FIN.
  void reset();
  void close();

 private:
  explicit ClientSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::string error_;
  std::string buffer_;
};

}  // namespace spool::test
