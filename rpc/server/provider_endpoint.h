// Where and how the server reaches a configured model provider: its base URL, query params
// and headers from config.toml, and its credentials.
//
// Credentials, in order: the provider's env_key variable when set and not empty; else, for a
// provider with requires_openai_auth, the stored sign-in (auth.json): an API key as the
// bearer token, or a ChatGPT sign-in's access token with its chatgpt-account-id header.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "config/auth_file.h"
#include "config/spool_config.h"
#include "engine/model_stream.h"

namespace spool::rpc {

enum class KeyNeed { Required, Optional };

// The endpoint of `provider_id`. Errors (messages for people, never containing a key): the
// provider is not configured; it needs a key (KeyNeed::Required) and none is available,
// saying which variable to set or to sign in, and why a stored sign-in was refused
// (`auth_problem`) when it was.
Result<engine::ProviderEndpoint, std::string> provider_endpoint(
    const config::SpoolConfig& config, const std::string& provider_id,
    const std::optional<config::StoredAuth>& auth, const std::optional<std::string>& auth_problem,
    KeyNeed need);

}  // namespace spool::rpc
