// StdioTransport: one session on the process's stdin and stdout (`spool serve` without
// --listen). Logs go to stderr, never stdout.
//
// stdin may be a pipe, a TTY, a regular file or /dev/null (libuv's UV_FILE: read with
// uv_fs_read on the loop's thread pool); stdout likewise (a file is written with
// uv_fs_write, in order). Lines go through a LineFramer with the given cap.
// libuv works on duplicates of fds 0 and 1; once the session is over (before on_done), fds 0
// and 1 are pointed at /dev/null, so the peer sees EOF at once and the numbers are not reused.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/result.h"
#include "rpc/transport/event_loop.h"
#include "rpc/transport/transport.h"

namespace spool::rpc {

class StdioTransport {
 public:
  // Starts reading stdin. `factory` is called once, now. After the handler's on_closed()
  // returns, `on_done` is called (the server then shuts down).
  static Result<std::unique_ptr<StdioTransport>, std::string> start(
      EventLoop& loop, HandlerFactory factory, std::size_t max_line_bytes,
      std::function<void()> on_done);
  ~StdioTransport();

  // Closes the connection as Connection::close() does (flush, then on_closed, on_done).
  void close();

 private:
  struct Impl;
  explicit StdioTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spool::rpc
