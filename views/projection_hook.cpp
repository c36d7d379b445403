#include "views/projection_hook.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <list>
#include <memory>
#include <unordered_map>

#include "projections/history_builder.h"
#include "projections/thread_summary.h"
#include "protocol/codec.h"

namespace spool::views {
namespace {

using nlohmann::json;

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

// One thread's folds, kept in memory between appends (see ProjectionHook).
class Folds {
 public:
  explicit Folds(const std::string& thread_id) : thread_id_(thread_id), summary_(thread_id) {}

  void apply(const eventstore::StoredEvent& e, eventstore::ProjectionWriter& writer) {
    if (!lineage_) {
      if (auto fork = fork_of(e)) fold_parent(std::move(*fork), writer);
    }
    const auto v = view_of(e, lineage_ ? lineage_->seq_of(e) : e.seq);
    summary_.apply(v);
    history_.apply(v);
    last_seq_ = e.seq;
  }

  // What is folded so far is already in the database (a refold after a cache miss).
  void forget_changes() { history_.forget_changes(); }

  // Writes the summary and the turns changed since the last write.
  void write(eventstore::ProjectionWriter& writer) {
    auto columns = columns_of(summary_.summary());
    if (lineage_ && !columns.forked_from_id) columns.forked_from_id = lineage_->forked_from_id;
    writer.write_summary(thread_id_, columns);
    if (const auto first = history_.first_changed_turn()) {
      std::vector<eventstore::HistoryTurnRow> rows;
      for (const auto& turn : history_.turns(*first)) rows.push_back(row_of(turn));
      writer.replace_turns_from(thread_id_, static_cast<std::int64_t>(*first), rows);
    }
    history_.forget_changes();
  }

  std::int64_t last_seq() const { return last_seq_; }

 private:
  // Folds the parent's lineage up to through_seq, as if it were the start of this thread:
  // all of it into the history, and all but the parent's session_meta and turn_context
  // into the summary (the fork keeps its own id, cwd, creation time and model; the parent's
  // first user message is its preview).
  void fold_parent(Lineage fork, eventstore::ProjectionWriter& writer) {
    std::int64_t index = 0;
    writer.read_lineage(fork.forked_from_id, fork.through_seq,
                        [&](const eventstore::StoredEvent& e) {
                          const auto v = view_of(e, ++index);
                          if (e.kind != eventstore::kind::kSessionMeta &&
                              e.kind != eventstore::kind::kTurnContext)
                            summary_.apply(v);
                          history_.apply(v);
                        });
    fork.offset = index;
    lineage_ = std::move(fork);
  }

  std::string thread_id_;
  projections::ThreadSummaryFold summary_;
  projections::HistoryBuilder history_;
  std::optional<Lineage> lineage_;
  std::int64_t last_seq_ = 0;
};

}  // namespace

struct ProjectionHook::Cache {
  struct Entry {
    std::unique_ptr<Folds> folds;
    std::list<std::string>::iterator lru;  // position in `order`
  };
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> order;  // most recently used first
};

ProjectionHook::ProjectionHook(std::size_t max_cached_threads)
    : max_cached_(max_cached_threads == 0 ? 1 : max_cached_threads),
      cache_(std::make_unique<Cache>()) {}

ProjectionHook::~ProjectionHook() = default;

void ProjectionHook::reset() {
  cache_->entries.clear();
  cache_->order.clear();
}

std::size_t ProjectionHook::cached_threads() const { return cache_->entries.size(); }

Result<void, std::string> ProjectionHook::after_append(
    const eventstore::ThreadRow& thread, std::span<const eventstore::StoredEvent> events,
    eventstore::ProjectionWriter& writer) {
  auto& c = *cache_;
  const std::int64_t before = events.front().seq - 1;  // the thread's last seq before this append
  auto it = c.entries.find(thread.id);
  if (it != c.entries.end() && it->second.folds->last_seq() != before) {
    // Another connection appended meanwhile, or an append this hook folded was rolled back.
    c.order.erase(it->second.lru);
    c.entries.erase(it);
    it = c.entries.end();
  }
  try {
    if (it == c.entries.end()) {
      auto folds = std::make_unique<Folds>(thread.id);
      if (before > 0) {
        writer.read_events(thread.id, before,
                           [&](const eventstore::StoredEvent& e) { folds->apply(e, writer); });
        folds->forget_changes();  // the stored rows already show these events
      }
      c.order.push_front(thread.id);
      it = c.entries.emplace(thread.id, Cache::Entry{std::move(folds), c.order.begin()}).first;
      while (c.entries.size() > max_cached_) {
        c.entries.erase(c.order.back());
        c.order.pop_back();
      }
    } else {
      c.order.splice(c.order.begin(), c.order, it->second.lru);
    }
    Folds& folds = *it->second.folds;
    for (const auto& e : events) folds.apply(e, writer);
    folds.write(writer);
  } catch (const std::exception& e) {
    // The append is rolled back; what this hook holds for the thread may be ahead of it.
    if (const auto found = c.entries.find(thread.id); found != c.entries.end()) {
      c.order.erase(found->second.lru);
      c.entries.erase(found);
    }
    return fmt::format("projecting thread {} failed: {}", thread.id, e.what());
  }
  return {};
}

}  // namespace spool::views
