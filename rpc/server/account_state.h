// AccountState: the server's sign-in and account-wide state. The stored credentials
// ($SPOOL_HOME/auth.json, config/auth_file.h), the ChatGPT browser sign-in in progress, and
// the rate limits the model provider reports, kept as a history in the database.
//
// Notifications go to every initialized session: account/login/completed when a sign-in
// ends, account/updated when the credentials change, account/rateLimits/updated when the
// newest rate-limit snapshot changes.
//
// Secrets: an API key or token is written to auth.json only, never to a log line, an error
// message or the event store.
//
// Threading: loop thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/auth_file.h"
#include "engine/login/chatgpt_login.h"
#include "protocol/v2/account.h"

namespace spool::rpc {

class AppServer;

class AccountState {
 public:
  AccountState(AppServer& server, std::filesystem::path auth_file);
  ~AccountState();
  AccountState(const AccountState&) = delete;
  AccountState& operator=(const AccountState&) = delete;

  // Reads auth.json. A file that is refused (readable by others, not JSON) is logged with
  // the reason, counts as signed out, and problem() says why until the next sign-in.
  void load();
  const std::optional<config::StoredAuth>& auth() const { return auth_; }
  const std::optional<std::string>& problem() const { return problem_; }
  const std::filesystem::path& auth_file() const { return auth_file_; }

  // account/read's answer: apiKey, chatgpt (email, plan) or null.
  protocol::v2::GetAccountResponse account() const;
  // account/updated's params for the current sign-in.
  protocol::v2::AccountUpdatedNotification updated() const;

  // Stores the key (replacing any sign-in; a ChatGPT sign-in in progress is cancelled).
  // Errors say what failed without the key. The caller answers, then calls
  // notify_api_key_login().
  Result<void, std::string> login_api_key(const std::string& api_key);
  // account/login/completed {loginId: null, success: true}, then account/updated.
  void notify_api_key_login();
  // Starts the browser sign-in against the configured issuer (a sign-in already in progress
  // is cancelled). Its end is notified with account/login/completed {loginId, success,
  // error} and, on success, account/updated. REQUIRES: the server has a loop (enable_turns).
  Result<protocol::v2::ChatgptLoginAccountResponse, std::string> start_chatgpt_login();
  protocol::v2::CancelLoginAccountStatus cancel_login(const std::string& login_id);
  // Removes auth.json (and cancels a sign-in in progress). The caller answers, then calls
  // notify_updated().
  Result<void, std::string> logout();
  // account/updated for the current sign-in.
  void notify_updated();

  // A snapshot the provider reported (response headers, token_count). Merged with the
  // newest stored one of its limit (credits and plan missing from it are kept), stored when
  // it differs, and then notified as account/rateLimits/updated. Runs on the writer thread;
  // failures are logged.
  void record_rate_limits(protocol::v2::RateLimitSnapshot snapshot);

  // Server shutdown: a sign-in in progress is cancelled without notifying.
  void close();

 private:
  struct PendingLogin {
    std::string id;
    std::unique_ptr<engine::login::ChatgptLogin> login;
  };
  void finish_login(const std::string& login_id,
                    Result<engine::login::OAuthTokens, std::string> result);
  void cancel_pending(bool notify);
  void notify_login_completed(std::optional<std::string> login_id, bool success,
                              std::optional<std::string> error);

  AppServer& server_;
  std::filesystem::path auth_file_;
  std::optional<config::StoredAuth> auth_;
  std::optional<std::string> problem_;
  std::optional<PendingLogin> pending_;
};

// The limit id a snapshot is stored under: its limitId, else "codex".
std::string limit_id_of(const protocol::v2::RateLimitSnapshot& s);
// `incoming` completed from `previous` (the newest stored of the same limit): credits and
// planType it lacks are kept from `previous`, as Codex does.
protocol::v2::RateLimitSnapshot merge_rate_limits(const protocol::v2::RateLimitSnapshot* previous,
                                                  protocol::v2::RateLimitSnapshot incoming);
// The v2 plan type for an id token's chatgpt_plan_type claim (unknown spellings: Unknown).
protocol::v2::PlanType plan_type_of(const std::optional<std::string>& claim);

}  // namespace spool::rpc
