// The account/* methods. Sign-in state changes are notified by AccountState; these handlers
// check params, call it, and answer.
#include "rpc/server/account_handlers.h"

#include <fmt/format.h>

#include "protocol/codec.h"
#include "protocol/v2/account.h"
#include "rpc/server/account_state.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_handler_support.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

void account_read(Session& session, const json& params, Reply reply) {
  v2::GetAccountParams p;
  if (!decode_params(params, p, reply)) return;
  reply(protocol::to_json_value(session.server().account().account()));
}

void login_start(Session& session, const json& params, Reply reply) {
  v2::LoginAccountParams p;
  if (!decode_params(params, p, reply)) return;
  AccountState& account = session.server().account();
  if (const auto* api = std::get_if<v2::ApiKeyLoginAccountParams>(&p)) {
    if (auto done = account.login_api_key(api->apiKey); !done) {
      return reply(invalid_params("params.apiKey: " + done.error()));
    }
    reply(protocol::to_json_value(v2::LoginAccountResponse{v2::ApiKeyLoginAccountResponse{}}));
    return account.notify_api_key_login();  // after the answer, as Codex does
  }
  auto started = account.start_chatgpt_login();
  if (!started) return reply(make_error(protocol::ErrorCode::InternalError, started.error()));
  reply(protocol::to_json_value(v2::LoginAccountResponse{std::move(started).value()}));
}

void login_cancel(Session& session, const json& params, Reply reply) {
  v2::CancelLoginAccountParams p;
  if (!decode_params(params, p, reply)) return;
  v2::CancelLoginAccountResponse r;
  r.status = session.server().account().cancel_login(p.loginId);
  reply(protocol::to_json_value(r));
}

void logout(Session& session, const json& /*params*/, Reply reply) {
  if (auto done = session.server().account().logout(); !done) {
    return reply(make_error(protocol::ErrorCode::InternalError, done.error()));
  }
  reply(protocol::to_json_value(v2::LogoutAccountResponse{}));
  session.server().account().notify_updated();
}

using Limits = Result<std::vector<eventstore::RateLimitRecord>, eventstore::StoreError>;

// The newest snapshot of each limit: "codex" (else the first) as rateLimits, all of them by
// limit id. Nothing reported yet: a snapshot with every field null.
void rate_limits_read(Session& session, const json& params, Reply reply) {
  v2::GetAccountRateLimitsParams p;
  if (!params.is_null() && !decode_params(params, p, reply)) return;
  session.read<Limits>([](eventstore::Store& store) { return store.latest_rate_limits(); },
                       [r = share(std::move(reply))](Limits res) {
                         if (!res) return (*r)(store_failure(res.error()));
                         v2::GetAccountRateLimitsResponse out;
                         std::map<std::string, v2::RateLimitSnapshot> by_id;
                         for (const auto& rec : res.value()) {
                           auto decoded = protocol::decode_value<v2::RateLimitSnapshot>(
                               json::parse(rec.snapshot_json, nullptr, false));
                           if (decoded) by_id[rec.limit_id] = std::move(decoded).value();
                         }
                         if (!by_id.empty()) {
                           const auto codex = by_id.find("codex");
                           out.rateLimits =
                               codex != by_id.end() ? codex->second : by_id.begin()->second;
                           out.rateLimitsByLimitId = std::move(by_id);
                         }
                         (*r)(protocol::to_json_value(out));
                       });
}

}  // namespace

void register_account_handlers(Session& session, MessageRouter& router) {
  const auto add = [&](const char* method, void (*handler)(Session&, const json&, Reply)) {
    router.add(method,
               [&session, handler](const json& p, Reply r) { handler(session, p, std::move(r)); });
  };
  add("account/read", account_read);
  add("account/login/start", login_start);
  add("account/login/cancel", login_cancel);
  add("account/logout", logout);
  add("account/rateLimits/read", rate_limits_read);
}

}  // namespace spool::rpc
