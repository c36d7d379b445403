// HistoryBuilder's tool items: Codex's tool events (commands, patches, MCP calls, web
// searches, image views, review mode, compaction) and the response items that are the only
// record of a tool call in older rollouts (function_call, custom_tool_call, local_shell_call
// and their outputs). Items are upserted by call id, so begin/end events, calls and outputs
// of one call make one item wherever it first appeared.
#include <variant>

#include "projections/history_builder.h"
#include "projections/history_convert.h"
#include "protocol/core/event_msg.h"
#include "protocol/core/response_item.h"

namespace spool::projections {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;
namespace core = protocol::core;
using history::decode;
using history::str;
using Source = HistoryBuilder::ItemSource;
using ItemState = HistoryBuilder::ItemState;

template <class T>
T* existing_as(std::pair<HistoryBuilder::TurnState*, ItemState*> found) {
  return found.second ? std::get_if<T>(&found.second->item) : nullptr;
}

}  // namespace

void HistoryBuilder::apply_tool_event(const EventView& e, std::string_view type, const json& p) {
  const auto turn_id = history::event_turn_id(e, p);
  const std::int64_t now = e.ts_ms;
  if (type == "exec_command_begin") {
    const auto b = decode<core::ExecCommandBeginEventMsg>(p);
    if (!b) return;
    if (const auto* c = existing_as<v2::CommandExecutionThreadItem>(find_item(b->call_id));
        c && c->status != v2::CommandExecutionStatus::InProgress) {
      return;  // already ended
    }
    auto c = history::command_from_begin(*b);
    c.startedAtMs = now;
    place(e, turn_id, {std::move(c), Source::kTool});
  } else if (type == "exec_command_end") {
    const auto end = decode<core::ExecCommandEndEventMsg>(p);
    if (!end) return;
    auto c = history::command_from_end(*end, str(p, "status"));
    const auto* before = existing_as<v2::CommandExecutionThreadItem>(find_item(end->call_id));
    c.startedAtMs = before && before->startedAtMs ? before->startedAtMs
                                                  : std::optional(now - c.durationMs.value_or(0));
    c.completedAtMs = now;
    place(e, turn_id, {std::move(c), Source::kTool, false, true});
  } else if (type == "patch_apply_begin") {
    const auto b = decode<core::PatchApplyBeginEventMsg>(p);
    if (!b) return;
    place(e, turn_id,
          {v2::FileChangeThreadItem{b->call_id, history::file_changes(b->changes),
                                    v2::PatchApplyStatus::InProgress, now, std::nullopt},
           Source::kTool});
  } else if (type == "patch_apply_end") {
    const auto end = decode<core::PatchApplyEndEventMsg>(p);
    if (!end) return;
    v2::FileChangeThreadItem f{end->call_id, {}, v2::PatchApplyStatus::Failed, now, now};
    if (const auto* before = existing_as<v2::FileChangeThreadItem>(find_item(end->call_id))) {
      f.changes = before->changes;
      f.startedAtMs = before->startedAtMs;
    }
    if (end->changes) f.changes = history::file_changes(*end->changes);
    const auto status = str(p, "status");
    if (status == "declined") {
      f.status = v2::PatchApplyStatus::Declined;
    } else if (status == "completed" || (!status && end->success)) {
      f.status = v2::PatchApplyStatus::Completed;
    }
    place(e, turn_id, {std::move(f), Source::kTool, false, true});
  } else if (type == "mcp_tool_call_begin") {
    const auto b = decode<core::McpToolCallBeginEventMsg>(p);
    if (!b || find_item(b->call_id).second) return;
    auto m = history::mcp_call(b->call_id, b->invocation);
    m.startedAtMs = now;
    place(e, turn_id, {std::move(m), Source::kTool});
  } else if (type == "mcp_tool_call_end") {
    const auto end = decode<core::McpToolCallEndEventMsg>(p);
    if (!end) return;
    auto m = history::mcp_call(end->call_id, end->invocation);
    if (const auto* before = existing_as<v2::McpToolCallThreadItem>(find_item(end->call_id))) {
      m.startedAtMs = before->startedAtMs;
    }
    history::complete_mcp_call(m, *end);
    if (!m.startedAtMs) m.startedAtMs = now - m.durationMs.value_or(0);
    m.completedAtMs = now;
    place(e, turn_id, {std::move(m), Source::kTool, false, true});
  } else if (type == "web_search_begin") {
    const auto b = decode<core::WebSearchBeginEventMsg>(p);
    if (!b || find_item(b->call_id).second) return;
    place(
        e, turn_id,
        {v2::WebSearchThreadItem{b->call_id, "", std::nullopt, now, std::nullopt}, Source::kTool});
  } else if (type == "web_search_end") {
    const auto end = decode<core::WebSearchEndEventMsg>(p);
    if (!end) return;
    v2::WebSearchThreadItem w{end->call_id, end->query, history::web_search_action(end->action),
                              now, now};
    if (const auto* before = existing_as<v2::WebSearchThreadItem>(find_item(end->call_id))) {
      w.startedAtMs = before->startedAtMs;
    }
    place(e, turn_id, {std::move(w), Source::kTool, false, true});
  } else if (type == "view_image_tool_call") {
    const auto v = decode<core::ViewImageToolCallEventMsg>(p);
    if (!v) return;
    place(e, turn_id,
          {v2::ImageViewThreadItem{v->call_id, v->path, now, now}, Source::kTool, false, true});
  } else if (type == "entered_review_mode" || type == "exited_review_mode" ||
             type == "context_compacted") {
    TurnState* t = target_turn(e, turn_id);
    if (!t) return;
    const std::string id = "item-" + std::to_string(e.seq);
    if (type == "context_compacted") {
      t->items.push_back({v2::ContextCompactionThreadItem{id, now, now}, Source::kMarker});
    } else if (type == "entered_review_mode") {
      if (const auto r = decode<core::EnteredReviewModeEventMsg>(p)) {
        t->items.push_back(
            {v2::EnteredReviewModeThreadItem{id, history::entered_review_text(*r), now, now},
             Source::kMarker});
      }
    } else if (const auto r = decode<core::ExitedReviewModeEventMsg>(p)) {
      t->items.push_back(
          {v2::ExitedReviewModeThreadItem{id, history::exited_review_text(*r), now, now},
           Source::kMarker});
    }
  }
}

