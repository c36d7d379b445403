// ChatgptLogin on a real libuv loop against tests/tools/mock_oauth_issuer.mjs (started once
// by this test process with node, port 0, stopped when it exits). The test plays the browser
// with HttpClient GETs: it opens auth_url, follows the issuer's 302 to the callback server
// (with "localhost" rewritten to 127.0.0.1, which is all the server binds), and reads the
// page it gets. Skipped, with a warning, when node is not installed.
#include "engine/login/chatgpt_login.h"

#include <arpa/inet.h>
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
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/http_client.h"
#include "engine/login/id_token.h"

extern char** environ;

namespace {

using namespace spool::engine;
using namespace spool::engine::login;
using LoginResult = spool::Result<OAuthTokens, std::string>;

bool node_installed() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/node";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The mock issuer, started on first use and stopped at exit (stdin closed, then SIGTERM).
class IssuerProcess {
 public:
  IssuerProcess() {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string script = SPOOL_SOURCE_DIR "/tests/tools/mock_oauth_issuer.mjs";
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
    auto ready = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(ready.is_object());
    port_ = ready.value("port", 0);
    REQUIRE(port_ > 0);
  }
  ~IssuerProcess() {
    close(stdin_);
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

IssuerProcess& issuer() {
  static IssuerProcess p;
  return p;
}

// A loop with a ticking timer, so run_until can check its predicate.
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
  void run_for(int ms) {
    run_until([] { return false; }, ms);
  }
  // Closes everything; uv_loop_close's result (0: no handle was left open).
  int close_all() {
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop);
  }
};

// One HTTP exchange as a browser (or a test) sees it.
struct Fetch {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<HttpResult> result;
  bool done() const { return result.has_value(); }
  bool ok() const { return result && result->ok(); }
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

// The query parameters of a URL, not decoded.
std::map<std::string, std::string> raw_query(const std::string& url) {
  std::map<std::string, std::string> out;
  std::size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::stringstream pairs(url.substr(q + 1));
  std::string pair;
  while (std::getline(pairs, pair, '&')) {
    std::size_t eq = pair.find('=');
    out[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return out;
}

// The redirect as the browser would follow it, to the address the server really binds.
std::string to_loopback(std::string url) {
  const std::string from = "http://localhost:";
  REQUIRE(url.rfind(from, 0) == 0);
  return "http://127.0.0.1:" + url.substr(from.size());
}

struct Harness {
  Loop loop;
  std::unique_ptr<HttpClient> http = std::make_unique<HttpClient>(&loop.loop);
  std::unique_ptr<ChatgptLogin> login;
  std::vector<LoginResult> outcomes;
  bool closed = false;

  Harness() { control({{"reset", true}}); }
  ~Harness() {
    if (!closed) close();
  }

  ChatgptLogin::Done record() {
    return [this](LoginResult r) { outcomes.push_back(std::move(r)); };
  }

  ChatgptLoginOptions options() const {
    ChatgptLoginOptions o;
    o.issuer = issuer().url("/");  // the trailing "/" is dropped
    o.client_id = "app_test_client";
    o.port = 0;
    return o;
  }

  void start(ChatgptLoginOptions o) {
    auto r = ChatgptLogin::start(&loop.loop, *http, std::move(o), record());
    if (!r.ok()) FAIL("start failed: " << r.error());
    login = std::move(r).value();
  }

  std::shared_ptr<Fetch> send(HttpMethod method, const std::string& url,
                              const std::string& body = "") {
    auto f = std::make_shared<Fetch>();
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.body = body;
    if (method == HttpMethod::Post) request.headers = {{"Content-Type", "application/json"}};
    HttpCallbacks callbacks;
    callbacks.on_head = [f](const HttpResponseHead& h) {
      f->status = h.status;
      f->headers = h.headers;
    };
    callbacks.on_body = [f](std::string_view chunk) { f->body.append(chunk); };
    callbacks.on_done = [f](HttpResult r) { f->result = std::move(r); };
    http->post(std::move(request), std::move(callbacks));
    return f;
  }
  Fetch get(const std::string& url) {
    auto f = send(HttpMethod::Get, url);
    REQUIRE(loop.run_until([&] { return f->done(); }));
    return *f;
  }

  // POST /control (or /reset when j has "reset") to the mock issuer.
  void control(const nlohmann::json& j) {
    bool reset = j.contains("reset");
    auto f = send(HttpMethod::Post, issuer().url(reset ? "/reset" : "/control"),
                  reset ? "{}" : j.dump());
    REQUIRE(loop.run_until([&] { return f->done(); }));
    REQUIRE(f->ok());
    REQUIRE(f->status == 200);
  }

  // The browser opens auth_url; the issuer redirects to the callback (returned, loopback).
  std::string authorize() {
    Fetch f = get(login->auth_url());
    REQUIRE(f.ok());
    REQUIRE(f.status == 302);
    std::string location = f.header("location");
    REQUIRE(location.rfind(login->redirect_uri() + "?", 0) == 0);
    return to_loopback(location);
  }

  std::string local(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(login->port()) + path;
  }

  bool wait_done() {
    return loop.run_until([&] { return !outcomes.empty(); });
  }

  int close() {
    closed = true;
    login.reset();
    http.reset();
    return loop.close_all();
  }
};

#define SKIP_WITHOUT_NODE()                                     \
  do {                                                          \
    if (!node_installed()) {                                    \
      WARN("node is not installed: ChatgptLogin test skipped"); \
      return;                                                   \
    }                                                           \
  } while (0)

}  // namespace

TEST_CASE("a browser sign-in ends with the issuer's tokens", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.control({{"email", "tester@example.com"}, {"plan", "pro"}});
  h.start(h.options());
  CHECK(h.outcomes.empty());  // never from inside start()
  CHECK(h.login->port() > 0);
  CHECK(h.login->redirect_uri() ==
        "http://localhost:" + std::to_string(h.login->port()) + "/auth/callback");

  const std::string& url = h.login->auth_url();
  CHECK(url.rfind(issuer().url("/oauth/authorize?response_type=code&client_id=app_test_client&"),
                  0) == 0);
  auto q = raw_query(url);
  CHECK(q["redirect_uri"] ==
        "http%3A%2F%2Flocalhost%3A" + std::to_string(h.login->port()) + "%2Fauth%2Fcallback");
  CHECK(q["scope"] == "openid%20profile%20email%20offline_access");
  CHECK(q["code_challenge"].size() == 43);
  CHECK(q["code_challenge_method"] == "S256");
  CHECK(q["id_token_add_organizations"] == "true");
  CHECK(q["codex_cli_simplified_flow"] == "true");
  CHECK(q["state"].size() == 43);
  CHECK(q["originator"] == "codex_cli_rs");

  Fetch page = h.get(h.authorize());
  REQUIRE(page.ok());
  CHECK(page.status == 200);
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.find("Signed in to Spool. You can close this window.") != std::string::npos);

  REQUIRE(h.wait_done());
  REQUIRE(h.outcomes.size() == 1);
  REQUIRE(h.outcomes[0].ok());
  const OAuthTokens& tokens = *h.outcomes[0];
  CHECK(tokens.access_token.rfind("mock_access_", 0) == 0);
  CHECK(tokens.refresh_token.rfind("mock_refresh_", 0) == 0);
  auto claims = parse_id_token(tokens.id_token);
  REQUIRE(claims.ok());
  CHECK(claims->email == "tester@example.com");
  CHECK(claims->plan_type == "pro");
  CHECK(claims->account_id == "mock-account-1");
  CHECK(claims->user_id == "mock-user-1");

  // done came once, and the server no longer listens.
  Fetch after = h.get(h.local("/auth/callback"));
  CHECK_FALSE(after.ok());
  CHECK(h.outcomes.size() == 1);
  h.login->cancel();  // no-op after done
  h.loop.run_for(30);
  CHECK(h.outcomes.size() == 1);
  CHECK(h.close() == 0);
}

TEST_CASE("a callback with a wrong or missing state is refused and the sign-in goes on",
          "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  std::string callback = h.authorize();
  std::string code = raw_query(callback)["code"];

  Fetch wrong = h.get(h.local("/auth/callback?code=" + code + "&state=not-the-state"));
  CHECK(wrong.status == 400);
  CHECK(wrong.body.find("state mismatch") != std::string::npos);
  Fetch missing = h.get(h.local("/auth/callback?code=" + code));
  CHECK(missing.status == 400);
  Fetch denied_stray = h.get(h.local("/auth/callback?error=access_denied"));
  CHECK(denied_stray.status == 400);
  Fetch nothing = h.get(h.local("/favicon.ico"));
  CHECK(nothing.status == 404);
  h.loop.run_for(30);
  CHECK(h.outcomes.empty());

  Fetch page = h.get(callback);
  CHECK(page.status == 200);
  REQUIRE(h.wait_done());
  REQUIRE(h.outcomes.size() == 1);
  CHECK(h.outcomes[0].ok());
  CHECK(h.close() == 0);
}

TEST_CASE("the issuer's refusal ends the sign-in with its error", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.control({{"mode", "deny"}});
  h.start(h.options());
  std::string callback = h.authorize();
  CHECK(callback.find("error=access_denied") != std::string::npos);
  Fetch page = h.get(callback);
  CHECK(page.status == 400);
  CHECK(page.body.find("access_denied") != std::string::npos);
  REQUIRE(h.wait_done());
  REQUIRE_FALSE(h.outcomes[0].ok());
  CHECK(h.outcomes[0].error() ==
        "the issuer refused the sign-in: access_denied: The user denied the sign-in (mock)");
  CHECK(h.close() == 0);
}

TEST_CASE("a failed token exchange names the HTTP status, not the code", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.control({{"mode", "token_error"}});
  h.start(h.options());
  std::string callback = h.authorize();
  std::string code = raw_query(callback)["code"];
  Fetch page = h.get(callback);
  CHECK(page.status == 502);
  CHECK(page.body.find("token exchange failed") != std::string::npos);
  REQUIRE(h.wait_done());
  REQUIRE_FALSE(h.outcomes[0].ok());
  const std::string& error = h.outcomes[0].error();
  CHECK(error == "token exchange failed: HTTP 500 (server_error)");
  CHECK(error.find(code) == std::string::npos);
  CHECK(page.body.find(code) == std::string::npos);
  CHECK(h.close() == 0);
}

TEST_CASE("a code the issuer does not accept fails the exchange with its OAuth error", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  std::string callback = h.authorize();
  std::string state = raw_query(callback)["state"];
  Fetch page = h.get(h.local("/auth/callback?code=forged&state=" + state));
  CHECK(page.status == 502);
  REQUIRE(h.wait_done());
  REQUIRE_FALSE(h.outcomes[0].ok());
  CHECK(h.outcomes[0].error() == "token exchange failed: HTTP 400 (invalid_grant)");
  CHECK(h.close() == 0);
}

TEST_CASE("cancel() ends the sign-in later, from the loop, once", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  int port = h.login->port();
  h.login->cancel();
  CHECK(h.outcomes.empty());  // never from inside cancel()
  h.login->cancel();
  REQUIRE(h.wait_done());
  h.loop.run_for(30);
  REQUIRE(h.outcomes.size() == 1);
  REQUIRE_FALSE(h.outcomes[0].ok());
  CHECK(h.outcomes[0].error() == "sign-in cancelled");
  // The port is free again: a new sign-in can take it.
  auto options = h.options();
  options.port = port;
  auto again = ChatgptLogin::start(&h.loop.loop, *h.http, options, [](LoginResult) {});
  REQUIRE(again.ok());
  CHECK(again.value()->port() == port);
  again.value().reset();
  CHECK(h.close() == 0);
}

TEST_CASE("cancel() during the token exchange answers the waiting browser", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.control({{"mode", "hang_token"}});
  h.start(h.options());
  auto page = h.send(HttpMethod::Get, h.authorize());
  h.loop.run_for(100);  // the exchange is now waiting on the issuer
  CHECK_FALSE(page->done());
  h.login->cancel();
  REQUIRE(h.wait_done());
  CHECK(h.outcomes[0].error() == "sign-in cancelled");
  REQUIRE(h.loop.run_until([&] { return page->done(); }));
  CHECK(page->status == 400);
  CHECK(page->body.find("sign-in cancelled") != std::string::npos);
  CHECK(h.close() == 0);
}

TEST_CASE("a sign-in times out", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  auto options = h.options();
  options.timeout_ms = 150;
  h.start(options);
  REQUIRE(h.wait_done());
  REQUIRE_FALSE(h.outcomes[0].ok());
  CHECK(h.outcomes[0].error() == "sign-in timed out after 0.15 s");
  CHECK(h.close() == 0);
}

TEST_CASE("GET /cancel ends the sign-in", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  Fetch page = h.get(h.local("/cancel"));
  CHECK(page.status == 200);
  CHECK(page.body.find("Sign-in cancelled.") != std::string::npos);
  REQUIRE(h.wait_done());
  CHECK(h.outcomes[0].error() == "sign-in cancelled");
  CHECK(h.close() == 0);
}

TEST_CASE("a port in use fails start() with a message naming it", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 1) == 0);
  socklen_t length = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
  int port = ntohs(addr.sin_port);

