// Wire shapes of initialize, approvals, accounts, rate limits, models and feedback, pinned
// as exact JSON, and the real Codex messages of those methods (tests/data wire transcripts)
// decoded with Spool's declarations.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/approvals.h"
#include "protocol/codec.h"
#include "protocol/initialize.h"
#include "protocol/v2/account.h"
#include "protocol/v2/feedback.h"
#include "protocol/v2/model.h"
#include "support/wire_check.h"

using namespace spool::protocol;
using namespace spool::protocol::v2;
using nlohmann::json;
using spool::test::check_wire;
using spool::test::decode_error;
using spool::test::decode_ok;

TEST_CASE("InitializeResponse and InitializeParams have Codex's shape", "[protocol][accounts]") {
  InitializeResponse r;
  r.userAgent = "spool/0.1.0 (Linux; x86_64) peer-driver/0.0.1";
  r.codexHome = "/home/dev/.codex";
  r.platformFamily = "unix";
  r.platformOs = "linux";
  check_wire(r, R"({"userAgent":"spool/0.1.0 (Linux; x86_64) peer-driver/0.0.1",
                    "codexHome":"/home/dev/.codex","platformFamily":"unix","platformOs":"linux"})");

  auto p = decode_ok<InitializeParams>(json::parse(
      R"({"clientInfo":{"name":"vscode","version":"1.2"},
          "capabilities":{"experimentalApi":true,"optOutNotificationMethods":["thread/started"]}})"));
  CHECK(p.clientInfo.name == "vscode");
  CHECK_FALSE(p.clientInfo.title.has_value());
  REQUIRE(p.capabilities.has_value());
  CHECK(p.capabilities->optOutNotificationMethods == std::vector<std::string>{"thread/started"});
  check_wire(p, R"({"clientInfo":{"name":"vscode","title":null,"version":"1.2"},
                    "capabilities":{"optOutNotificationMethods":["thread/started"]}})");
}

TEST_CASE("an Account of each type", "[protocol][accounts]") {
  check_wire(Account{ApiKeyAccount{}}, R"({"type":"apiKey"})");
  check_wire(Account{ChatgptAccount{"dev@example.com", PlanType::Plus}},
             R"({"type":"chatgpt","email":"dev@example.com","planType":"plus"})");
  check_wire(Account{ChatgptAccount{std::nullopt, PlanType::SelfServeBusinessUsageBased}},
             R"({"type":"chatgpt","email":null,"planType":"self_serve_business_usage_based"})");

  GetAccountResponse none;
  none.requiresOpenaiAuth = true;
  check_wire(none, R"({"account":null,"requiresOpenaiAuth":true,"userId":null})");
  GetAccountResponse some{Account{ApiKeyAccount{}}, false, "user-1"};
  check_wire(some, R"({"account":{"type":"apiKey"},"requiresOpenaiAuth":false,"userId":"user-1"})");

  // account/read's refreshToken is not modelled: sent or not, the params decode.
  decode_ok<GetAccountParams>(json::parse(R"({"refreshToken":true})"));
  check_wire(GetAccountParams{}, "{}");
}

