// HttpClient: streaming HTTP POST (and GET) requests on a libuv loop, through libcurl's multi-socket
// interface (one uv_poll_t per socket curl asks for, one uv_timer_t for curl's timeouts).
// Nothing here blocks the loop: connecting, sending and receiving all happen from loop
// callbacks. Made for the model client's server-sent-event streams, but knows nothing of SSE.
//
// A client with no request running keeps no uv handle active, so it does not keep its loop
// alive (curl's idle cached connections are not watched).
//
// Threading: everything (construction, post, cancel, close, destruction, every callback)
// happens on the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

struct uv_loop_s;

namespace spool::engine {

enum class HttpMethod { Post, Get };

struct HttpRequest {
  HttpMethod method = HttpMethod::Post;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;  // sent as the POST body; a GET sends none
  long connect_timeout_ms = 10000;
  // No byte received (headers or body) for this long, counted from post() and from each
  // byte received, ends the request with HttpErrorKind::IdleTimeout. 0 disables it.
  long idle_timeout_ms = 300000;
};

struct HttpResponseHead {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
};

enum class HttpErrorKind {
  Connect,      // could not resolve or connect
  Timeout,      // connect timeout (or another curl timeout)
  IdleTimeout,  // HttpRequest::idle_timeout_ms passed without a byte
  Reset,        // the connection broke or closed before the response was complete
  Cancelled,    // cancel(), close() or the client's destruction
  Other,
};
std::string_view to_string(HttpErrorKind kind);

struct HttpError {
  HttpErrorKind kind = HttpErrorKind::Other;
  std::string message;
};

// ok: the whole response was received, whatever its status (a 500 is ok here; look at the
// head). Otherwise the transport failed.
using HttpResult = Result<void, HttpError>;

struct HttpCallbacks {
  // Once, when the final status line and headers are complete, before the first on_body.
  // Not called when the request fails before a response head arrives.
  std::function<void(const HttpResponseHead&)> on_head;
  // Each chunk of the (decoded) body, in order. Never called after cancel().
  std::function<void(std::string_view chunk)> on_body;
  // Exactly once per post(), last.
  std::function<void(HttpResult)> on_done;
};

struct RequestHandle {
  std::uint64_t id = 0;  // 0 is never a live request
  friend bool operator==(RequestHandle, RequestHandle) = default;
};

class HttpClient {
 public:
  // `loop` must outlive the client's closing (see close()).
  explicit HttpClient(uv_loop_s* loop);
  // Closes the client if close() was not called: on_done(Cancelled) for each request still
  // running, synchronously, then starts closing the uv handles. Those finish closing the
  // next time the loop runs (uv_run); memory is freed then. Run the loop once more before
  // uv_loop_close() (which returns UV_EBUSY until then).
  // REQUIRES: not called from inside one of this client's callbacks.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts the request. Never calls a callback from inside post(): the request starts on the next
  // loop turn, and an invalid request fails then through on_done.
  // May be called from inside any callback of this client. After close() it does nothing
  // (no callback, ever) and returns a handle with id 0.
  RequestHandle post(HttpRequest request, HttpCallbacks callbacks);

  // Cancels a request. No on_head or on_body follows; on_done(Cancelled) comes later from
  // the loop (at the latest on its next turn), never from inside cancel(). A handle already
  // done (or unknown) is ignored.
  // May be called from inside any callback of this client, including that request's own.
  void cancel(RequestHandle handle);

  // Number of requests posted and not yet done (on_done not yet called).
  std::size_t active() const;

  // Cancels every request (on_done(Cancelled) synchronously, from inside close()) and
  // closes the uv handles; `on_closed` (may be empty) runs once all are closed, from the
  // loop. Idempotent. REQUIRES: not called from inside one of this client's callbacks.
  void close(std::function<void()> on_closed = {});

  struct Impl;

 private:
  Impl* impl_;  // frees itself once closed and the client is gone (see ~HttpClient)
};

}  // namespace spool::engine
