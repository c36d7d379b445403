// See provider_endpoint.h.
#include "rpc/server/provider_endpoint.h"

#include <fmt/format.h>

#include <cstdlib>

namespace spool::rpc {

Result<engine::ProviderEndpoint, std::string> provider_endpoint(
    const config::SpoolConfig& config, const std::string& provider_id,
    const std::optional<config::StoredAuth>& auth, const std::optional<std::string>& auth_problem,
    KeyNeed need) {
  const auto it = config.model_providers.find(provider_id);
  if (it == config.model_providers.end()) {
    return fail(
        fmt::format("model provider '{}' is not configured in config.toml ([model_providers.{}])",
                    provider_id, provider_id));
  }
  const config::ModelProviderConfig& p = it->second;
  engine::ProviderEndpoint e;
  e.base_url = p.base_url;
  bool has_key = false;
  if (p.env_key) {
    if (const char* key = std::getenv(p.env_key->c_str()); key && *key) {
      e.api_key = key;
      has_key = true;
    }
  }
  if (!has_key && p.requires_openai_auth && auth) {
    if (auth->mode == config::AuthMode::ApiKey && !auth->api_key.empty()) {
      e.api_key = auth->api_key;
      has_key = true;
    } else if (auth->mode == config::AuthMode::Chatgpt && auth->tokens) {
      e.api_key = auth->tokens->access_token;
      if (auth->tokens->account_id) e.headers["chatgpt-account-id"] = *auth->tokens->account_id;
      has_key = true;
    }
  }
  const bool needs_key = p.env_key.has_value() || p.requires_openai_auth;
  if (!has_key && needs_key && need == KeyNeed::Required) {
    std::string how;
    if (p.env_key)
      how = fmt::format("set the environment variable {} for `spool serve`", *p.env_key);
    if (p.requires_openai_auth) {
      how += how.empty() ? "sign in" : ", or sign in";
      how += " (account/login/start)";
      if (auth_problem) how += fmt::format("; the stored sign-in was not used: {}", *auth_problem);
    }
    return fail(fmt::format("model provider '{}' needs an API key: {}", provider_id, how));
  }
  e.query_params = p.query_params;
  for (const auto& [header, value] : p.http_headers) e.headers[header] = value;
  for (const auto& [header, var] : p.env_http_headers) {
    if (const char* v = std::getenv(var.c_str()); v && *v) e.headers[header] = v;
  }
  e.request_max_retries = p.request_max_retries;
  e.stream_max_retries = p.stream_max_retries;
  e.idle_timeout_ms = static_cast<long>(p.stream_idle_timeout_ms);
  return e;
}

}  // namespace spool::rpc
