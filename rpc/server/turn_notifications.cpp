#include "rpc/server/turn_notifications.h"

#include <cmath>
#include <cstdint>

#include "projections/history_convert.h"
#include "protocol/codec.h"
#include "protocol/v2/account.h"
#include "protocol/v2/thread.h"
#include "protocol/v2/thread_methods.h"
#include "protocol/v2/turn_methods.h"

namespace spool::rpc {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integer(const json& j, const char* key, std::int64_t fallback = 0) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

json usage(const json& core) {
  v2::TokenUsageBreakdown u;
  u.inputTokens = integer(core, "input_tokens");
  u.cachedInputTokens = integer(core, "cached_input_tokens");
  u.outputTokens = integer(core, "output_tokens");
  u.reasoningOutputTokens = integer(core, "reasoning_output_tokens");
  u.totalTokens = integer(core, "total_tokens");
  return protocol::to_json_value(u);
}

std::optional<v2::RateLimitWindow> window(const json& core) {
  if (!core.is_object() || !core.contains("used_percent") || !core["used_percent"].is_number()) {
    return std::nullopt;
  }
  v2::RateLimitWindow w;
  w.usedPercent = static_cast<std::int32_t>(std::lround(core["used_percent"].get<double>()));
  if (core.contains("window_minutes") && core["window_minutes"].is_number_integer()) {
    w.windowDurationMins = core["window_minutes"].get<std::int64_t>();
  }
  if (core.contains("resets_at") && core["resets_at"].is_number_integer()) {
    w.resetsAt = core["resets_at"].get<std::int64_t>();
  }
  return w;
}

json rate_limits(const json& core) {
  v2::RateLimitSnapshot s;
  if (auto id = str(core, "limit_id"); !id.empty()) s.limitId = id;
  if (auto name = str(core, "limit_name"); !name.empty()) s.limitName = name;
  if (core.contains("primary")) s.primary = window(core["primary"]);
  if (core.contains("secondary")) s.secondary = window(core["secondary"]);
  if (core.contains("credits") && core["credits"].is_object()) {
    const json& c = core["credits"];
    v2::CreditsSnapshot credits;
    credits.hasCredits = c.value("has_credits", false);
    credits.unlimited = c.value("unlimited", false);
    if (c.contains("balance") && c["balance"].is_string()) credits.balance = c["balance"].get<std::string>();
    s.credits = credits;
  }
  return protocol::to_json_value(s);
}

json turn_error(const json& event) {
  const auto info = projections::history::error_info(event.value("codex_error_info", json()));
  const std::string details = str(event, "additional_details");
  return {{"message", str(event, "message")},
          {"codexErrorInfo", info ? protocol::to_json_value(*info) : json()},
          {"additionalDetails", details.empty() ? json() : json(details)}};
}

}  // namespace

json started_turn_json(const std::string& turn_id, std::int64_t started_at_s) {
  v2::Turn turn;
  turn.id = turn_id;
  turn.status = v2::TurnStatus::InProgress;
  turn.itemsView = v2::TurnItemsView::NotLoaded;  // as Codex: items come as notifications
  turn.startedAt = started_at_s;
  return protocol::to_json_value(turn);
}

std::vector<TurnNotification> turn_notifications(const std::string& thread_id, const json& event) {
  const std::string type = str(event, "type");
  const std::string turn_id = str(event, "turn_id");
  const std::string item_id = str(event, "item_id");
  std::vector<TurnNotification> out;
  const auto delta = [&](const char* method, json params) {
    params["threadId"] = thread_id;
    params["turnId"] = turn_id;
    params["itemId"] = item_id;
    out.push_back({method, std::move(params), "", true, false});
  };

  if (type == "task_started") {
    out.push_back({"turn/started",
                   {{"threadId", thread_id},
                    {"turn", started_turn_json(turn_id, integer(event, "started_at"))}},
                   "turn/started:" + turn_id});
  } else if (type == "item_started" || type == "item_completed") {
    const bool started = type == "item_started";
    const json& item = event.contains("item") ? event["item"] : json::object();
    json params = {{"item", item}, {"threadId", thread_id}, {"turnId", turn_id}};
    if (started) {
      params["startedAtMs"] = integer(event, "started_at_ms");
    } else {
      params["completedAtMs"] = integer(event, "completed_at_ms");
    }
    const std::string method = started ? "item/started" : "item/completed";
    out.push_back({method, std::move(params), method + ":" + str(item, "id")});
  } else if (type == "agent_message_content_delta") {
    delta("item/agentMessage/delta", {{"delta", str(event, "delta")}});
  } else if (type == "agent_reasoning_section_break") {
    delta("item/reasoning/summaryPartAdded", {{"summaryIndex", integer(event, "summary_index")}});
  } else if (type == "reasoning_content_delta") {
    delta("item/reasoning/summaryTextDelta",
          {{"delta", str(event, "delta")}, {"summaryIndex", integer(event, "summary_index")}});
  } else if (type == "reasoning_raw_content_delta") {
    delta("item/reasoning/textDelta",
          {{"delta", str(event, "delta")}, {"contentIndex", integer(event, "content_index")}});
  } else if (type == "exec_command_output_delta") {
    delta("item/commandExecution/outputDelta", {{"delta", str(event, "delta")}});
  } else if (type == "stream_error" || type == "error") {
    out.push_back({"error",
                   {{"error", turn_error(event)},
                    {"willRetry", type == "stream_error"},
                    {"threadId", thread_id},
                    {"turnId", turn_id}},
                   ""});
  } else if (type == "token_count") {
    const json info = event.value("info", json());
    if (info.is_object()) {
      out.push_back({"thread/tokenUsage/updated",
                     {{"threadId", thread_id},
                      {"turnId", turn_id},
                      {"tokenUsage",
                       {{"total", usage(info.value("total_token_usage", json::object()))},
                        {"last", usage(info.value("last_token_usage", json::object()))},
                        {"modelContextWindow", info.value("model_context_window", json())}}}},
                     "thread/tokenUsage/updated:" + thread_id});
    }
    const json limits = event.value("rate_limits", json());
    if (limits.is_object()) {
      out.push_back({"account/rateLimits/updated",
                     {{"rateLimits", rate_limits(limits)}},
                     "account/rateLimits/updated",
                     false,
                     true});
    }
  }
  return out;
}

}  // namespace spool::rpc