TEST_CASE("LoginAccountParams and LoginAccountResponse of each type", "[protocol][accounts]") {
  check_wire(LoginAccountParams{ApiKeyLoginAccountParams{"sk-test"}},
             R"({"type":"apiKey","apiKey":"sk-test"})");
  check_wire(LoginAccountParams{ChatgptLoginAccountParams{}}, R"({"type":"chatgpt"})");
  const auto chatgpt = decode_ok<LoginAccountParams>(
      json::parse(R"({"type":"chatgpt","codexStreamlinedLogin":true,"appBrand":null})"));
  CHECK(std::holds_alternative<ChatgptLoginAccountParams>(chatgpt));

  check_wire(LoginAccountResponse{ApiKeyLoginAccountResponse{}}, R"({"type":"apiKey"})");
  check_wire(LoginAccountResponse{ChatgptLoginAccountResponse{"login-1", "https://auth.example"}},
             R"({"type":"chatgpt","loginId":"login-1","authUrl":"https://auth.example"})");

  check_wire(CancelLoginAccountParams{"login-1"}, R"({"loginId":"login-1"})");
  check_wire(CancelLoginAccountResponse{CancelLoginAccountStatus::NotFound},
             R"({"status":"notFound"})");
  check_wire(LogoutAccountResponse{}, "{}");
  check_wire(AccountLoginCompletedNotification{"login-1", false, "cancelled"},
             R"({"loginId":"login-1","success":false,"error":"cancelled"})");
  check_wire(AccountUpdatedNotification{AuthMode::ApiKey, std::nullopt},
             R"({"authMode":"apikey","planType":null})");
}

TEST_CASE("a RateLimitSnapshot with and without credits", "[protocol][accounts]") {
  RateLimitSnapshot s;
  s.limitId = "codex";
  s.primary = RateLimitWindow{13, 300, 1795504720};
  s.secondary = RateLimitWindow{40, std::nullopt, std::nullopt};
  s.credits = CreditsSnapshot{true, false, "42.00"};
  s.planType = PlanType::Pro;
  check_wire(AccountRateLimitsUpdatedNotification{s}, R"({"rateLimits":{
      "limitId":"codex","limitName":null,"normalModelSlug":null,
      "primary":{"usedPercent":13,"windowDurationMins":300,"resetsAt":1795504720},
      "secondary":{"usedPercent":40,"windowDurationMins":null,"resetsAt":null},
      "credits":{"hasCredits":true,"unlimited":false,"balance":"42.00"},
      "planType":"pro","rateLimitReachedType":null}})");

  // json's == compares numbers by value; Codex's usedPercent is an integer, not 13.0.
  CHECK(to_json_value(s)["primary"]["usedPercent"].is_number_integer());

  RateLimitSnapshot bare;
  bare.primary = RateLimitWindow{100, 300, 1795504720};
  bare.rateLimitReachedType = RateLimitReachedType::RateLimitReached;
  check_wire(GetAccountRateLimitsResponse{bare, std::nullopt}, R"({"rateLimits":{
      "limitId":null,"limitName":null,"normalModelSlug":null,
      "primary":{"usedPercent":100,"windowDurationMins":300,"resetsAt":1795504720},
      "secondary":null,"credits":null,"planType":null,
      "rateLimitReachedType":"rate_limit_reached"},"rateLimitsByLimitId":null})");

  // Codex 0.60.1's snapshot had only primary, secondary and credits.
  const auto seed = decode_ok<RateLimitSnapshot>(
      json::parse(R"({"primary":null,"credits":{"hasCredits":false,"unlimited":true}})"));
  CHECK_FALSE(seed.limitId.has_value());
  REQUIRE(seed.credits.has_value());
  CHECK(seed.credits->unlimited);
  CHECK_FALSE(seed.credits->balance.has_value());
}

TEST_CASE("a Model and model/list", "[protocol][accounts]") {
  Model m;
  m.id = "gpt-5.1-codex";
  m.model = "gpt-5.1-codex";
  m.displayName = "GPT-5.1 Codex";
  m.description = "Optimized for coding.";
  m.isDefault = true;
  m.defaultReasoningEffort = "medium";
  m.supportedReasoningEfforts = {{"low", "Fast"}, {"medium", "Balanced"}, {"xhigh", "Deepest"}};
  check_wire(ModelListResponse{{m}, "page-2"}, R"({"data":[{
      "id":"gpt-5.1-codex","model":"gpt-5.1-codex","displayName":"GPT-5.1 Codex",
      "description":"Optimized for coding.","hidden":false,"isDefault":true,
      "defaultReasoningEffort":"medium",
      "supportedReasoningEfforts":[{"reasoningEffort":"low","description":"Fast"},
                                   {"reasoningEffort":"medium","description":"Balanced"},
                                   {"reasoningEffort":"xhigh","description":"Deepest"}],
      "inputModalities":["text","image"],"upgrade":null}],"nextCursor":"page-2"})");

  const auto p = decode_ok<ModelListParams>(json::parse(R"({"limit":20,"includeHidden":true})"));
  CHECK(p.limit == 20u);
  CHECK(p.includeHidden == true);
  CHECK_FALSE(p.cursor.has_value());
  decode_ok<ModelListParams>(json::object());
}

TEST_CASE("feedback/upload", "[protocol][accounts]") {
  const auto p = decode_ok<FeedbackUploadParams>(json::parse(
      R"({"classification":"bug","includeLogs":true,"threadId":"t-1","tags":{"k":"v"}})"));
  CHECK(p.classification == "bug");
  CHECK(p.threadId == "t-1");
  CHECK(p.includeLogs.value);
  check_wire(p, R"({"classification":"bug","reason":null,"threadId":"t-1","includeLogs":true,"tags":{"k":"v"}})");
  const auto without = decode_ok<FeedbackUploadParams>(json::parse(R"({"classification":"bug"})"));
  CHECK_FALSE(without.includeLogs.value);
  check_wire(FeedbackUploadResponse{"t-1", std::nullopt, "f-1"},
             R"({"threadId":"t-1","promptHash":null,"feedbackId":"f-1"})");
}

