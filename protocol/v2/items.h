// ThreadItem, the unit of a turn's history (a user message, an agent message, a command
// run, a file change, ...), with every variant Spool produces and their supporting types;
// and UserInput, what a client sends in turn/start (and what a user message item holds).
//
// Every ThreadItem variant carries the item's lifecycle times (startedAtMs, completedAtMs):
// Codex declares them once on ThreadItem and writes them flat beside the variant's fields.
//
// Codex 0.169.0 ThreadItem variants not modelled, as they are irrelevant to Spool:
// HookPromptThreadItem (hooks), FunctionCallOutputThreadItem, DynamicToolCallThreadItem
// (client-defined tools), CollabAgentToolCallThreadItem and SubAgentActivityThreadItem
// (sub-agents), SleepThreadItem (clock.sleep tool), ImageGenerationThreadItem. 0.60.1's
// TodoListThreadItem and CodeReviewThreadItem are gone from 0.169.0 and not modelled.
// Optional Codex fields left out: AgentMessageThreadItem's moderation, memoryCitation,
// delivery and questions; CommandExecutionThreadItem's pluginId and scriptPath;
// McpToolCallThreadItem's appContext, mcpAppUi, mcpAppResourceUri, pluginId and
// readOnlyHint; WebSearchThreadItem's results; McpToolCallResult's _meta. Deliberate
// differences: TextUserInput has no text_elements and UpdatePatchChangeKind no move_path
// (snake_case names, see below); ImageUserInput and AudioUserInput take a url only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol::v2 {
// NOLINTBEGIN(readability-identifier-naming): wire names

// --- UserInput ---------------------------------------------------------------------------

enum class ImageDetail { Auto, Low, High, Original };
SPOOL_ENUM(ImageDetail, "v2", Entry{ImageDetail::Auto, "auto"}, Entry{ImageDetail::Low, "low"},
           Entry{ImageDetail::High, "high"}, Entry{ImageDetail::Original, "original"})

// Deliberate difference: Codex's optional "text_elements" (UI-defined spans within the
// text, default []) is not modelled, its snake_case name breaking the camelCase rule for v2
// fields. It is ignored on decode and never written; Codex reads a missing one as [].
struct TextUserInput {
  std::string text;
};
SPOOL_TAGGED_STRUCT(TextUserInput, "v2", "text", text)

// Codex 0.169.0 accepts {"url"} or {"fileId"} (an uploaded file); Spool models the URL form.
struct ImageUserInput {
  std::string url;
  std::optional<ImageDetail> detail;
};
SPOOL_TAGGED_STRUCT(ImageUserInput, "v2", "image", url, detail)

struct LocalImageUserInput {
  std::string path;
  std::optional<ImageDetail> detail;
};
SPOOL_TAGGED_STRUCT(LocalImageUserInput, "v2", "localImage", path, detail)

// As ImageUserInput: the URL form only.
struct AudioUserInput {
  std::string url;
};
SPOOL_TAGGED_STRUCT(AudioUserInput, "v2", "audio", url)

struct LocalAudioUserInput {
  std::string path;
};
SPOOL_TAGGED_STRUCT(LocalAudioUserInput, "v2", "localAudio", path)

struct SkillUserInput {
  std::string name;
  std::string path;
};
SPOOL_TAGGED_STRUCT(SkillUserInput, "v2", "skill", name, path)

struct MentionUserInput {
  std::string name;
  std::string path;
};
SPOOL_TAGGED_STRUCT(MentionUserInput, "v2", "mention", name, path)

struct UserInput : std::variant<TextUserInput, ImageUserInput, LocalImageUserInput, AudioUserInput,
                                LocalAudioUserInput, SkillUserInput, MentionUserInput> {
  using variant::variant;
};
SPOOL_UNION(UserInput, "v2")

// --- supporting types of the items -------------------------------------------------------

// Whether an agent message is commentary on the way or the final answer.
enum class MessagePhase { Commentary, PartialAnswer, FinalAnswer };
SPOOL_ENUM(MessagePhase, "v2", Entry{MessagePhase::Commentary, "commentary"},
           Entry{MessagePhase::PartialAnswer, "partial_answer"},
           Entry{MessagePhase::FinalAnswer, "final_answer"})

enum class CommandExecutionStatus { InProgress, Completed, Failed, Declined };
SPOOL_ENUM(CommandExecutionStatus, "v2", Entry{CommandExecutionStatus::InProgress, "inProgress"},
           Entry{CommandExecutionStatus::Completed, "completed"},
           Entry{CommandExecutionStatus::Failed, "failed"},
           Entry{CommandExecutionStatus::Declined, "declined"})

