// Reading the claims Spool needs from the OpenID Connect id_token of a ChatGPT sign-in: the
// e-mail address, the plan and the account and user ids. The token is not verified: it came
// straight from the issuer over TLS in the token exchange (or from auth.json, which only the
// user can read), and it is only used to show who is signed in and to pick the account.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace spool::engine::login {

struct IdTokenClaims {
  std::optional<std::string> email;       // "email"
  std::optional<std::string> plan_type;   // auth claim "chatgpt_plan_type", e.g. "plus"
  std::optional<std::string> account_id;  // auth claim "chatgpt_account_id"
  std::optional<std::string> user_id;     // auth claim "chatgpt_user_id", else "user_id"
};

// The object of OpenAI's claims inside the id_token payload.
inline constexpr std::string_view kOpenAiAuthClaim = "https://api.openai.com/auth";

// Decodes the JWT's payload (no signature check, see above). A claim that is missing or not
// a string is nullopt. Errors (never containing the token) when `jwt` is not three
// dot-separated base64url parts (the signature may be empty) or the payload is not a JSON
// object.
Result<IdTokenClaims, std::string> parse_id_token(std::string_view jwt);

}  // namespace spool::engine::login
