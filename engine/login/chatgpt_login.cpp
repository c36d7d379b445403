// See chatgpt_login.h. Ownership follows engine/http_client.cpp: ChatgptLogin is a thin owner
// of an Impl that frees itself once every uv handle it opened has finished closing, no token
// exchange is outstanding (HttpClient calls on_done even for a cancelled request, so the Impl
// must outlive it), and the owner is gone. `done` is always called from `deliver_timer_`, so
// it never runs inside start(), cancel() or a callback of HttpClient, and the owner may
// destroy the login from inside it.
#include "engine/login/chatgpt_login.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <uv.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/log.h"
#include "engine/login/pkce.h"

namespace spool::engine::login {
namespace {

constexpr std::size_t kMaxRequestHead = 16 * 1024;
constexpr std::size_t kMaxTokenResponse = 1 << 20;
constexpr std::size_t kMaxConnections = 64;
constexpr long kTokenIdleTimeoutMs = 60000;
constexpr std::string_view kScope = "openid profile email offline_access";
constexpr std::string_view kOriginator = "codex_cli_rs";
constexpr std::string_view kCancelled = "sign-in cancelled";
constexpr std::string_view kSuccessPage = "Signed in to Spool. You can close this window.";

// Percent-encodes everything but RFC 3986's unreserved characters (a space is "%20"), which
// suits both URL query values and application/x-www-form-urlencoded bodies.
std::string url_escape(std::string_view s) {
  // The handle argument is ignored since curl 7.82.
  char* escaped = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

// Decodes one query component: "+" is a space, then %XX escapes.
std::string url_unescape(std::string_view s) {
  std::string plus(s);
  for (char& c : plus) {
    if (c == '+') c = ' ';
  }
  int length = 0;
  char* decoded = curl_easy_unescape(nullptr, plus.data(), static_cast<int>(plus.size()), &length);
  std::string out = decoded ? std::string(decoded, static_cast<std::size_t>(length)) : "";
  curl_free(decoded);
  return out;
}

// The query's parameters; the first of repeated names wins.
std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string name = url_unescape(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : url_unescape(pair.substr(eq + 1));
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

// Text from the query (the issuer's error) made fit for a message: no control characters,
// at most 200 bytes, not cut inside a UTF-8 sequence.
std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  if (out.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 431:
      return "Request Header Fields Too Large";
    case 502:
      return "Bad Gateway";
    default:
      return "Error";
  }
}

std::string http_response(int status, std::string_view message) {
  std::string body = fmt::format(
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Spool sign-in</title></head>"
      "<body><p>{}</p></body></html>\n",
      html_escape(message));
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\n\r\n{}",
      status, reason_phrase(status), body.size(), body);
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The OAuth error code of a token endpoint's error answer ({"error": "invalid_grant", ...}),
// when it looks like one: a short word, never free text that could carry a secret.
std::string oauth_error_code(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {};
  auto it = j.find("error");
  if (it == j.end() || !it->is_string()) return {};
  std::string code = it->get<std::string>();
  if (code.empty() || code.size() > 64) return {};
  for (char c : code) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return {};
    }
  }
  return code;
}

}  // namespace

struct ChatgptLogin::Impl {
  // One accepted browser connection: read the request head, write one response, close.
  struct Connection {
    uv_tcp_t tcp;
    Impl* impl = nullptr;
    std::string head;
    bool responding = false;  // a response is being written; it closes when written
    bool closing = false;
    std::string out;
    uv_write_t write_req;
    char buffer[4096];
  };

  uv_loop_t* loop;
  HttpClient& http;
  ChatgptLoginOptions options;
  Done done;
  std::string issuer;  // options.issuer without a trailing "/"
  Pkce pkce;
  std::string state;
  std::string redirect_uri;
  std::string auth_url;
  int port = 0;

  uv_tcp_t server;
  uv_timer_t timeout_timer;
  uv_timer_t deliver_timer;
  bool server_closed = false;
  bool timers_closed = false;
  int open_handles = 0;
  std::unordered_set<Connection*> connections;

  Connection* waiting = nullptr;  // the browser's callback, answered when the exchange ends
  RequestHandle exchange;
  bool exchange_running = false;
  long exchange_status = 0;
  std::string exchange_body;

  std::optional<Result<OAuthTokens, std::string>> outcome;  // decided; delivered once
  bool delivered = false;
  bool owner_gone = false;

  Impl(uv_loop_t* l, HttpClient& h, ChatgptLoginOptions o, Done d)
      : loop(l), http(h), options(std::move(o)), done(std::move(d)) {}

