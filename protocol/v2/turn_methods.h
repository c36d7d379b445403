// Params and responses of turn/start and turn/interrupt, and the notifications that stream
// a turn: turn/started and turn/completed, item/started and item/completed, the deltas of
// agent messages, reasoning and command output, error, warning and serverRequest/resolved.
//
// Optional Codex 0.169.0 fields left out: TurnStartParams' disabledPluginIds,
// parentTurnId, rootTurnId, personality, serviceTier, serviceTierForTurn, toolOutput and
// turnTrigger; ItemCompletedNotification's contentTokenCount. Seed-era (0.60.1)
// notifications had no threadId/turnId (nor startedAtMs/completedAtMs on item
// notifications); Spool writes the 0.169.0 shape.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/jsonrpc.h"  // RequestId
#include "protocol/v2/common.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"

namespace spool::protocol::v2 {
// NOLINTBEGIN(readability-identifier-naming): wire names

// --- turn/start, turn/interrupt ----------------------------------------------------------

// Starts a turn with the user's input. The overrides apply to this turn and the later ones.
struct TurnStartParams {
  std::string threadId;
  std::vector<UserInput> input;
  std::optional<std::string> clientUserMessageId;  // echoed as the user message's clientId
  std::optional<std::string> cwd;
  std::optional<std::string> model;
  std::optional<std::string> effort;  // a ReasoningEffort (free string)
  std::optional<ReasoningSummary> summary;
  std::optional<AskForApproval> approvalPolicy;
  std::optional<ApprovalsReviewer> approvalsReviewer;
  std::optional<SandboxPolicy> sandboxPolicy;
  // A JSON Schema the final agent message must follow, for this turn only.
  std::optional<nlohmann::json> outputSchema;
};
SPOOL_STRUCT(TurnStartParams, "v2", threadId, input, clientUserMessageId, cwd, model, effort,
             summary, approvalPolicy, approvalsReviewer, sandboxPolicy, outputSchema)

struct TurnStartResponse {
  Turn turn;  // in progress, items not loaded
};
SPOOL_STRUCT(TurnStartResponse, "v2", turn)

struct TurnInterruptParams {
  std::string threadId;
  std::string turnId;
};
SPOOL_STRUCT(TurnInterruptParams, "v2", threadId, turnId)

// Sent once the interrupt is requested; the turn itself ends with turn/completed
// (status "interrupted").
struct TurnInterruptResponse {};
SPOOL_EMPTY_STRUCT(TurnInterruptResponse, "v2")

// --- turn and item notifications ---------------------------------------------------------

struct TurnStartedNotification {  // turn/started
  std::string threadId;
  Turn turn;
};
SPOOL_STRUCT(TurnStartedNotification, "v2", threadId, turn)

struct TurnCompletedNotification {  // turn/completed; also for failed and interrupted turns
  std::string threadId;
  Turn turn;
};
SPOOL_STRUCT(TurnCompletedNotification, "v2", threadId, turn)

struct ItemStartedNotification {  // item/started
  ThreadItem item;
  std::string threadId;
  std::string turnId;
  std::int64_t startedAtMs = 0;  // Unix milliseconds
};
SPOOL_STRUCT(ItemStartedNotification, "v2", item, threadId, turnId, startedAtMs)

struct ItemCompletedNotification {  // item/completed: the item's final state
  ThreadItem item;
  std::string threadId;
  std::string turnId;
  std::int64_t completedAtMs = 0;  // Unix milliseconds
};
SPOOL_STRUCT(ItemCompletedNotification, "v2", item, threadId, turnId, completedAtMs)

struct AgentMessageDeltaNotification {  // item/agentMessage/delta
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::string delta;  // text to append to the agent message
};
SPOOL_STRUCT(AgentMessageDeltaNotification, "v2", threadId, turnId, itemId, delta)

struct ReasoningSummaryTextDeltaNotification {  // item/reasoning/summaryTextDelta
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::string delta;
  std::int64_t summaryIndex = 0;  // which summary part the text belongs to
};
SPOOL_STRUCT(ReasoningSummaryTextDeltaNotification, "v2", threadId, turnId, itemId, delta,
             summaryIndex)

struct ReasoningSummaryPartAddedNotification {  // item/reasoning/summaryPartAdded
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::int64_t summaryIndex = 0;  // index of the new part
};
SPOOL_STRUCT(ReasoningSummaryPartAddedNotification, "v2", threadId, turnId, itemId, summaryIndex)

struct ReasoningTextDeltaNotification {  // item/reasoning/textDelta (raw reasoning)
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::string delta;
  std::int64_t contentIndex = 0;  // which entry of the item's content
};
SPOOL_STRUCT(ReasoningTextDeltaNotification, "v2", threadId, turnId, itemId, delta, contentIndex)

struct CommandExecutionOutputDeltaNotification {  // item/commandExecution/outputDelta
  std::string threadId;
  std::string turnId;
  std::string itemId;
  std::string delta;  // output as it came, stdout and stderr interleaved
};
SPOOL_STRUCT(CommandExecutionOutputDeltaNotification, "v2", threadId, turnId, itemId, delta)

// error: a turn hit an error; willRetry says whether the turn goes on (a retried stream)
// or ends (turn/completed with status "failed" follows).
struct ErrorNotification {
  TurnError error;
  bool willRetry = false;
  std::string threadId;
  std::string turnId;
};
SPOOL_STRUCT(ErrorNotification, "v2", error, willRetry, threadId, turnId)

// warning: something the user should know that does not stop the turn.
struct WarningNotification {
  std::optional<std::string> threadId;  // null when not about one thread
  std::string message;
};
SPOOL_STRUCT(WarningNotification, "v2", threadId, message)

// serverRequest/resolved: a server request (an approval) was answered or withdrawn.
struct ServerRequestResolvedNotification {
  std::string threadId;
  ::spool::protocol::RequestId requestId;
};
SPOOL_STRUCT(ServerRequestResolvedNotification, "v2", threadId, requestId)

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::v2
