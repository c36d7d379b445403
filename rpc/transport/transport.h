// The seam between the libuv transports (stdio, Unix socket, TCP) and the sessions that
// speak JSON-RPC over them.
//
// A transport owns the bytes: it reads, frames lines (LineFramer), and writes queued lines
// in order, never interleaving two messages. A session (ConnectionHandler) owns the
// protocol: it gets complete lines and answers through Connection::send. Everything here
// runs on the loop thread.
//
// Back-pressure: a connection whose queue holds more than kHighWatermarkBytes stops
// reading from its peer (so a client that sends requests but never reads the answers
// cannot make the server buffer without bound); reading resumes, and on_drained() is called,
// once the queue falls to kLowWatermarkBytes. Lines queued by send() are never dropped:
// callers that produce output not driven by the peer's own requests (notifications for
// other clients' changes) check queued_bytes() and hold back themselves (see AppServer).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace spool::rpc {

inline constexpr std::size_t kHighWatermarkBytes = std::size_t{8} << 20;  // 8 MiB
inline constexpr std::size_t kLowWatermarkBytes = std::size_t{1} << 20;   // 1 MiB

// One client connection, as a session sees it. Implemented by the transports.
class Connection {
 public:
  virtual ~Connection() = default;
  // Queues `line` (one JSON text ending in '\n') for writing after everything queued
  // before it. Never blocks. Ignored once the connection is closing or closed.
  virtual void send(std::string line) = 0;
  // Bytes queued and not yet written to the peer.
  virtual std::size_t queued_bytes() const = 0;
  // Stops reading, writes what is queued, then closes; on_closed() follows.
  virtual void close() = 0;
  // For logs: "stdio", "unix:/run/spool.sock#3", "tcp:127.0.0.1:54012".
  virtual const std::string& peer() const = 0;
};

// The session on one connection. Implemented above the transports (AppServer's sessions).
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // One complete line, without its '\n' (and '\r'); valid only during the call.
  virtual void on_line(std::string_view line) = 0;
  // A line longer than the cap was skipped (the framer resynced at the next newline).
  virtual void on_oversized_line(std::size_t max_line_bytes) = 0;
  // The queue fell to kLowWatermarkBytes after having exceeded kHighWatermarkBytes.
  virtual void on_drained() = 0;
  // The peer will send nothing more (EOF on its side). The connection stays writable: the
  // handler answers what is in flight, then calls Connection::close().
  virtual void on_eof() = 0;
  // The connection is gone (close() finished, or a read/write error such as EPIPE). No
  // more calls follow; the transport destroys the handler, then the Connection, right
  // after this returns.
  virtual void on_closed() = 0;
};

// Creates the session for a newly accepted connection. `connection` outlives the handler's
// on_closed() call and no longer.
using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection& connection)>;

}  // namespace spool::rpc
