// EventLoop: the one libuv loop that owns all client I/O (DESIGN.md, "Threads on the loop").
//
// Other threads (the database workers) hand results back with post(), the only
// thread-safe member. SIGTERM and SIGINT are turned into a shutdown callback on the loop.
#pragma once

#include <functional>
#include <memory>

struct uv_loop_s;

namespace spool::rpc {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();  // REQUIRES: run() has returned (or was never called)
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_s* uv();

  // Thread-safe. Runs `fn` on the loop thread, in posting order. Functions posted before
  // run() returns are run before it returns (shutdown drains them); posted later, they are
  // dropped.
  void post(std::function<void()> fn);

  // Calls `fn` on the loop thread on the first SIGTERM or SIGINT. A second signal of
  // either kind exits the process at once (status 130), for a shutdown that hangs.
  void on_shutdown_signal(std::function<void()> fn);

  // Runs until stop() is called and every handle is closed.
  void run();
  // Lets run() return once the handles that are still open have closed. Loop thread only.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spool::rpc
