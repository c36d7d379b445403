// See http_client.h. The shape follows curl's multi-uv.c example (docs/examples): curl tells
// us which sockets to watch (socket callback → uv_poll_t) and when to wake it (timer
// callback → uv_timer_t); we hand readiness back with curl_multi_socket_action and collect
// finished transfers with curl_multi_info_read.
//
// Re-entrancy: curl forbids most multi-handle calls from inside its own callbacks (write,
// header, socket, timer), and user callbacks run inside the write and header callbacks. So
// post() and cancel() only record what to do and arm `defer_timer_`; the work (adding a handle
// to the multi, removing a cancelled one, on_done) happens from that timer, outside curl.
// finish(), the only place that removes a transfer and calls on_done, always runs outside curl.
#include "engine/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <uv.h>

#include <algorithm>
#include <cassert>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "base/log.h"
#include "engine/http_transfer.h"

namespace spool::engine {

std::string_view to_string(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::Connect:
      return "connect";
    case HttpErrorKind::Timeout:
      return "timeout";
    case HttpErrorKind::IdleTimeout:
      return "idle_timeout";
    case HttpErrorKind::Reset:
      return "reset";
    case HttpErrorKind::Cancelled:
      return "cancelled";
    case HttpErrorKind::Other:
      return "other";
  }
  return "other";
}

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      log::error("http: curl_global_init failed");
    }
  });
}

}  // namespace

struct HttpClient::Impl {
  struct Socket {
    uv_poll_t poll;
    Impl* impl;
    curl_socket_t fd;
  };

  uv_loop_t* loop;
  CURLM* multi = nullptr;
  uv_timer_t curl_timer;   // curl's own timeouts
  uv_timer_t defer_timer;  // deferred starts and cancels (see the file comment)
  uv_timer_t idle_timer;   // the earliest idle deadline
  std::map<std::uint64_t, std::unique_ptr<HttpTransfer>> requests;  // not yet done, by id
  std::vector<std::uint64_t> to_start;
  std::vector<std::uint64_t> to_cancel;
  std::unordered_set<Socket*> sockets;
  std::uint64_t next_id = 1;
  int in_curl = 0;  // > 0 while inside curl_multi_socket_action
  bool closing = false;
  bool closed_fully = false;
  bool owner_gone = false;
  int pending_closes = 0;
  std::function<void()> on_closed;

