// EventLoop: see event_loop.h.
//
// post() queues under a mutex and wakes the loop with a uv_async_t. stop() only unrefs that
// handle, so run() returns once nothing else keeps the loop alive; run() then keeps draining
// the queue (running the loop again for the I/O those functions start) until it is empty,
// and only then refuses further posts and closes its own handles. The signal handles are
// unref'd from the start: they never keep the loop alive, and stay installed until run()
// returns so that a second signal during a slow shutdown still exits with status 130.
#include "rpc/transport/event_loop.h"

#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <csignal>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "base/log.h"

namespace spool::rpc {

struct EventLoop::Impl {
  uv_loop_t loop{};
  uv_async_t wakeup{};
  uv_signal_t sigterm{};
  uv_signal_t sigint{};
  bool signals_installed = false;
  bool handles_closed = false;  // wakeup and the signal handles are closed
  bool stopping = false;

  std::function<void()> on_shutdown;
  int signals_seen = 0;

  std::mutex mu;
  std::deque<std::function<void()>> queue;  // guarded by mu
  bool accepting = true;                    // guarded by mu; false once run() has returned

  // Runs every function queued so far, in order. Returns false if there was none.
  bool drain();
  void close_own_handles();

  static void on_wakeup(uv_async_t* handle);
  static void on_signal(uv_signal_t* handle, int signum);
};

bool EventLoop::Impl::drain() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu);
    batch.swap(queue);
  }
  for (auto& fn : batch) {
    try {
      fn();
    } catch (const std::exception& e) {
      log::error("a function posted to the event loop threw: {}", e.what());
    } catch (...) {
      log::error("a function posted to the event loop threw");
    }
  }
  return !batch.empty();
}

// REQUIRES: accepting is false, so no thread calls uv_async_send any more.
void EventLoop::Impl::close_own_handles() {
  if (handles_closed) return;
  handles_closed = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup), nullptr);
  if (signals_installed) {
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
  }
}

void EventLoop::Impl::on_wakeup(uv_async_t* handle) { static_cast<Impl*>(handle->data)->drain(); }

void EventLoop::Impl::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Impl*>(handle->data);
  if (++self->signals_seen > 1) {
    log::error("second signal ({}) during shutdown: exiting now", signum);
    ::_exit(130);
  }
  log::verbose("signal {}: shutting down", signum);
  if (!self->on_shutdown) return;
  try {
    self->on_shutdown();
  } catch (const std::exception& e) {
    log::error("the shutdown callback threw: {}", e.what());
  } catch (...) {
    log::error("the shutdown callback threw");
  }
}

namespace {

// libuv asserts that the descriptors it creates for itself are above 2 (uv__close). In a
// process started with stdin, stdout or stderr closed they would not be, so those numbers
// get /dev/null first: a closed stdin then reads as empty and a closed stdout discards.
void open_missing_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int null_fd = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null_fd >= 0 && null_fd != fd) {
      ::dup2(null_fd, fd);
      ::close(null_fd);
    }
  }
}

}  // namespace

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  // A write to a peer that has gone must come back as EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  open_missing_std_fds();
  if (const int rc = uv_loop_init(&impl_->loop); rc < 0) {
    throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  if (const int rc = uv_async_init(&impl_->loop, &impl_->wakeup, Impl::on_wakeup); rc < 0) {
    uv_loop_close(&impl_->loop);
    throw std::runtime_error(std::string("uv_async_init: ") + uv_strerror(rc));
  }
  impl_->wakeup.data = impl_.get();
}

EventLoop::~EventLoop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->accepting = false;
    impl_->queue.clear();
  }
  impl_->close_own_handles();
  uv_run(&impl_->loop, UV_RUN_NOWAIT);  // their close callbacks
  if (uv_loop_close(&impl_->loop) == UV_EBUSY) {
    // Someone left a handle open (a REQUIRES violation): close what is left so the loop's
    // memory is not used after it is freed.
    uv_walk(
        &impl_->loop,
        [](uv_handle_t* h, void*) {
          if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(&impl_->loop, UV_RUN_DEFAULT);
    if (const int rc = uv_loop_close(&impl_->loop); rc < 0) {
      log::error("event loop closed with handles still open: {}", uv_strerror(rc));
    }
  }
}

uv_loop_s* EventLoop::uv() { return &impl_->loop; }

void EventLoop::post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->accepting) return;
  impl_->queue.push_back(std::move(fn));
  uv_async_send(&impl_->wakeup);
}

void EventLoop::on_shutdown_signal(std::function<void()> fn) {
  impl_->on_shutdown = std::move(fn);
  if (impl_->signals_installed || impl_->handles_closed) return;
  impl_->signals_installed = true;
  for (auto [handle, signum] : {std::pair{&impl_->sigterm, SIGTERM}, {&impl_->sigint, SIGINT}}) {
    uv_signal_init(&impl_->loop, handle);
    handle->data = impl_.get();
    uv_signal_start(handle, Impl::on_signal, signum);
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
  }
}

void EventLoop::run() {
  for (;;) {
    uv_run(&impl_->loop, UV_RUN_DEFAULT);
    // Posted while the loop was winding down: run them, then the loop again for their I/O.
    if (impl_->drain()) continue;
    if (!impl_->stopping) continue;  // uv_stop() from elsewhere ends nothing: only stop() does
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->queue.empty()) {
      impl_->accepting = false;
      break;
    }
  }
  impl_->close_own_handles();
  uv_run(&impl_->loop, UV_RUN_DEFAULT);  // their close callbacks
}

void EventLoop::stop() {
  impl_->stopping = true;
  uv_unref(reinterpret_cast<uv_handle_t*>(&impl_->wakeup));
}

}  // namespace spool::rpc
