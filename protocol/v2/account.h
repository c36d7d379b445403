// account/*: the signed-in account (account/read), login and logout, rate limits
// (account/rateLimits/read) and the account notifications. Rate-limit snapshots and credits
// are the v2 (camelCase) shapes; Codex's core event of the same name lives in core/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "protocol/codec.h"

namespace spool::protocol::v2 {

// NOLINTBEGIN(readability-identifier-naming): wire names

// The ChatGPT plan. All of Codex 0.169's values (0.60.1 had a subset, same spellings).
enum class PlanType {
  Free,
  Go,
  Plus,
  Pro,
  Prolite,
  Promax,
  Team,
  SelfServeBusinessProlite,
  SelfServeBusinessUsageBased,
  Business,
  Ent26,
  EnterpriseCbpAutomation,
  EnterpriseCbpUsageBased,
  Enterprise,
  Edu,
  EduPlus,
  EduPro,
  Sci,
  SciPlus,
  Unknown,
};
SPOOL_ENUM(PlanType, "v2", Entry{PlanType::Free, "free"}, Entry{PlanType::Go, "go"},
           Entry{PlanType::Plus, "plus"}, Entry{PlanType::Pro, "pro"},
           Entry{PlanType::Prolite, "prolite"}, Entry{PlanType::Promax, "promax"},
           Entry{PlanType::Team, "team"},
           Entry{PlanType::SelfServeBusinessProlite, "self_serve_business_prolite"},
           Entry{PlanType::SelfServeBusinessUsageBased, "self_serve_business_usage_based"},
           Entry{PlanType::Business, "business"}, Entry{PlanType::Ent26, "ent26"},
           Entry{PlanType::EnterpriseCbpAutomation, "enterprise_cbp_automation"},
           Entry{PlanType::EnterpriseCbpUsageBased, "enterprise_cbp_usage_based"},
           Entry{PlanType::Enterprise, "enterprise"}, Entry{PlanType::Edu, "edu"},
           Entry{PlanType::EduPlus, "edu_plus"}, Entry{PlanType::EduPro, "edu_pro"},
           Entry{PlanType::Sci, "sci"}, Entry{PlanType::SciPlus, "sci_plus"},
           Entry{PlanType::Unknown, "unknown"})

// How the server authenticates to OpenAI. Codex 0.169 also has chatgptAuthTokens, headers,
// agentIdentity, personalAccessToken and the Bedrock modes, which Spool does not use.
enum class AuthMode { ApiKey, Chatgpt };
SPOOL_ENUM(AuthMode, "v2", Entry{AuthMode::ApiKey, "apikey"}, Entry{AuthMode::Chatgpt, "chatgpt"})

// --- Account ---------------------------------------------------------------------------------

struct ApiKeyAccount {};
SPOOL_EMPTY_TAGGED_STRUCT(ApiKeyAccount, "v2", "apiKey")

// Codex 0.169 also has a nullable workspaceName, not modelled.
struct ChatgptAccount {
  std::optional<std::string> email;  // required but nullable in Codex 0.169
  PlanType planType = PlanType::Unknown;
};
SPOOL_TAGGED_STRUCT(ChatgptAccount, "v2", "chatgpt", email, planType)

// Codex 0.169 also has amazonBedrock and gcp accounts, which Spool does not support.
struct Account : std::variant<ApiKeyAccount, ChatgptAccount> {
  using variant::variant;
};
SPOOL_UNION(Account, "v2")

// account/read. Codex's one field, refreshToken, is a boolean that may be missing but is not
// nullable (a plain bool would be required on decode); Spool never refreshes tokens, so it
// is not modelled and is ignored when sent.
struct GetAccountParams {};
SPOOL_EMPTY_STRUCT(GetAccountParams, "v2")

struct GetAccountResponse {
  std::optional<Account> account;  // null when nobody is signed in
  bool requiresOpenaiAuth = false;  // whether the configured provider needs OpenAI auth
  std::optional<std::string> userId;
};
SPOOL_STRUCT(GetAccountResponse, "v2", account, requiresOpenaiAuth, userId)

// --- account/login/start, account/login/cancel, account/logout --------------------------------
// Codex titles the alternatives "ApiKeyv2::LoginAccountParams" and so on, which is not an
// identifier; Spool drops the "v2::": ApiKeyLoginAccountParams.

struct ApiKeyLoginAccountParams {
  std::string apiKey;
};
SPOOL_TAGGED_STRUCT(ApiKeyLoginAccountParams, "v2", "apiKey", apiKey)

// Codex 0.169's optional appBrand, codexStreamlinedLogin and useHostedLoginSuccessPage (the
// last two non-nullable booleans, which a plain bool would make required) are not modelled.
struct ChatgptLoginAccountParams {};
SPOOL_EMPTY_TAGGED_STRUCT(ChatgptLoginAccountParams, "v2", "chatgpt")

// Codex 0.169 also has chatgptDeviceCode, chatgptAuthTokens, amazonBedrock and
// amazonBedrockAccessKeys logins, which Spool does not support.
struct LoginAccountParams : std::variant<ApiKeyLoginAccountParams, ChatgptLoginAccountParams> {
  using variant::variant;
};
SPOOL_UNION(LoginAccountParams, "v2")

struct ApiKeyLoginAccountResponse {};
SPOOL_EMPTY_TAGGED_STRUCT(ApiKeyLoginAccountResponse, "v2", "apiKey")

struct ChatgptLoginAccountResponse {
  std::string loginId;  // for account/login/cancel and account/login/completed
  std::string authUrl;  // where the user signs in
};
SPOOL_TAGGED_STRUCT(ChatgptLoginAccountResponse, "v2", "chatgpt", loginId, authUrl)

struct LoginAccountResponse
    : std::variant<ApiKeyLoginAccountResponse, ChatgptLoginAccountResponse> {
  using variant::variant;
};
SPOOL_UNION(LoginAccountResponse, "v2")

struct CancelLoginAccountParams {
  std::string loginId;
};
SPOOL_STRUCT(CancelLoginAccountParams, "v2", loginId)

enum class CancelLoginAccountStatus { Canceled, NotFound };
SPOOL_ENUM(CancelLoginAccountStatus, "v2", Entry{CancelLoginAccountStatus::Canceled, "canceled"},
           Entry{CancelLoginAccountStatus::NotFound, "notFound"})

// Codex 0.60.1 answered with an empty object; 0.169 requires status.
struct CancelLoginAccountResponse {
  CancelLoginAccountStatus status = CancelLoginAccountStatus::NotFound;
};
SPOOL_STRUCT(CancelLoginAccountResponse, "v2", status)

// account/logout takes no params and answers with an empty object.
struct LogoutAccountResponse {};
SPOOL_EMPTY_STRUCT(LogoutAccountResponse, "v2")

// --- rate limits -----------------------------------------------------------------------------

struct RateLimitWindow {
  std::int32_t usedPercent = 0;  // 0..100 (an integer in v2; a double in the core event)
  std::optional<std::int64_t> windowDurationMins;
  std::optional<std::int64_t> resetsAt;  // Unix seconds
};
SPOOL_STRUCT(RateLimitWindow, "v2", usedPercent, windowDurationMins, resetsAt)

struct CreditsSnapshot {
  bool hasCredits = false;
  bool unlimited = false;
  std::optional<std::string> balance;  // a decimal string: "42.00"
};
SPOOL_STRUCT(CreditsSnapshot, "v2", hasCredits, unlimited, balance)

enum class RateLimitReachedType {
  RateLimitReached,
  WorkspaceOwnerCreditsDepleted,
  WorkspaceMemberCreditsDepleted,
  WorkspaceOwnerUsageLimitReached,
  WorkspaceMemberUsageLimitReached,
};
SPOOL_ENUM(RateLimitReachedType, "v2",
           Entry{RateLimitReachedType::RateLimitReached, "rate_limit_reached"},
           Entry{RateLimitReachedType::WorkspaceOwnerCreditsDepleted,
                 "workspace_owner_credits_depleted"},
           Entry{RateLimitReachedType::WorkspaceMemberCreditsDepleted,
                 "workspace_member_credits_depleted"},
           Entry{RateLimitReachedType::WorkspaceOwnerUsageLimitReached,
                 "workspace_owner_usage_limit_reached"},
           Entry{RateLimitReachedType::WorkspaceMemberUsageLimitReached,
                 "workspace_member_usage_limit_reached"})

// Every field is nullable in Codex. Codex 0.60.1 had only primary, secondary and credits
// (the others decode as null). Codex 0.169's individualLimit and spendControlReached (spend
// controls) are not modelled.
struct RateLimitSnapshot {
  std::optional<std::string> limitId;  // "codex"
  std::optional<std::string> limitName;
  std::optional<std::string> normalModelSlug;
  std::optional<RateLimitWindow> primary;    // the short window (5 hours)
  std::optional<RateLimitWindow> secondary;  // the long window (a week)
  std::optional<CreditsSnapshot> credits;
  std::optional<PlanType> planType;
  std::optional<RateLimitReachedType> rateLimitReachedType;
};
SPOOL_STRUCT(RateLimitSnapshot, "v2", limitId, limitName, normalModelSlug, primary, secondary,
             credits, planType, rateLimitReachedType)

// account/rateLimits/read. Codex's params are optional (null or absent) and its two fields,
// excludeResetCreditDetails and supportsLunaReserve, are non-nullable booleans about reset
// credits, which Spool does not have; not modelled, ignored when sent.
struct GetAccountRateLimitsParams {};
SPOOL_EMPTY_STRUCT(GetAccountRateLimitsParams, "v2")

// Codex 0.169's accountId, ordinaryUsageAllowed, rateLimitResetCredits and rateLimitUpsell
// are not modelled.
struct GetAccountRateLimitsResponse {
  RateLimitSnapshot rateLimits;  // the default ("codex") limit
  std::optional<std::map<std::string, RateLimitSnapshot>> rateLimitsByLimitId;
};
SPOOL_STRUCT(GetAccountRateLimitsResponse, "v2", rateLimits, rateLimitsByLimitId)

// --- notifications ---------------------------------------------------------------------------

// account/updated: the sign-in changed.
struct AccountUpdatedNotification {
  std::optional<AuthMode> authMode;  // null when signed out
  std::optional<PlanType> planType;
};
SPOOL_STRUCT(AccountUpdatedNotification, "v2", authMode, planType)

// account/login/completed. Codex 0.169's onboardingEntrypoint is not modelled.
struct AccountLoginCompletedNotification {
  std::optional<std::string> loginId;
  bool success = false;
  std::optional<std::string> error;
};
SPOOL_STRUCT(AccountLoginCompletedNotification, "v2", loginId, success, error)

// account/rateLimits/updated
struct AccountRateLimitsUpdatedNotification {
  RateLimitSnapshot rateLimits;
};
SPOOL_STRUCT(AccountRateLimitsUpdatedNotification, "v2", rateLimits)

// NOLINTEND(readability-identifier-naming)

}  // namespace spool::protocol::v2
