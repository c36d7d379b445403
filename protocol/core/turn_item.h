// TurnItem: the payload of item_started / item_completed events. In 0.169 rollouts user
// messages, agent messages, reasoning and commands appear only as item_completed events, so
// the projections need them typed. An open union: other item types are kept whole.
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

namespace spool::protocol::core {
// NOLINTBEGIN(readability-identifier-naming): wire names

// --- TurnItem (the payload of item_started / item_completed) -------------------------------
//
// A small open union rather than raw JSON: 0.169 records user messages, agent messages,
// reasoning and command runs in rollout files *only* as item_completed events (it writes no
// user_message / agent_message / exec_command_end), so the projections need them typed.
// Other item kinds decode as RawVariant.

struct TextUserInput {
  std::string text;
  std::optional<std::vector<nlohmann::json>> text_elements;  // 0.169 only (UI spans)
};
SPOOL_TAGGED_STRUCT(TextUserInput, "core", "text", text, text_elements)

struct ImageUserInput {
  std::string image_url;
};
SPOOL_TAGGED_STRUCT(ImageUserInput, "core", "image", image_url)

struct LocalImageUserInput {
  std::string path;
};
SPOOL_TAGGED_STRUCT(LocalImageUserInput, "core", "local_image", path)

struct UserInput : std::variant<TextUserInput, ImageUserInput, LocalImageUserInput, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(UserInput, "core")

struct TextAgentMessageContent {
  std::string text;
};
SPOOL_TAGGED_STRUCT(TextAgentMessageContent, "core", "Text", text)

struct AgentMessageContent : std::variant<TextAgentMessageContent, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(AgentMessageContent, "core")

struct UserMessageTurnItem {
  std::string id;
  std::vector<UserInput> content;
};
SPOOL_TAGGED_STRUCT(UserMessageTurnItem, "core", "UserMessage", id, content)

struct AgentMessageTurnItem {
  std::string id;
  std::vector<AgentMessageContent> content;
};
SPOOL_TAGGED_STRUCT(AgentMessageTurnItem, "core", "AgentMessage", id, content)

struct ReasoningTurnItem {
  std::string id;
  std::vector<std::string> summary_text;
  std::vector<std::string> raw_content;
};
SPOOL_TAGGED_STRUCT(ReasoningTurnItem, "core", "Reasoning", id, summary_text, raw_content)

struct WebSearchTurnItem {
  std::string id;
  std::string query;
  std::optional<WebSearchAction> action;  // newer Codex only
};
SPOOL_TAGGED_STRUCT(WebSearchTurnItem, "core", "WebSearch", id, query, action)

// 0.169 only (Codex 0.60.1's TurnItem has no command runs); shape from the 0.169 fixture.
struct CommandExecutionTurnItem {
  std::string id;  // the tool call's call_id
  std::optional<std::string> process_id;
  std::vector<std::string> command;
  std::string cwd;  // 0.169 writes a file:// URL here
  std::vector<ParsedCommand> parsed_cmd;
  ExecCommandSource source = ExecCommandSource::Agent;
  std::string status;  // "completed", ...
  std::optional<std::string> aggregated_output;
  std::optional<std::int32_t> exit_code;
  std::optional<Duration> duration;
};
SPOOL_TAGGED_STRUCT(CommandExecutionTurnItem, "core", "CommandExecution", id, process_id, command,
                    cwd, parsed_cmd, source, status, aggregated_output, exit_code, duration)

struct TurnItem : std::variant<UserMessageTurnItem, AgentMessageTurnItem, ReasoningTurnItem,
                               WebSearchTurnItem, CommandExecutionTurnItem, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(TurnItem, "core")

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::core
