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
constexpr std::string_view kLineage = "lineage";

// `seq` is the event's place in the thread's lineage (see Lineage below), which the folds
// use for the ids they make up ("item-<seq>").
projections::EventView view_of(const eventstore::StoredEvent& e, std::int64_t seq) {
  projections::EventView v{seq, e.ts_ms, e.kind, std::nullopt, std::nullopt, e.payload};
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

// A fork's place in its lineage, saved per fork: its history is its parent's lineage up to
// the parent's seq through_seq (`offset` events), folded in at its thread_forked event
// (seq fork_seq), then its own events. The folds see every event by its index in that
// lineage, so a fork's copy of its parent's items keeps their ids ("item-<seq>" of the
// parent's event), and the fork's own later events (offset + seq) never collide with them.
// Events before the fork event (its session_meta) keep their seq: they make no ids, and
// the offset is not known yet when they are folded.
struct Lineage {
  std::string forked_from_id;
  std::int64_t through_seq = 0;
  std::int64_t fork_seq = 0;
  std::int64_t offset = 0;

  std::int64_t seq_of(const eventstore::StoredEvent& e) const {
    return e.seq >= fork_seq ? e.seq + offset : e.seq;
  }
  json save() const {
    return {{"forked_from_id", forked_from_id}, {"through_seq", through_seq},
            {"fork_seq", fork_seq}, {"offset", offset}};
  }
  static Lineage load(const json& j) {
    if (!j.is_object() || !j.contains("forked_from_id") || !j["forked_from_id"].is_string() ||
        !j.contains("offset") || !j["offset"].is_number_integer())
      throw std::invalid_argument("lineage state is not {forked_from_id, offset, ...}");
    Lineage l;
    l.forked_from_id = j["forked_from_id"].get<std::string>();
    l.through_seq = j.value("through_seq", std::int64_t{0});
    l.fork_seq = j.value("fork_seq", std::int64_t{0});
    l.offset = j["offset"].get<std::int64_t>();
    return l;
  }
};

// The fork a spool/thread_forked event declares (the store has checked its shape).
std::optional<Lineage> fork_of(const eventstore::StoredEvent& e) {
  if (e.kind != eventstore::kind::kSpool || e.type != "thread_forked") return std::nullopt;
  const json p = json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object()) return std::nullopt;
  const auto parent = p.find("forked_from_id");
  const auto through = p.find("through_seq");
  if (parent == p.end() || !parent->is_string() || through == p.end() ||
      !through->is_number_integer())
    return std::nullopt;
  Lineage l;
  l.forked_from_id = parent->get<std::string>();
  l.through_seq = through->get<std::int64_t>();
  l.fork_seq = e.seq;
  return l;
}

// The thread's folds, loaded from their saved state, and written back by save().
class Folds {
 public:
  Folds(const eventstore::ThreadRow& thread, eventstore::ProjectionWriter& writer)
      : thread_(thread), writer_(writer), summary_(thread.id) {
    if (const auto saved = writer.load_state(thread.id, kSummary))
      summary_ = projections::ThreadSummaryFold::load(
          thread.id, json::parse(*saved, nullptr, /*allow_exceptions=*/false));
    if (const auto saved = writer.load_state(thread.id, kHistory))
      history_ = projections::HistoryBuilder::load(json::parse(*saved));
    if (const auto saved = writer.load_state(thread.id, kLineage))
      lineage_ = Lineage::load(json::parse(*saved, nullptr, /*allow_exceptions=*/false));
  }

  void apply(const eventstore::StoredEvent& e) {
    if (!lineage_) {
      if (auto fork = fork_of(e)) fold_parent(std::move(*fork));
    }
    const auto v = view_of(e, lineage_ ? lineage_->seq_of(e) : e.seq);
    summary_.apply(v);
    history_.apply(v);
  }

  // Saves the folds' state and writes the summary and the changed turns.
  void save() {
    writer_.save_state(thread_.id, kSummary, summary_.save().dump());
    auto columns = columns_of(summary_.summary());
    if (lineage_) {
      if (!columns.forked_from_id) columns.forked_from_id = lineage_->forked_from_id;
      if (lineage_changed_) writer_.save_state(thread_.id, kLineage, lineage_->save().dump());
    }
    writer_.write_summary(thread_.id, columns);
    if (const auto first = history_.first_changed_turn()) {
      std::vector<eventstore::HistoryTurnRow> rows;
      for (const auto& turn : history_.turns(*first)) rows.push_back(row_of(turn));
      writer_.replace_turns_from(thread_.id, static_cast<std::int64_t>(*first), rows);
    }
    writer_.save_state(thread_.id, kHistory, history_.save().dump());
  }

 private:
  // Folds the parent's lineage up to through_seq, as if it were the start of this thread:
  // all of it into the history, and all but the parent's session_meta and turn_context
  // into the summary (the fork keeps its own id, cwd, creation time and model; the parent's
  // first user message is its preview).
  void fold_parent(Lineage fork) {
    std::int64_t index = 0;
    writer_.read_lineage(fork.forked_from_id, fork.through_seq,
                         [&](const eventstore::StoredEvent& e) {
                           const auto v = view_of(e, ++index);
                           if (e.kind != eventstore::kind::kSessionMeta &&
                               e.kind != eventstore::kind::kTurnContext)
                             summary_.apply(v);
                           history_.apply(v);
                         });
    fork.offset = index;
    lineage_ = std::move(fork);
    lineage_changed_ = true;
  }

  const eventstore::ThreadRow& thread_;
  eventstore::ProjectionWriter& writer_;
  projections::ThreadSummaryFold summary_;
  projections::HistoryBuilder history_;
  std::optional<Lineage> lineage_;
  bool lineage_changed_ = false;
};

}  // namespace

Result<void, std::string> ProjectionHook::after_append(
    const eventstore::ThreadRow& thread, std::span<const eventstore::StoredEvent> events,
    eventstore::ProjectionWriter& writer) {
  try {
    Folds folds(thread, writer);
    for (const auto& e : events) folds.apply(e);
    folds.save();
  } catch (const std::invalid_argument& e) {
    return fmt::format("the saved projection state of thread {} is unreadable ({}); run "
                       "`spool rebuild`",
                       thread.id, e.what());
  }
  return {};
}

}  // namespace spool::views
