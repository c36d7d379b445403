// EventMsg: Codex's own events, as a rollout file records them under "event_msg" (and as
// Codex 0.60.1 sent them in codex/event/* notifications), with Codex's snake_case shapes.
// Variants carry the titles of Codex 0.60.1's EventMsg schema (UserMessageEventMsg, ...);
// the three that 0.60.1 lacks are named <Name>Event. Decoding accepts what 0.60.1 and
// 0.169.0 write: fields only one of them writes are optional.
//
// Declared: the events Spool's projections and engine use (messages and their deltas,
// reasoning, token counts, turn lifecycle, errors, command runs, approvals, patches, MCP
// and web-search calls, review mode, plans, diffs, items, compaction, rollback, renames).
// Left out on purpose: every other type (session_configured, which Codex never persists;
// mcp_startup_*, *_response, background_event, undo_*, raw_response_item, 0.169's
// thread_settings_applied, ...) decodes as RawVariant and is kept whole. Fields not
// declared are dropped on decode (the importer stores every payload raw, so nothing is
// lost): among them 0.169's turn_attribution and root_turn_id, exec_approval_request's
// risk, and the newest rate-limit fields. Codex enums are SPOOL_ENUMs with 0.60.1's values;
// Codex fields that are a string or an object (codex_error_info) stay raw JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"
#include "protocol/core/event_payloads.h"
#include "protocol/core/response_item.h"
#include "protocol/core/turn_item.h"

