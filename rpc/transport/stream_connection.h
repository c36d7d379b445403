// StreamConnection: the Connection every transport hands to its session. Internal to
// rpc/transport.
//
// It joins an Io (the peer's bytes) to a ConnectionHandler (the session):
//   - input: every chunk read goes through a LineFramer (cap `max_line_bytes`) to on_line /
//     on_oversized_line; at EOF the framer is finished (a last line without '\n' is
//     delivered), then on_eof;
//   - output: send() appends to a queue; one write is in flight at a time and carries every
//     line queued when it starts (up to kMaxLinesPerWrite), so lines go out whole and in order;
//   - back-pressure: above kHighWatermarkBytes queued, reading stops; at kLowWatermarkBytes
//     it resumes and on_drained() is called;
//   - close(): stop reading, write what is queued, close the Io, then on_closed(), destroy
//     the handler, call `on_gone`, and delete the connection. A read or write error (EPIPE,
//     ECONNRESET) closes the Io at once, dropping the queue, with the same ending.
//
// Lifetime: the object owns itself and deletes itself after on_closed (uvw's shape). The
// handler may call send() and close() from any of its callbacks: on_closed only ever comes
// from the Io's close callback, never from inside another call into the connection.
// An exception escaping a handler callback is logged and closes the connection at once.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rpc/line_framer.h"
#include "rpc/transport/io.h"
#include "rpc/transport/transport.h"

namespace spool::rpc::transport {

class StreamConnection final : public Connection, private Io::Events {
 public:
  static constexpr std::size_t kMaxLinesPerWrite = 256;

  using OnGone = std::function<void(StreamConnection*)>;

  // Creates the connection on `io`, calls `factory` for its handler, and starts reading.
  // A factory that throws or returns null closes the connection again (then no handler
  // callback runs). `on_gone` runs once, after the handler was destroyed, just before the
  // connection deletes itself. The returned pointer stays valid until then.
  static StreamConnection* start(std::unique_ptr<Io> io, std::string peer,
                                 std::size_t max_line_bytes, const HandlerFactory& factory,
                                 OnGone on_gone);

  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  void send(std::string line) override;
  std::size_t queued_bytes() const override { return queued_bytes_; }
  void close() override;
  const std::string& peer() const override { return peer_; }

  // Replaces the callback run when the connection is gone (an owner that goes away first
  // sets an empty one).
  void set_on_gone(OnGone on_gone) { on_gone_ = std::move(on_gone); }

 private:
  enum class State {
    kOpen,      // reading (unless paused) and writing
    kFlushing,  // close() called: not reading, writing what is queued
    kClosing,   // the Io is closing; nothing more is written
  };

  StreamConnection(std::unique_ptr<Io> io, std::string peer, std::size_t max_line_bytes,
                   OnGone on_gone);
  ~StreamConnection() override;

  void update_reading();
  void start_write();
  void close_io();
  void abort();
  void fail(const char* what, int status);
  // Runs a handler callback; an exception is logged and closes the connection.
  template <typename Fn>
  void call_handler(const char* what, Fn&& fn);

  void on_io_read(std::string_view bytes) override;
  void on_io_read_end(int status) override;
  void on_io_write_done(int status) override;
  void on_io_closed() override;

  std::unique_ptr<Io> io_;
  std::string peer_;
  LineFramer framer_;
  std::unique_ptr<ConnectionHandler> handler_;
  OnGone on_gone_;

  State state_ = State::kOpen;
  bool reading_ = false;    // io_ was asked to read
  bool eof_ = false;        // the peer's input ended
  bool over_high_ = false;  // the queue exceeded kHighWatermarkBytes and has not drained yet

  std::deque<std::string> queue_;       // lines not yet handed to the Io
  std::vector<std::string> in_flight_;  // the lines of the write in flight
  std::vector<uv_buf_t> bufs_;          // in_flight_ as libuv buffers
  bool writing_ = false;
  std::size_t queued_bytes_ = 0;  // bytes in queue_ and in_flight_
};

}  // namespace spool::rpc::transport
