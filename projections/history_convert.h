// Conversions HistoryBuilder uses: Codex's core payloads (TurnItems, tool events, response
// items and their outputs) into v2 ThreadItem parts. Pure functions, no state; each says
// what it does when the payload lacks something.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/event_view.h"
#include "protocol/core/event_msg.h"
#include "protocol/core/turn_item.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"

namespace spool::projections::history {

namespace v2 = protocol::v2;
namespace core = protocol::core;

// Decodes `j` as a T; nullopt when it is not one.
template <class T>
std::optional<T> decode(const nlohmann::json& j) {
  auto r = protocol::decode_value<T>(j);
  if (!r) return std::nullopt;
  return std::move(*r);
}
// The member `key` of `j` when it is a string / an integer.
std::optional<std::string> str(const nlohmann::json& j, const char* key);
std::optional<std::int64_t> integer(const nlohmann::json& j, const char* key);

// The id every ThreadItem variant carries.
const std::string& item_id(const v2::ThreadItem& item);
// The turn an event names: the store's turn id, else the payload's "turn_id" (non-empty).
std::optional<std::string> event_turn_id(const EventView& e, const nlohmann::json& payload);

// argv joined as a POSIX shell would read it back ("/bin/bash -lc 'echo hi | tee x'"):
// arguments with characters outside [A-Za-z0-9@%+=:,./_-] are single-quoted.
std::string join_command(const std::vector<std::string>& argv);
// A cwd as a path: 0.169 writes "file:///home/dev", which becomes "/home/dev".
std::string path_from_cwd(std::string_view cwd);
// Rust Duration {secs, nanos} in whole milliseconds.
std::int64_t duration_ms(const core::Duration& d);

std::vector<v2::CommandAction> command_actions(const std::vector<core::ParsedCommand>& parsed);
v2::CommandExecutionSource command_source(core::ExecCommandSource s);
// "completed", "failed", "declined", "in_progress"/"inProgress"; nullopt for anything else.
std::optional<v2::CommandExecutionStatus> command_status(std::string_view s);

// A core CommandExecution TurnItem (0.169's item_completed) as a v2 item, times unset.
v2::CommandExecutionThreadItem command_from_core(const core::CommandExecutionTurnItem& c);
// exec_command_begin / exec_command_end as a v2 item, times unset. `status` is the end
// event's own "status" when it has one (newer Codex), else derived from the exit code; a
// declined command (0.60.1: exit code -1, "rejected by user") has no exit code, output or
// duration.
v2::CommandExecutionThreadItem command_from_begin(const core::ExecCommandBeginEventMsg& b);
v2::CommandExecutionThreadItem command_from_end(const core::ExecCommandEndEventMsg& end,
                                                const std::optional<std::string>& status);

// A model's shell tool call (function_call "shell", "container.exec", "shell_command",
// "exec_command", or local_shell_call's exec action) as an inProgress command; nullopt for
// other tools or unreadable arguments. The argv is rebuilt as Codex runs it (exec_command's
// {"cmd"} runs as [shell or "/bin/bash", "-lc" (or "-c" when login is false), cmd]); the
// cwd is the call's workdir, else `cwd`. commandActions is one "unknown" action holding the
// script (Spool does not re-parse commands).
std::optional<v2::CommandExecutionThreadItem> command_from_call(std::string_view name,
                                                                const nlohmann::json& args,
                                                                const std::string& call_id,
                                                                std::string_view cwd);
// Fills a command from its tool output (function_call_output), when no end event did:
// "rejected by user" means declined; 0.60.1's {"output", "metadata": {"exit_code",
// "duration_seconds"}} and 0.169's "Process exited with code N ... Output:\n..." give exit
// code, output and status. A unified-exec session still running leaves it inProgress.
void complete_command_from_output(v2::CommandExecutionThreadItem& c, const std::string& output);

// Patch changes by path (patch_apply_begin/end) as v2 changes, in path order.
std::vector<v2::FileUpdateChange> file_changes(const std::map<std::string, core::FileChange>& m);
// An apply_patch envelope ("*** Begin Patch" ... "*** End Patch") as v2 changes, paths
// resolved against `cwd`. Added files' diff is their content; updates keep the hunks as
// written; a move appends "\n\nMoved to: <path>". Empty when it is not a patch.
std::vector<v2::FileUpdateChange> parse_patch(std::string_view patch, std::string_view cwd);
// An apply_patch tool output: declined when rejected by the user, completed on "Success" or
// exit code 0, failed otherwise.
v2::PatchApplyStatus patch_status_from_output(const std::string& output);

std::vector<v2::UserInput> user_inputs(const std::vector<core::UserInput>& content);
// The text parts of a user message, joined with "\n": what pairs a legacy user_message
// event with a core UserMessage item.
std::string user_text(const std::vector<v2::UserInput>& content);
std::string agent_text(const std::vector<core::AgentMessageContent>& content);

std::optional<v2::WebSearchAction> web_search_action(const std::optional<core::WebSearchAction>& a);
v2::McpToolCallThreadItem mcp_call(const std::string& call_id, const core::McpInvocation& inv);
void complete_mcp_call(v2::McpToolCallThreadItem& item, const core::McpToolCallEndEventMsg& end);

// Codex's codex_error_info (a snake_case string, or an object keyed by one) as v2's enum;
// forms v2 does not model become Other.
std::optional<v2::CodexErrorInfo> error_info(const std::optional<nlohmann::json>& info);
// Whether an error event fails its turn: not for thread_rollback_failed or
// active_turn_not_steerable (as Codex replays history).
bool error_fails_turn(const std::optional<nlohmann::json>& info);

// The review item texts, as Codex renders them.
std::string entered_review_text(const core::EnteredReviewModeEventMsg& e);
std::string exited_review_text(const core::ExitedReviewModeEventMsg& e);

}  // namespace spool::projections::history
