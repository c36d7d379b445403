// SplitIo: see split_io.h.
#include "rpc/transport/split_io.h"

#include <utility>

namespace spool::rpc::transport {

SplitIo::SplitIo(std::unique_ptr<Io> in, std::unique_ptr<Io> out)
    : in_(std::move(in)), out_(std::move(out)) {
  in_->set_events(&in_events_);
  out_->set_events(&out_events_);
}

void SplitIo::close() {
  in_->close();
  out_->close();
}

void SplitIo::Side::on_io_read(std::string_view bytes) {
  if (reading_) owner_.events_->on_io_read(bytes);
}

void SplitIo::Side::on_io_read_end(int status) {
  if (reading_) owner_.events_->on_io_read_end(status);
}

void SplitIo::Side::on_io_write_done(int status) {
  if (!reading_) owner_.events_->on_io_write_done(status);
}

void SplitIo::Side::on_io_closed() {
  // The second side to close ends the SplitIo, which may be destroyed inside this call.
  if (--owner_.open_sides_ == 0) owner_.events_->on_io_closed();
}

}  // namespace spool::rpc::transport
