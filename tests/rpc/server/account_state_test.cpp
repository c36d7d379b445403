// The pure parts of the account state and provider credentials: merging rate-limit
// snapshots, plan types from id-token claims, and which key a provider request carries.
#include "rpc/server/account_state.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "rpc/server/provider_endpoint.h"

using namespace spool;
using namespace spool::rpc;
namespace v2 = spool::protocol::v2;

TEST_CASE("rate limits: a snapshot without credits keeps the stored ones", "[account]") {
  v2::RateLimitSnapshot previous;
  previous.credits = v2::CreditsSnapshot{true, false, "42"};
  previous.planType = v2::PlanType::Plus;
  previous.primary = v2::RateLimitWindow{10, 300, 1};
  v2::RateLimitSnapshot incoming;
  incoming.primary = v2::RateLimitWindow{20, 300, 2};
  const auto merged = merge_rate_limits(&previous, incoming);
  CHECK(merged.primary->usedPercent == 20);
  REQUIRE(merged.credits);
  CHECK(merged.credits->balance == "42");
  CHECK(merged.planType == v2::PlanType::Plus);
  incoming.credits = v2::CreditsSnapshot{true, true, std::nullopt};
  CHECK(merge_rate_limits(&previous, incoming).credits->unlimited);
  CHECK_FALSE(merge_rate_limits(nullptr, v2::RateLimitSnapshot{}).credits);
  CHECK(limit_id_of(v2::RateLimitSnapshot{}) == "codex");
  v2::RateLimitSnapshot named;
  named.limitId = "other";
  CHECK(limit_id_of(named) == "other");
}

TEST_CASE("plan types from the id token's claim", "[account]") {
  CHECK(plan_type_of(std::string("plus")) == v2::PlanType::Plus);
  CHECK(plan_type_of(std::string("enterprise")) == v2::PlanType::Enterprise);
  CHECK(plan_type_of(std::string("galactic")) == v2::PlanType::Unknown);
  CHECK(plan_type_of(std::nullopt) == v2::PlanType::Unknown);
}

TEST_CASE("provider credentials: env var first, then the stored sign-in", "[account]") {
  config::SpoolConfig cfg = config::default_config();
  config::ModelProviderConfig local;
  local.id = "local";
  local.base_url = "http://127.0.0.1:1/v1";
  cfg.model_providers["local"] = local;
  ::unsetenv("OPENAI_API_KEY");

  auto none = provider_endpoint(cfg, "openai", std::nullopt, std::nullopt, KeyNeed::Required);
  REQUIRE_FALSE(none);
  CHECK(none.error() ==
        "model provider 'openai' needs an API key: set the environment variable OPENAI_API_KEY "
        "for `spool serve`, or sign in (account/login/start)");
  auto refused = provider_endpoint(cfg, "openai", std::nullopt, std::string("auth.json: mode 0644"),
                                   KeyNeed::Required);
  CHECK(refused.error().find("the stored sign-in was not used: auth.json: mode 0644") !=
        std::string::npos);
  CHECK(provider_endpoint(cfg, "openai", std::nullopt, std::nullopt, KeyNeed::Optional));
  CHECK(provider_endpoint(cfg, "local", std::nullopt, std::nullopt, KeyNeed::Required));
  CHECK_FALSE(provider_endpoint(cfg, "nowhere", std::nullopt, std::nullopt, KeyNeed::Optional));

  config::StoredAuth key;
  key.mode = config::AuthMode::ApiKey;
  key.api_key = "sk-stored";
  auto stored = provider_endpoint(cfg, "openai", key, std::nullopt, KeyNeed::Required);
  REQUIRE(stored);
  CHECK(stored.value().api_key == "sk-stored");
  CHECK(provider_endpoint(cfg, "local", key, std::nullopt, KeyNeed::Required)
            .value()
            .api_key.empty());

  config::StoredAuth chatgpt;
  chatgpt.mode = config::AuthMode::Chatgpt;
  chatgpt.tokens = config::ChatgptTokens{"id", "access", "refresh", std::string("acct")};
  auto c = provider_endpoint(cfg, "openai", chatgpt, std::nullopt, KeyNeed::Required);
  REQUIRE(c);
  CHECK(c.value().api_key == "access");
  CHECK(c.value().headers.at("chatgpt-account-id") == "acct");

  ::setenv("OPENAI_API_KEY", "sk-env", 1);
  CHECK(provider_endpoint(cfg, "openai", key, std::nullopt, KeyNeed::Required).value().api_key ==
        "sk-env");
  ::unsetenv("OPENAI_API_KEY");
}
