// The account state: auth.json through config/auth_file.h, the browser sign-in through
// engine/login, and the rate-limit history through the store's records.
#include "rpc/server/account_state.h"

#include <fmt/format.h>

#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "base/uuid.h"
#include "engine/login/id_token.h"
#include "protocol/codec.h"
#include "rpc/server/app_server.h"

namespace spool::rpc {

namespace v2 = protocol::v2;
using nlohmann::json;

std::string limit_id_of(const v2::RateLimitSnapshot& s) {
  return s.limitId && !s.limitId->empty() ? *s.limitId : "codex";
}

v2::RateLimitSnapshot merge_rate_limits(const v2::RateLimitSnapshot* previous,
                                        v2::RateLimitSnapshot incoming) {
  if (!previous) return incoming;
  if (!incoming.credits) incoming.credits = previous->credits;
  if (!incoming.planType) incoming.planType = previous->planType;
  return incoming;
}

v2::PlanType plan_type_of(const std::optional<std::string>& claim) {
  if (!claim) return v2::PlanType::Unknown;
  auto decoded = protocol::decode_value<v2::PlanType>(json(*claim));
  return decoded ? decoded.value() : v2::PlanType::Unknown;
}

AccountState::AccountState(AppServer& server, std::filesystem::path auth_file)
    : server_(server), auth_file_(std::move(auth_file)) {}

AccountState::~AccountState() = default;

void AccountState::load() {
  auto loaded = config::load_auth(auth_file_);
  if (!loaded) {
    auth_.reset();
    problem_ = loaded.error();
    log::error("signed out: {}", *problem_);
    return;
  }
  auth_ = std::move(loaded).value();
  problem_.reset();
}

v2::GetAccountResponse AccountState::account() const {
  v2::GetAccountResponse r;
  const auto it = server_.info().config.model_providers.find(server_.info().config.model_provider);
  r.requiresOpenaiAuth =
      it != server_.info().config.model_providers.end() && it->second.requires_openai_auth;
  if (!auth_) return r;
  if (auth_->mode == config::AuthMode::ApiKey) {
    r.account = v2::Account{v2::ApiKeyAccount{}};
    return r;
  }
  v2::ChatgptAccount a;
  if (auth_->tokens) {
    if (auto claims = engine::login::parse_id_token(auth_->tokens->id_token)) {
      a.email = claims.value().email;
      a.planType = plan_type_of(claims.value().plan_type);
      r.userId = claims.value().user_id;
    }
  }
  r.account = v2::Account{std::move(a)};
  return r;
}

v2::AccountUpdatedNotification AccountState::updated() const {
  v2::AccountUpdatedNotification n;
  if (!auth_) return n;
  if (auth_->mode == config::AuthMode::ApiKey) {
    n.authMode = v2::AuthMode::ApiKey;
    return n;
  }
  n.authMode = v2::AuthMode::Chatgpt;
  const auto acct = account();
  if (acct.account) {
    if (const auto* c = std::get_if<v2::ChatgptAccount>(&*acct.account)) n.planType = c->planType;
  }
  return n;
}

Result<void, std::string> AccountState::login_api_key(const std::string& api_key) {
  if (api_key.empty()) return fail(std::string("apiKey must not be empty"));
  for (const char c : api_key) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return fail(std::string("apiKey must not contain spaces or control characters"));
    }
  }
  cancel_pending(/*notify=*/true);
  config::StoredAuth stored;
  stored.mode = config::AuthMode::ApiKey;
  stored.api_key = api_key;
  stored.last_refresh_ms = now_ms();
  if (auto saved = config::save_auth(auth_file_, stored); !saved) return fail(saved.error());
  auth_ = std::move(stored);
  problem_.reset();
  log::info("signed in with an API key (stored in {})", auth_file_.string());
  return {};
}

void AccountState::notify_api_key_login() {
  notify_login_completed(std::nullopt, true, std::nullopt);
  notify_updated();
}

Result<v2::ChatgptLoginAccountResponse, std::string> AccountState::start_chatgpt_login() {
  if (!server_.turns_enabled()) {
    return fail(std::string("the ChatGPT sign-in is not available in this server"));
  }
  cancel_pending(/*notify=*/true);
  const auto& cfg = server_.info().config;
  engine::login::ChatgptLoginOptions options;
  options.issuer = cfg.login_issuer;
  options.client_id = cfg.login_client_id;
  options.port = cfg.login_callback_port;
  const std::string id = new_uuid_v7();
  auto started = engine::login::ChatgptLogin::start(
      server_.loop(), server_.http(), std::move(options),
      [this, id](Result<engine::login::OAuthTokens, std::string> result) {
        finish_login(id, std::move(result));
      });
  if (!started) return fail(started.error());
  v2::ChatgptLoginAccountResponse r;
  r.loginId = id;
  r.authUrl = started.value()->auth_url();
  pending_ = PendingLogin{id, std::move(started).value()};
  log::info("ChatGPT sign-in {} started: waiting on 127.0.0.1:{}", id, pending_->login->port());
  return r;
}

