#include "views/projection_hook.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "projections/history_builder.h"
#include "projections/thread_summary.h"
#include "protocol/codec.h"

namespace spool::views {
namespace {

using nlohmann::json;

constexpr std::string_view kSummary = "summary";
constexpr std::string_view kHistory = "history";

projections::EventView view_of(const eventstore::StoredEvent& e) {
  projections::EventView v{e.seq, e.ts_ms, e.kind, std::nullopt, std::nullopt, e.payload};
  if (e.type) v.type = *e.type;
  if (e.turn_id) v.turn_id = *e.turn_id;
  return v;
}

std::optional<std::string> json_text(const std::optional<json>& j) {
  if (!j) return std::nullopt;
  return j->dump();
}

eventstore::ThreadSummaryColumns columns_of(const projections::ThreadSummary& s) {
  eventstore::ThreadSummaryColumns c;
  c.created_at_ms = s.created_at_ms;
  c.preview = s.preview;
  c.name = s.name;
  c.model_provider = s.model_provider;
  c.model = s.model;
  c.reasoning_effort = s.reasoning_effort;
  c.approval_policy = json_text(s.approval_policy);
  c.sandbox = json_text(s.sandbox);
  c.cwd = s.cwd;
  c.source = s.source;
  c.originator = s.originator;
  c.cli_version = s.cli_version;
  c.forked_from_id = s.forked_from_id;
  c.git_info = json_text(s.git_info);
  return c;
}

// A turn as the history rows store it: the turn with "items": [] and each item apart.
eventstore::HistoryTurnRow row_of(const protocol::v2::Turn& turn) {
  eventstore::HistoryTurnRow row;
  row.turn_id = turn.id;
  json j = protocol::to_json_value(turn);
  j["items"] = json::array();
  row.turn_json = j.dump();
  for (const auto& item : turn.items) {
    json i = protocol::to_json_value(item);
    std::string id = i.value("id", "");
    row.items.emplace_back(std::move(id), i.dump());
  }
  return row;
}

void fold_summary(const eventstore::ThreadRow& thread,
                  std::span<const eventstore::StoredEvent> events,
                  eventstore::ProjectionWriter& writer) {
  const auto saved = writer.load_state(thread.id, kSummary);
  auto fold = saved ? projections::ThreadSummaryFold::load(
                          thread.id, json::parse(*saved, nullptr, /*allow_exceptions=*/false))
                    : projections::ThreadSummaryFold(thread.id);
  for (const auto& e : events) fold.apply(view_of(e));
  writer.save_state(thread.id, kSummary, fold.save().dump());
  writer.write_summary(thread.id, columns_of(fold.summary()));
}

// Folds the events into the saved history and rewrites the stored turns from the first one
// the events changed. Throws std::invalid_argument when the saved state is unreadable.
void fold_history(const eventstore::ThreadRow& thread,
                  std::span<const eventstore::StoredEvent> events,
                  eventstore::ProjectionWriter& writer) {
  const auto saved = writer.load_state(thread.id, kHistory);
  auto history = saved ? projections::HistoryBuilder::load(json::parse(*saved))
                       : projections::HistoryBuilder();
  for (const auto& e : events) history.apply(view_of(e));
  if (const auto first = history.first_changed_turn()) {
    std::vector<eventstore::HistoryTurnRow> rows;
    for (const auto& turn : history.turns(*first)) rows.push_back(row_of(turn));
    writer.replace_turns_from(thread.id, static_cast<std::int64_t>(*first), rows);
  }
  writer.save_state(thread.id, kHistory, history.save().dump());
}

}  // namespace

Result<void, std::string> ProjectionHook::after_append(
    const eventstore::ThreadRow& thread, std::span<const eventstore::StoredEvent> events,
    eventstore::ProjectionWriter& writer) {
  try {
    fold_summary(thread, events, writer);
    fold_history(thread, events, writer);
  } catch (const std::invalid_argument& e) {
    return fmt::format("the saved projection state of thread {} is unreadable ({}); run "
                       "`spool rebuild`",
                       thread.id, e.what());
  }
  return {};
}

}  // namespace spool::views
