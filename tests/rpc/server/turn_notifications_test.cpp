#include "rpc/server/turn_notifications.h"

#include <catch2/catch.hpp>

#include <string>

namespace spool::rpc {
namespace {

using nlohmann::json;
const std::string kThread = "01a20c34-df29-7a10-bf06-4abfc2a67fc2";
const std::string kTurn = "01a20c34-e12d-7bc0-b092-5a829529e8d5";

json event(json fields) {
  fields["thread_id"] = kThread;
  fields["turn_id"] = kTurn;
  return fields;
}

TEST_CASE("turn notifications: items and the turn's start", "[turn]") {
  auto n = turn_notifications(kThread, event({{"type", "task_started"}, {"started_at", 1795501121}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "turn/started");
  CHECK(n[0].params["turn"]["id"] == kTurn);
  CHECK(n[0].params["turn"]["status"] == "inProgress");
  CHECK(n[0].params["turn"]["itemsView"] == "notLoaded");
  CHECK(n[0].params["turn"]["startedAt"] == 1795501121);

  const json item = {{"type", "agentMessage"}, {"id", "msg_1"}, {"text", "hi"}};
  n = turn_notifications(kThread, event({{"type", "item_completed"}, {"item", item},
                                         {"started_at_ms", 5}, {"completed_at_ms", 9}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/completed");
  CHECK(n[0].params == json{{"item", item}, {"threadId", kThread}, {"turnId", kTurn},
                            {"completedAtMs", 9}});
  CHECK_FALSE(n[0].droppable);
  CHECK(n[0].key == "item/completed:msg_1");

  n = turn_notifications(kThread, event({{"type", "item_started"}, {"item", item},
                                         {"started_at_ms", 5}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].params["startedAtMs"] == 5);
}

TEST_CASE("turn notifications: deltas are droppable and carry their indexes", "[turn]") {
  auto n = turn_notifications(kThread, event({{"type", "agent_message_content_delta"},
                                              {"item_id", "msg_1"}, {"delta", "Hel"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/agentMessage/delta");
  CHECK(n[0].droppable);
  CHECK(n[0].params == json{{"delta", "Hel"}, {"threadId", kThread}, {"turnId", kTurn},
                            {"itemId", "msg_1"}});

  n = turn_notifications(kThread, event({{"type", "agent_reasoning_section_break"},
                                         {"item_id", "rs_1"}, {"summary_index", 1}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/reasoning/summaryPartAdded");
  CHECK(n[0].params["summaryIndex"] == 1);

  n = turn_notifications(kThread, event({{"type", "reasoning_content_delta"}, {"item_id", "rs_1"},
                                         {"summary_index", 1}, {"delta", "x"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/reasoning/summaryTextDelta");
  CHECK(n[0].params["summaryIndex"] == 1);

  n = turn_notifications(kThread, event({{"type", "reasoning_raw_content_delta"},
                                         {"item_id", "rs_1"}, {"content_index", 2}, {"delta", "y"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/reasoning/textDelta");
  CHECK(n[0].params["contentIndex"] == 2);

  n = turn_notifications(kThread, event({{"type", "exec_command_output_delta"}, {"item_id", "call_1"},
                                         {"call_id", "call_1"}, {"stream", "stdout"}, {"delta", "done\n"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "item/commandExecution/outputDelta");
  CHECK(n[0].params["delta"] == "done\n");
}

TEST_CASE("turn notifications: errors say whether the turn goes on", "[turn]") {
  auto n = turn_notifications(kThread, event({{"type", "stream_error"}, {"message", "Reconnecting... 1/2"},
                                              {"codex_error_info", "other"},
                                              {"additional_details", "HTTP 500"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "error");
  CHECK(n[0].params["willRetry"] == true);
  CHECK(n[0].params["error"] == json{{"message", "Reconnecting... 1/2"}, {"codexErrorInfo", "other"},
                                     {"additionalDetails", "HTTP 500"}});

  n = turn_notifications(kThread, event({{"type", "error"}, {"message", "boom"},
                                         {"codex_error_info", "internal_server_error"}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].params["willRetry"] == false);
  CHECK(n[0].params["error"]["codexErrorInfo"] == "internalServerError");
  CHECK(n[0].params["error"]["additionalDetails"].is_null());

  // An error code v2 does not know is reported as "other", never passed through.
  n = turn_notifications(kThread, event({{"type", "error"}, {"message", "x"},
                                         {"codex_error_info", "brand_new_code"}}));
  CHECK(n[0].params["error"]["codexErrorInfo"] == "other");
}

TEST_CASE("turn notifications: token counts with and without rate limits", "[turn]") {
  const json usage = {{"input_tokens", 120}, {"cached_input_tokens", 20}, {"output_tokens", 30},
                      {"reasoning_output_tokens", 10}, {"total_tokens", 150}};
  auto n = turn_notifications(kThread, event({{"type", "token_count"},
                                              {"info", {{"total_token_usage", usage},
                                                        {"last_token_usage", usage},
                                                        {"model_context_window", nullptr}}},
                                              {"rate_limits", nullptr}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "thread/tokenUsage/updated");
  CHECK(n[0].params["tokenUsage"]["total"]["totalTokens"] == 150);
  CHECK(n[0].params["tokenUsage"]["last"]["cachedInputTokens"] == 20);

  const json limits = {{"limit_id", "codex"},
                       {"primary", {{"used_percent", 12.6}, {"window_minutes", 300}, {"resets_at", 17}}},
                       {"secondary", nullptr},
                       {"credits", {{"has_credits", true}, {"unlimited", false}, {"balance", "10"}}}};
  n = turn_notifications(kThread, event({{"type", "token_count"}, {"info", nullptr}, {"rate_limits", limits}}));
  REQUIRE(n.size() == 1);
  CHECK(n[0].method == "account/rateLimits/updated");
  CHECK(n[0].account_wide);
  CHECK(n[0].params["rateLimits"]["primary"]["usedPercent"] == 13);
  CHECK(n[0].params["rateLimits"]["primary"]["windowDurationMins"] == 300);
  CHECK(n[0].params["rateLimits"]["secondary"].is_null());
  CHECK(n[0].params["rateLimits"]["credits"]["balance"] == "10");
}

TEST_CASE("turn notifications: boundaries and approvals have none of their own", "[turn]") {
  for (const char* type : {"task_complete", "turn_aborted", "exec_approval_request",
                           "exec_approval_decision", "something_new"}) {
    CAPTURE(type);
    CHECK(turn_notifications(kThread, event({{"type", type}})).empty());
  }
}

}  // namespace
}  // namespace spool::rpc
