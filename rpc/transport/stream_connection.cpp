// StreamConnection: see stream_connection.h.
#include "rpc/transport/stream_connection.h"

#include <exception>
#include <utility>

#include "base/log.h"

namespace spool::rpc::transport {

StreamConnection* StreamConnection::start(std::unique_ptr<Io> io, std::string peer,
                                          std::size_t max_line_bytes, const HandlerFactory& factory,
                                          OnGone on_gone) {
  auto* c =
      new StreamConnection(std::move(io), std::move(peer), max_line_bytes, std::move(on_gone));
  std::unique_ptr<ConnectionHandler> handler;
  try {
    handler = factory(*c);
  } catch (const std::exception& e) {
    log::error("{}: cannot start a session: {}", c->peer_, e.what());
  } catch (...) {
    log::error("{}: cannot start a session", c->peer_);
  }
  if (!handler) {
    c->abort();
    return c;
  }
  c->handler_ = std::move(handler);
  c->update_reading();
  return c;
}

StreamConnection::StreamConnection(std::unique_ptr<Io> io, std::string peer,
                                   std::size_t max_line_bytes, OnGone on_gone)
    : io_(std::move(io)),
      peer_(std::move(peer)),
      framer_(
          [this](std::string_view line) {
            if (state_ == State::kOpen && handler_) {
              call_handler("on_line", [&] { handler_->on_line(line); });
            }
          },
          [this] {
            if (state_ == State::kOpen && handler_) {
              call_handler("on_oversized_line",
                           [&] { handler_->on_oversized_line(framer_.max_line_bytes()); });
            }
          },
          max_line_bytes),
      on_gone_(std::move(on_gone)) {
  io_->set_events(this);
}

StreamConnection::~StreamConnection() = default;

void StreamConnection::send(std::string line) {
  if (state_ != State::kOpen) return;
  queued_bytes_ += line.size();
  queue_.push_back(std::move(line));
  if (!writing_) start_write();
  if (state_ == State::kOpen && !over_high_ && queued_bytes_ > kHighWatermarkBytes) {
    over_high_ = true;
    update_reading();
  }
}

void StreamConnection::close() {
  if (state_ != State::kOpen) return;
  state_ = State::kFlushing;
  update_reading();
  if (!writing_ && queue_.empty()) close_io();
}

// Reads while open, the peer has not ended its input, the queue is not over the high
// watermark, and a handler exists to take the lines.
void StreamConnection::update_reading() {
  const bool want = state_ == State::kOpen && !eof_ && !over_high_ && handler_ != nullptr;
  if (want == reading_) return;
  if (!want) {
    io_->stop_reading();
    reading_ = false;
    return;
  }
  reading_ = true;
  if (const int rc = io_->start_reading(); rc < 0) fail("read", rc);
}

// REQUIRES: no write in flight. Hands the Io every queued line (up to kMaxLinesPerWrite).
void StreamConnection::start_write() {
  if (queue_.empty() || state_ == State::kClosing) return;
  in_flight_.clear();
  while (!queue_.empty() && in_flight_.size() < kMaxLinesPerWrite) {
    in_flight_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  // Built after the moves above: a moved short string changes its data pointer.
  bufs_.clear();
  for (std::string& line : in_flight_) {
    uv_buf_t buf;
    buf.base = line.data();
    buf.len = line.size();
    bufs_.push_back(buf);
  }
  writing_ = true;
  if (const int rc = io_->write(bufs_.data(), static_cast<unsigned>(bufs_.size())); rc < 0) {
    writing_ = false;
    fail("write", rc);
  }
}

void StreamConnection::close_io() {
  state_ = State::kClosing;
  reading_ = false;
  io_->close();
}

// Closes at once, dropping what is queued. The write in flight (if any) keeps its buffers
// until the connection is destroyed, after the Io has closed.
void StreamConnection::abort() {
  if (state_ == State::kClosing) return;
  queue_.clear();
  queued_bytes_ = 0;
  close_io();
}

void StreamConnection::fail(const char* what, int status) {
  if (state_ == State::kClosing) return;
  if (status == UV_EPIPE || status == UV_ECONNRESET || status == UV_ECONNABORTED) {
    log::verbose("{}: {} ended: {}", peer_, what, uv_strerror(status));
  } else {
    log::error("{}: {} failed: {}", peer_, what, uv_strerror(status));
  }
  abort();
}

template <typename Fn>
void StreamConnection::call_handler(const char* what, Fn&& fn) {
  try {
    std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    log::error("{}: {} threw: {}; closing the connection", peer_, what, e.what());
    abort();
  } catch (...) {
    log::error("{}: {} threw; closing the connection", peer_, what);
    abort();
  }
}

void StreamConnection::on_io_read(std::string_view bytes) {
  if (state_ != State::kOpen) return;
  try {
    framer_.feed(bytes);  // handler exceptions are caught in call_handler; this is bad_alloc
  } catch (const std::exception& e) {
    log::error("{}: reading failed: {}; closing the connection", peer_, e.what());
    abort();
  }
}

void StreamConnection::on_io_read_end(int status) {
  reading_ = false;
  if (state_ != State::kOpen) return;
  if (status != UV_EOF) {
    fail("read", status);
    return;
  }
  eof_ = true;
  framer_.finish();  // a last line without '\n'
  if (state_ == State::kOpen && handler_) call_handler("on_eof", [&] { handler_->on_eof(); });
}

void StreamConnection::on_io_write_done(int status) {
  if (state_ == State::kClosing) return;  // cancelled by close_io()
  writing_ = false;
  if (status < 0) {
    fail("write", status);
    return;
  }
  for (const std::string& line : in_flight_) queued_bytes_ -= line.size();
  in_flight_.clear();
  bufs_.clear();
  start_write();
  if (state_ == State::kOpen && over_high_ && queued_bytes_ <= kLowWatermarkBytes) {
    over_high_ = false;
    update_reading();
    if (state_ == State::kOpen && handler_)
      call_handler("on_drained", [&] { handler_->on_drained(); });
  }
  if (state_ == State::kFlushing && !writing_ && queue_.empty()) close_io();
}

void StreamConnection::on_io_closed() {
  if (handler_) {
    try {
      handler_->on_closed();
    } catch (const std::exception& e) {
      log::error("{}: on_closed threw: {}", peer_, e.what());
    } catch (...) {
      log::error("{}: on_closed threw", peer_);
    }
    handler_.reset();
  }
  OnGone gone = std::move(on_gone_);
  if (gone) gone(this);
  delete this;
}

}  // namespace spool::rpc::transport
