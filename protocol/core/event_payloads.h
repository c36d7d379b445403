// The parts EventMsg variants are made of: durations, parsed commands, file changes, token
// usage, rate limits, review output, plan steps and MCP invocations, in Codex's snake_case
// shapes. See event_msg.h for what is declared and what is deliberately left out.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/codec.h"

namespace spool::protocol::core {
// NOLINTBEGIN(readability-identifier-naming): wire names

// --- shared types --------------------------------------------------------------------------

// A Rust std::time::Duration as serde writes it.
struct Duration {
  std::uint64_t secs = 0;
  std::uint32_t nanos = 0;
};
SPOOL_STRUCT(Duration, "core", secs, nanos)

// How Codex parsed a shell command, for display ("read foo.txt").
struct ReadParsedCommand {
  std::string cmd;
  std::string name;
  std::string path;
};
SPOOL_TAGGED_STRUCT(ReadParsedCommand, "core", "read", cmd, name, path)

struct ListFilesParsedCommand {
  std::string cmd;
  std::optional<std::string> path;
};
SPOOL_TAGGED_STRUCT(ListFilesParsedCommand, "core", "list_files", cmd, path)

struct SearchParsedCommand {
  std::string cmd;
  std::optional<std::string> query;
  std::optional<std::string> path;
};
SPOOL_TAGGED_STRUCT(SearchParsedCommand, "core", "search", cmd, query, path)

struct UnknownParsedCommand {
  std::string cmd;
};
SPOOL_TAGGED_STRUCT(UnknownParsedCommand, "core", "unknown", cmd)

struct ParsedCommand : std::variant<ReadParsedCommand, ListFilesParsedCommand,
                                    SearchParsedCommand, UnknownParsedCommand, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(ParsedCommand, "core")

enum class ExecCommandSource { Agent, UserShell, UnifiedExecStartup, UnifiedExecInteraction };
SPOOL_ENUM(ExecCommandSource, "core", Entry{ExecCommandSource::Agent, "agent"},
           Entry{ExecCommandSource::UserShell, "user_shell"},
           Entry{ExecCommandSource::UnifiedExecStartup, "unified_exec_startup"},
           Entry{ExecCommandSource::UnifiedExecInteraction, "unified_exec_interaction"})

enum class ExecOutputStream { Stdout, Stderr };
SPOOL_ENUM(ExecOutputStream, "core", Entry{ExecOutputStream::Stdout, "stdout"},
           Entry{ExecOutputStream::Stderr, "stderr"})

// One file's change in a patch.
struct AddFileChange {
  std::string content;
};
SPOOL_TAGGED_STRUCT(AddFileChange, "core", "add", content)

struct DeleteFileChange {
  std::string content;
};
SPOOL_TAGGED_STRUCT(DeleteFileChange, "core", "delete", content)

struct UpdateFileChange {
  std::string unified_diff;
  std::optional<std::string> move_path;  // set when the file is also renamed
};
SPOOL_TAGGED_STRUCT(UpdateFileChange, "core", "update", unified_diff, move_path)

struct FileChange
    : std::variant<AddFileChange, DeleteFileChange, UpdateFileChange, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(FileChange, "core")

// --- token usage and rate limits -----------------------------------------------------------

struct TokenUsage {
  std::int64_t input_tokens = 0;
  std::int64_t cached_input_tokens = 0;
  std::optional<std::int64_t> cache_write_input_tokens;  // 0.169 only
  std::int64_t output_tokens = 0;
  std::int64_t reasoning_output_tokens = 0;
  std::int64_t total_tokens = 0;
};
SPOOL_STRUCT(TokenUsage, "core", input_tokens, cached_input_tokens, cache_write_input_tokens,
             output_tokens, reasoning_output_tokens, total_tokens)

struct TokenUsageInfo {
  TokenUsage total_token_usage;  // the thread so far
  TokenUsage last_token_usage;   // the last model response
  std::optional<std::int64_t> model_context_window;
  std::optional<bool> last_usage_includes_reasoning;  // 0.169 only
};
SPOOL_STRUCT(TokenUsageInfo, "core", total_token_usage, last_token_usage, model_context_window,
             last_usage_includes_reasoning)

struct RateLimitWindow {
  double used_percent = 0;  // 0-100
  std::optional<std::int64_t> window_minutes;
  std::optional<std::int64_t> resets_at;  // Unix seconds
};
SPOOL_STRUCT(RateLimitWindow, "core", used_percent, window_minutes, resets_at)

struct CreditsSnapshot {
  bool has_credits = false;
  bool unlimited = false;
  std::optional<std::string> balance;  // a decimal string, "42.00"
};
SPOOL_STRUCT(CreditsSnapshot, "core", has_credits, unlimited, balance)

// 0.169 also writes individual_limit, spend_control_reached and rate_limit_reached_type
// (null so far); not modelled.
struct RateLimitSnapshot {
  std::optional<std::string> limit_id;    // 0.169 only: "codex"
  std::optional<std::string> limit_name;  // 0.169 only
  std::optional<RateLimitWindow> primary;
  std::optional<RateLimitWindow> secondary;
  std::optional<CreditsSnapshot> credits;
  std::optional<std::string> plan_type;  // 0.169 only: a Codex PlanType ("plus", ...)
};
SPOOL_STRUCT(RateLimitSnapshot, "core", limit_id, limit_name, primary, secondary, credits,
             plan_type)

// --- review mode ---------------------------------------------------------------------------

struct ReviewLineRange {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
};
SPOOL_STRUCT(ReviewLineRange, "core", start, end)

struct ReviewCodeLocation {
  std::string absolute_file_path;
  ReviewLineRange line_range;
};
SPOOL_STRUCT(ReviewCodeLocation, "core", absolute_file_path, line_range)

struct ReviewFinding {
  std::string title;
  std::string body;
  double confidence_score = 0;
  std::int32_t priority = 0;
  ReviewCodeLocation code_location;
};
SPOOL_STRUCT(ReviewFinding, "core", title, body, confidence_score, priority, code_location)

struct ReviewOutputEvent {
  std::vector<ReviewFinding> findings;
  std::string overall_correctness;
  std::string overall_explanation;
  double overall_confidence_score = 0;
};
SPOOL_STRUCT(ReviewOutputEvent, "core", findings, overall_correctness, overall_explanation,
             overall_confidence_score)

// --- plans ---------------------------------------------------------------------------------

enum class StepStatus { Pending, InProgress, Completed };
SPOOL_ENUM(StepStatus, "core", Entry{StepStatus::Pending, "pending"},
           Entry{StepStatus::InProgress, "in_progress"}, Entry{StepStatus::Completed, "completed"})

struct PlanItemArg {
  std::string step;
  StepStatus status = StepStatus::Pending;
};
SPOOL_STRUCT(PlanItemArg, "core", step, status)

// --- MCP -----------------------------------------------------------------------------------

struct McpInvocation {
  std::string server;
  std::string tool;
  std::optional<nlohmann::json> arguments;
};
SPOOL_STRUCT(McpInvocation, "core", server, tool, arguments)

// Rust's Result<CallToolResult, String> as serde writes it: {"Ok": {...}} or {"Err": "..."}.
// Codex calls it Result_of_CallToolResult_or_String, a name Spool's conventions do not
// allow; an object keyed "Ok"/"Err" has no "type" tag, hence hand-written JSON functions.
struct CallToolResultOrError {
  std::optional<nlohmann::json> ok;  // the MCP CallToolResult {content, structured_content, ...}
  std::optional<std::string> err;    // set instead of ok when the call failed
};
inline constexpr auto spool_reflect(const CallToolResultOrError*) {
  return CustomMeta<CallToolResultOrError>{
      "CallToolResultOrError", "core",
      R"({"oneOf":[{"type":"object","properties":{"Ok":{"type":"object"}},"required":["Ok"]},{"type":"object","properties":{"Err":{"type":"string"}},"required":["Err"]}]})",
      "{ Ok: { [key: string]: unknown } } | { Err: string }", R"({"Err":"x"})"};
}

inline void to_json(nlohmann::json& j, const CallToolResultOrError& v) {
  if (v.err) {
    j = {{"Err", *v.err}};
  } else {
    j = {{"Ok", v.ok.value_or(nlohmann::json::object())}};
  }
}

inline void from_json(const nlohmann::json& j, CallToolResultOrError& v) {
  if (j.is_object() && j.size() == 1 && j.contains("Ok") && j["Ok"].is_object()) {
    v.ok = j["Ok"];
    v.err.reset();
  } else if (j.is_object() && j.size() == 1 && j.contains("Err") && j["Err"].is_string()) {
    v.ok.reset();
    v.err = j["Err"].get<std::string>();
  } else {
    throw DecodeException(DecodeError{
        "", fmt::format(R"(expected {{"Ok": an object}} or {{"Err": a string}}, got {})",
                        describe_json(j))});
  }
}

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::core