void HistoryBuilder::apply_response_item(const EventView& e, std::string_view type, const json& p) {
  if (v2_items_) return;
  const auto turn_id = history::event_turn_id(e, p);
  // Messages and reasoning are read from the events (user_message, item_completed, ...),
  // never from response items: those repeat them, and also hold what the user never typed
  // (developer and environment-context messages).
  if (type == "function_call") {
    const auto f = decode<core::FunctionCallResponseItem>(p);
    if (!f) return;
    add_call(e, turn_id, f->name, json::parse(f->arguments, nullptr, /*allow_exceptions=*/false),
             f->call_id);
  } else if (type == "custom_tool_call") {
    const auto f = decode<core::CustomToolCallResponseItem>(p);
    if (f && f->name == "apply_patch") add_patch(e, turn_id, f->call_id, f->input);
  } else if (type == "local_shell_call") {
    const auto f = decode<core::LocalShellCallResponseItem>(p);
    if (!f) return;
    const auto* exec = std::get_if<core::ExecLocalShellAction>(&f->action);
    const auto id = f->call_id ? f->call_id : f->id;
    if (!exec || !id) return;
    json args = {{"command", exec->command}};
    if (exec->working_directory) args["workdir"] = *exec->working_directory;
    add_call(e, turn_id, "local_shell", args, *id);
  } else if (type == "function_call_output" || type == "custom_tool_call_output") {
    const auto call_id = str(p, "call_id");
    const auto output = p.find("output");
    if (!call_id || output == p.end()) return;
    const auto payload = decode<core::FunctionCallOutputPayload>(*output);
    if (payload) apply_tool_output(e, *call_id, payload->content);
  }
}

void HistoryBuilder::add_call(const EventView& e, const std::optional<std::string>& turn_id,
                              std::string_view name, const json& args, const std::string& call_id) {
  if (find_item(call_id).second) return;  // an event recorded it already
  if (name == "apply_patch") {
    if (const auto input = args.is_object() ? str(args, "input") : std::nullopt) {
      add_patch(e, turn_id, call_id, *input);
    }
    return;
  }
  auto c = history::command_from_call(name, args, call_id, cwd_.value_or(""));
  if (!c) return;  // not a shell call: other tools have no item of their own here
  c->startedAtMs = e.ts_ms;
  if (TurnState* t = target_turn(e, turn_id)) t->items.push_back({std::move(*c), Source::kTool});
}

void HistoryBuilder::add_patch(const EventView& e, const std::optional<std::string>& turn_id,
                               const std::string& call_id, const std::string& patch) {
  if (find_item(call_id).second) return;
  auto changes = history::parse_patch(patch, cwd_.value_or(""));
  if (changes.empty()) return;
  TurnState* t = target_turn(e, turn_id);
  if (!t) return;
  t->items.push_back(
      {v2::FileChangeThreadItem{call_id, std::move(changes), v2::PatchApplyStatus::InProgress,
                                e.ts_ms, std::nullopt},
       Source::kTool});
}

void HistoryBuilder::apply_tool_output(const EventView& e, const std::string& call_id,
                                       const std::string& output) {
  auto [t, s] = find_item(call_id);
  if (!s || s->completed) return;  // an end event or item_completed settled it
  if (auto* c = std::get_if<v2::CommandExecutionThreadItem>(&s->item)) {
    if (c->status != v2::CommandExecutionStatus::InProgress) return;
    history::complete_command_from_output(*c, output);
    if (c->status != v2::CommandExecutionStatus::InProgress) c->completedAtMs = e.ts_ms;
  } else if (auto* f = std::get_if<v2::FileChangeThreadItem>(&s->item)) {
    if (f->status != v2::PatchApplyStatus::InProgress) return;
    f->status = history::patch_status_from_output(output);
    f->completedAtMs = e.ts_ms;
  }
}

}  // namespace spool::projections
