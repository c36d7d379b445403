// See provider_models.h.
#include "rpc/server/provider_models.h"

#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "rpc/server/account_state.h"
#include "rpc/server/app_server.h"
#include "rpc/server/provider_endpoint.h"

namespace spool::rpc {

namespace {
constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;
}  // namespace

ProviderModels::ProviderModels(AppServer& server) : server_(server) {}

ProviderModels::~ProviderModels() = default;

void ProviderModels::get(const std::string& provider_id, Done done) {
  Entry& e = entries_[provider_id];
  if (!e.fetching && e.fetched_at_ms != 0) {
    const std::int64_t age = now_ms() - e.fetched_at_ms;
    if (age < (e.models ? kFreshMs : kRetryMs)) return done(e.models ? &*e.models : nullptr);
  }
  e.waiters.push_back(std::move(done));
  if (e.fetching) return;
  if (!server_.turns_enabled()) return finish(provider_id, std::nullopt);
  // api.openai.com's GET /models lists every model of the API (embeddings, speech, ...), not
  // the ones a coding agent can use: its catalog is the built-in one.
  const auto& providers = server_.info().config.model_providers;
  if (const auto it = providers.find(provider_id);
      it != providers.end() && it->second.base_url == config::kOpenAiBaseUrl) {
    return finish(provider_id, std::nullopt);
  }
  auto endpoint = provider_endpoint(server_.info().config, provider_id, server_.account().auth(),
                                    server_.account().problem(), KeyNeed::Required);
  if (!endpoint) {
    log::verbose("models of {} not fetched: {}", provider_id, endpoint.error());
    return finish(provider_id, std::nullopt);
  }
  e.fetching = true;
  engine::HttpRequest request;
  request.method = engine::HttpMethod::Get;
  request.url = engine::endpoint_url(endpoint.value(), "/models");
  request.headers = engine::endpoint_headers(endpoint.value(), {{"Accept", "application/json"}});
  request.connect_timeout_ms = kTimeoutMs;
  request.idle_timeout_ms = kTimeoutMs;
  auto body = std::make_shared<std::string>();
  auto status = std::make_shared<long>(0);
  engine::HttpCallbacks callbacks;
  callbacks.on_head = [status](const engine::HttpResponseHead& head) { *status = head.status; };
  callbacks.on_body = [body](std::string_view chunk) {
    if (body->size() + chunk.size() <= kMaxBodyBytes) body->append(chunk);
  };
  callbacks.on_done = [this, alive = std::weak_ptr<int>(alive_), provider_id, body,
                       status](engine::HttpResult result) {
    if (alive.expired()) return;
    if (!result) {
      log::info("models of {}: GET /models failed: {}", provider_id, result.error().message);
      return finish(provider_id, std::nullopt);
    }
    if (*status != 200) {
      log::info("models of {}: GET /models answered HTTP {}", provider_id, *status);
      return finish(provider_id, std::nullopt);
    }
    auto parsed = parse_provider_models(*body);
    if (!parsed) {
      log::info("models of {}: GET /models: {}", provider_id, parsed.error());
      return finish(provider_id, std::nullopt);
    }
    finish(provider_id, std::move(parsed).value());
  };
  server_.http().post(std::move(request), std::move(callbacks));
}

void ProviderModels::finish(const std::string& provider_id,
                            std::optional<std::vector<ProviderModel>> models) {
  Entry& e = entries_[provider_id];
  e.models = std::move(models);
  e.fetched_at_ms = now_ms();
  e.fetching = false;
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  // A copy: a waiter may start another get() that replaces the entry's list.
  const std::optional<std::vector<ProviderModel>> list = e.models;
  for (auto& w : waiters) w(list ? &*list : nullptr);
}

}  // namespace spool::rpc
