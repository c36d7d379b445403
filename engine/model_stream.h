// ModelStream: one sampling request to a Responses API provider, streamed, with retries.
//
// It POSTs the request body to `{base_url}/responses` through the HttpClient, parses the
// text/event-stream reply (SseParser) into ResponsesEvents and hands them on in order. It
// retries, with exponential backoff (doubling from backoff_base, at most backoff_max, plus up
// to 10% jitter; a Retry-After / retry-after-ms header is honoured when larger):
//   - a response with status 429 or 5xx, and a connect / transport failure before any event
//     arrived: up to request_max_retries times;
//   - a stream that breaks (connection reset, idle timeout, or the body ends without
//     response.completed) after events arrived: up to stream_max_retries times. The events
//     already handed on stay handed on; on_retry tells the caller that they are over (the
//     caller closes what they started) and that the request is sent again from the start.
// Never retried: other 4xx statuses (and any other status outside 2xx), response.failed, an
// `error` event, an event that does not decode, cancel(). A transport failure of any kind
// (HttpErrorKind other than Cancelled) counts as a connect / transport failure, and so does
// a 2xx body that ends without response.completed before any event (exhausted: Connection).
// A Retry-After longer than 60 s is cut to 60 s.
//
// The request: `Content-Type: application/json`, `Accept: text/event-stream`, Authorization
// when api_key is set, then ProviderEndpoint::headers (one with the name of a default header,
// in any case, replaces it).
//
// Threading: the loop's thread only, like HttpClient. Every callback comes from the loop,
// never from inside start() or cancel().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/http_client.h"
#include "engine/responses_events.h"

struct uv_loop_s;

namespace spool::engine {

// Where and how to reach the provider, resolved by the caller from its configuration.
struct ProviderEndpoint {
  std::string base_url;  // e.g. "https://api.openai.com/v1"; "/responses" is appended
  std::string api_key;   // sent as "Authorization: Bearer <key>"; empty: no such header
  std::map<std::string, std::string> query_params;  // appended to the URL, percent-encoded
  std::map<std::string, std::string> headers;       // extra request headers
  int request_max_retries = 4;
  int stream_max_retries = 5;
  long idle_timeout_ms = 300000;
  long connect_timeout_ms = 10000;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{10000};
};

// The URL of `path` ("/responses", "/models") under the endpoint's base_url, with its
// query params percent-encoded.
std::string endpoint_url(const ProviderEndpoint& e, std::string_view path);
// `defaults`, then Authorization when api_key is set, each replaced by an extra header of
// the same name (any case), then the extra headers.
std::vector<std::pair<std::string, std::string>> endpoint_headers(
    const ProviderEndpoint& e, std::vector<std::pair<std::string, std::string>> defaults);

enum class ModelErrorKind {
  Unauthorized,    // 401 / 403
  UsageLimit,      // 429 after every retry
  HttpStatus,      // another status >= 400 (after every retry for 5xx)
  Connection,      // could not connect / the transport failed, after every retry
  StreamDropped,   // the stream broke after events, after every retry
  ResponseFailed,  // response.failed or an `error` event: the provider gave up
  BadStream,       // an event that does not decode
  Cancelled,       // cancel()
};
std::string_view to_string(ModelErrorKind kind);

struct ModelError {
  ModelErrorKind kind = ModelErrorKind::Connection;
  std::string message;  // for people: says what happened, with the status or provider message
  int http_status = 0;  // the last response status, 0 when none arrived
  std::string code;     // the provider's error code ("server_error", ...), "" when none
};

struct RetryNotice {
  int attempt = 0;       // the retry about to be made: 1 for the first retry
  int max_attempts = 0;  // the limit that applies (request or stream retries)
  std::chrono::milliseconds delay{0};
  std::string reason;         // e.g. "HTTP 500 Internal Server Error", "stream dropped: ..."
  bool stream_retry = false;  // events of the failed attempt were handed on
};

struct ModelStreamCallbacks {
  // Each attempt's response head (status and headers), also for error statuses. Rate-limit
  // headers are read from here (rate_limit_headers.h).
  std::function<void(const HttpResponseHead&)> on_head;
  // Each decoded event of a successful (2xx) response, in order, including the final
  // ResponseCompleted (which is also passed to on_done) and a ResponseFailed / ErrorEvent
  // (then reported by on_done as ResponseFailed). Nothing after the event that ends the
  // stream: after response.completed the rest of the transfer (normally just its end) runs
  // on and is ignored; destroying the ModelStream cancels it.
  std::function<void(const ResponsesEvent&)> on_event;
  // Before each retry's wait.
  std::function<void(const RetryNotice&)> on_retry;
  // Exactly once, last: the response.completed event, or why the request failed (Cancelled
  // also when the HttpClient is closed under the stream).
  std::function<void(Result<ResponseCompleted, ModelError>)> on_done;
};

class ModelStream {
 public:
  // `http` and `loop` must outlive the stream.
  ModelStream(HttpClient& http, uv_loop_s* loop);
  // Cancels what is running without calling any callback (not even on_done) and closes the
  // backoff timer (freed once closed: the loop must keep running, as for any uv handle).
  ~ModelStream();
  ModelStream(const ModelStream&) = delete;
  ModelStream& operator=(const ModelStream&) = delete;

  // Starts the request. REQUIRES: called once per ModelStream.
  void start(ProviderEndpoint endpoint, std::string body, ModelStreamCallbacks callbacks);

  // Stops the request (or the wait before a retry): no on_event follows, on_done(Cancelled)
  // comes later from the loop. Ignored once on_done was called.
  void cancel();

  // True from start() until on_done has been called (also while a cancel is on its way).
  bool running() const;

 private:
  class State;
  std::shared_ptr<State> state_;
};

}  // namespace spool::engine
