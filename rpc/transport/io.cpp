// discard(): see io.h.
#include "rpc/transport/io.h"

#include <utility>

namespace spool::rpc::transport {

namespace {

// Owns the Io until it reports on_io_closed, then deletes both.
class Discarder final : public Io::Events {
 public:
  explicit Discarder(std::unique_ptr<Io> io) : io_(std::move(io)) { io_->set_events(this); }
  void start() { io_->close(); }

  void on_io_read(std::string_view) override {}
  void on_io_read_end(int) override {}
  void on_io_write_done(int) override {}
  void on_io_closed() override { delete this; }

 private:
  std::unique_ptr<Io> io_;
};

}  // namespace

void discard(std::unique_ptr<Io> io) {
  if (io) (new Discarder(std::move(io)))->start();
}

}  // namespace spool::rpc::transport