  // --- lifetime ---

  void handle_closed() {
    --open_handles;
    maybe_free();
  }

  // REQUIRES: nothing touches `this` after a call that may free it.
  void maybe_free() {
    if (owner_gone && open_handles == 0 && !exchange_running) delete this;
  }

  void close_handle(uv_handle_t* h) {
    uv_close(h, [](uv_handle_t* closed) {
      // Every handle but the connections has the Impl as its data.
      static_cast<Impl*>(closed->data)->handle_closed();
    });
  }

  void stop_listening() {
    if (server_closed) return;
    server_closed = true;
    close_handle(reinterpret_cast<uv_handle_t*>(&server));
  }

  // Closes the server, the timers and every connection not writing a response.
  void close_all() {
    stop_listening();
    if (!timers_closed) {
      timers_closed = true;
      close_handle(reinterpret_cast<uv_handle_t*>(&timeout_timer));
      close_handle(reinterpret_cast<uv_handle_t*>(&deliver_timer));
    }
    std::vector<Connection*> idle;
    for (Connection* c : connections) {
      if (!c->responding) idle.push_back(c);
    }
    for (Connection* c : idle) close_connection(c);
  }

  void destroy() {
    owner_gone = true;
    done = nullptr;
    if (exchange_running) http.cancel(exchange);  // on_done still comes; see maybe_free
    close_all();
    maybe_free();
  }

  // --- start ---

