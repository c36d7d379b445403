// See model_stream.h.
//
// Lifetime: ModelStream owns the only strong reference to its State. The HttpClient's
// callbacks hold weak references and lock them for the length of a callback, and the timer
// callback takes a strong reference from `this`, so a user callback may destroy the
// ModelStream (which detaches the State: cancels the request, closes the timer) and the State
// itself dies only once the callback that was running has returned.
//
// Every HTTP callback carries the number of the attempt it belongs to; callbacks of an older
// attempt, or arriving once the State is no longer Requesting, are ignored.
#include "engine/model_stream.h"

#include <uv.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <utility>

#include "engine/sse_parser.h"

namespace spool::engine {

std::string_view to_string(ModelErrorKind kind) {
  switch (kind) {
    case ModelErrorKind::Unauthorized:
      return "unauthorized";
    case ModelErrorKind::UsageLimit:
      return "usage_limit";
    case ModelErrorKind::HttpStatus:
      return "http_status";
    case ModelErrorKind::Connection:
      return "connection";
    case ModelErrorKind::StreamDropped:
      return "stream_dropped";
    case ModelErrorKind::ResponseFailed:
      return "response_failed";
    case ModelErrorKind::BadStream:
      return "bad_stream";
    case ModelErrorKind::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;            // kept of an error status's body
constexpr std::chrono::milliseconds kMaxRetryAfter{60000};  // a longer Retry-After is capped

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 'a' - 'A') : c;
           };
           return lower(x) == lower(y);
         });
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string_view reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string status_text(long status) {
  std::string out = "HTTP " + std::to_string(status);
  if (auto phrase = reason_phrase(status); !phrase.empty()) {
    out += ' ';
    out += phrase;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The message and code of an error body: {"error": {"message", "code"}}, {"error": "..."},
// {"message": "..."}, or else the body's text (shortened).
struct BodyError {
  std::string message;
  std::string code;
};
BodyError parse_error_body(std::string_view body) {
  BodyError out;
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto str = [](const nlohmann::json& obj, const char* key) -> std::string {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (j.is_object()) {
    if (auto it = j.find("error"); it != j.end()) {
      if (it->is_object()) {
        out.message = str(*it, "message");
        out.code = str(*it, "code");
        if (out.code.empty()) out.code = str(*it, "type");
      } else if (it->is_string()) {
        out.message = it->get<std::string>();
      }
    }
    if (out.message.empty()) out.message = str(j, "message");
    return out;
  }
  if (!j.is_discarded()) return out;
  std::string_view text = trim(body);
  out.message = std::string(text.substr(0, 500));
  if (text.size() > 500) out.message += "...";
  return out;
}

// retry-after-ms (milliseconds) or else retry-after (seconds; an HTTP date is ignored).
std::optional<std::chrono::milliseconds> retry_after(const HttpResponseHead& head) {
  auto number = [](std::string_view s) -> std::optional<double> {
    s = trim(s);
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < 0)
      return std::nullopt;
    return v;
  };
  auto to_ms = [](double ms) {
    return std::chrono::milliseconds(static_cast<long long>(std::min(ms, 1e12)));
  };
  for (const auto& [name, value] : head.headers) {
    if (name == "retry-after-ms") {
      if (auto v = number(value)) return to_ms(*v);
    }
  }
  for (const auto& [name, value] : head.headers) {
    if (name == "retry-after") {
      if (auto v = number(value)) return to_ms(*v * 1000);
    }
  }
  return std::nullopt;
}

// Exponential backoff for retry number `attempt` (1 for the first), plus up to 10% jitter.
std::chrono::milliseconds backoff(const ProviderEndpoint& e, int attempt) {
  long long base = std::max<long long>(0, e.backoff_base.count());
  long long cap = std::max<long long>(0, e.backoff_max.count());
  long long ms = std::min(base, cap);
  for (int i = 1; i < attempt && ms < cap; ++i) ms = std::min(ms * 2, cap);
  thread_local std::minstd_rand rng{std::random_device{}()};
  long long jitter = ms / 10 > 0 ? std::uniform_int_distribution<long long>(0, ms / 10)(rng) : 0;
  return std::chrono::milliseconds(ms + jitter);
}

bool success(long status) { return status >= 200 && status < 300; }

}  // namespace

std::string endpoint_url(const ProviderEndpoint& e, std::string_view path) {
  std::string url = e.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  char sep = '?';
  for (const auto& [name, value] : e.query_params) {
    url += sep;
    url += percent_encode(name);
    url += '=';
    url += percent_encode(value);
    sep = '&';
  }
  return url;
}

std::vector<std::pair<std::string, std::string>> endpoint_headers(
    const ProviderEndpoint& e, std::vector<std::pair<std::string, std::string>> headers) {
  if (!e.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + e.api_key);
  for (const auto& [name, value] : e.headers) {
    std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
  }
  for (const auto& [name, value] : e.headers) headers.emplace_back(name, value);
  return headers;
}


class ModelStream::State : public std::enable_shared_from_this<State> {
 public:
  State(HttpClient& http, uv_loop_t* loop) : http_(http), timer_(new uv_timer_t) {
    uv_timer_init(loop, timer_);
    timer_->data = this;
  }
  ~State() = default;  // detach() has run (ModelStream's destructor)
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void start(ProviderEndpoint endpoint, std::string body, ModelStreamCallbacks callbacks) {
    if (phase_ != Phase::Idle || detached_) return;
    endpoint_ = std::move(endpoint);
    callbacks_ = std::move(callbacks);
    request_.url = endpoint_url(endpoint_, "/responses");
    request_.headers =
        endpoint_headers(endpoint_, {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}});
    request_.body = std::move(body);
    request_.connect_timeout_ms = endpoint_.connect_timeout_ms;
    request_.idle_timeout_ms = endpoint_.idle_timeout_ms;
    phase_ = Phase::Requesting;
    send_attempt();
  }

  void cancel() {
    switch (phase_) {
      case Phase::Requesting:
        if (handle_.id != 0) http_.cancel(handle_);
        break;
      case Phase::Waiting:
        uv_timer_stop(timer_);
        break;
      case Phase::Idle:
      case Phase::Cancelling:
      case Phase::Done:
        return;
    }
    phase_ = Phase::Cancelling;
    finish_later(ModelError{ModelErrorKind::Cancelled, "cancelled", last_status_, ""});
  }

  bool running() const {
    return phase_ == Phase::Requesting || phase_ == Phase::Waiting || phase_ == Phase::Cancelling;
  }

  // ModelStream is going away: no callback from now on.
  void detach() {
    detached_ = true;
    phase_ = Phase::Done;
    if (handle_.id != 0) http_.cancel(handle_);
    handle_ = {};
    uv_timer_stop(timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }

 private:
  enum class Phase {
    Idle,        // before start()
    Requesting,  // an attempt's HTTP request is running
    Waiting,     // in the backoff before a retry, or about to report a failure
    Cancelling,  // cancel() was called; on_done(Cancelled) is on the timer
    Done,        // on_done was called, or detached
  };

  // --- attempts ---

  void send_attempt() {
    std::uint64_t attempt = ++attempt_;
    head_.reset();
    error_body_.clear();
    events_delivered_ = false;
    parser_ = std::make_unique<SseParser>([this](const SseEvent& e) { on_sse_event(e); },
                                          [this](const std::string& m) { on_sse_error(m); });
    std::weak_ptr<State> weak = weak_from_this();
    auto live = [weak, attempt]() -> std::shared_ptr<State> {
      auto self = weak.lock();
      if (!self || self->detached_ || self->attempt_ != attempt ||
          self->phase_ != Phase::Requesting)
        return nullptr;
      return self;
    };
    HttpCallbacks cb;
    cb.on_head = [live](const HttpResponseHead& head) {
      if (auto self = live()) self->on_http_head(head);
    };
    cb.on_body = [live](std::string_view chunk) {
      if (auto self = live()) self->on_http_body(chunk);
    };
    cb.on_done = [weak, attempt, live](HttpResult result) {
      if (auto self = weak.lock(); self && self->attempt_ == attempt) self->handle_ = {};
      if (auto self = live()) self->on_http_done(std::move(result));
    };
    handle_ = http_.post(request_, std::move(cb));
    if (handle_.id == 0) {
      phase_ = Phase::Waiting;
      finish_later(ModelError{ModelErrorKind::Connection,
                              "could not send the request: the HTTP client is closed", last_status_,
                              ""});
    }
  }

  void on_http_head(const HttpResponseHead& head) {
    head_ = head;
    last_status_ = static_cast<int>(head.status);
    if (callbacks_.on_head) callbacks_.on_head(head);
  }

  void on_http_body(std::string_view chunk) {
    if (!head_ || !success(head_->status)) {
      std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, error_body_.size());
      error_body_.append(chunk.substr(0, room));
      return;
    }
    parser_->feed(chunk);
  }

  void on_http_done(HttpResult result) {
    if (!result.ok() && result.error().kind == HttpErrorKind::Cancelled) {
      // Not ours (ours make the callback stale): the client was closed under us.
      return finish(ModelError{ModelErrorKind::Cancelled,
                               "the request was cancelled: " + result.error().message, last_status_,
                               ""});
    }
    if (head_ && !success(head_->status)) return on_error_status();
    if (result.ok()) {
      parser_->finish();
      return on_dropped(head_ ? "the stream ended before response.completed"
                              : "the response had no head");
    }
    on_dropped(std::string(to_string(result.error().kind)) + ": " + result.error().message);
  }

  // A status outside 2xx: the body is complete (or as complete as it will get).
  void on_error_status() {
    long status = head_->status;
    BodyError body = parse_error_body(error_body_);
    std::string text = status_text(status);
    if (!body.message.empty()) text += ": " + body.message;
    ModelError error{ModelErrorKind::HttpStatus, text, static_cast<int>(status), body.code};
    if (status == 401 || status == 403) {
      error.kind = ModelErrorKind::Unauthorized;
      return finish(std::move(error));
    }
    if (status != 429 && status < 500) return finish(std::move(error));
    if (status == 429) error.kind = ModelErrorKind::UsageLimit;
    if (request_retries_ >= endpoint_.request_max_retries) return finish(std::move(error));
    retry(++request_retries_, endpoint_.request_max_retries, text, false, retry_after(*head_));
  }

  // The transport failed, or a 2xx body ended without response.completed.
  void on_dropped(const std::string& why) {
    if (events_delivered_) {
      if (stream_retries_ >= endpoint_.stream_max_retries) {
        return finish(ModelError{
            ModelErrorKind::StreamDropped,
            "the stream dropped after " + std::to_string(stream_retries_) + " retries: " + why,
            last_status_, ""});
      }
      return retry(++stream_retries_, endpoint_.stream_max_retries, "stream dropped: " + why, true,
                   std::nullopt);
    }
    if (request_retries_ >= endpoint_.request_max_retries) {
      return finish(ModelError{ModelErrorKind::Connection,
                               "could not reach the provider after " +
                                   std::to_string(request_retries_) + " retries: " + why,
                               last_status_, ""});
    }
    retry(++request_retries_, endpoint_.request_max_retries, "request failed: " + why, false,
          std::nullopt);
  }

  void retry(int attempt, int max_attempts, std::string reason, bool stream_retry,
             std::optional<std::chrono::milliseconds> after) {
    std::chrono::milliseconds delay = backoff(endpoint_, attempt);
    if (after && *after > delay) delay = std::max(delay, std::min(*after, kMaxRetryAfter));
    phase_ = Phase::Waiting;
    timer_action_ = TimerAction::Retry;
    uv_timer_start(timer_, &State::on_timer, static_cast<std::uint64_t>(delay.count()), 0);
    if (callbacks_.on_retry) {
      callbacks_.on_retry(
          RetryNotice{attempt, max_attempts, delay, std::move(reason), stream_retry});
    }
  }

  // --- events ---

  void on_sse_event(const SseEvent& e) {
    if (detached_ || phase_ != Phase::Requesting) return;  // after the end, or cancelled
    auto decoded = decode_responses_event(e.data, e.type);
    if (!decoded.ok()) {
      return fail_bad_stream("an event could not be decoded: " + decoded.error().message);
    }
    events_delivered_ = true;
    if (callbacks_.on_event) callbacks_.on_event(*decoded);
    if (detached_ || phase_ != Phase::Requesting) return;  // on_event cancelled
    if (auto* completed = std::get_if<ResponseCompleted>(&*decoded)) {
      // The rest of the transfer (normally just its end) runs on, ignored.
      return finish(std::move(*completed));
    }
    if (auto* failed = std::get_if<ResponseFailed>(&*decoded)) {
      return finish(ModelError{ModelErrorKind::ResponseFailed,
                               "the provider failed the response: " + failed->message, last_status_,
                               failed->code});
    }
    if (auto* error = std::get_if<ErrorEvent>(&*decoded)) {
      return finish(ModelError{ModelErrorKind::ResponseFailed,
                               "the provider reported an error: " + error->message, last_status_,
                               error->code});
    }
  }

  void on_sse_error(const std::string& message) {
    if (detached_ || phase_ != Phase::Requesting) return;
    fail_bad_stream("the event stream is invalid: " + message);
  }

  void fail_bad_stream(std::string message) {
    if (handle_.id != 0) http_.cancel(handle_);
    finish(ModelError{ModelErrorKind::BadStream, std::move(message), last_status_, ""});
  }

  // --- the end ---

  // Calls on_done now. REQUIRES: inside a loop callback, not inside a user callback.
  void finish(Result<ResponseCompleted, ModelError> result) {
    phase_ = Phase::Done;
    ModelStreamCallbacks callbacks = std::move(callbacks_);
    callbacks_ = {};
    if (callbacks.on_done) callbacks.on_done(std::move(result));
  }

  // Calls on_done(error) from the timer, on the loop's next turn.
  void finish_later(ModelError error) {
    pending_error_ = std::move(error);
    timer_action_ = TimerAction::Fail;
    uv_timer_start(timer_, &State::on_timer, 0, 0);
  }

  static void on_timer(uv_timer_t* timer) {
    std::shared_ptr<State> self = static_cast<State*>(timer->data)->shared_from_this();
    if (self->detached_) return;
    switch (self->timer_action_) {
      case TimerAction::Retry:
        if (self->phase_ != Phase::Waiting) return;
        self->phase_ = Phase::Requesting;
        self->send_attempt();
        return;
      case TimerAction::Fail:
        if (self->phase_ == Phase::Done) return;
        self->finish(std::move(self->pending_error_));
        return;
    }
  }

  enum class TimerAction { Retry, Fail };

  HttpClient& http_;
  uv_timer_t* timer_;  // closed by detach(), freed by its close callback
  Phase phase_ = Phase::Idle;
  bool detached_ = false;

  ProviderEndpoint endpoint_;
  ModelStreamCallbacks callbacks_;
  HttpRequest request_;  // the same for every attempt

  std::uint64_t attempt_ = 0;  // the current attempt's number (from 1)
  RequestHandle handle_;       // its request, while the HttpClient runs it
  std::optional<HttpResponseHead> head_;
  std::string error_body_;  // a non-2xx status's body, up to kMaxErrorBody
  std::unique_ptr<SseParser> parser_;
  bool events_delivered_ = false;  // on_event was called in this attempt
  int last_status_ = 0;
  int request_retries_ = 0;
  int stream_retries_ = 0;

  TimerAction timer_action_ = TimerAction::Fail;
  ModelError pending_error_;
};

ModelStream::ModelStream(HttpClient& http, uv_loop_s* loop)
    : state_(std::make_shared<State>(http, loop)) {}

ModelStream::~ModelStream() { state_->detach(); }

void ModelStream::start(ProviderEndpoint endpoint, std::string body,
                        ModelStreamCallbacks callbacks) {
  state_->start(std::move(endpoint), std::move(body), std::move(callbacks));
}

void ModelStream::cancel() { state_->cancel(); }

bool ModelStream::running() const { return state_->running(); }

}  // namespace spool::engine