// Who ran the command: the model, or the user through the client (a "!" shell command).
// Agent, the default, comes first.
enum class CommandExecutionSource { Agent, UserShell, UnifiedExecStartup, UnifiedExecInteraction };
SPOOL_ENUM(CommandExecutionSource, "v2", Entry{CommandExecutionSource::Agent, "agent"},
           Entry{CommandExecutionSource::UserShell, "userShell"},
           Entry{CommandExecutionSource::UnifiedExecStartup, "unifiedExecStartup"},
           Entry{CommandExecutionSource::UnifiedExecInteraction, "unifiedExecInteraction"})

// A best-effort reading of what one part of a shell command does.
struct ReadCommandAction {
  std::string command;
  std::string name;  // the file's name
  std::string path;
};
SPOOL_TAGGED_STRUCT(ReadCommandAction, "v2", "read", command, name, path)

struct ListFilesCommandAction {
  std::string command;
  std::optional<std::string> path;
};
SPOOL_TAGGED_STRUCT(ListFilesCommandAction, "v2", "listFiles", command, path)

struct SearchCommandAction {
  std::string command;
  std::optional<std::string> query;
  std::optional<std::string> path;
};
SPOOL_TAGGED_STRUCT(SearchCommandAction, "v2", "search", command, query, path)

struct UnknownCommandAction {
  std::string command;
};
SPOOL_TAGGED_STRUCT(UnknownCommandAction, "v2", "unknown", command)

struct CommandAction : std::variant<ReadCommandAction, ListFilesCommandAction, SearchCommandAction,
                                    UnknownCommandAction> {
  using variant::variant;
};
SPOOL_UNION(CommandAction, "v2")

enum class PatchApplyStatus { InProgress, Completed, Failed, Declined };
SPOOL_ENUM(PatchApplyStatus, "v2", Entry{PatchApplyStatus::InProgress, "inProgress"},
           Entry{PatchApplyStatus::Completed, "completed"},
           Entry{PatchApplyStatus::Failed, "failed"}, Entry{PatchApplyStatus::Declined, "declined"})

// How a file changes. 0.60.1 wrote it as a plain string ("add", "delete", "update"), which
// does not decode here; 0.169.0 as an object.
struct AddPatchChangeKind {};
SPOOL_EMPTY_TAGGED_STRUCT(AddPatchChangeKind, "v2", "add")

struct DeletePatchChangeKind {};
SPOOL_EMPTY_TAGGED_STRUCT(DeletePatchChangeKind, "v2", "delete")

// Deliberate difference: Codex's nullable "move_path" (the new path of a renamed file) is
// not modelled, its snake_case name breaking the camelCase rule for v2 fields.
struct UpdatePatchChangeKind {};
SPOOL_EMPTY_TAGGED_STRUCT(UpdatePatchChangeKind, "v2", "update")

struct PatchChangeKind
    : std::variant<AddPatchChangeKind, DeletePatchChangeKind, UpdatePatchChangeKind> {
  using variant::variant;
};
SPOOL_UNION(PatchChangeKind, "v2")

struct FileUpdateChange {
  std::string path;
  PatchChangeKind kind;
  std::string diff;  // unified diff (an add's whole content)
};
SPOOL_STRUCT(FileUpdateChange, "v2", path, kind, diff)

enum class McpToolCallStatus { InProgress, Completed, Failed };
SPOOL_ENUM(McpToolCallStatus, "v2", Entry{McpToolCallStatus::InProgress, "inProgress"},
           Entry{McpToolCallStatus::Completed, "completed"},
           Entry{McpToolCallStatus::Failed, "failed"})

// The MCP CallToolResult, kept as MCP wrote it.
struct McpToolCallResult {
  std::vector<nlohmann::json> content;  // MCP content blocks
  std::optional<nlohmann::json> structuredContent;
};
SPOOL_STRUCT(McpToolCallResult, "v2", content, structuredContent)

struct McpToolCallError {
  std::string message;
};
SPOOL_STRUCT(McpToolCallError, "v2", message)

// What a web search call did, when the model reported it.
struct SearchWebSearchAction {
  std::optional<std::string> query;
  std::optional<std::vector<std::string>> queries;
};
SPOOL_TAGGED_STRUCT(SearchWebSearchAction, "v2", "search", query, queries)

struct OpenPageWebSearchAction {
  std::optional<std::string> url;
};
SPOOL_TAGGED_STRUCT(OpenPageWebSearchAction, "v2", "openPage", url)

struct FindInPageWebSearchAction {
  std::optional<std::string> url;
  std::optional<std::string> pattern;
};
SPOOL_TAGGED_STRUCT(FindInPageWebSearchAction, "v2", "findInPage", url, pattern)

struct OtherWebSearchAction {};
SPOOL_EMPTY_TAGGED_STRUCT(OtherWebSearchAction, "v2", "other")

struct WebSearchAction : std::variant<SearchWebSearchAction, OpenPageWebSearchAction,
                                      FindInPageWebSearchAction, OtherWebSearchAction> {
  using variant::variant;
};
SPOOL_UNION(WebSearchAction, "v2")

