// Shared pieces of the transport tests: a scripted ConnectionHandler that records what
// happened, and a Harness that runs a real EventLoop with a SocketListener until the test
// says it is finished (with a watchdog, so a broken transport fails instead of hanging).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rpc/line_framer.h"
#include "rpc/transport/event_loop.h"
#include "rpc/transport/socket_listener.h"
#include "rpc/transport/transport.h"

namespace spool::test {

// What the handlers of one test saw, across all their connections. Loop thread only
// (read by the test after run() returns), except the atomics.
struct Record {
  std::vector<std::string> events;  // "line:TEXT", "oversized:CAP", "eof", "drained", "closed"
  int lines = 0;
  int oversized = 0;
  int eofs = 0;
  int drained = 0;
  int closed = 0;
  int created = 0;
  int destroyed = 0;
  std::size_t max_queued = 0;  // the largest queued_bytes() seen right after a send
  std::atomic<bool> went_over_high{false};
};

// Behaviour of a TestHandler; each hook gets the connection. The defaults echo every line
// and close on EOF.
struct Script {
  std::function<void(rpc::Connection&, std::string_view)> on_line =
      [](rpc::Connection& c, std::string_view line) { c.send(std::string(line) + "\n"); };
  std::function<void(rpc::Connection&)> on_eof = [](rpc::Connection& c) { c.close(); };
  std::function<void(rpc::Connection&)> on_closed;
};

class TestHandler final : public rpc::ConnectionHandler {
 public:
  TestHandler(rpc::Connection& connection, Record& record, const Script& script)
      : connection_(connection), record_(record), script_(script) {
    ++record_.created;
  }
  ~TestHandler() override { ++record_.destroyed; }

  void on_line(std::string_view line) override {
    ++record_.lines;
    record_.events.push_back("line:" + std::string(line));
    script_.on_line(connection_, line);
    note_queue();
  }
  void on_oversized_line(std::size_t max_line_bytes) override {
    ++record_.oversized;
    record_.events.push_back("oversized:" + std::to_string(max_line_bytes));
  }
  void on_drained() override {
    ++record_.drained;
    record_.events.push_back("drained");
  }
  void on_eof() override {
    ++record_.eofs;
    record_.events.push_back("eof");
    if (script_.on_eof) script_.on_eof(connection_);
  }
  void on_closed() override {
    ++record_.closed;
    record_.events.push_back("closed");
    if (script_.on_closed) script_.on_closed(connection_);
  }

 private:
  void note_queue() {
    const std::size_t q = connection_.queued_bytes();
    if (q > record_.max_queued) record_.max_queued = q;
    if (q > rpc::kHighWatermarkBytes) record_.went_over_high = true;
  }

  rpc::Connection& connection_;
  Record& record_;
  const Script& script_;
};

class Harness {
 public:
  Record record;
  Script script;
  rpc::EventLoop loop;
  std::unique_ptr<rpc::SocketListener> listener;
  bool timed_out = false;
  bool refuse_sessions = false;  // the factory returns null

  rpc::HandlerFactory factory() {
    return [this](rpc::Connection& c) -> std::unique_ptr<rpc::ConnectionHandler> {
      if (refuse_sessions) return nullptr;
      return std::make_unique<TestHandler>(c, record, script);
    };
  }

  // Listens on `address`; returns the error, or "" on success.
  std::string listen(const std::string& address,
                     std::size_t max_line_bytes = rpc::LineFramer::kDefaultMaxLineBytes) {
    auto r = rpc::SocketListener::listen(loop, address, factory(), max_line_bytes);
    if (!r) return r.error();
    listener = std::move(*r);
    return "";
  }

  // Loop thread: closes every connection, then stops the loop.
  void finish() {
    if (listener) {
      listener->close_all([this] { loop.stop(); });
    } else {
      loop.stop();
    }
  }
  // Any thread.
  void finish_soon() {
    loop.post([this] { finish(); });
  }

  // Runs `client` on its own thread and the loop here; finishes when the client returns.
  void run_with_client(std::function<void()> client,
                       std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::thread t([this, client = std::move(client)] {
      client();
      finish_soon();
    });
    run(limit);
    t.join();
  }

  // Runs the loop until finish(); after `limit`, finish() is forced and timed_out set.
  void run(std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_for(lock, limit, [&] { return done; })) {
        loop.post([this] {
          timed_out = true;
          finish();
        });
      }
    });
    loop.run();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
    watchdog.join();
  }
};

}  // namespace spool::test
