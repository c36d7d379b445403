// SocketListener: accepts many clients on a Unix socket or a loopback TCP port, each its own
// session (`spool serve --listen unix:PATH` / `--listen tcp:127.0.0.1:PORT`).
//
// Address forms:
//   unix:PATH           a stale socket file at PATH (nothing accepting on it) is replaced;
//                       a live one, or any other file, is an error. The file is removed
//                       when the listener closes. Mode 0600: only the owner may connect.
//   tcp:HOST:PORT       HOST must be a loopback address (127.0.0.1, ::1 as [::1], or
//                       localhost): Spool has no authentication. PORT 0 picks a free port
//                       (see port()).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "rpc/transport/event_loop.h"
#include "rpc/transport/transport.h"

namespace spool::rpc {

class SocketListener {
 public:
  // Binds and starts accepting. Errors name the address and the reason
  // ("tcp:0.0.0.0:80: only loopback addresses are allowed", "unix:/x/y: No such file...").
  static Result<std::unique_ptr<SocketListener>, std::string> listen(
      EventLoop& loop, const std::string& address, HandlerFactory factory,
      std::size_t max_line_bytes);
  // Stops accepting and closes every open connection; what is still closing finishes on the
  // loop afterwards (the handlers get on_closed as usual).
  ~SocketListener();

  // The address as bound, with the real port for tcp ("tcp:127.0.0.1:40123").
  const std::string& address() const;
  int port() const;  // 0 for unix

  // Stops accepting new clients; existing connections go on.
  void stop_accepting();
  // stop_accepting(), then Connection::close() on every open connection. `on_all_closed`
  // runs on the loop once the last one has closed (at once if there are none).
  void close_all(std::function<void()> on_all_closed);
  std::size_t open_connections() const;

 private:
  struct Impl;
  explicit SocketListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spool::rpc