void AccountState::finish_login(const std::string& login_id,
                                Result<engine::login::OAuthTokens, std::string> result) {
  if (!pending_ || pending_->id != login_id) return;
  // Destroyed after this call returns (the login allows it from inside its callback).
  auto finished = std::move(pending_->login);
  pending_.reset();
  if (!result) {
    log::info("ChatGPT sign-in {} ended: {}", login_id, result.error());
    notify_login_completed(login_id, false, result.error());
    return;
  }
  auto tokens = std::move(result).value();
  config::StoredAuth stored;
  stored.mode = config::AuthMode::Chatgpt;
  config::ChatgptTokens t;
  t.id_token = std::move(tokens.id_token);
  t.access_token = std::move(tokens.access_token);
  t.refresh_token = std::move(tokens.refresh_token);
  if (auto claims = engine::login::parse_id_token(t.id_token))
    t.account_id = claims.value().account_id;
  stored.tokens = std::move(t);
  stored.last_refresh_ms = now_ms();
  if (auto saved = config::save_auth(auth_file_, stored); !saved) {
    log::error("ChatGPT sign-in {}: {}", login_id, saved.error());
    notify_login_completed(login_id, false, saved.error());
    return;
  }
  auth_ = std::move(stored);
  problem_.reset();
  log::info("ChatGPT sign-in {} completed", login_id);
  notify_login_completed(login_id, true, std::nullopt);
  notify_updated();
}

v2::CancelLoginAccountStatus AccountState::cancel_login(const std::string& login_id) {
  if (!pending_ || pending_->id != login_id) return v2::CancelLoginAccountStatus::NotFound;
  pending_->login->cancel();  // finish_login follows from the loop with "sign-in cancelled"
  return v2::CancelLoginAccountStatus::Canceled;
}

Result<void, std::string> AccountState::logout() {
  cancel_pending(/*notify=*/true);
  auto removed = config::remove_auth(auth_file_);
  if (!removed) return fail(removed.error());
  auth_.reset();
  problem_.reset();
  log::info("signed out");
  return {};
}

void AccountState::cancel_pending(bool notify) {
  if (!pending_) return;
  const std::string id = pending_->id;
  pending_.reset();  // destroying the login calls nothing
  if (notify) notify_login_completed(id, false, std::string("sign-in cancelled"));
}

void AccountState::close() { cancel_pending(/*notify=*/false); }

void AccountState::notify_login_completed(std::optional<std::string> login_id, bool success,
                                          std::optional<std::string> error) {
  v2::AccountLoginCompletedNotification n;
  n.loginId = std::move(login_id);
  n.success = success;
  n.error = std::move(error);
  server_.broadcast("account/login/completed", protocol::to_json_value(n),
                    "account/login/completed:" + n.loginId.value_or(""));
}

void AccountState::notify_updated() {
  server_.broadcast("account/updated", protocol::to_json_value(updated()), "account/updated");
}

void AccountState::record_rate_limits(v2::RateLimitSnapshot snapshot) {
  using Stored = Result<std::optional<json>, eventstore::StoreError>;
  server_.db().write<Stored>(
      [snapshot = std::move(snapshot)](eventstore::Store& store) mutable -> Stored {
        const std::string limit = limit_id_of(snapshot);
        auto latest = store.latest_rate_limits();
        if (!latest) return fail(latest.error());
        std::optional<v2::RateLimitSnapshot> previous;
        for (const auto& r : latest.value()) {
          if (r.limit_id != limit) continue;
          auto decoded = protocol::decode_value<v2::RateLimitSnapshot>(
              json::parse(r.snapshot_json, nullptr, /*allow_exceptions=*/false));
          if (decoded) previous = std::move(decoded).value();
        }
        json merged =
            protocol::to_json_value(merge_rate_limits(previous ? &*previous : nullptr, snapshot));
        auto stored = store.record_rate_limits({now_ms(), limit, merged.dump()});
        if (!stored) return fail(stored.error());
        if (!stored.value()) return std::optional<json>{};
        return std::optional<json>{std::move(merged)};
      },
      [this](Stored result) {
        if (!result) {
          log::error("rate limits not stored: {}", result.error().message);
          return;
        }
        if (!result.value()) return;  // unchanged
        server_.broadcast("account/rateLimits/updated",
                          json{{"rateLimits", std::move(*result.value())}},
                          "account/rateLimits/updated");
      });
}

}  // namespace spool::rpc