// --- ThreadItem ----------------------------------------------------------------------------
// startedAtMs / completedAtMs: Unix milliseconds when the item started / completed, null
// when not recorded (completedAtMs stays null while the item is in progress).

struct UserMessageThreadItem {
  std::string id;
  std::vector<UserInput> content;
  std::optional<std::string> clientId;  // the client's clientUserMessageId from turn/start
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(UserMessageThreadItem, "v2", "userMessage", id, content, clientId, startedAtMs,
                    completedAtMs)

struct AgentMessageThreadItem {
  std::string id;
  std::string text;
  std::optional<MessagePhase> phase;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(AgentMessageThreadItem, "v2", "agentMessage", id, text, phase, startedAtMs,
                    completedAtMs)

// A proposed plan (plan mode); the completed item is authoritative over the deltas.
struct PlanThreadItem {
  std::string id;
  std::string text;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(PlanThreadItem, "v2", "plan", id, text, startedAtMs, completedAtMs)

struct ReasoningThreadItem {
  std::string id;
  Defaulted<std::vector<std::string>> summary;  // one entry per summary part
  Defaulted<std::vector<std::string>> content;  // raw reasoning text, when exposed
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(ReasoningThreadItem, "v2", "reasoning", id, summary, content, startedAtMs,
                    completedAtMs)

struct CommandExecutionThreadItem {
  std::string id;
  std::string command;
  std::string cwd;
  std::optional<std::string> processId;      // the PTY process, when there is one
  Defaulted<CommandExecutionSource> source;  // default agent
  CommandExecutionStatus status = CommandExecutionStatus::InProgress;
  std::vector<CommandAction> commandActions;
  std::optional<std::string> aggregatedOutput;  // stdout and stderr as they interleaved
  std::optional<std::int32_t> exitCode;
  std::optional<std::int64_t> durationMs;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(CommandExecutionThreadItem, "v2", "commandExecution", id, command, cwd,
                    processId, source, status, commandActions, aggregatedOutput, exitCode,
                    durationMs, startedAtMs, completedAtMs)

struct FileChangeThreadItem {
  std::string id;
  std::vector<FileUpdateChange> changes;
  PatchApplyStatus status = PatchApplyStatus::InProgress;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(FileChangeThreadItem, "v2", "fileChange", id, changes, status, startedAtMs,
                    completedAtMs)

struct McpToolCallThreadItem {
  std::string id;
  std::string server;
  std::string tool;
  McpToolCallStatus status = McpToolCallStatus::InProgress;
  nlohmann::json arguments;  // the tool's arguments as the model wrote them (any JSON)
  std::optional<McpToolCallResult> result;
  std::optional<McpToolCallError> error;
  std::optional<std::int64_t> durationMs;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(McpToolCallThreadItem, "v2", "mcpToolCall", id, server, tool, status, arguments,
                    result, error, durationMs, startedAtMs, completedAtMs)

struct WebSearchThreadItem {
  std::string id;
  std::string query;
  std::optional<WebSearchAction> action;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(WebSearchThreadItem, "v2", "webSearch", id, query, action, startedAtMs,
                    completedAtMs)

// The agent looked at a local image.
struct ImageViewThreadItem {
  std::string id;
  std::string path;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(ImageViewThreadItem, "v2", "imageView", id, path, startedAtMs, completedAtMs)

// review: what is being reviewed (entered) or the review's text (exited).
struct EnteredReviewModeThreadItem {
  std::string id;
  std::string review;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(EnteredReviewModeThreadItem, "v2", "enteredReviewMode", id, review, startedAtMs,
                    completedAtMs)

struct ExitedReviewModeThreadItem {
  std::string id;
  std::string review;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(ExitedReviewModeThreadItem, "v2", "exitedReviewMode", id, review, startedAtMs,
                    completedAtMs)

// The conversation history was compacted here.
struct ContextCompactionThreadItem {
  std::string id;
  std::optional<std::int64_t> startedAtMs;
  std::optional<std::int64_t> completedAtMs;
};
SPOOL_TAGGED_STRUCT(ContextCompactionThreadItem, "v2", "contextCompaction", id, startedAtMs,
                    completedAtMs)

struct ThreadItem : std::variant<UserMessageThreadItem, AgentMessageThreadItem, PlanThreadItem,
                                 ReasoningThreadItem, CommandExecutionThreadItem,
                                 FileChangeThreadItem, McpToolCallThreadItem, WebSearchThreadItem,
                                 ImageViewThreadItem, EnteredReviewModeThreadItem,
                                 ExitedReviewModeThreadItem, ContextCompactionThreadItem> {
  using variant::variant;
};
SPOOL_UNION(ThreadItem, "v2")

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::v2
