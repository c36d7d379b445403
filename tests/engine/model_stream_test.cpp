// ModelStream on a real libuv loop against tests/tools/mock_responses_server.mjs, started once
// by this test process (node, port 0) and stopped when it exits. Each test picks a mock
// script with the text of its user message, and uses a backoff of a few milliseconds.
#include "engine/model_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/http_client.h"
#include "engine/rate_limit_headers.h"
#include "engine/responses_request.h"

extern char** environ;

namespace {

using namespace spool::engine;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The mock, started on first use and stopped at exit (stdin closed, then SIGTERM). Its log
// goes to /dev/null.
class MockServer {
 public:
  MockServer() {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string script = SPOOL_SOURCE_DIR "/tests/tools/mock_responses_server.mjs";
    char* argv[] = {const_cast<char*>("node"), script.data(), nullptr};
    int rc = posix_spawnp(&pid_, "node", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    REQUIRE(rc == 0);
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, 10000) == 1) {
      char buf[64];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    port_ = json::parse(line, nullptr, false).value("port", 0);
    REQUIRE(port_ > 0);
  }
  ~MockServer() {
    close(stdin_);
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

MockServer& mock() {
  static MockServer s;
  return s;
}

// A blocking HTTP/1.1 exchange with the mock (for GET /requests and POST /reset, outside the
// loop); returns the body.
std::string mock_http(const std::string& method, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(mock().port()));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req =
      method + " " + path +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  REQUIRE(write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  std::string resp;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
    resp.append(buf, static_cast<std::size_t>(n));
  close(fd);
  std::size_t split = resp.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  return resp.substr(split + 4);
}

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A loop with a ticking timer, so run_until can check its predicate; at the end everything
// must be gone and the loop must close with no handle left open.
struct Loop {
  uv_loop_t loop;
  uv_timer_t tick;
  Loop() {
    uv_loop_init(&loop);
    uv_timer_init(&loop, &tick);
  }
  bool run_until(const std::function<bool()>& done, int timeout_ms = 10000) {
    auto deadline = Clock::now() + milliseconds(timeout_ms);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    while (!done() && Clock::now() < deadline) uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    return done();
  }
  void run_for(int ms) {
    run_until([] { return false; }, ms);
  }
  int close_all() {
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop);
  }
};

std::string body_for(const std::string& text) {
  ResponsesRequest r;
  r.model = "mock-model";
  r.instructions = "be brief";
  r.input = {UserMessageInput{text}};
  return responses_request(r).dump();
}

ProviderEndpoint endpoint() {
  ProviderEndpoint e;
  e.base_url = mock().base_url();
  e.api_key = "sk-test";
  e.backoff_base = milliseconds(5);
  e.backoff_max = milliseconds(50);
  return e;
}

std::string event_name(const ResponsesEvent& e) {
  static const char* const kNames[] = {
      "created",       "in_progress",     "item_added", "item_done", "text_delta", "summary_part",
      "summary_delta", "reasoning_delta", "completed",  "failed",    "error",      "unknown"};
  static_assert(std::variant_size_v<ResponsesEvent> == std::size(kNames));
  return kNames[e.index()];
}

// Everything one ModelStream reported, in order.
struct Run {
  std::vector<std::string> order;  // "head", event names, "retry", "done"
  std::vector<ResponsesEvent> events;
  std::vector<HttpResponseHead> heads;
  std::vector<RetryNotice> retries;
  std::optional<spool::Result<ResponseCompleted, ModelError>> done;
  int done_calls = 0;
  Clock::time_point done_at;