TEST_CASE("approval requests and decisions", "[protocol][accounts]") {
  CommandExecutionRequestApprovalParams c;
  c.threadId = "t";
  c.turnId = "u";
  c.itemId = "call_1";
  c.startedAtMs = 1795501122431;
  c.command = "/bin/bash -lc 'echo hi'";
  c.cwd = "/home/dev/project";
  check_wire(c, R"({"threadId":"t","turnId":"u","itemId":"call_1","startedAtMs":1795501122431,
                    "kind":"command","approvalId":null,"reason":null,
                    "command":"/bin/bash -lc 'echo hi'","cwd":"/home/dev/project",
                    "environmentId":null,"proposedExecpolicyAmendment":null})");
  check_wire(FileChangeRequestApprovalParams{"t", "u", "patch_1", 5, "needs write", std::nullopt},
             R"({"threadId":"t","turnId":"u","itemId":"patch_1","startedAtMs":5,
                 "reason":"needs write","grantRoot":null})");

  // Every 0.169 spelling, and the legacy ReviewDecision spellings, decode; the 0.169 one is
  // written.
  const std::vector<std::tuple<const char*, CommandExecutionApprovalDecision, const char*>> cases{
      {"accept", CommandExecutionApprovalDecision::Accept, "accept"},
      {"approved", CommandExecutionApprovalDecision::Accept, "accept"},
      {"acceptForSession", CommandExecutionApprovalDecision::AcceptForSession, "acceptForSession"},
      {"approved_for_session", CommandExecutionApprovalDecision::AcceptForSession,
       "acceptForSession"},
      {"decline", CommandExecutionApprovalDecision::Decline, "decline"},
      {"denied", CommandExecutionApprovalDecision::Decline, "decline"},
      {"cancel", CommandExecutionApprovalDecision::Cancel, "cancel"},
      {"abort", CommandExecutionApprovalDecision::Cancel, "cancel"},
  };
  for (const auto& [in, value, out] : cases) {
    INFO(in);
    const auto r =
        decode_ok<CommandExecutionRequestApprovalResponse>(json{{"decision", in}});
    CHECK(r.decision == value);
    CHECK(to_json_value(r) == json{{"decision", out}});
    const auto f = decode_ok<FileChangeRequestApprovalResponse>(json{{"decision", in}});
    CHECK(to_json_value(f) == json{{"decision", out}});
  }
}

TEST_CASE("decode errors name the path", "[protocol][accounts]") {
  CHECK(decode_error<AccountRateLimitsUpdatedNotification>(
            R"({"rateLimits":{"primary":{"usedPercent":"13"}}})", "params") ==
        R"(params.rateLimits.primary.usedPercent: expected an integer, got "13")");
  CHECK(decode_error<AccountRateLimitsUpdatedNotification>(
            R"({"rateLimits":{"secondary":{"usedPercent":3000000000}}})", "params") ==
        "params.rateLimits.secondary.usedPercent: integer 3000000000 is out of range");
  CHECK(decode_error<LoginAccountParams>(R"({"type":"apiKey"})", "params") ==
        "params.apiKey: missing required field");
  CHECK(decode_error<LoginAccountParams>(R"({"type":"chatgptDeviceCode"})", "params") ==
        R"(params.type: expected one of "apiKey", "chatgpt"; got "chatgptDeviceCode")");
  CHECK(decode_error<InitializeParams>(R"({})", "params") ==
        "params.clientInfo: missing required field");
  CHECK(decode_error<InitializeParams>(R"({"clientInfo":{"name":"x","version":1}})", "params") ==
        "params.clientInfo.version: expected a string, got 1");
  CHECK(decode_error<CommandExecutionRequestApprovalResponse>(R"({"decision":"approve"})",
                                                              "result") ==
        R"(result.decision: expected one of "accept", "acceptForSession", "decline", "cancel"; got "approve")");
  CHECK(decode_error<ModelListResponse>(
            R"({"data":[{"id":"m","model":"m","displayName":"M","description":"",
                "hidden":false,"isDefault":true,"defaultReasoningEffort":"low",
                "supportedReasoningEfforts":[{"reasoningEffort":"low"}],
                "inputModalities":["text"]}]})",
            "result") == "result.data[0].supportedReasoningEfforts[0].description: missing required field");
  CHECK(decode_error<GetAccountResponse>(
            R"({"account":{"type":"chatgpt","email":null,"planType":"platinum"},
                "requiresOpenaiAuth":true})",
            "result")
            .starts_with(R"(result.account.planType: expected one of "free", "go", )"));
}

