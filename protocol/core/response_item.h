// ResponseItem: the model-facing history a Codex rollout file records under "response_item"
// (messages, reasoning, tool calls and their outputs), with Codex's own snake_case shapes and
// names (the titles of Codex 0.60.1's ResponseItem schema), decoding what 0.60.1 and 0.169.0
// write. Every union here is open: a type this Spool does not know is kept whole.
//
// Left out on purpose: the variants Spool has no use for (ghost_snapshot, compaction /
// compaction_summary, other) decode as RawVariant; fields not declared here (0.169's
// internal_chat_message_metadata_passthrough, message "phase", ...) are dropped on decode.
// The importer stores every payload raw, so nothing is lost. Where Codex's 0.60.1 schema
// and what it writes disagree, the declarations follow what it writes: "id" is marked
// required there but 0.60.1 never writes it (write-only), and function_call_output's
// "output" is a string or an array on the wire, not the object the schema describes.
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

// --- message content -----------------------------------------------------------------------

struct InputTextContentItem {
  std::string text;
};
SPOOL_TAGGED_STRUCT(InputTextContentItem, "core", "input_text", text)

struct InputImageContentItem {
  std::string image_url;  // a data: URL (local images are inlined) or an http(s) URL
};
SPOOL_TAGGED_STRUCT(InputImageContentItem, "core", "input_image", image_url)

struct OutputTextContentItem {
  std::string text;
  std::optional<std::vector<nlohmann::json>> annotations;  // 0.169 only ([] so far)
};
SPOOL_TAGGED_STRUCT(OutputTextContentItem, "core", "output_text", text, annotations)

struct ContentItem : std::variant<InputTextContentItem, InputImageContentItem,
                                  OutputTextContentItem, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(ContentItem, "core")

// --- reasoning -----------------------------------------------------------------------------

struct SummaryTextReasoningItemReasoningSummary {
  std::string text;
};
SPOOL_TAGGED_STRUCT(SummaryTextReasoningItemReasoningSummary, "core", "summary_text", text)

struct ReasoningItemReasoningSummary
    : std::variant<SummaryTextReasoningItemReasoningSummary, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(ReasoningItemReasoningSummary, "core")

struct ReasoningTextReasoningItemContent {
  std::string text;
};
SPOOL_TAGGED_STRUCT(ReasoningTextReasoningItemContent, "core", "reasoning_text", text)

struct TextReasoningItemContent {
  std::string text;
};
SPOOL_TAGGED_STRUCT(TextReasoningItemContent, "core", "text", text)

struct ReasoningItemContent
    : std::variant<ReasoningTextReasoningItemContent, TextReasoningItemContent, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(ReasoningItemContent, "core")

// --- local shell (the Responses API's built-in local_shell tool) ---------------------------

enum class LocalShellStatus { Completed, InProgress, Incomplete };
SPOOL_ENUM(LocalShellStatus, "core", Entry{LocalShellStatus::Completed, "completed"},
           Entry{LocalShellStatus::InProgress, "in_progress"},
           Entry{LocalShellStatus::Incomplete, "incomplete"})

struct ExecLocalShellAction {
  std::vector<std::string> command;
  std::optional<std::uint64_t> timeout_ms;
  std::optional<std::string> working_directory;
  std::optional<std::map<std::string, std::string>> env;
  std::optional<std::string> user;
};
SPOOL_TAGGED_STRUCT(ExecLocalShellAction, "core", "exec", command, timeout_ms, working_directory,
                    env, user)

struct LocalShellAction : std::variant<ExecLocalShellAction, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(LocalShellAction, "core")

// --- tool output ---------------------------------------------------------------------------

struct InputTextFunctionCallOutputContentItem {
  std::string text;
};
SPOOL_TAGGED_STRUCT(InputTextFunctionCallOutputContentItem, "core", "input_text", text)

struct InputImageFunctionCallOutputContentItem {
  std::string image_url;
};
SPOOL_TAGGED_STRUCT(InputImageFunctionCallOutputContentItem, "core", "input_image", image_url)

struct FunctionCallOutputContentItem
    : std::variant<InputTextFunctionCallOutputContentItem,
                   InputImageFunctionCallOutputContentItem, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(FunctionCallOutputContentItem, "core")

// A tool's output as Codex writes it: a plain string (every output in both fixture eras),
// or, when a tool returned structured content (images, MCP results), an array of content
// items. A string-or-array has no "type" to tag it by, hence hand-written JSON functions.
// Codex's own struct also has a "success" flag that it never writes; not modelled.
struct FunctionCallOutputPayload {
  // The text. For the array form, the array's JSON text, as Codex fills it in.
  std::string content;
  // Set for the array form (and then written as the array); absent for the string form.
  std::optional<std::vector<FunctionCallOutputContentItem>> content_items;
};
inline constexpr auto spool_reflect(const FunctionCallOutputPayload*) {
  return CustomMeta<FunctionCallOutputPayload>{
      "FunctionCallOutputPayload", "core",
      R"({"anyOf":[{"type":"string"},{"type":"array","items":{"type":"object","properties":{"type":{"type":"string"}},"required":["type"]}}]})",
      "string | Array<{ type: string, [key: string]: unknown }>", R"("x")"};
}