  Result<void, std::string> listen() {
    const std::string where = fmt::format("127.0.0.1:{}", options.port);
    uv_tcp_init(loop, &server);
    uv_timer_init(loop, &timeout_timer);
    uv_timer_init(loop, &deliver_timer);
    open_handles += 3;
    server.data = this;
    timeout_timer.data = this;
    deliver_timer.data = this;
    sockaddr_in addr{};
    int rc = uv_ip4_addr("127.0.0.1", options.port, &addr);
    if (rc == 0) rc = uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0);
    // libuv often reports a bind conflict only when listening.
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&server), 16, &Impl::on_connection);
    if (rc == UV_EADDRINUSE) {
      return fail(fmt::format("port {} is in use: {} (another sign-in may be running)",
                              options.port, uv_strerror(rc)));
    }
    if (rc != 0) return fail(fmt::format("cannot listen on {}: {}", where, uv_strerror(rc)));
    sockaddr_storage bound{};
    int length = sizeof bound;
    rc = uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &length);
    if (rc != 0) return fail(fmt::format("cannot listen on {}: {}", where, uv_strerror(rc)));
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    return {};
  }

  void build_urls() {
    redirect_uri = fmt::format("http://localhost:{}/auth/callback", port);
    const std::pair<std::string_view, std::string_view> params[] = {
        {"response_type", "code"},
        {"client_id", options.client_id},
        {"redirect_uri", redirect_uri},
        {"scope", kScope},
        {"code_challenge", pkce.challenge},
        {"code_challenge_method", "S256"},
        {"id_token_add_organizations", "true"},
        {"codex_cli_simplified_flow", "true"},
        {"state", state},
        {"originator", kOriginator},
    };
    auth_url = issuer + "/oauth/authorize";
    char sep = '?';
    for (const auto& [name, value] : params) {
      auth_url += sep;
      auth_url += name;
      auth_url += '=';
      auth_url += url_escape(value);
      sep = '&';
    }
  }

  // --- the outcome ---

  // Decides the outcome (the first call wins): stops listening and the timeout, cancels a
  // running exchange, answers a waiting browser, and arms the delivery of `done`.
  void finish(Result<OAuthTokens, std::string> result, int error_status = 400) {
    if (outcome) return;
    if (result.ok()) {
      log::info("login: signed in");
    } else {
      log::info("login: sign-in ended: {}", result.error());
    }
    if (waiting) {
      respond(waiting, result.ok() ? 200 : error_status,
              result.ok() ? std::string(kSuccessPage)
                          : fmt::format("Sign-in failed: {}.", result.error()));
      waiting = nullptr;
    }
    outcome.emplace(std::move(result));
    uv_timer_stop(&timeout_timer);
    stop_listening();
    if (exchange_running) http.cancel(exchange);
    uv_timer_start(&deliver_timer, &Impl::on_deliver, 0, 0);
  }

  static void on_deliver(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    if (self->delivered || !self->outcome) return;
    self->delivered = true;
    Done callback = std::move(self->done);
    self->done = nullptr;
    Result<OAuthTokens, std::string> result = std::move(*self->outcome);
    // Closing first: the handles finish closing on a later turn, so `self` outlives the
    // callback even if it destroys the owner.
    self->close_all();
    if (callback) callback(std::move(result));
  }

  static void on_timeout(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    self->finish(fail(fmt::format("sign-in timed out after {:g} s",
                                  static_cast<double>(self->options.timeout_ms) / 1000.0)));
  }

  // --- the callback server ---

  static void on_connection(uv_stream_t* listener, int status) {
    auto* self = static_cast<Impl*>(listener->data);
    if (status < 0) {
      log::error("login: accepting a connection: {}", uv_strerror(status));
      return;
    }
    auto* c = new Connection();
    c->impl = self;
    uv_tcp_init(self->loop, &c->tcp);
    c->tcp.data = c;
    ++self->open_handles;
    self->connections.insert(c);
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
        self->connections.size() > kMaxConnections) {
      self->close_connection(c);
      return;
    }
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c->tcp),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          auto* conn = static_cast<Connection*>(h->data);
          *buf = uv_buf_init(conn->buffer, sizeof conn->buffer);
        },
        &Impl::on_read);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(stream->data);
    Impl* self = c->impl;
    if (nread < 0) {
      self->close_connection(c);  // EOF or error before a whole head
      return;
    }
    if (nread == 0 || c->responding) return;
    c->head.append(buf->base, static_cast<std::size_t>(nread));
    std::size_t end = c->head.find("\r\n\r\n");
    if (end == std::string::npos || end + 4 > kMaxRequestHead) {
      if (c->head.size() > kMaxRequestHead) {
        self->respond(c, 431, "The request is too large.");
      }
      return;  // partial head: wait for more
    }
    uv_read_stop(stream);
    c->head.resize(end);
    self->handle_request(c);
  }

  void handle_request(Connection* c) {
    std::string_view head = c->head;
    std::string_view line = head.substr(0, head.find("\r\n"));
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0) {
      respond(c, 400, "Bad request.");
      return;
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t question = target.find('?');
    std::string_view path = target.substr(0, question);
    std::string_view query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    log::verbose("login: {} {}", method, path);  // never the query: it carries the code
    if (method == "GET" && path == "/auth/callback") {
      on_callback(c, parse_query(query));
    } else if (method == "GET" && path == "/cancel") {
      respond(c, 200, "Sign-in cancelled.");
      finish(fail(std::string(kCancelled)));
    } else {
      respond(c, 404, "Not found.");
    }
  }

  void on_callback(Connection* c, const std::map<std::string, std::string>& params) {
    if (outcome) {
      respond(c, 400, "This sign-in has already ended. Start a new one from the app.");
      return;
    }
    auto get = [&](const char* name) -> const std::string* {
      auto it = params.find(name);
      return it == params.end() ? nullptr : &it->second;
    };
    const std::string* got_state = get("state");
    if (!got_state || !same_secret(*got_state, state)) {
      log::info("login: a callback request with a wrong or missing state was refused");
      respond(c, 400,
              "This sign-in link does not belong to the sign-in in progress (state mismatch).");
      return;
    }
    if (const std::string* error = get("error")) {
      const std::string* description = get("error_description");
      std::string message = fmt::format("the issuer refused the sign-in: {}", sanitize(*error));
      if (description && !description->empty()) message += ": " + sanitize(*description);
      respond(c, 400, fmt::format("Sign-in failed: {}.", message));
      finish(fail(std::move(message)));
      return;
    }
    const std::string* code = get("code");
    if (!code || code->empty()) {
      respond(c, 400, "The sign-in callback has no authorization code.");
      return;
    }
    if (exchange_running) {
      respond(c, 409, "This sign-in is already being completed in another window.");
      return;
    }
    waiting = c;
    start_exchange(*code);
  }

  // --- the token exchange ---

  void start_exchange(const std::string& code) {
    HttpRequest request;
    request.method = HttpMethod::Post;
    request.url = issuer + "/oauth/token";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = fmt::format(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&code_verifier={}",
        url_escape(code), url_escape(redirect_uri), url_escape(options.client_id),
        url_escape(pkce.verifier));
    request.idle_timeout_ms = kTokenIdleTimeoutMs;
    exchange_status = 0;
    exchange_body.clear();
    exchange_running = true;
    HttpCallbacks callbacks;
    callbacks.on_head = [this](const HttpResponseHead& head) { exchange_status = head.status; };
    callbacks.on_body = [this](std::string_view chunk) {
      if (exchange_body.size() + chunk.size() <= kMaxTokenResponse) exchange_body.append(chunk);
    };
    callbacks.on_done = [this](HttpResult result) { on_exchange_done(std::move(result)); };
    exchange = http.post(std::move(request), std::move(callbacks));
    if (exchange.id == 0) {  // the client is closed: no callback will come
      exchange_running = false;
      finish(fail(std::string("token exchange failed: the HTTP client is closed")), 502);
    }
  }

  void on_exchange_done(HttpResult result) {
    exchange_running = false;
    if (outcome || owner_gone) {
      std::string().swap(exchange_body);
      maybe_free();  // may delete this
      return;
    }
    std::string body = std::move(exchange_body);
    exchange_body.clear();
    if (!result.ok()) {
      finish(fail(fmt::format("token exchange failed: {}", result.error().message)), 502);
      return;
    }
    if (exchange_status != 200) {
      std::string code = oauth_error_code(body);
      finish(fail(code.empty()
                      ? fmt::format("token exchange failed: HTTP {}", exchange_status)
                      : fmt::format("token exchange failed: HTTP {} ({})", exchange_status, code)),
             502);
      return;
    }
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      finish(fail(std::string("token exchange failed: the answer is not a JSON object")), 502);
      return;
    }
    OAuthTokens tokens;
    for (auto [name, field] :
         {std::pair{"id_token", &tokens.id_token}, std::pair{"access_token", &tokens.access_token},
          std::pair{"refresh_token", &tokens.refresh_token}}) {
      auto it = j.find(name);
      if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        finish(fail(fmt::format("token exchange failed: the answer has no {}", name)), 502);
        return;
      }
      *field = it->get<std::string>();
    }
    finish(std::move(tokens));
  }

  // --- connections ---

  void respond(Connection* c, int status, std::string_view message) {
    if (c->responding || c->closing) return;
    c->responding = true;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    c->out = http_response(status, message);
    c->write_req.data = c;
    uv_buf_t buf = uv_buf_init(c->out.data(), static_cast<unsigned>(c->out.size()));
    int rc = uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
                      [](uv_write_t* req, int) {
                        auto* conn = static_cast<Connection*>(req->data);
                        conn->impl->close_connection(conn);
                      });
    if (rc != 0) close_connection(c);
  }

  void close_connection(Connection* c) {
    if (c->closing) return;
    c->closing = true;
    connections.erase(c);
    if (waiting == c) waiting = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) {
      auto* conn = static_cast<Connection*>(h->data);
      Impl* self = conn->impl;
      delete conn;
      self->handle_closed();  // may delete self
    });
  }
};

