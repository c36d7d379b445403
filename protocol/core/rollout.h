// A Codex rollout file (sessions/YYYY/MM/DD/rollout-*.jsonl, archived_sessions/*.jsonl):
// one RolloutLine per line, {"timestamp", "ordinal"?, "type": kind, "payload"}, whose
// payload's type depends on the kind: SessionMeta, TurnContext, ResponseItem, EventMsg or
// CompactedItem. Decodes what Codex 0.60.1 and 0.169.0 write.
//
// Left out on purpose: kinds other than those five (0.169's world_state and
// token_usage_record, ...) are kept as raw JSON with their kind, not typed. Payload fields
// not declared are dropped on decode (the importer stores every payload raw, so nothing is
// lost): among them 0.169's session_meta account_scoped / history_mode / context_window
// and turn_context approvals_reviewer / disabled_plugin_ids / multi_agent_version /
// realtime_active / root_turn_id. Codex enums in these rollout-only types (approval policy,
// reasoning effort and summary, session source) are kept as strings or raw JSON, not
// SPOOL_ENUMs: Codex keeps adding values and object forms, and a new one must not make a
// line undecodable.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/codec.h"
#include "protocol/core/event_msg.h"
#include "protocol/core/response_item.h"

namespace spool::protocol::core {
// NOLINTBEGIN(readability-identifier-naming): wire names

// The git state of the session's cwd when it started (absent outside a repository).
struct GitInfo {
  std::optional<std::string> commit_hash;
  std::optional<std::string> branch;
  std::optional<std::string> repository_url;
};
SPOOL_STRUCT(GitInfo, "core", commit_hash, branch, repository_url)

// The first line of every rollout file (Codex's SessionMetaLine: SessionMeta plus git).
struct SessionMeta {
  std::string id;  // the thread (conversation) id
  std::optional<std::string> session_id;      // 0.169 only; equal to id so far
  std::optional<std::string> forked_from_id;  // set when the thread was forked from another
  std::string timestamp;                      // RFC 3339, when the session started
  std::string cwd;
  std::string originator;   // "codex_cli_rs", or the app-server client's name
  std::string cli_version;  // "0.60.1", "0.169.0"
  std::optional<std::string> instructions;  // 0.60.1 (null so far); 0.169: base_instructions
  // "cli", "vscode", "exec", "mcp", or an object for sub-agents ({"subagent": "review"}).
  nlohmann::json source;
  std::optional<std::string> model_provider;
  std::optional<nlohmann::json> base_instructions;  // 0.169: {"text", "provenance"}
  std::optional<std::vector<std::string>> runtime_workspace_roots;  // 0.169 only
  std::optional<GitInfo> git;
};
SPOOL_STRUCT(SessionMeta, "core", id, session_id, forked_from_id, timestamp, cwd, originator,
             cli_version, instructions, source, model_provider, base_instructions,
             runtime_workspace_roots, git)

// The settings a turn ran with, written before each turn's first model request
// (Codex's TurnContextItem).
struct TurnContext {
  std::optional<std::string> turn_id;  // 0.169 only
  std::string cwd;
  // "untrusted", "on-failure", "on-request" or "never" in both fixture eras; newer Codex
  // also writes an object ({"granular": {...}}).
  nlohmann::json approval_policy;
  nlohmann::json sandbox_policy;  // {"type": "danger-full-access" | "read-only" | ...}
  std::optional<nlohmann::json> permission_profile;  // 0.169 only: {"type": "disabled"}, ...
  std::string model;
  std::optional<std::string> effort;  // "minimal" ... "xhigh"; absent for non-reasoning models
  std::string summary;                // reasoning summary: "auto", "concise", "detailed", "none"
  std::optional<nlohmann::json> collaboration_mode;  // 0.169 only: {"mode", "settings"}
  std::optional<std::string> user_instructions;
  std::optional<std::string> developer_instructions;
  std::optional<nlohmann::json> final_output_json_schema;
};
SPOOL_STRUCT(TurnContext, "core", turn_id, cwd, approval_policy, sandbox_policy,
             permission_profile, model, effort, summary, collaboration_mode, user_instructions,
             developer_instructions, final_output_json_schema)

// The history was compacted into `message`; newer Codex also records the history that
// replaced the old one.
struct CompactedItem {
  std::string message;
  std::optional<std::vector<ResponseItem>> replacement_history;
};
SPOOL_STRUCT(CompactedItem, "core", message, replacement_history)

// A line of a kind Spool does not type, kept as it came.
struct UnknownRolloutItem {
  std::string type;        // the line's kind: "world_state", "token_usage_record", ...
  nlohmann::json payload;  // the payload, whole
  bool operator==(const UnknownRolloutItem&) const = default;
};

// One line of a rollout file. The payload's type follows the line's "type" (kind), which
// is not a field of the payload ("adjacently tagged"): no SPOOL_* declaration expresses
// that, hence hand-written JSON functions (rollout.cpp). Written as
// {"timestamp", "ordinal", "type", "payload", "metadata"}, ordinal and metadata as null
// when absent.
struct RolloutLine {
  std::string timestamp;  // RFC 3339 with milliseconds, UTC: "2026-11-24T06:18:13.473Z"
  std::optional<std::int64_t> ordinal;  // 0.169 only: the line's index in the file
  std::variant<SessionMeta, TurnContext, ResponseItem, EventMsg, CompactedItem,
               UnknownRolloutItem>
      payload;
  // 0.169 only, beside a response_item's payload: {"history_sequence", ...}. Kept raw, as
  // it is not part of the payload the importer stores.
  std::optional<nlohmann::json> metadata;

  // The line's kind: "session_meta", "turn_context", "response_item", "event_msg",
  // "compacted", or an unknown kind's own string.
  std::string_view type() const;
};
inline constexpr auto spool_reflect(const RolloutLine*) {
  return CustomMeta<RolloutLine>{
      "RolloutLine", "core",
      R"({"type":"object","properties":{"timestamp":{"type":"string"},"ordinal":{"type":["integer","null"],"format":"int64"},"type":{"type":"string"},"payload":{},"metadata":{}},"required":["timestamp","type","payload"]})",
      "{ timestamp: string, ordinal: number | null, type: string, payload: unknown, metadata: "
      "unknown }",
      R"({"timestamp":"2026-11-24T06:18:14.026Z","ordinal":9,"type":"event_msg","payload":{"type":"agent_message","message":"hi"},"metadata":null})"};
}

// Encodes a line as Codex writes it (plus null ordinal / metadata when absent).
void to_json(nlohmann::json& j, const RolloutLine& line);
// Decodes a line; throws DecodeException whose path names the bad field from the line's
// root ("payload.cwd").
void from_json(const nlohmann::json& j, RolloutLine& line);
// The same, as a Result. Prefer it to decode_value<RolloutLine>, which (like every
// CustomMeta type decoded through the codec) loses the path inside the line.
Result<RolloutLine, DecodeError> decode_rollout_line(const nlohmann::json& j);

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::core