// --- the Codex wire transcripts ----------------------------------------------------------------

namespace {

// Returns the decode error's message under `root`, or nullopt when `j` decodes.
using Decoder = std::function<std::optional<std::string>(const json& j, std::string_view root,
                                                         json* reencoded)>;

template <class T>
Decoder decoder() {
  return [](const json& j, std::string_view root, json* reencoded) -> std::optional<std::string> {
    auto r = decode_value<T>(j);
    if (!r.ok()) return r.error().message(root);
    *reencoded = to_json_value(r.value());
    return std::nullopt;
  };
}

struct MethodTypes {
  Decoder params;
  Decoder result;  // empty for notifications
};

// Every method whose types these headers declare.
const std::map<std::string, MethodTypes>& my_methods() {
  static const std::map<std::string, MethodTypes> m{
      {"initialize", {decoder<InitializeParams>(), decoder<InitializeResponse>()}},
      {"item/commandExecution/requestApproval",
       {decoder<CommandExecutionRequestApprovalParams>(),
        decoder<CommandExecutionRequestApprovalResponse>()}},
      {"item/fileChange/requestApproval",
       {decoder<FileChangeRequestApprovalParams>(), decoder<FileChangeRequestApprovalResponse>()}},
      {"account/read", {decoder<GetAccountParams>(), decoder<GetAccountResponse>()}},
      {"account/login/start", {decoder<LoginAccountParams>(), decoder<LoginAccountResponse>()}},
      {"account/login/cancel",
       {decoder<CancelLoginAccountParams>(), decoder<CancelLoginAccountResponse>()}},
      {"account/logout", {nullptr, decoder<LogoutAccountResponse>()}},
      {"account/rateLimits/read",
       {decoder<GetAccountRateLimitsParams>(), decoder<GetAccountRateLimitsResponse>()}},
      {"account/updated", {decoder<AccountUpdatedNotification>(), nullptr}},
      {"account/login/completed", {decoder<AccountLoginCompletedNotification>(), nullptr}},
      {"account/rateLimits/updated", {decoder<AccountRateLimitsUpdatedNotification>(), nullptr}},
      {"model/list", {decoder<ModelListParams>(), decoder<ModelListResponse>()}},
      {"feedback/upload", {decoder<FeedbackUploadParams>(), decoder<FeedbackUploadResponse>()}},
  };
  return m;
}

// Where a seed-era (0.60.1) message does not decode as the 0.169 shape, and why. Each entry
// must occur in the transcript, with exactly this error.
struct KnownDifference {
  std::string method;
  std::string error;
  std::string reason;
};
const std::vector<KnownDifference> kSeedDifferences{
    {"initialize", "result.codexHome: missing required field",
     "0.60.1 answered initialize with userAgent only; codexHome, platformFamily and platformOs "
     "are required since"},
    {"item/commandExecution/requestApproval", "params.startedAtMs: missing required field",
     "0.60.1 sent threadId, turnId, itemId, reason and risk only; startedAtMs is required "
     "since (and the command, cwd and kind came later too)"},
};

// Whether what Spool writes is what Codex wrote: every field of `mine` is in `theirs` with the
// same value, except null fields, which `theirs` may leave out. Returns the first difference.
std::optional<std::string> subset_of(const json& mine, const json& theirs, const std::string& path) {
  if (mine.is_object() && theirs.is_object()) {
    for (const auto& [k, v] : mine.items()) {
      const auto it = theirs.find(k);
      if (it == theirs.end()) {
        if (!v.is_null()) return path + "." + k + " is not in Codex's message";
        continue;
      }
      if (auto d = subset_of(v, *it, path + "." + k)) return d;
    }
    return std::nullopt;
  }
  if (mine.is_array() && theirs.is_array() && mine.size() == theirs.size()) {
    for (std::size_t i = 0; i < mine.size(); ++i) {
      if (auto d = subset_of(mine[i], theirs[i], path + "[" + std::to_string(i) + "]")) return d;
    }
    return std::nullopt;
  }
  if (mine != theirs) return path + ": " + mine.dump() + " != " + theirs.dump();
  return std::nullopt;
}

struct TranscriptResult {
  std::map<std::string, int> decoded;  // "initialize params" -> count
  std::vector<std::string> unexpected;
  std::set<std::string> differences_seen;  // "method|error"
};

TranscriptResult decode_transcript(const std::string& file, bool seed_era) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  REQUIRE(lines.size() > 100);