  explicit Impl(uv_loop_t* l) : loop(l) {
    global_init_once();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::socket_callback);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::timer_callback);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    for (uv_timer_t* t : {&curl_timer, &defer_timer, &idle_timer}) {
      uv_timer_init(loop, t);
      t->data = this;
    }
  }

  // --- curl → loop ---

  static int socket_callback(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
    auto* self = static_cast<Impl*>(userp);
    auto* socket = static_cast<Socket*>(socketp);
    if (what == CURL_POLL_REMOVE) {
      if (socket) {
        curl_multi_assign(self->multi, fd, nullptr);
        self->close_socket(socket);
      }
      return 0;
    }
    if (!socket) {
      socket = new Socket{};
      socket->impl = self;
      socket->fd = fd;
      if (int rc = uv_poll_init_socket(self->loop, &socket->poll, fd); rc != 0) {
        log::error("http: uv_poll_init_socket: {}", uv_strerror(rc));
        delete socket;
        return -1;
      }
      socket->poll.data = socket;
      self->sockets.insert(socket);
      curl_multi_assign(self->multi, fd, socket);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
    uv_poll_start(&socket->poll, events, &Impl::on_poll);
    return 0;
  }

  static int timer_callback(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      uv_timer_stop(&self->curl_timer);
    } else {
      uv_timer_start(&self->curl_timer, &Impl::on_curl_timer,
                     static_cast<std::uint64_t>(timeout_ms), 0);
    }
    return 0;
  }

  static void on_poll(uv_poll_t* handle, int status, int events) {
    auto* socket = static_cast<Socket*>(handle->data);
    int flags = 0;
    if (status < 0) {
      flags = CURL_CSELECT_ERR;
    } else {
      if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
      if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    }
    socket->impl->socket_action(socket->fd, flags);  // may free `socket`
  }

  static void on_curl_timer(uv_timer_t* timer) {
    static_cast<Impl*>(timer->data)->socket_action(CURL_SOCKET_TIMEOUT, 0);
  }

  void socket_action(curl_socket_t fd, int flags) {
    if (!multi) return;
    int running = 0;
    ++in_curl;
    curl_multi_socket_action(multi, fd, flags, &running);
    --in_curl;
    check_multi_info();
  }

  void check_multi_info() {
    // Collect first: the on_done callbacks below may post or cancel.
    std::vector<std::pair<std::uint64_t, CURLcode>> finished;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      HttpTransfer* req = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &req);
      if (req) finished.emplace_back(req->id, msg->data.result);
    }
    for (auto [id, code] : finished) {
      auto it = requests.find(id);
      if (it == requests.end()) continue;
      HttpTransfer* req = it->second.get();
      if (req->cancelled) {
        finish(req, HttpError{HttpErrorKind::Cancelled, "request cancelled"});
      } else if (code == CURLE_OK) {
        req->send_head();
        finish(req, HttpResult());
      } else {
        std::string detail = req->error_buffer[0] ? req->error_buffer : curl_easy_strerror(code);
        finish(req,
               HttpError{error_kind_of(code), fmt::format("{} ({})", detail, req->request.url)});
      }
    }
  }

  void close_socket(Socket* socket) {
    sockets.erase(socket);
    uv_poll_stop(&socket->poll);
    ++pending_closes;
    uv_close(reinterpret_cast<uv_handle_t*>(&socket->poll), [](uv_handle_t* h) {
      auto* s = static_cast<Socket*>(h->data);
      Impl* self = s->impl;
      delete s;
      self->handle_closed();
    });
  }

  // --- post / cancel / finish ---

  RequestHandle post(HttpRequest request, HttpCallbacks callbacks) {
    if (closing) return RequestHandle{};
    auto req = std::make_unique<HttpTransfer>();
    req->id = next_id++;
    req->loop = loop;
    req->request = std::move(request);
    req->callbacks = std::move(callbacks);
    req->last_activity_ms = uv_now(loop);
    req->setup();
    std::uint64_t id = req->id;
    requests.emplace(id, std::move(req));
    to_start.push_back(id);
    uv_timer_start(&defer_timer, &Impl::on_defer, 0, 0);
    return RequestHandle{id};
  }

  void cancel(RequestHandle handle) {
    auto it = requests.find(handle.id);
    if (it == requests.end() || it->second->cancelled) return;
    it->second->cancelled = true;
    to_cancel.push_back(handle.id);
    uv_timer_start(&defer_timer, &Impl::on_defer, 0, 0);
  }

  static void on_defer(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    std::vector<std::uint64_t> cancels;
    cancels.swap(self->to_cancel);
    for (std::uint64_t id : cancels) {
      if (auto it = self->requests.find(id); it != self->requests.end()) {
        self->finish(it->second.get(), HttpError{HttpErrorKind::Cancelled, "request cancelled"});
      }
    }
    std::vector<std::uint64_t> starts;
    starts.swap(self->to_start);
    for (std::uint64_t id : starts) {
      auto it = self->requests.find(id);
      if (it == self->requests.end()) continue;
      HttpTransfer* req = it->second.get();
      if (req->setup_error) {
        self->finish(req, *req->setup_error);
        continue;
      }
      if (CURLMcode rc = curl_multi_add_handle(self->multi, req->easy); rc != CURLM_OK) {
        self->finish(req, HttpError{HttpErrorKind::Other, curl_multi_strerror(rc)});
        continue;
      }
      req->added = true;
      req->last_activity_ms = uv_now(self->loop);
    }
    self->arm_idle_timer();
  }

  // Removes the transfer, frees it, then calls on_done. REQUIRES: not inside curl.
  void finish(HttpTransfer* req, HttpResult result) {
    assert(in_curl == 0);
    if (req->added) curl_multi_remove_handle(multi, req->easy);
    auto on_done = std::move(req->callbacks.on_done);
    requests.erase(req->id);  // frees req
    arm_idle_timer();         // an idle client keeps no timer running
    if (on_done) on_done(std::move(result));
  }

  // --- idle timeout: one timer at the earliest deadline; activity only moves deadlines ---

  void arm_idle_timer() {
    if (closing) return;
    std::optional<std::uint64_t> earliest;
    for (const auto& [id, req] : requests) {
      if (req->request.idle_timeout_ms <= 0 || req->cancelled) continue;
      std::uint64_t deadline =
          req->last_activity_ms + static_cast<std::uint64_t>(req->request.idle_timeout_ms);
      if (!earliest || deadline < *earliest) earliest = deadline;
    }
    if (!earliest) {
      uv_timer_stop(&idle_timer);
      return;
    }
    std::uint64_t now = uv_now(loop);
    uv_timer_start(&idle_timer, &Impl::on_idle_timer, *earliest > now ? *earliest - now : 0, 0);
  }

  static void on_idle_timer(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    std::uint64_t now = uv_now(self->loop);
    std::vector<std::uint64_t> expired;
    for (const auto& [id, req] : self->requests) {
      if (req->request.idle_timeout_ms <= 0 || req->cancelled) continue;
      if (req->last_activity_ms + static_cast<std::uint64_t>(req->request.idle_timeout_ms) <= now) {
        expired.push_back(id);
      }
    }
    for (std::uint64_t id : expired) {
      auto it = self->requests.find(id);
      if (it == self->requests.end()) continue;
      HttpTransfer* req = it->second.get();
      std::string message =
          fmt::format("no data for {} ms ({})", req->request.idle_timeout_ms, req->request.url);
      self->finish(req, HttpError{HttpErrorKind::IdleTimeout, std::move(message)});
    }
    self->arm_idle_timer();
  }

  // --- closing ---

  void close(std::function<void()> callback) {
    if (closing) return;
    closing = true;
    on_closed = std::move(callback);
    to_start.clear();
    to_cancel.clear();
    while (!requests.empty()) {
      finish(requests.begin()->second.get(),
             HttpError{HttpErrorKind::Cancelled, "http client closed"});
    }
    curl_multi_cleanup(multi);
    multi = nullptr;
    // curl does not always report the sockets of its connection cache as removed.
    while (!sockets.empty()) close_socket(*sockets.begin());
    for (uv_timer_t* t : {&curl_timer, &defer_timer, &idle_timer}) {
      ++pending_closes;
      uv_close(reinterpret_cast<uv_handle_t*>(t),
               [](uv_handle_t* h) { static_cast<Impl*>(h->data)->handle_closed(); });
    }
  }

  void handle_closed() {
    if (--pending_closes > 0 || !closing) return;
    closed_fully = true;
    auto callback = std::move(on_closed);
    if (owner_gone) delete this;
    if (callback) callback();  // may destroy the owner, which then deletes this
  }
};

HttpClient::HttpClient(uv_loop_s* loop) : impl_(new Impl(loop)) {}

HttpClient::~HttpClient() {
  impl_->owner_gone = true;
  impl_->close({});
  if (impl_->closed_fully) delete impl_;
}

RequestHandle HttpClient::post(HttpRequest request, HttpCallbacks callbacks) {
  return impl_->post(std::move(request), std::move(callbacks));
}

void HttpClient::cancel(RequestHandle handle) { impl_->cancel(handle); }

std::size_t HttpClient::active() const { return impl_->requests.size(); }

void HttpClient::close(std::function<void()> on_closed) { impl_->close(std::move(on_closed)); }

}  // namespace spool::engine
