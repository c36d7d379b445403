// StreamIo: an Io over one libuv stream handle (TCP socket, Unix socket or pipe, TTY).
// Internal to rpc/transport.
//
// The handle lives inside the object, with handle.data pointing back at it (uvw's shape);
// the object must outlive the handle, so it is destroyed only after on_io_closed (or by
// discard()). One read buffer of kReadChunkBytes is reused for every read; one write
// request is reused for the single write in flight.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "rpc/transport/io.h"

namespace spool::rpc::transport {

class StreamIo final : public Io {
 public:
  enum class Kind { kTcp, kPipe, kTty };

  // Accepts one pending client of `server` (a listening uv_tcp_t or uv_pipe_t).
  static Result<std::unique_ptr<StreamIo>, std::string> accept(uv_stream_t* server, Kind kind);
  // Wraps an open descriptor; the Io owns `fd` from now on (also on failure).
  // For kTty, `readable` says which direction the TTY is used in.
  static Result<std::unique_ptr<StreamIo>, std::string> open(uv_loop_t* loop, int fd, Kind kind,
                                                             bool readable);

  ~StreamIo() override = default;
  StreamIo(const StreamIo&) = delete;
  StreamIo& operator=(const StreamIo&) = delete;

  int start_reading() override;
  void stop_reading() override;
  int write(const uv_buf_t* bufs, unsigned nbufs) override;
  void close() override;

  // For Kind::kTcp only: the peer as "HOST:PORT" ("[::1]:PORT" for IPv6), or "" if unknown.
  std::string tcp_peer_name() const;

 private:
  StreamIo() = default;
  int init(uv_loop_t* loop, Kind kind, int fd, bool readable);

  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_close(uv_handle_t* handle);

  union Handle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_tty_t tty;
  };
  Handle h_{};
  uv_write_t write_req_{};
  std::unique_ptr<char[]> read_buf_;
  bool reading_ = false;
  bool ended_ = false;  // the end of input (EOF or an error) was reported
};

}  // namespace spool::rpc::transport
