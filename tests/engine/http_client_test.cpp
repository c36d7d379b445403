// HttpClient on a real libuv loop against a real HTTP server: tests/engine/sse_test_server.mjs,
// started once by this test process (node, port 0) and stopped when it exits.
#include "engine/http_client.h"

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

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/sse_parser.h"

extern char** environ;

namespace {

using namespace spool::engine;

// The node server, started on first use and stopped at exit (stdin closed, then SIGTERM).
class TestServer {
 public:
  TestServer() {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string script = SPOOL_SOURCE_DIR "/tests/engine/sse_test_server.mjs";
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
    port_ = std::atoi(line.c_str());
    REQUIRE(port_ > 0);
  }
  ~TestServer() {
    close(stdin_);
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

TestServer& server() {
  static TestServer s;
  return s;
}

// A loop with a ticking timer, so run_until can check its predicate; at the end the client
// must be gone and the loop must close with no handle left open.
struct Loop {
  uv_loop_t loop;
  uv_timer_t tick;
  Loop() {
    uv_loop_init(&loop);
    uv_timer_init(&loop, &tick);
  }
  bool run_until(const std::function<bool()>& done, int timeout_ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    return done();
  }
  // Closes everything; returns uv_loop_close's result (0: no handle was left open).
  int close_all() {
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop);
  }
};

struct Outcome {
  std::vector<std::string> order;  // "head", "body", "done"
  std::optional<HttpResponseHead> head;
  std::string body;
  int body_calls = 0;
  std::optional<HttpResult> result;
  bool done() const { return result.has_value(); }
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : head->headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }
};

HttpCallbacks record(Outcome& o) {
  return HttpCallbacks{[&o](const HttpResponseHead& h) {
                         o.order.push_back("head");
                         o.head = h;
                       },
                       [&o](std::string_view chunk) {
                         o.order.push_back("body");
                         o.body.append(chunk);
                         ++o.body_calls;
                       },
                       [&o](HttpResult r) {
                         o.order.push_back("done");
                         o.result = std::move(r);
                       }};
}

HttpRequest request(const std::string& path) {
  HttpRequest r;
  r.url = server().url(path);
  r.body = "{}";
  r.headers = {{"Content-Type", "application/json"}};
  return r;
}

HttpErrorKind error_kind(const Outcome& o) { return o.result->error().kind; }

int free_port() {
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

}  // namespace

TEST_CASE("a streamed SSE response arrives in order, in many chunks, and ends ok",
          "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  std::vector<std::string> events;
  SseParser parser([&](const SseEvent& e) { events.push_back(e.type + " " + e.data); });
  HttpCallbacks cb = record(o);
  auto on_body = cb.on_body;
  cb.on_body = [&, on_body](std::string_view chunk) {
    on_body(chunk);
    parser.feed(chunk);
  };
  client->post(request("/sse?count=20"), cb);
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE(o.result->ok());
  REQUIRE(o.head);
  CHECK(o.head->status == 200);
  CHECK(o.header("content-type") == "text/event-stream");
  CHECK(o.header("x-codex-primary-used-percent") == "42.5");
  CHECK(o.header("x-codex-primary-window-minutes") == "300");
  CHECK(o.order.front() == "head");
  CHECK(o.order.back() == "done");
  CHECK(o.body_calls > 10);
  REQUIRE(events.size() == 20);
  for (int i = 0; i < 20; ++i)
    CHECK(events[static_cast<std::size_t>(i)] == "tick {\"n\":" + std::to_string(i) + "}");
  CHECK(client->active() == 0);
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("the request's method, headers and body reach the server", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/echo");
  r.headers.emplace_back("Authorization", "Bearer sk-test");
  r.body = std::string(5000, 'x');  // large enough that curl would otherwise send Expect
  client->post(r, record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE(o.result->ok());
  auto echoed = nlohmann::json::parse(o.body);
  CHECK(echoed["method"] == "POST");
  CHECK(echoed["headers"]["authorization"] == "Bearer sk-test");
  CHECK(echoed["headers"]["content-type"] == "application/json");
  CHECK_FALSE(echoed["headers"].contains("expect"));
  CHECK(echoed["body"] == r.body);
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("an HTTP 500 is a complete response with its JSON body", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  client->post(request("/error500"), record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE(o.result->ok());
  CHECK(o.head->status == 500);
  CHECK(nlohmann::json::parse(o.body)["error"]["message"] == "boom");
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("a refused connection is a connect error without a head", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/sse");
  r.url = "http://127.0.0.1:" + std::to_string(free_port()) + "/responses";
  client->post(r, record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE_FALSE(o.result->ok());
  CHECK(error_kind(o) == HttpErrorKind::Connect);
  CHECK_FALSE(o.head);
  CHECK(o.order == std::vector<std::string>{"done"});
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("a connection dropped mid-stream is a reset error after the bytes received",
          "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  client->post(request("/drop"), record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE_FALSE(o.result->ok());
  CHECK(error_kind(o) == HttpErrorKind::Reset);
  CHECK(o.body == "data: first\n\n");
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("cancel from inside on_body stops the stream", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  RequestHandle handle;
  bool in_cancel = false, done_inside_cancel = false;
  int bodies_after_cancel = 0;
  bool cancelled = false;
  HttpCallbacks cb = record(o);
  auto on_body = cb.on_body;
  auto on_done = cb.on_done;
  cb.on_body = [&, on_body](std::string_view chunk) {
    if (cancelled) ++bodies_after_cancel;
    on_body(chunk);
    if (o.body_calls == 3) {
      cancelled = true;
      in_cancel = true;
      client->cancel(handle);
      client->cancel(handle);  // twice is harmless
      in_cancel = false;
    }
  };
  cb.on_done = [&, on_done](HttpResult r) {
    done_inside_cancel = in_cancel;
    on_done(std::move(r));
  };
  handle = client->post(request("/endless"), cb);
  REQUIRE(l.run_until([&] { return o.done(); }));
  REQUIRE_FALSE(o.result->ok());
  CHECK(error_kind(o) == HttpErrorKind::Cancelled);
  CHECK(o.body_calls == 3);
  CHECK(bodies_after_cancel == 0);
  CHECK_FALSE(done_inside_cancel);
  // Nothing more arrives later, and cancelling a finished request is ignored.
  l.run_until([] { return false; }, 100);
  client->cancel(handle);
  l.run_until([] { return false; }, 50);
  CHECK(o.body_calls == 3);
  CHECK(std::count(o.order.begin(), o.order.end(), "done") == 1);
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("cancel right after post ends the request before it starts", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  RequestHandle handle = client->post(request("/sse"), record(o));
  client->cancel(handle);
  CHECK_FALSE(o.done());  // never from inside cancel()
  REQUIRE(l.run_until([&] { return o.done(); }));
  CHECK(error_kind(o) == HttpErrorKind::Cancelled);
  CHECK(o.order == std::vector<std::string>{"done"});
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("no byte for idle_timeout_ms is an idle timeout", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/stall");
  r.idle_timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  client->post(r, record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(o.result->ok());
  CHECK(error_kind(o) == HttpErrorKind::IdleTimeout);
  CHECK(o.body == "data: only\n\n");
  CHECK(elapsed >= std::chrono::milliseconds(299));  // libuv timers have 1 ms granularity
  CHECK(elapsed < std::chrono::seconds(5));
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("a stream that keeps sending is not idle", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/ticks?tag=A&count=12");  // 12 events 25 ms apart: 300 ms in all
  r.idle_timeout_ms = 150;
  client->post(r, record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  CHECK(o.result->ok());
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("two concurrent requests interleave", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  std::vector<char> tags;
  int done = 0;
  for (const char* tag : {"A", "B"}) {
    HttpCallbacks cb;
    cb.on_body = [&tags, tag](std::string_view chunk) {
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (chunk.substr(i, 6) == "data: ") tags.push_back(tag[0]);
      }
    };
    cb.on_done = [&done](HttpResult r) {
      CHECK(r.ok());
      ++done;
    };
    client->post(request(std::string("/ticks?count=8&tag=") + tag), cb);
  }
  CHECK(client->active() == 2);
  REQUIRE(l.run_until([&] { return done == 2; }));
  REQUIRE(tags.size() == 16);
  auto first_b = std::find(tags.begin(), tags.end(), 'B');
  auto last_a = std::find(tags.rbegin(), tags.rend(), 'A').base() - 1;
  CHECK(first_b < last_a);  // B started before A ended
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("on_done may post the next request", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome first, second;
  HttpCallbacks cb = record(first);
  auto on_done = cb.on_done;
  cb.on_done = [&, on_done](HttpResult r) {
    on_done(std::move(r));
    client->post(request("/error500"), record(second));
  };
  client->post(request("/sse?count=2"), cb);
  REQUIRE(l.run_until([&] { return second.done(); }));
  CHECK(first.result->ok());
  CHECK(second.head->status == 500);
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("an invalid header fails through on_done, not inside post", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/echo");
  r.headers.emplace_back("X-Bad", "a\r\nInjected: yes");
  client->post(r, record(o));
  CHECK_FALSE(o.done());
  REQUIRE(l.run_until([&] { return o.done(); }));
  CHECK(error_kind(o) == HttpErrorKind::Other);
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("destroying the client cancels running requests and leaves no handle open",
          "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome streaming, queued;
  client->post(request("/endless"), record(streaming));
  REQUIRE(l.run_until([&] { return streaming.body_calls > 0; }));
  client->post(request("/sse"), record(queued));
  client.reset();
  REQUIRE(streaming.done());
  REQUIRE(queued.done());
  CHECK(error_kind(streaming) == HttpErrorKind::Cancelled);
  CHECK(error_kind(queued) == HttpErrorKind::Cancelled);
  CHECK(l.close_all() == 0);
}

TEST_CASE("close() reports when every handle is closed", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  client->post(request("/sse?count=3"), record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  bool closed = false;
  client->close([&] { closed = true; });
  CHECK(client->post(request("/sse"), record(o)).id == 0);  // refused once closing
  REQUIRE(l.run_until([&] { return closed; }));
  client.reset();
  CHECK(l.close_all() == 0);
}

TEST_CASE("a client with nothing running does not keep the loop alive", "[engine][http]") {
  Loop l;
  auto client = std::make_unique<HttpClient>(&l.loop);
  Outcome o;
  HttpRequest r = request("/sse?count=2");
  r.idle_timeout_ms = 60000;
  client->post(r, record(o));
  REQUIRE(l.run_until([&] { return o.done(); }));
  auto start = std::chrono::steady_clock::now();
  uv_run(&l.loop, UV_RUN_DEFAULT);  // returns once nothing is active
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  client.reset();
  CHECK(l.close_all() == 0);
}