  auto options = h.options();
  options.port = port;
  auto r = ChatgptLogin::start(&h.loop.loop, *h.http, options, h.record());
  close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().rfind("port " + std::to_string(port) + " is in use: ", 0) == 0);
  h.loop.run_for(30);
  CHECK(h.outcomes.empty());
  CHECK(h.close() == 0);
}

TEST_CASE("unusable options fail start()", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  auto bad_issuer = h.options();
  bad_issuer.issuer = "auth.example.com";
  CHECK_FALSE(ChatgptLogin::start(&h.loop.loop, *h.http, bad_issuer, h.record()).ok());
  auto no_client = h.options();
  no_client.client_id.clear();
  CHECK_FALSE(ChatgptLogin::start(&h.loop.loop, *h.http, no_client, h.record()).ok());
  auto bad_port = h.options();
  bad_port.port = 70000;
  CHECK_FALSE(ChatgptLogin::start(&h.loop.loop, *h.http, bad_port, h.record()).ok());
  CHECK(h.close() == 0);
}

TEST_CASE("destroying the login mid-flow calls nothing and leaks nothing", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.control({{"mode", "hang_token"}});
  h.start(h.options());
  auto page = h.send(HttpMethod::Get, h.authorize());
  auto idle = h.send(HttpMethod::Get, h.local("/auth/callback"));  // answered at once
  h.loop.run_for(100);
  CHECK_FALSE(page->done());
  h.login.reset();
  REQUIRE(h.loop.run_until([&] { return page->done(); }));
  CHECK_FALSE(page->ok());  // the waiting browser is dropped
  h.loop.run_for(50);
  CHECK(h.outcomes.empty());
  CHECK(h.close() == 0);
}

