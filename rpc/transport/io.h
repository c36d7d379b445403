// Io: the bytes of one peer, as the connection core (StreamConnection) sees them. Internal
// to rpc/transport; implemented over a uv_stream_t (StreamIo), over a regular file or
// /dev/null (FileReader, FileWriter), and as a pair of one reading and one writing Io
// (SplitIo, for stdin + stdout).
//
// Contract shared by every implementation (loop thread only):
//   - reads are reported through Events::on_io_read / on_io_read_end, never from inside
//     start_reading() itself;
//   - at most one write is in flight; on_io_write_done reports it, never from inside write();
//   - close() abandons reads and writes in flight (a cancelled write may still report an
//     error first), releases the descriptor and handles, then calls on_io_closed() exactly
//     once, asynchronously. on_io_closed is the Io's last act: the receiver may destroy
//     the Io inside it.
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string_view>

namespace spool::rpc::transport {

class Io {
 public:
  class Events {
   public:
    virtual ~Events() = default;
    // Bytes from the peer; valid only during the call.
    virtual void on_io_read(std::string_view bytes) = 0;
    // No more reads: UV_EOF, or a negative libuv error code.
    virtual void on_io_read_end(int status) = 0;
    // The write in flight finished: 0, or a negative libuv error code.
    virtual void on_io_write_done(int status) = 0;
    // close() finished. The last call; the Io may be destroyed inside it.
    virtual void on_io_closed() = 0;
  };

  virtual ~Io() = default;

  void set_events(Events* events) { events_ = events; }

  // Starts or resumes reading; idempotent, and a no-op once the end was reported. Returns 0
  // or a negative libuv error code. An Io that cannot read (stdout alone) ignores it.
  virtual int start_reading() = 0;
  // Pauses reading; idempotent. An Io may still deliver one chunk that was already in flight.
  virtual void stop_reading() = 0;
  // Writes every byte of `bufs` in order. REQUIRES: no write in flight; the memory `bufs`
  // points to stays valid until on_io_write_done. Returns 0, or a negative libuv error code
  // (then no on_io_write_done follows).
  virtual int write(const uv_buf_t* bufs, unsigned nbufs) = 0;
  // REQUIRES: called once.
  virtual void close() = 0;

 protected:
  Events* events_ = nullptr;
};

// Closes `io` and destroys it once closed, for an Io that was opened but will not be used.
void discard(std::unique_ptr<Io> io);

// Size of the buffer each Io reads into.
inline constexpr std::size_t kReadChunkBytes = std::size_t{64} << 10;

}  // namespace spool::rpc::transport