Result<std::unique_ptr<ChatgptLogin>, std::string> ChatgptLogin::start(uv_loop_s* loop,
                                                                       HttpClient& http,
                                                                       ChatgptLoginOptions options,
                                                                       Done done) {
  std::string issuer = options.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  if (issuer.rfind("http://", 0) != 0 && issuer.rfind("https://", 0) != 0) {
    return fail(std::string("the sign-in issuer must be an http:// or https:// URL"));
  }
  if (options.client_id.empty()) return fail(std::string("the sign-in client id is empty"));
  if (options.port < 0 || options.port > 65535) {
    return fail(fmt::format("the sign-in callback port {} is out of range", options.port));
  }
  if (options.timeout_ms <= 0) return fail(std::string("the sign-in timeout must be positive"));

  auto* impl = new Impl(loop, http, std::move(options), std::move(done));
  impl->issuer = std::move(issuer);
  if (auto listening = impl->listen(); !listening.ok()) {
    impl->destroy();  // frees itself once the handles are closed
    return fail(std::move(listening).error());
  }
  impl->pkce = make_pkce();
  impl->state = random_urlsafe(32);
  impl->build_urls();
  uv_timer_start(&impl->timeout_timer, &Impl::on_timeout,
                 static_cast<std::uint64_t>(impl->options.timeout_ms), 0);
  log::info("login: waiting for the browser on 127.0.0.1:{}", impl->port);
  return std::unique_ptr<ChatgptLogin>(new ChatgptLogin(impl));
}

ChatgptLogin::~ChatgptLogin() { impl_->destroy(); }

const std::string& ChatgptLogin::auth_url() const { return impl_->auth_url; }

const std::string& ChatgptLogin::redirect_uri() const { return impl_->redirect_uri; }

int ChatgptLogin::port() const { return impl_->port; }

void ChatgptLogin::cancel() {
  if (impl_->outcome) return;
  impl_->finish(fail(std::string(kCancelled)));
}

}  // namespace spool::engine::login
