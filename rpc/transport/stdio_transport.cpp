// StdioTransport: see stdio_transport.h.
//
// stdin and stdout are opened separately, each by its kind (uv_guess_handle): a TTY, a pipe
// or Unix socket, a TCP socket (inherited from inetd-like launchers) become StreamIo; a
// regular file or a character device such as /dev/null (UV_FILE) becomes FileReader /
// FileWriter. libuv is given duplicates of fds 0 and 1 (closing a handle closes its
// descriptor); once the session is gone, fds 0 and 1 are pointed at /dev/null, so the peer
// sees EOF at once and the numbers 0 and 1 are never reused for another file.
#include "rpc/transport/stdio_transport.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "rpc/transport/file_io.h"
#include "rpc/transport/split_io.h"
#include "rpc/transport/stream_connection.h"
#include "rpc/transport/stream_io.h"

namespace spool::rpc {

using transport::Io;
using transport::StreamConnection;
using transport::StreamIo;

namespace {

// An Io on a duplicate of `fd` (0 for reading, 1 for writing), by the descriptor's kind.
Result<std::unique_ptr<Io>, std::string> open_std(uv_loop_t* loop, int fd) {
  const char* name = fd == 0 ? "stdin" : "stdout";
  const bool reading = fd == 0;
  const uv_handle_type type = uv_guess_handle(fd);
  if (::fcntl(fd, F_GETFD) < 0) return fmt::format("{} is not open", name);
  if (type != UV_TTY && type != UV_NAMED_PIPE && type != UV_TCP && type != UV_FILE) {
    // A directory, a UDP socket, ...
    const char* kind = type == UV_UNKNOWN_HANDLE ? "unknown" : uv_handle_type_name(type);
    return fmt::format("{} is of an unsupported kind ({})", name, kind);
  }
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return fmt::format("{}: {}", name, std::strerror(errno));
  if (type == UV_FILE) {
    if (reading) return std::unique_ptr<Io>(std::make_unique<transport::FileReader>(loop, copy));
    return std::unique_ptr<Io>(std::make_unique<transport::FileWriter>(loop, copy));
  }
  const StreamIo::Kind kind = type == UV_TTY   ? StreamIo::Kind::kTty
                              : type == UV_TCP ? StreamIo::Kind::kTcp
                                               : StreamIo::Kind::kPipe;
  auto io = StreamIo::open(loop, copy, kind, reading);  // owns `copy`, also on failure
  if (!io) return fmt::format("{}: {}", name, io.error());
  return std::unique_ptr<Io>(std::move(*io));
}

// Points fds 0 and 1 at /dev/null (see the file comment).
void release_std_fds() {
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return;
  ::dup2(null_fd, 0);
  ::dup2(null_fd, 1);
  if (null_fd > 1) ::close(null_fd);
}

}  // namespace

struct StdioTransport::Impl {
  StreamConnection* connection = nullptr;  // null once gone
  std::function<void()> on_done;
};

Result<std::unique_ptr<StdioTransport>, std::string> StdioTransport::start(
    EventLoop& loop, HandlerFactory factory, std::size_t max_line_bytes,
    std::function<void()> on_done) {
  auto in = open_std(loop.uv(), 0);
  if (!in) return fail(std::move(in).error());
  auto out = open_std(loop.uv(), 1);
  if (!out) {
    transport::discard(std::move(*in));
    return fail(std::move(out).error());
  }
  auto impl = std::make_unique<Impl>();
  impl->on_done = std::move(on_done);
  Impl* raw = impl.get();
  impl->connection =
      StreamConnection::start(std::make_unique<transport::SplitIo>(std::move(*in), std::move(*out)),
                              "stdio", max_line_bytes, factory, [raw](StreamConnection*) {
                                raw->connection = nullptr;
                                release_std_fds();
                                // Moved out first: on_done may destroy the StdioTransport, and raw
                                // with it.
                                auto done = std::move(raw->on_done);
                                if (done) done();
                              });
  return std::unique_ptr<StdioTransport>(new StdioTransport(std::move(impl)));
}

StdioTransport::StdioTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StdioTransport::~StdioTransport() {
  if (impl_->connection == nullptr) return;
  // The connection ends on its own; it must not call back into this object.
  impl_->connection->set_on_gone([](StreamConnection*) { release_std_fds(); });
  impl_->connection->close();
}

void StdioTransport::close() {
  if (impl_->connection != nullptr) impl_->connection->close();
}

}  // namespace spool::rpc