  bool finished() const { return done_calls > 0; }
  const ModelError& error() const { return done->error(); }
  std::string text() const {
    std::string out;
    for (const auto& e : events) {
      if (auto* d = std::get_if<OutputTextDelta>(&e)) out += d->delta;
    }
    return out;
  }
};

ModelStreamCallbacks record(Run& r) {
  ModelStreamCallbacks cb;
  cb.on_head = [&r](const HttpResponseHead& h) {
    r.order.push_back("head");
    r.heads.push_back(h);
  };
  cb.on_event = [&r](const ResponsesEvent& e) {
    r.order.push_back(event_name(e));
    r.events.push_back(e);
  };
  cb.on_retry = [&r](const RetryNotice& n) {
    r.order.push_back("retry");
    r.retries.push_back(n);
  };
  cb.on_done = [&r](spool::Result<ResponseCompleted, ModelError> result) {
    r.order.push_back("done");
    r.done.emplace(std::move(result));
    ++r.done_calls;
    r.done_at = Clock::now();
  };
  return cb;
}

// One loop, one HttpClient, one ModelStream; checks that all is torn down cleanly.
struct Fixture {
  Loop l;
  std::unique_ptr<HttpClient> http = std::make_unique<HttpClient>(&l.loop);
  std::unique_ptr<ModelStream> stream = std::make_unique<ModelStream>(*http, &l.loop);
  Run run;

  void start(const std::string& text, ProviderEndpoint e = endpoint()) {
    stream->start(std::move(e), body_for(text), record(run));
  }
  bool wait(int timeout_ms = 10000) {
    return l.run_until([&] { return run.finished(); }, timeout_ms);
  }
  ~Fixture() {
    stream.reset();
    http.reset();
    CHECK(l.close_all() == 0);
  }
};

}  // namespace

TEST_CASE("the default script: every event in order, then on_done with the usage",
          "[engine][model_stream]") {
  Fixture f;
  f.start("hello");
  CHECK(f.stream->running());
  CHECK(f.run.order.empty());  // nothing from inside start()
  REQUIRE(f.wait());
  CHECK_FALSE(f.stream->running());
  Run& r = f.run;
  REQUIRE(r.done->ok());
  CHECK(r.done_calls == 1);
  CHECK(r.retries.empty());
  CHECK(r.order ==
        std::vector<std::string>{
            "head",          "created",       "in_progress", "item_added", "summary_part",
            "summary_delta", "summary_delta", "unknown",     "unknown",    "summary_part",
            "summary_delta", "summary_delta", "unknown",     "unknown",    "item_done",
            "item_added",    "unknown",       "text_delta",  "text_delta", "text_delta",
            "unknown",       "unknown",       "item_done",   "completed",  "done"});
  CHECK(r.text() == "Hello from the mock model!");
  const ResponseCompleted& c = r.done->value();
  CHECK(c.response_id == std::get<ResponseCreated>(r.events.front()).response_id);
  CHECK(std::get<ResponseCompleted>(r.events.back()).response_id == c.response_id);
  REQUIRE(c.usage);
  CHECK(c.usage->input_tokens == 120);
  CHECK(c.usage->cached_input_tokens == 20);
  CHECK(c.usage->output_tokens == 30);
  CHECK(c.usage->reasoning_output_tokens == 10);
  CHECK(c.usage->total_tokens == 150);
  REQUIRE(r.heads.size() == 1);
  CHECK(r.heads[0].status == 200);
  auto limits = rate_limits_from_headers(r.heads[0].headers);
  REQUIRE(limits);
  REQUIRE(limits->primary);
  CHECK(limits->primary->usedPercent == 13);
}

TEST_CASE("the request reaches the provider with its URL, headers and body",
          "[engine][model_stream]") {
  mock_http("POST", "/reset");
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.base_url += "//";
  e.query_params = {{"api-version", "2025 01/x"}, {"b", "1&2"}};
  e.headers = {{"X-Extra", "yes"}, {"accept", "text/event-stream; q=1"}};
  f.start("check my headers", e);
  REQUIRE(f.wait());
  REQUIRE(f.run.done->ok());

  json got = json::parse(mock_http("GET", "/requests?full=1"));
  REQUIRE(got.size() == 1);
  const json& req = got[0];
  CHECK(req["method"] == "POST");
  CHECK(req["path"] == "/v1/responses");
  CHECK(req["url"] == "/v1/responses?api-version=2025%2001%2Fx&b=1%262");
  const json& h = req["headers"];
  CHECK(h["authorization"] == "Bearer sk-test");
  CHECK(h["content-type"] == "application/json");
  CHECK(h["accept"] == "text/event-stream; q=1");  // an extra header replaces the default
  CHECK(h["x-extra"] == "yes");
  CHECK(req["body"] == json::parse(body_for("check my headers")));
}

TEST_CASE("without an API key no Authorization header is sent", "[engine][model_stream]") {
  mock_http("POST", "/reset");
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.api_key.clear();
  f.start("no key", e);
  REQUIRE(f.wait());
  REQUIRE(f.run.done->ok());
  json got = json::parse(mock_http("GET", "/requests?full=1"));
  REQUIRE(got.size() == 1);
  CHECK_FALSE(got[0]["headers"].contains("authorization"));
}

TEST_CASE("FAIL_HTTP: a 500 is retried once, then the reply succeeds", "[engine][model_stream]") {
  Fixture f;
  f.start("FAIL_HTTP: once");
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.done->ok());
  REQUIRE(r.retries.size() == 1);
  CHECK(r.retries[0].attempt == 1);
  CHECK(r.retries[0].max_attempts == 4);
  CHECK_FALSE(r.retries[0].stream_retry);
  CHECK_THAT(r.retries[0].reason, Catch::Contains("HTTP 500 Internal Server Error"));
  CHECK_THAT(r.retries[0].reason, Catch::Contains("mock internal error"));
  REQUIRE(r.heads.size() == 2);
  CHECK(r.heads[0].status == 500);
  CHECK(r.heads[1].status == 200);
  CHECK(r.order[0] == "head");
  CHECK(r.order[1] == "retry");
  CHECK(r.order[2] == "head");
  CHECK(r.text() == "Hello from the mock model!");
}

