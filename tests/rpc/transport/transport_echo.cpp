// transport_echo: StdioTransport with an echo session, for stdio_transport_test.cpp, which
// runs it with stdin and stdout redirected to pipes, regular files and /dev/null.
//
//   transport_echo [--max-line N] [--signal-test]
//
// Every line read is written back with '\n'; an oversized line writes "oversized N". At EOF
// the session closes. stderr gets "closed" from on_closed and "done" from on_done.
// --signal-test: ignores EOF and raises SIGTERM at start and again from the shutdown
// callback; the second signal must end the process with status 130.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "rpc/line_framer.h"
#include "rpc/transport/event_loop.h"
#include "rpc/transport/stdio_transport.h"

namespace {

using spool::rpc::Connection;

class Echo final : public spool::rpc::ConnectionHandler {
 public:
  Echo(Connection& c, bool ignore_eof) : c_(c), ignore_eof_(ignore_eof) {}
  void on_line(std::string_view line) override { c_.send(std::string(line) + "\n"); }
  void on_oversized_line(std::size_t max) override {
    c_.send("oversized " + std::to_string(max) + "\n");
  }
  void on_drained() override {}
  void on_eof() override {
    if (!ignore_eof_) c_.close();
  }
  void on_closed() override { std::fputs("closed\n", stderr); }

 private:
  Connection& c_;
  bool ignore_eof_;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t max_line = spool::rpc::LineFramer::kDefaultMaxLineBytes;
  bool signal_test = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--max-line") == 0 && i + 1 < argc) {
      max_line = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--signal-test") == 0) {
      signal_test = true;
    } else {
      std::fprintf(stderr, "usage: transport_echo [--max-line N] [--signal-test]\n");
      return 2;
    }
  }
  spool::rpc::EventLoop loop;
  auto started = spool::rpc::StdioTransport::start(
      loop,
      [signal_test](Connection& c) -> std::unique_ptr<spool::rpc::ConnectionHandler> {
        return std::make_unique<Echo>(c, signal_test);
      },
      max_line,
      [&loop] {
        std::fputs("done\n", stderr);
        loop.stop();
      });
  if (!started) {
    std::fprintf(stderr, "transport_echo: %s\n", started.error().c_str());
    return 1;
  }
  std::unique_ptr<spool::rpc::StdioTransport> transport = std::move(*started);
  loop.on_shutdown_signal([&] {
    if (signal_test) {
      std::raise(SIGTERM);
    } else {
      transport->close();
    }
  });
  if (signal_test) loop.post([] { std::raise(SIGTERM); });
  loop.run();
  transport.reset();
  return 0;
}
