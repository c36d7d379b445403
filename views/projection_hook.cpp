#include "views/projection_hook.h"

#include <nlohmann/json.hpp>

#include "projections/thread_summary.h"

namespace spool::views {
namespace {

using nlohmann::json;

constexpr std::string_view kSummary = "summary";

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

}  // namespace

Result<void, std::string> ProjectionHook::after_append(
    const eventstore::ThreadRow& thread, std::span<const eventstore::StoredEvent> events,
    eventstore::ProjectionWriter& writer) {
  const auto saved = writer.load_state(thread.id, kSummary);
  auto fold = saved ? projections::ThreadSummaryFold::load(
                          thread.id, json::parse(*saved, nullptr, /*allow_exceptions=*/false))
                    : projections::ThreadSummaryFold(thread.id);
  for (const auto& e : events) fold.apply(view_of(e));
  writer.save_state(thread.id, kSummary, fold.save().dump());
  writer.write_summary(thread.id, columns_of(fold.summary()));
  return {};
}

}  // namespace spool::views