TEST_CASE("RATE_LIMIT: a 429 with retry-after: 0 is retried after the backoff",
          "[engine][model_stream]") {
  Fixture f;
  f.start("RATE_LIMIT: once");
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.done->ok());
  REQUIRE(r.retries.size() == 1);
  CHECK_THAT(r.retries[0].reason, Catch::Contains("429"));
  // retry-after: 0 is not larger than the 5 ms backoff (+10% jitter at most).
  CHECK(r.retries[0].delay >= milliseconds(5));
  CHECK(r.retries[0].delay <= milliseconds(6));
  CHECK(r.heads.front().status == 429);
}

TEST_CASE("a retry-after-ms larger than the backoff is honoured; 429 ends in UsageLimit",
          "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.request_max_retries = 1;
  auto started = Clock::now();
  f.start("RATE_LIMIT_ALWAYS: go", e);
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.retries.size() == 1);
  CHECK(r.retries[0].delay == milliseconds(150));
  CHECK(r.done_at - started >= milliseconds(150));
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::UsageLimit);
  CHECK(r.error().http_status == 429);
  CHECK(r.error().code == "rate_limit_exceeded");
  CHECK_THAT(r.error().message, Catch::Contains("mock rate limit reached"));
  CHECK(r.heads.size() == 2);
}

TEST_CASE(
    "FAIL_HTTP_ALWAYS: retried request_max_retries times with a doubling backoff, then "
    "HttpStatus",
    "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.request_max_retries = 2;
  e.backoff_base = milliseconds(20);
  e.backoff_max = milliseconds(1000);
  f.start("FAIL_HTTP_ALWAYS: go", e);
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.retries.size() == 2);
  CHECK(r.retries[0].attempt == 1);
  CHECK(r.retries[1].attempt == 2);
  CHECK(r.retries[1].max_attempts == 2);
  CHECK(r.retries[0].delay >= milliseconds(20));
  CHECK(r.retries[0].delay <= milliseconds(22));
  CHECK(r.retries[1].delay >= milliseconds(40));
  CHECK(r.retries[1].delay <= milliseconds(44));
  CHECK(r.heads.size() == 3);
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::HttpStatus);
  CHECK(r.error().http_status == 500);
  CHECK(r.error().code == "server_error");
  CHECK_THAT(r.error().message, Catch::Contains("HTTP 500"));
  CHECK_THAT(r.error().message, Catch::Contains("mock internal error"));
  CHECK(r.done_calls == 1);
}