namespace spool::protocol::core {
// NOLINTBEGIN(readability-identifier-naming): wire names


// --- EventMsg variants ---------------------------------------------------------------------

// codex_error_info (0.169 only) is a string ("other", "internal_server_error", ...) or an
// object ({"http_connection_failed": {"http_status_code": 500}}): kept as raw JSON.
struct ErrorEventMsg {
  std::string message;
  std::optional<nlohmann::json> codex_error_info;
};
SPOOL_TAGGED_STRUCT(ErrorEventMsg, "core", "error", message, codex_error_info)

struct WarningEventMsg {
  std::string message;
};
SPOOL_TAGGED_STRUCT(WarningEventMsg, "core", "warning", message)

struct StreamErrorEventMsg {
  std::string message;
  std::optional<nlohmann::json> codex_error_info;  // as in ErrorEventMsg
  std::optional<std::string> additional_details;
};
SPOOL_TAGGED_STRUCT(StreamErrorEventMsg, "core", "stream_error", message, codex_error_info,
                    additional_details)

// Turn started. 0.60.1 writes only model_context_window (and never persists it).
struct TaskStartedEventMsg {
  std::optional<std::string> turn_id;   // 0.169 only
  std::optional<std::int64_t> started_at;  // 0.169 only; Unix seconds
  std::optional<std::int64_t> model_context_window;
  std::optional<std::string> collaboration_mode_kind;  // 0.169 only: "default", "plan", ...
};
SPOOL_TAGGED_STRUCT(TaskStartedEventMsg, "core", "task_started", turn_id, started_at,
                    model_context_window, collaboration_mode_kind)

// The error a failed turn ended with (0.169's task_complete.error). Spool's name: Codex
// publishes no schema for it.
struct TaskCompleteError {
  std::string message;
  std::optional<nlohmann::json> codex_error_info;  // as in ErrorEventMsg
};
SPOOL_STRUCT(TaskCompleteError, "core", message, codex_error_info)

// Turn ended (successfully, or in 0.169 also with an error). The timing fields are 0.169's.
struct TaskCompleteEventMsg {
  std::optional<std::string> turn_id;
  std::optional<std::string> last_agent_message;
  std::optional<std::int64_t> started_at;    // Unix seconds
  std::optional<std::int64_t> completed_at;  // Unix seconds
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> time_to_first_token_ms;
  std::optional<TaskCompleteError> error;  // set when the turn failed
};
SPOOL_TAGGED_STRUCT(TaskCompleteEventMsg, "core", "task_complete", turn_id, last_agent_message,
                    started_at, completed_at, duration_ms, time_to_first_token_ms, error)

enum class TurnAbortReason { Interrupted, Replaced, ReviewEnded };
SPOOL_ENUM(TurnAbortReason, "core", Entry{TurnAbortReason::Interrupted, "interrupted"},
           Entry{TurnAbortReason::Replaced, "replaced"},
           Entry{TurnAbortReason::ReviewEnded, "review_ended"})

struct TurnAbortedEventMsg {
  TurnAbortReason reason = TurnAbortReason::Interrupted;
  std::optional<std::string> turn_id;        // 0.169 only
  std::optional<std::int64_t> started_at;    // 0.169 only; Unix seconds
  std::optional<std::int64_t> completed_at;  // 0.169 only; Unix seconds
  std::optional<std::int64_t> duration_ms;   // 0.169 only
};
SPOOL_TAGGED_STRUCT(TurnAbortedEventMsg, "core", "turn_aborted", reason, turn_id, started_at,
                    completed_at, duration_ms)

// Token usage so far; info is null before the first model response.
struct TokenCountEventMsg {
  std::optional<TokenUsageInfo> info;
  std::optional<RateLimitSnapshot> rate_limits;
};
SPOOL_TAGGED_STRUCT(TokenCountEventMsg, "core", "token_count", info, rate_limits)

struct UserMessageEventMsg {
  std::string message;
  std::optional<std::vector<std::string>> images;  // image URLs; 0.60.1 writes [] for none
  std::optional<std::vector<std::string>> local_images;      // newer Codex: local paths
  std::optional<std::vector<nlohmann::json>> text_elements;  // newer Codex: UI spans
};
SPOOL_TAGGED_STRUCT(UserMessageEventMsg, "core", "user_message", message, images, local_images,
                    text_elements)

struct AgentMessageEventMsg {
  std::string message;
};
SPOOL_TAGGED_STRUCT(AgentMessageEventMsg, "core", "agent_message", message)

struct AgentMessageDeltaEventMsg {
  std::string delta;
};
SPOOL_TAGGED_STRUCT(AgentMessageDeltaEventMsg, "core", "agent_message_delta", delta)

// One reasoning summary part, whole.
struct AgentReasoningEventMsg {
  std::string text;
};
SPOOL_TAGGED_STRUCT(AgentReasoningEventMsg, "core", "agent_reasoning", text)

struct AgentReasoningDeltaEventMsg {
  std::string delta;
};
SPOOL_TAGGED_STRUCT(AgentReasoningDeltaEventMsg, "core", "agent_reasoning_delta", delta)

struct AgentReasoningRawContentEventMsg {
  std::string text;
};
SPOOL_TAGGED_STRUCT(AgentReasoningRawContentEventMsg, "core", "agent_reasoning_raw_content", text)

struct AgentReasoningRawContentDeltaEventMsg {
  std::string delta;
};
SPOOL_TAGGED_STRUCT(AgentReasoningRawContentDeltaEventMsg, "core",
                    "agent_reasoning_raw_content_delta", delta)

// A new reasoning summary part begins.
struct AgentReasoningSectionBreakEventMsg {
  std::string item_id;               // the reasoning item ("rs_...")
  std::int64_t summary_index = 0;   // which summary part begins
};
SPOOL_TAGGED_STRUCT(AgentReasoningSectionBreakEventMsg, "core", "agent_reasoning_section_break",
                    item_id, summary_index)

struct McpToolCallBeginEventMsg {
  std::string call_id;
  McpInvocation invocation;
};
SPOOL_TAGGED_STRUCT(McpToolCallBeginEventMsg, "core", "mcp_tool_call_begin", call_id, invocation)

struct McpToolCallEndEventMsg {
  std::string call_id;
  McpInvocation invocation;
  Duration duration;
  CallToolResultOrError result;
};
SPOOL_TAGGED_STRUCT(McpToolCallEndEventMsg, "core", "mcp_tool_call_end", call_id, invocation,
                    duration, result)

struct WebSearchBeginEventMsg {
  std::string call_id;
};
SPOOL_TAGGED_STRUCT(WebSearchBeginEventMsg, "core", "web_search_begin", call_id)

struct WebSearchEndEventMsg {
  std::string call_id;
  std::string query;
  std::optional<WebSearchAction> action;  // newer Codex only
};
SPOOL_TAGGED_STRUCT(WebSearchEndEventMsg, "core", "web_search_end", call_id, query, action)

// A command is about to run. 0.60.1 sends it; 0.169 records command runs as
// item_completed CommandExecution instead.
// (Members named stdout/stderr below rely on glibc defining those macros as themselves.)
struct ExecCommandBeginEventMsg {
  std::string call_id;
  std::optional<std::string> process_id;  // newer Codex (unified exec)
  std::string turn_id;
  std::vector<std::string> command;  // argv, e.g. ["bash", "-lc", "echo hi"]
  std::string cwd;
  std::vector<ParsedCommand> parsed_cmd;
  ExecCommandSource source = ExecCommandSource::Agent;
  std::optional<std::string> interaction_input;  // stdin sent to a unified exec session
};
SPOOL_TAGGED_STRUCT(ExecCommandBeginEventMsg, "core", "exec_command_begin", call_id, process_id,
                    turn_id, command, cwd, parsed_cmd, source, interaction_input)

struct ExecCommandOutputDeltaEventMsg {
  std::string call_id;
  ExecOutputStream stream = ExecOutputStream::Stdout;
  std::string chunk;  // base64 of the raw bytes (not necessarily UTF-8)
};
SPOOL_TAGGED_STRUCT(ExecCommandOutputDeltaEventMsg, "core", "exec_command_output_delta", call_id,
                    stream, chunk)

struct ExecCommandEndEventMsg {
  std::string call_id;
  std::optional<std::string> process_id;  // newer Codex (unified exec)
  std::string turn_id;
  std::vector<std::string> command;
  std::string cwd;
  std::vector<ParsedCommand> parsed_cmd;
  ExecCommandSource source = ExecCommandSource::Agent;
  std::optional<std::string> interaction_input;
  std::string stdout;
  std::string stderr;
  std::string aggregated_output;  // stdout and stderr interleaved
  std::int32_t exit_code = 0;     // -1 when the command did not run (declined)
  Duration duration;
  std::string formatted_output;  // what the model was shown
};
SPOOL_TAGGED_STRUCT(ExecCommandEndEventMsg, "core", "exec_command_end", call_id, process_id,
                    turn_id, command, cwd, parsed_cmd, source, interaction_input, stdout, stderr,
                    aggregated_output, exit_code, duration, formatted_output)

struct ViewImageToolCallEventMsg {
  std::string call_id;
  std::string path;  // the local image the agent attached
};
SPOOL_TAGGED_STRUCT(ViewImageToolCallEventMsg, "core", "view_image_tool_call", call_id, path)

// Codex asks to run a command (sent, not persisted, by 0.60.1). 0.60.1's "risk"
// (SandboxCommandAssessment) and newer Codex's extra fields are not modelled.
struct ExecApprovalRequestEventMsg {
  std::string call_id;
  std::string turn_id;
  std::vector<std::string> command;
  std::string cwd;
  std::vector<ParsedCommand> parsed_cmd;
  std::optional<std::string> reason;
};
SPOOL_TAGGED_STRUCT(ExecApprovalRequestEventMsg, "core", "exec_approval_request", call_id, turn_id,
                    command, cwd, parsed_cmd, reason)

struct PatchApplyBeginEventMsg {
  std::string call_id;
  std::optional<std::string> turn_id;  // newer Codex only
  bool auto_approved = false;          // no approval was asked for this patch
  std::map<std::string, FileChange> changes;  // by path
};
SPOOL_TAGGED_STRUCT(PatchApplyBeginEventMsg, "core", "patch_apply_begin", call_id, turn_id,
                    auto_approved, changes)

struct PatchApplyEndEventMsg {
  std::string call_id;
  std::optional<std::string> turn_id;  // newer Codex only
  std::string stdout;
  std::string stderr;
  bool success = false;
  std::optional<std::map<std::string, FileChange>> changes;  // newer Codex only
};
SPOOL_TAGGED_STRUCT(PatchApplyEndEventMsg, "core", "patch_apply_end", call_id, turn_id, stdout,
                    stderr, success, changes)

// The turn's aggregated diff so far.
struct TurnDiffEventMsg {
  std::string unified_diff;
};
SPOOL_TAGGED_STRUCT(TurnDiffEventMsg, "core", "turn_diff", unified_diff)

// The update_plan tool's arguments.
struct PlanUpdateEventMsg {
  std::optional<std::string> explanation;
  std::vector<PlanItemArg> plan;
};
SPOOL_TAGGED_STRUCT(PlanUpdateEventMsg, "core", "plan_update", explanation, plan)

// 0.60.1 writes {prompt, user_facing_hint, append_to_original_thread}; newer Codex writes
// the review request {target, user_facing_hint}. Every field is optional so both decode.
struct EnteredReviewModeEventMsg {
  std::optional<std::string> prompt;
  std::optional<std::string> user_facing_hint;
  std::optional<bool> append_to_original_thread;
  std::optional<nlohmann::json> target;  // newer Codex: {"type": "uncommittedChanges"}, ...
};
SPOOL_TAGGED_STRUCT(EnteredReviewModeEventMsg, "core", "entered_review_mode", prompt,
                    user_facing_hint, append_to_original_thread, target)

struct ExitedReviewModeEventMsg {
  std::optional<ReviewOutputEvent> review_output;  // null when the review was interrupted
};
SPOOL_TAGGED_STRUCT(ExitedReviewModeEventMsg, "core", "exited_review_mode", review_output)

struct ItemStartedEventMsg {
  std::string thread_id;
  std::string turn_id;
  TurnItem item;
  std::optional<std::int64_t> started_at_ms;  // 0.169 only
};
SPOOL_TAGGED_STRUCT(ItemStartedEventMsg, "core", "item_started", thread_id, turn_id, item,
                    started_at_ms)

struct ItemCompletedEventMsg {
  std::string thread_id;
  std::string turn_id;
  TurnItem item;
  std::optional<std::int64_t> started_at_ms;    // 0.169 only
  std::optional<std::int64_t> completed_at_ms;  // 0.169 only
};
SPOOL_TAGGED_STRUCT(ItemCompletedEventMsg, "core", "item_completed", thread_id, turn_id, item,
                    started_at_ms, completed_at_ms)

// The history was compacted (Codex writes a "compacted" rollout line alongside).
struct ContextCompactedEvent {};
SPOOL_EMPTY_TAGGED_STRUCT(ContextCompactedEvent, "core", "context_compacted")

// The last num_turns user turns were dropped from the history (thread/rollback).
struct ThreadRolledBackEvent {
  std::uint32_t num_turns = 0;
};
SPOOL_TAGGED_STRUCT(ThreadRolledBackEvent, "core", "thread_rolled_back", num_turns)

struct ThreadNameUpdatedEvent {
  std::string thread_id;
  std::optional<std::string> thread_name;  // absent when the name was cleared
};
SPOOL_TAGGED_STRUCT(ThreadNameUpdatedEvent, "core", "thread_name_updated", thread_id, thread_name)

// --- EventMsg ------------------------------------------------------------------------------

struct EventMsg
    : std::variant<ErrorEventMsg, WarningEventMsg, StreamErrorEventMsg, TaskStartedEventMsg,
                   TaskCompleteEventMsg, TurnAbortedEventMsg, TokenCountEventMsg,
                   UserMessageEventMsg, AgentMessageEventMsg, AgentMessageDeltaEventMsg,
                   AgentReasoningEventMsg, AgentReasoningDeltaEventMsg,
                   AgentReasoningRawContentEventMsg, AgentReasoningRawContentDeltaEventMsg,
                   AgentReasoningSectionBreakEventMsg, McpToolCallBeginEventMsg,
                   McpToolCallEndEventMsg, WebSearchBeginEventMsg, WebSearchEndEventMsg,
                   ExecCommandBeginEventMsg, ExecCommandOutputDeltaEventMsg,
                   ExecCommandEndEventMsg, ViewImageToolCallEventMsg, ExecApprovalRequestEventMsg,
                   PatchApplyBeginEventMsg, PatchApplyEndEventMsg, TurnDiffEventMsg,
                   PlanUpdateEventMsg, EnteredReviewModeEventMsg, ExitedReviewModeEventMsg,
                   ItemStartedEventMsg, ItemCompletedEventMsg, ContextCompactedEvent,
                   ThreadRolledBackEvent, ThreadNameUpdatedEvent, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(EventMsg, "core")

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::core
