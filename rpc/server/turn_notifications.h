// The v2 notifications a live turn's events become (engine/turn/turn_runner.h lists the
// events). Pure: no I/O; the LiveTurn sends what this returns, in order.
//
//   task_started                  turn/started (the turn inProgress, no items)
//   item_started / item_completed item/started / item/completed
//   agent_message_content_delta   item/agentMessage/delta
//   agent_reasoning_section_break item/reasoning/summaryPartAdded
//   reasoning_content_delta       item/reasoning/summaryTextDelta
//   reasoning_raw_content_delta   item/reasoning/textDelta
//   exec_command_output_delta     item/commandExecution/outputDelta
//   stream_error                  error {willRetry: true}
//   error                         error {willRetry: false}
//   token_count                   thread/tokenUsage/updated, and account/rateLimits/updated
//                                 when it carries rate limits (LiveTurn hands that one to
//                                 AccountState, which stores it and notifies on change)
//   anything else                 nothing (turn/completed is sent from the finished turn,
//                                 approvals as server requests)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spool::rpc {

struct TurnNotification {
  std::string method;
  nlohmann::json params;
  std::string key;         // the NotificationOutbox key
  bool droppable = false;  // a streaming delta
  bool account_wide = false;  // to every session (rate limits), not only the thread's
};

std::vector<TurnNotification> turn_notifications(const std::string& thread_id,
                                                 const nlohmann::json& event);

// The v2 Turn JSON of a turn that has just started: inProgress, no items.
nlohmann::json started_turn_json(const std::string& turn_id, std::int64_t started_at_s);

}  // namespace spool::rpc