TEST_CASE("the backoff stops doubling at backoff_max", "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.request_max_retries = 4;
  e.backoff_base = milliseconds(4);
  e.backoff_max = milliseconds(10);
  f.start("FAIL_HTTP_ALWAYS: capped", e);
  REQUIRE(f.wait());
  REQUIRE(f.run.retries.size() == 4);
  CHECK(f.run.retries[0].delay == milliseconds(4));  // jitter: 10% of 4 ms rounds to 0
  CHECK(f.run.retries[1].delay == milliseconds(8));
  for (int i : {2, 3}) {
    CHECK(f.run.retries[static_cast<std::size_t>(i)].delay >= milliseconds(10));
    CHECK(f.run.retries[static_cast<std::size_t>(i)].delay <= milliseconds(11));
  }
}

TEST_CASE("another 4xx fails at once with HttpStatus", "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.base_url = "http://127.0.0.1:" + std::to_string(mock().port()) + "/nowhere";
  f.start("hello", e);
  REQUIRE(f.wait());
  Run& r = f.run;
  CHECK(r.retries.empty());
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::HttpStatus);
  CHECK(r.error().http_status == 400);
  CHECK_THAT(r.error().message, Catch::Contains("no such endpoint"));
}

TEST_CASE("UNAUTHORIZED: a 401 is never retried", "[engine][model_stream]") {
  Fixture f;
  f.start("UNAUTHORIZED: go");
  REQUIRE(f.wait());
  Run& r = f.run;
  CHECK(r.retries.empty());
  CHECK(r.heads.size() == 1);
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::Unauthorized);
  CHECK(r.error().http_status == 401);
  CHECK(r.error().code == "invalid_api_key");
  CHECK_THAT(r.error().message, Catch::Contains("incorrect API key"));
  CHECK(r.order == std::vector<std::string>{"head", "done"});
}

TEST_CASE("FAIL_STREAM: response.failed ends the stream with ResponseFailed, not retried",
          "[engine][model_stream]") {
  Fixture f;
  f.start("FAIL_STREAM: go");
  REQUIRE(f.wait());
  Run& r = f.run;
  CHECK(r.retries.empty());
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::ResponseFailed);
  CHECK(r.error().code == "server_error");
  CHECK(r.error().http_status == 200);
  CHECK_THAT(r.error().message, Catch::Contains("mock failure"));
  REQUIRE_FALSE(r.events.empty());
  CHECK(std::holds_alternative<ResponseFailed>(r.events.back()));
  CHECK(r.text() == "This will ");
  CHECK(r.done_calls == 1);
}

TEST_CASE("STREAM_ERROR: an error event ends the stream with ResponseFailed",
          "[engine][model_stream]") {
  Fixture f;
  f.start("STREAM_ERROR: go");
  REQUIRE(f.wait());
  Run& r = f.run;
  CHECK(r.retries.empty());
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::ResponseFailed);
  CHECK(r.error().code == "server_error");
  CHECK_THAT(r.error().message, Catch::Contains("mock stream error"));
  CHECK(std::holds_alternative<ErrorEvent>(r.events.back()));
}

TEST_CASE("BAD_EVENT: an event that does not decode ends the stream with BadStream",
          "[engine][model_stream]") {
  Fixture f;
  f.start("BAD_EVENT: go");
  REQUIRE(f.wait());
  Run& r = f.run;
  CHECK(r.retries.empty());
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::BadStream);
  CHECK(r.order == std::vector<std::string>{"head", "created", "in_progress", "done"});
}

TEST_CASE("events after response.completed are ignored", "[engine][model_stream]") {
  Fixture f;
  f.start("AFTER_COMPLETED: go");
  REQUIRE(f.wait());
  f.l.run_for(100);  // let the rest of the body arrive
  Run& r = f.run;
  REQUIRE(r.done->ok());
  CHECK(r.done_calls == 1);
  CHECK(r.order.back() == "done");
  CHECK(r.order[r.order.size() - 2] == "completed");
  CHECK(r.text() == "Hello from the mock model!");
}