inline void to_json(nlohmann::json& j, const FunctionCallOutputPayload& v) {
  if (v.content_items) {
    encode(j, *v.content_items);
  } else {
    j = v.content;
  }
}

inline void from_json(const nlohmann::json& j, FunctionCallOutputPayload& v) {
  if (j.is_string()) {
    v.content = j.get<std::string>();
    v.content_items.reset();
  } else if (j.is_array()) {
    std::vector<FunctionCallOutputContentItem> items;
    detail::Path path;
    decode(j, items, path);  // a bad item throws with its path ("[1].text")
    v.content = j.dump();
    v.content_items = std::move(items);
  } else {
    throw DecodeException(DecodeError{
        "", fmt::format("expected a string or an array of content items, got {}",
                        describe_json(j))});
  }
}

// --- web search ----------------------------------------------------------------------------

// 0.60.1's two actions. Newer Codex also writes open_page {url} and find_in_page {url,
// pattern}, which decode as RawVariant (kept whole) until Spool needs them.
struct SearchWebSearchAction {
  std::string query;
};
SPOOL_TAGGED_STRUCT(SearchWebSearchAction, "core", "search", query)

struct OtherWebSearchAction {};
SPOOL_EMPTY_TAGGED_STRUCT(OtherWebSearchAction, "core", "other")

struct WebSearchAction : std::variant<SearchWebSearchAction, OtherWebSearchAction, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(WebSearchAction, "core")

// --- ResponseItem --------------------------------------------------------------------------

struct MessageResponseItem {
  std::optional<std::string> id;  // 0.169 only ("msg_..."); 0.60.1 does not write it
  std::string role;               // "user", "assistant", "developer", "system"
  std::vector<ContentItem> content;
  std::optional<std::string> status;  // 0.169, assistant messages: "completed"
};
SPOOL_TAGGED_STRUCT(MessageResponseItem, "core", "message", id, role, content, status)

struct ReasoningResponseItem {
  std::optional<std::string> id;  // 0.169 only ("rs_...")
  std::vector<ReasoningItemReasoningSummary> summary;
  std::optional<std::vector<ReasoningItemContent>> content;  // raw chain of thought, if any
  std::optional<std::string> encrypted_content;
};
SPOOL_TAGGED_STRUCT(ReasoningResponseItem, "core", "reasoning", id, summary, content,
                    encrypted_content)

struct LocalShellCallResponseItem {
  std::optional<std::string> id;       // set by the Chat Completions API
  std::optional<std::string> call_id;  // set by the Responses API
  LocalShellStatus status = LocalShellStatus::Completed;
  LocalShellAction action;
};
SPOOL_TAGGED_STRUCT(LocalShellCallResponseItem, "core", "local_shell_call", id, call_id, status,
                    action)

struct FunctionCallResponseItem {
  std::optional<std::string> id;  // 0.169 only ("fc_...")
  std::string name;               // "shell" (0.60.1), "exec_command" (0.169), an MCP tool, ...
  std::string arguments;          // JSON text, as the model wrote it
  std::string call_id;
  std::optional<std::string> status;  // 0.169 only: "completed"
};
SPOOL_TAGGED_STRUCT(FunctionCallResponseItem, "core", "function_call", id, name, arguments,
                    call_id, status)

struct FunctionCallOutputResponseItem {
  std::optional<std::string> id;  // 0.169 only ("fco_...")
  std::string call_id;
  FunctionCallOutputPayload output;
};
SPOOL_TAGGED_STRUCT(FunctionCallOutputResponseItem, "core", "function_call_output", id, call_id,
                    output)

// A freeform ("custom") tool call, e.g. apply_patch with a raw patch as input.
struct CustomToolCallResponseItem {
  std::optional<std::string> id;
  std::optional<std::string> status;
  std::string call_id;
  std::string name;
  std::string input;
};
SPOOL_TAGGED_STRUCT(CustomToolCallResponseItem, "core", "custom_tool_call", id, status, call_id,
                    name, input)

struct CustomToolCallOutputResponseItem {
  std::string call_id;
  // A string in 0.60.1; typed like function_call_output so that newer Codex's structured
  // outputs (an array of content items) decode too.
  FunctionCallOutputPayload output;
};
SPOOL_TAGGED_STRUCT(CustomToolCallOutputResponseItem, "core", "custom_tool_call_output", call_id,
                    output)

struct WebSearchCallResponseItem {
  std::optional<std::string> id;
  std::optional<std::string> status;
  WebSearchAction action;
};
SPOOL_TAGGED_STRUCT(WebSearchCallResponseItem, "core", "web_search_call", id, status, action)

struct ResponseItem
    : std::variant<MessageResponseItem, ReasoningResponseItem, LocalShellCallResponseItem,
                   FunctionCallResponseItem, FunctionCallOutputResponseItem,
                   CustomToolCallResponseItem, CustomToolCallOutputResponseItem,
                   WebSearchCallResponseItem, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(ResponseItem, "core")

// NOLINTEND(readability-identifier-naming)
}  // namespace spool::protocol::core
