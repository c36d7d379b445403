// SplitIo: one Io made of a reading Io and a writing Io (stdin and stdout, which are two
// descriptors and may be of different kinds). Internal to rpc/transport.
//
// Reads come from `in`, writes go to `out`; close() closes both and reports on_io_closed
// once both have closed.
#pragma once

#include <memory>

#include "rpc/transport/io.h"

namespace spool::rpc::transport {

class SplitIo final : public Io {
 public:
  SplitIo(std::unique_ptr<Io> in, std::unique_ptr<Io> out);

  int start_reading() override { return in_->start_reading(); }
  void stop_reading() override { in_->stop_reading(); }
  int write(const uv_buf_t* bufs, unsigned nbufs) override { return out_->write(bufs, nbufs); }
  void close() override;

 private:
  // Receives one side's events and forwards the ones that side is for.
  class Side final : public Events {
   public:
    Side(SplitIo& owner, bool reading) : owner_(owner), reading_(reading) {}
    void on_io_read(std::string_view bytes) override;
    void on_io_read_end(int status) override;
    void on_io_write_done(int status) override;
    void on_io_closed() override;

   private:
    SplitIo& owner_;
    bool reading_;
  };

  Side in_events_{*this, true};
  Side out_events_{*this, false};
  std::unique_ptr<Io> in_;
  std::unique_ptr<Io> out_;
  int open_sides_ = 2;
};

}  // namespace spool::rpc::transport