TEST_CASE("DROP: the stream is retried from the start, then StreamDropped",
          "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.stream_max_retries = 2;
  f.start("DROP: go", e);
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.retries.size() == 2);
  for (const RetryNotice& n : r.retries) {
    CHECK(n.stream_retry);
    CHECK(n.max_attempts == 2);
    CHECK_THAT(n.reason, Catch::Contains("stream dropped"));
  }
  CHECK(r.retries[1].attempt == 2);
  CHECK(r.heads.size() == 3);
  CHECK(r.text() == "Cut Cut Cut ");  // each attempt's events, handed on
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::StreamDropped);
  CHECK(r.error().http_status == 200);
}

TEST_CASE("DROP_ONCE: a dropped stream is retried and then completes", "[engine][model_stream]") {
  Fixture f;
  f.start("DROP_ONCE: go");
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.done->ok());
  REQUIRE(r.retries.size() == 1);
  CHECK(r.retries[0].stream_retry);
  CHECK(r.retries[0].max_attempts == 5);
  CHECK(r.text() == "Cut Hello from the mock model!");
  // The retry notice comes between the two attempts' events.
  auto retry = std::find(r.order.begin(), r.order.end(), "retry");
  REQUIRE(retry != r.order.end());
  CHECK(*(retry - 1) == "text_delta");
  CHECK(*(retry + 1) == "head");
}

TEST_CASE("a refused connection is retried as a request, then Connection",
          "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  e.request_max_retries = 2;
  e.stream_max_retries = 0;
  f.start("hello", e);
  REQUIRE(f.wait());
  Run& r = f.run;
  REQUIRE(r.retries.size() == 2);
  CHECK_FALSE(r.retries[0].stream_retry);
  CHECK(r.retries[1].max_attempts == 2);
  CHECK(r.heads.empty());
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::Connection);
  CHECK(r.error().http_status == 0);
  CHECK(r.order == std::vector<std::string>{"retry", "retry", "done"});
}

TEST_CASE("cancel during SLOW: no more events, Cancelled soon, from the loop",
          "[engine][model_stream]") {
  Fixture f;
  f.start("SLOW: go");
  REQUIRE(f.l.run_until([&] { return f.run.text().size() >= 6; }));  // two deltas
  std::size_t events = f.run.events.size();
  auto cancelled_at = Clock::now();
  f.stream->cancel();
  CHECK_FALSE(f.run.finished());  // not from inside cancel()
  CHECK(f.stream->running());
  REQUIRE(f.wait(2000));
  Run& r = f.run;
  CHECK(r.done_at - cancelled_at < milliseconds(500));
  REQUIRE_FALSE(r.done->ok());
  CHECK(r.error().kind == ModelErrorKind::Cancelled);
  CHECK_FALSE(f.stream->running());
  f.l.run_for(500);  // a delta would come every 200 ms
  CHECK(r.events.size() == events);
  CHECK(r.done_calls == 1);
  f.stream->cancel();  // ignored after on_done
  f.l.run_for(20);
  CHECK(r.done_calls == 1);
}

TEST_CASE("cancel from inside on_event stops the events at once", "[engine][model_stream]") {
  Fixture f;
  ModelStreamCallbacks cb = record(f.run);
  auto on_event = cb.on_event;
  cb.on_event = [&, on_event](const ResponsesEvent& e) {
    on_event(e);
    if (std::holds_alternative<ResponseInProgress>(e)) f.stream->cancel();
  };
  f.stream->start(endpoint(), body_for("hello"), cb);
  REQUIRE(f.wait());
  CHECK(f.run.order == std::vector<std::string>{"head", "created", "in_progress", "done"});
  CHECK(f.run.error().kind == ModelErrorKind::Cancelled);
}