TEST_CASE("destroying the login from inside done is safe", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  auto options = h.options();
  options.timeout_ms = 20;
  int calls = 0;
  auto r = ChatgptLogin::start(&h.loop.loop, *h.http, options, [&](LoginResult) {
    ++calls;
    h.login.reset();
  });
  REQUIRE(r.ok());
  h.login = std::move(r).value();
  REQUIRE(h.loop.run_until([&] { return calls > 0; }));
  CHECK_FALSE(h.login);
  h.loop.run_for(30);
  CHECK(calls == 1);
  CHECK(h.close() == 0);
}

namespace {

// A raw TCP client, to send a request head in pieces or too large.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawClient() { close(fd_); }
  void send_all(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }
  // Reads what is there without blocking; true once the server closed the connection.
  bool closed() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }
  std::string received;

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("the callback server reads a request head that arrives in pieces", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  RawClient c(h.login->port());
  for (std::string piece : {"GET /auth/call", "back?code=x&state=wrong HTTP/1.1\r\nHo",
                            "st: localhost\r\n", "\r", "\n"}) {
    c.send_all(piece);
    h.loop.run_for(20);
    if (piece != "\n") CHECK(c.received.empty());
  }
  REQUIRE(h.loop.run_until([&] { return c.closed(); }));
  CHECK(c.received.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(c.received.find("Connection: close\r\n") != std::string::npos);
  CHECK(h.outcomes.empty());
  CHECK(h.close() == 0);
}

TEST_CASE("the callback server answers an over-long request head with 431", "[login]") {
  SKIP_WITHOUT_NODE();
  Harness h;
  h.start(h.options());
  RawClient c(h.login->port());
  std::string head = "GET /auth/callback HTTP/1.1\r\nX-Long: ";
  head.append(16 * 1024 + 1 - head.size(), 'a');  // no blank line within 16 KiB
  c.send_all(head);
  REQUIRE(h.loop.run_until([&] { return c.closed(); }));
  CHECK(c.received.rfind("HTTP/1.1 431 ", 0) == 0);
  RawClient bad(h.login->port());
  bad.send_all("nonsense\r\n\r\n");
  REQUIRE(h.loop.run_until([&] { return bad.closed(); }));
  CHECK(bad.received.rfind("HTTP/1.1 400 ", 0) == 0);
  h.loop.run_for(20);
  CHECK(h.outcomes.empty());
  CHECK(h.close() == 0);
}
