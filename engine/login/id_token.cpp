// See id_token.h. The JWT's header and signature are only checked for their shape; the
// claims come from the payload's JSON.
#include "engine/login/id_token.h"

#include <nlohmann/json.hpp>

#include "engine/login/pkce.h"

namespace spool::engine::login {
namespace {

std::optional<std::string> string_claim(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Result<IdTokenClaims, std::string> parse_id_token(std::string_view jwt) {
  std::size_t first = jwt.find('.');
  std::size_t second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos) {
    return fail(std::string("the id_token is not a JWT (three dot-separated parts)"));
  }
  std::string_view header = jwt.substr(0, first);
  std::string_view payload = jwt.substr(first + 1, second - first - 1);
  std::string_view signature = jwt.substr(second + 1);
  if (header.empty() || !base64url_decode(header) ||
      (!signature.empty() && !base64url_decode(signature))) {
    return fail(std::string("the id_token is not a JWT (a part is not base64url)"));
  }
  std::optional<std::string> json_text = base64url_decode(payload);
  if (!json_text || json_text->empty()) {
    return fail(std::string("the id_token's payload is not base64url"));
  }
  nlohmann::json claims = nlohmann::json::parse(*json_text, nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return fail(std::string("the id_token's payload is not a JSON object"));
  }
  IdTokenClaims out;
  out.email = string_claim(claims, "email");
  auto auth = claims.find(kOpenAiAuthClaim);
  if (auth != claims.end() && auth->is_object()) {
    out.plan_type = string_claim(*auth, "chatgpt_plan_type");
    out.account_id = string_claim(*auth, "chatgpt_account_id");
    out.user_id = string_claim(*auth, "chatgpt_user_id");
    if (!out.user_id) out.user_id = string_claim(*auth, "user_id");
  }
  return out;
}

}  // namespace spool::engine::login