  // Responses by (session, who answered, id).
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, json> responses;
  for (const auto& l : lines) {
    if (!l.contains("msg")) continue;  // a raw (unparseable) line the client sent
    const json& m = l["msg"];
    if (!m.contains("method") && m.contains("id")) {
      responses[{l["session"].get<std::string>(), l["from"].get<std::string>(), m["id"].dump()}] = m;
    }
  }

  TranscriptResult out;
  auto check = [&](const std::string& method, const char* part, const Decoder& dec,
                   const json& value, bool expect_ok, const std::string& where) {
    json reencoded;
    const auto error = dec(value, part, &reencoded);
    if (!error) {
      if (!expect_ok) {
        out.unexpected.push_back(where + ": decoded, but Codex rejected it: " + value.dump());
      } else if (auto d = subset_of(reencoded, value, part)) {
        out.unexpected.push_back(where + ": re-encoded differs: " + *d);
      }
      ++out.decoded[method + " " + part];
      return;
    }
    if (!expect_ok) {
      ++out.decoded[method + " " + part + " (rejected, as by Codex)"];
      return;
    }
    for (const auto& k : kSeedDifferences) {
      if (seed_era && k.method == method && k.error == *error) {
        out.differences_seen.insert(method + "|" + *error);
        return;
      }
    }
    out.unexpected.push_back(where + ": " + *error + " in " + value.dump());
  };

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json& l = lines[i];
    if (!l.contains("msg")) continue;
    const json& m = l["msg"];
    if (!m.contains("method")) continue;
    const auto found = my_methods().find(m["method"].get<std::string>());
    if (found == my_methods().end()) continue;
    const std::string& method = found->first;
    const MethodTypes& types = found->second;
    const std::string where = file + ":" + std::to_string(i + 1) + " " + method;
    const json params = m.contains("params") ? m["params"] : json();

    bool params_ok = true;  // Codex accepted the params
    std::optional<json> result;
    if (m.contains("id")) {
      const std::string responder = l["from"] == "client" ? "server" : "client";
      const auto r = responses.find({l["session"].get<std::string>(), responder, m["id"].dump()});
      if (r != responses.end()) {
        if (r->second.contains("result")) {
          result = r->second["result"];
        } else if (r->second.contains("error")) {
          // Codex answers bad params with "Invalid request: ..."; other errors ("Already
          // initialized") are about the state, not the params.
          const std::string msg = r->second["error"].value("message", "");
          params_ok = msg.rfind("Invalid request", 0) != 0;
        }
      }
    }
    if (types.params) check(method, "params", types.params, params, params_ok, where);
    if (result && types.result) check(method, "result", types.result, *result, true, where);
  }
  return out;
}

}  // namespace

TEST_CASE("the Codex transcripts' initialize, approval and account messages decode",
          "[protocol][accounts]") {
  const std::string data = SPOOL_TEST_DATA;

  SECTION("Codex 0.169.0") {
    const auto r = decode_transcript(data + "/codex-0.169.0/wire-transcript.jsonl", false);
    for (const auto& u : r.unexpected) FAIL_CHECK(u);
    CHECK(r.decoded.at("initialize params") == 6);
    CHECK(r.decoded.at("initialize params (rejected, as by Codex)") == 1);
    CHECK(r.decoded.at("initialize result") == 4);
    CHECK(r.decoded.at("item/commandExecution/requestApproval params") == 2);
    CHECK(r.decoded.at("item/commandExecution/requestApproval result") == 2);
    CHECK(r.decoded.at("account/rateLimits/updated params") == 10);
    CHECK(r.differences_seen.empty());
  }

  SECTION("Codex 0.60.1") {
    const auto r = decode_transcript(data + "/codex-0.60.1/wire-transcript.jsonl", true);
    for (const auto& u : r.unexpected) FAIL_CHECK(u);
    CHECK(r.decoded.at("initialize params") == 6);
    CHECK(r.decoded.at("initialize params (rejected, as by Codex)") == 1);
    CHECK_FALSE(r.decoded.contains("initialize result"));
    CHECK(r.decoded.at("item/commandExecution/requestApproval result") == 2);
    CHECK(r.decoded.at("account/rateLimits/updated params") == 16);
    for (const auto& k : kSeedDifferences) {
      INFO(k.reason);
      CHECK(r.differences_seen.contains(k.method + "|" + k.error));
    }
  }
}