TEST_CASE("cancel during the backoff wait: Cancelled without waiting it out",
          "[engine][model_stream]") {
  Fixture f;
  ProviderEndpoint e = endpoint();
  e.backoff_base = milliseconds(5000);
  e.backoff_max = milliseconds(5000);
  f.start("FAIL_HTTP_ALWAYS: wait", e);
  REQUIRE(f.l.run_until([&] { return !f.run.retries.empty(); }));
  auto cancelled_at = Clock::now();
  f.stream->cancel();
  CHECK_FALSE(f.run.finished());
  REQUIRE(f.wait(2000));
  CHECK(f.run.done_at - cancelled_at < milliseconds(500));
  CHECK(f.run.error().kind == ModelErrorKind::Cancelled);
  CHECK(f.run.heads.size() == 1);
}

TEST_CASE("destroying the stream from inside on_done is safe", "[engine][model_stream]") {
  SECTION("after success") {
    Fixture f;
    ModelStreamCallbacks cb = record(f.run);
    auto on_done = cb.on_done;
    cb.on_done = [&, on_done](spool::Result<ResponseCompleted, ModelError> r) {
      on_done(std::move(r));
      f.stream.reset();
    };
    f.stream->start(endpoint(), body_for("hello"), cb);
    REQUIRE(f.wait());
    CHECK(f.stream == nullptr);
    CHECK(f.run.done->ok());
    f.l.run_for(50);
    CHECK(f.run.done_calls == 1);
  }
  SECTION("after a failure from the timer (cancel)") {
    Fixture f;
    ModelStreamCallbacks cb = record(f.run);
    auto on_done = cb.on_done;
    cb.on_done = [&, on_done](spool::Result<ResponseCompleted, ModelError> r) {
      on_done(std::move(r));
      f.stream.reset();
    };
    f.stream->start(endpoint(), body_for("SLOW: go"), cb);
    REQUIRE(f.l.run_until([&] { return !f.run.events.empty(); }));
    f.stream->cancel();
    REQUIRE(f.wait());
    CHECK(f.stream == nullptr);
    CHECK(f.run.error().kind == ModelErrorKind::Cancelled);
  }
  SECTION("after an error status") {
    Fixture f;
    ModelStreamCallbacks cb = record(f.run);
    auto on_done = cb.on_done;
    cb.on_done = [&, on_done](spool::Result<ResponseCompleted, ModelError> r) {
      on_done(std::move(r));
      f.stream.reset();
    };
    f.stream->start(endpoint(), body_for("UNAUTHORIZED: go"), cb);
    REQUIRE(f.wait());
    CHECK(f.stream == nullptr);
    CHECK(f.run.error().kind == ModelErrorKind::Unauthorized);
  }
}

TEST_CASE("destroying the stream mid-stream or mid-wait calls nothing more",
          "[engine][model_stream]") {
  SECTION("from inside on_event") {
    Fixture f;
    ModelStreamCallbacks cb = record(f.run);
    auto on_event = cb.on_event;
    cb.on_event = [&, on_event](const ResponsesEvent& e) {
      on_event(e);
      if (std::holds_alternative<OutputTextDelta>(e)) f.stream.reset();
    };
    f.stream->start(endpoint(), body_for("hello"), cb);
    REQUIRE(f.l.run_until([&] { return f.stream == nullptr; }));
    f.l.run_for(200);
    CHECK(f.run.order.back() == "text_delta");
    CHECK_FALSE(f.run.finished());
  }
  SECTION("from inside on_retry") {
    Fixture f;
    ModelStreamCallbacks cb = record(f.run);
    auto on_retry = cb.on_retry;
    cb.on_retry = [&, on_retry](const RetryNotice& n) {
      on_retry(n);
      f.stream.reset();
    };
    f.stream->start(endpoint(), body_for("FAIL_HTTP_ALWAYS: x"), cb);
    REQUIRE(f.l.run_until([&] { return f.stream == nullptr; }));
    f.l.run_for(100);
    CHECK(f.run.order == std::vector<std::string>{"head", "retry"});
  }
  SECTION("while a request runs, from outside any callback") {
    Fixture f;
    f.start("SLOW: go");
    REQUIRE(f.l.run_until([&] { return !f.run.events.empty(); }));
    f.stream.reset();
    f.l.run_for(300);
    CHECK_FALSE(f.run.finished());
    CHECK(f.http->active() == 0);
  }
}
