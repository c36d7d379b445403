// FileReader and FileWriter: see file_io.h.
#include "rpc/transport/file_io.h"

#include <unistd.h>

namespace spool::rpc::transport {

// --- FileReader ---------------------------------------------------------------------------

FileReader::FileReader(uv_loop_t* loop, int fd)
    : loop_(loop), fd_(fd), buf_(std::make_unique<char[]>(kReadChunkBytes)) {}

FileReader::~FileReader() {
  if (fd_ >= 0 && !closing_) ::close(fd_);  // never opened for business: no request pending
}

int FileReader::start_reading() {
  wanted_ = true;
  if (in_flight_ || ended_ || closing_) return 0;
  return issue_read();
}

void FileReader::stop_reading() { wanted_ = false; }

int FileReader::write(const uv_buf_t*, unsigned) { return UV_ENOTSUP; }

int FileReader::issue_read() {
  uv_buf_t buf = uv_buf_init(buf_.get(), static_cast<unsigned>(kReadChunkBytes));
  req_.data = this;
  const int rc = uv_fs_read(loop_, &req_, fd_, &buf, 1, -1, on_read);
  if (rc == 0) in_flight_ = true;
  return rc;
}

void FileReader::close() {
  closing_ = true;
  wanted_ = false;
  if (in_flight_) {
    // Cancelled, on_read sees UV_ECANCELED; already running, it completes normally. Either
    // way on_read then starts the close.
    uv_cancel(reinterpret_cast<uv_req_t*>(&req_));
    return;
  }
  start_close();
}

void FileReader::start_close() {
  req_.data = this;
  // With a callback, uv_fs_close only queues the work; it cannot fail here.
  uv_fs_close(loop_, &req_, fd_, on_closed);
}

void FileReader::on_read(uv_fs_t* req) {
  auto* self = static_cast<FileReader*>(req->data);
  const ssize_t result = req->result;
  uv_fs_req_cleanup(req);
  self->in_flight_ = false;
  if (self->closing_) {
    self->start_close();
    return;
  }
  if (result > 0) {
    self->events_->on_io_read(std::string_view(self->buf_.get(), static_cast<std::size_t>(result)));
    if (self->closing_ || !self->wanted_) return;  // close() or stop_reading() from the callback
    if (const int rc = self->issue_read(); rc < 0) {
      self->ended_ = true;
      self->events_->on_io_read_end(rc);
    }
    return;
  }
  self->ended_ = true;
  self->events_->on_io_read_end(result == 0 ? UV_EOF : static_cast<int>(result));
}

void FileReader::on_closed(uv_fs_t* req) {
  auto* self = static_cast<FileReader*>(req->data);
  uv_fs_req_cleanup(req);
  self->fd_ = -1;
  self->events_->on_io_closed();
}

// --- FileWriter ---------------------------------------------------------------------------

FileWriter::FileWriter(uv_loop_t* loop, int fd) : loop_(loop), fd_(fd) {}

FileWriter::~FileWriter() {
  if (fd_ >= 0 && !closing_) ::close(fd_);
}

int FileWriter::write(const uv_buf_t* bufs, unsigned nbufs) {
  pending_.assign(bufs, bufs + nbufs);
  next_ = 0;
  return issue_write();
}

int FileWriter::issue_write() {
  req_.data = this;
  const int rc = uv_fs_write(loop_, &req_, fd_, pending_.data() + next_,
                             static_cast<unsigned>(pending_.size() - next_), -1, on_write);
  if (rc == 0) in_flight_ = true;
  return rc;
}

void FileWriter::close() {
  closing_ = true;
  if (in_flight_) {
    uv_cancel(reinterpret_cast<uv_req_t*>(&req_));
    return;  // on_write starts the close
  }
  start_close();
}

void FileWriter::start_close() {
  req_.data = this;
  uv_fs_close(loop_, &req_, fd_, on_closed);  // only queues the work; cannot fail here
}

void FileWriter::on_write(uv_fs_t* req) {
  auto* self = static_cast<FileWriter*>(req->data);
  const ssize_t result = req->result;
  uv_fs_req_cleanup(req);
  self->in_flight_ = false;
  if (self->closing_) {
    self->start_close();
    return;
  }
  if (result < 0) {
    self->events_->on_io_write_done(static_cast<int>(result));
    return;
  }
  // Skip what was written; a short write continues with the rest.
  auto written = static_cast<std::size_t>(result);
  while (self->next_ < self->pending_.size() && written >= self->pending_[self->next_].len) {
    written -= self->pending_[self->next_].len;
    ++self->next_;
  }
  if (self->next_ == self->pending_.size()) {
    self->pending_.clear();
    self->events_->on_io_write_done(0);
    return;
  }
  uv_buf_t& partial = self->pending_[self->next_];
  partial.base += written;
  partial.len -= written;
  if (result == 0) {
    self->events_->on_io_write_done(UV_EIO);  // no progress: give up rather than spin
    return;
  }
  if (const int rc = self->issue_write(); rc < 0) self->events_->on_io_write_done(rc);
}

void FileWriter::on_closed(uv_fs_t* req) {
  auto* self = static_cast<FileWriter*>(req->data);
  uv_fs_req_cleanup(req);
  self->fd_ = -1;
  self->events_->on_io_closed();
}

}  // namespace spool::rpc::transport
