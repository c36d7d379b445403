// The browser sign-in with a ChatGPT account: OAuth 2.0 authorization code with PKCE, as the
// Codex CLI does it. start() listens on 127.0.0.1:<port> for the browser's redirect
// (http://localhost:<port>/auth/callback) and builds the URL the user opens; when the issuer
// redirects back with a code, the code is exchanged for tokens at {issuer}/oauth/token and
// the browser is shown a short page saying how it went.
//
// The callback server is a deliberately tiny HTTP/1.1 server on uv_tcp: loopback only, one
// request per connection (head capped at 16 KiB), connection closed after the response.
// Routes: GET /auth/callback?code&state (a wrong or missing state gets a 400 page and the
// sign-in goes on waiting: a stray request must not end it; error=..&error_description=..
// with the right state ends it), GET /cancel (ends it: the Codex CLI asks a previous
// sign-in to free the port this way), anything else 404.
//
// Not here: storing the tokens (config/auth_file.h), reading their claims (id_token.h),
// opening the browser. Codes and tokens are never logged.
//
// Threading: everything (start, cancel, destruction, `done`) happens on the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "engine/http_client.h"

struct uv_loop_s;

namespace spool::engine::login {

struct OAuthTokens {
  std::string id_token;
  std::string access_token;
  std::string refresh_token;
};

struct ChatgptLoginOptions {
  std::string issuer;     // e.g. "https://auth.openai.com"; trailing "/" ignored
  std::string client_id;  // the OAuth client, e.g. Codex's "app_EMoamEEZ73f0CkXaXp7hrann"
  int port = 1455;        // 0: any free port
  std::int64_t timeout_ms = 600000;  // the whole sign-in, from start()
};

class ChatgptLogin {
 public:
  using Done = std::function<void(Result<OAuthTokens, std::string>)>;

  // Binds the callback server on 127.0.0.1:options.port and builds the authorization URL.
  // Fails with a clear message when the options are unusable or it cannot listen ("port 1455
  // is in use: address already in use"); then `done` is never called.
  // `done` is called exactly once, later, from the loop (never from inside start() or
  // cancel()): with the tokens on success, else with a message: "sign-in cancelled",
  // "sign-in timed out after 600 s", "the issuer refused the sign-in: access_denied:
  // <description>", "token exchange failed: HTTP 500 ...". By then the server has stopped
  // listening and the browser has been answered.
  // `loop` must outlive the closing of the login's handles (see ~ChatgptLogin); `http` is
  // used for the token exchange and must outlive this object.
  static Result<std::unique_ptr<ChatgptLogin>, std::string> start(uv_loop_s* loop, HttpClient& http,
                                                                  ChatgptLoginOptions options,
                                                                  Done done);

  // Closes everything; if `done` was not called yet, it never is (a running token exchange
  // is cancelled, a waiting browser request is dropped). A response already being written
  // to the browser is finished first. The uv handles finish closing on later loop turns,
  // and memory is freed then: run the loop before uv_loop_close(). Safe from inside `done`.
  ~ChatgptLogin();
  ChatgptLogin(const ChatgptLogin&) = delete;
  ChatgptLogin& operator=(const ChatgptLogin&) = delete;

  // The URL to open in the browser: {issuer}/oauth/authorize?response_type=code&...
  const std::string& auth_url() const;
  // http://localhost:<port>/auth/callback, as registered with the issuer.
  const std::string& redirect_uri() const;
  // The bound port (the one chosen when options.port was 0).
  int port() const;

  // Ends the sign-in: done("sign-in cancelled") comes later from the loop. Idempotent; does
  // nothing once the outcome is decided (done called or about to be).
  void cancel();

  struct Impl;

 private:
  explicit ChatgptLogin(Impl* impl) : impl_(impl) {}
  Impl* impl_;  // frees itself once its handles are closed and this object is gone
};

}  // namespace spool::engine::login
