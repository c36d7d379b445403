// StreamIo: see stream_io.h.
#include "rpc/transport/stream_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <utility>

namespace spool::rpc::transport {

Result<std::unique_ptr<StreamIo>, std::string> StreamIo::accept(uv_stream_t* server, Kind kind) {
  std::unique_ptr<StreamIo> io(new StreamIo);
  const int rc = io->init(server->loop, kind, -1, true);
  if (rc < 0) return fmt::format("cannot create a client handle: {}", uv_strerror(rc));
  if (const int arc = uv_accept(server, &io->h_.stream); arc < 0) {
    discard(std::move(io));
    return fmt::format("accept failed: {}", uv_strerror(arc));
  }
  // Requests and replies are small lines: Nagle's algorithm would hold a reply back until
  // the client acknowledges the previous one (40 ms with delayed ACKs).
  if (kind == Kind::kTcp) uv_tcp_nodelay(&io->h_.tcp, 1);
  return io;
}

Result<std::unique_ptr<StreamIo>, std::string> StreamIo::open(uv_loop_t* loop, int fd, Kind kind,
                                                              bool readable) {
  std::unique_ptr<StreamIo> io(new StreamIo);
  if (const int rc = io->init(loop, kind, fd, readable); rc < 0) {
    ::close(fd);
    return std::string(uv_strerror(rc));
  }
  int rc = 0;
  if (kind == Kind::kPipe) rc = uv_pipe_open(&io->h_.pipe, fd);
  if (kind == Kind::kTcp) rc = uv_tcp_open(&io->h_.tcp, fd);
  if (rc < 0) {
    ::close(fd);  // libuv took no ownership
    discard(std::move(io));
    return std::string(uv_strerror(rc));
  }
  return io;
}

// Initialises the handle. On failure nothing needs closing: a TTY handle is not registered
// with the loop when uv_tty_init fails, and uv_tcp_init / uv_pipe_init do not fail once the
// arguments are valid.
int StreamIo::init(uv_loop_t* loop, Kind kind, int fd, bool readable) {
  int rc = 0;
  switch (kind) {
    case Kind::kTcp:
      rc = uv_tcp_init(loop, &h_.tcp);
      break;
    case Kind::kPipe:
      rc = uv_pipe_init(loop, &h_.pipe, 0);
      break;
    case Kind::kTty:
      rc = uv_tty_init(loop, &h_.tty, fd, readable ? 1 : 0);
      break;
  }
  if (rc == 0) h_.handle.data = this;
  write_req_.data = this;
  return rc;
}

int StreamIo::start_reading() {
  if (reading_ || ended_) return 0;
  const int rc = uv_read_start(&h_.stream, on_alloc, on_read);
  if (rc == 0) reading_ = true;
  return rc;
}

void StreamIo::stop_reading() {
  if (!reading_) return;
  uv_read_stop(&h_.stream);
  reading_ = false;
}

int StreamIo::write(const uv_buf_t* bufs, unsigned nbufs) {
  return uv_write(&write_req_, &h_.stream, bufs, nbufs, on_write);
}

void StreamIo::close() {
  reading_ = false;
  uv_close(&h_.handle, on_close);
}

std::string StreamIo::tcp_peer_name() const {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(&h_.tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char host[64] = {};
  if (addr.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    uv_ip6_name(a6, host, sizeof host);
    return fmt::format("[{}]:{}", host, ntohs(a6->sin6_port));
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
  uv_ip4_name(a4, host, sizeof host);
  return fmt::format("{}:{}", host, ntohs(a4->sin_port));
}

void StreamIo::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  auto* self = static_cast<StreamIo*>(handle->data);
  if (!self->read_buf_) self->read_buf_ = std::make_unique<char[]>(kReadChunkBytes);
  *buf = uv_buf_init(self->read_buf_.get(), static_cast<unsigned>(kReadChunkBytes));
}

void StreamIo::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<StreamIo*>(stream->data);
  if (nread > 0) {
    self->events_->on_io_read(std::string_view(buf->base, static_cast<std::size_t>(nread)));
  } else if (nread < 0) {
    self->stop_reading();
    self->ended_ = true;
    self->events_->on_io_read_end(static_cast<int>(nread));
  }
  // nread == 0: nothing was read this time (EAGAIN); libuv calls again.
}

void StreamIo::on_write(uv_write_t* req, int status) {
  static_cast<StreamIo*>(req->data)->events_->on_io_write_done(status);
}

void StreamIo::on_close(uv_handle_t* handle) {
  static_cast<StreamIo*>(handle->data)->events_->on_io_closed();
}

}  // namespace spool::rpc::transport
