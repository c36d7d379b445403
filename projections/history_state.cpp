// HistoryBuilder's outputs: turns() as v2 Turns, and save() / load() of the whole fold
// state as JSON (items in their v2 encoding, plus the bookkeeping the fold needs to go on).
#include <stdexcept>
#include <string>

#include "projections/history_builder.h"
#include "protocol/codec.h"

namespace spool::projections {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;

constexpr int kStateVersion = 1;

// The member `key` of `j`, or throws std::invalid_argument naming it.
const json& member(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) {
    throw std::invalid_argument(std::string("history state: missing ") + key);
  }
  return j[key];
}

// Reads `key` of `j` as a T, or throws std::invalid_argument naming it.
template <class T>
T field(const json& j, const char* key) {
  auto r = protocol::decode_value<T>(member(j, key));
  if (!r) throw std::invalid_argument("history state: " + r.error().message(key));
  return std::move(*r);
}

}  // namespace

std::optional<std::size_t> HistoryBuilder::first_changed_turn() const {
  if (changed_from_ == kNoChange) return std::nullopt;
  return changed_from_;
}

std::vector<v2::Turn> HistoryBuilder::turns(std::size_t from) const {
  std::vector<v2::Turn> out;
  if (from >= turns_.size()) return out;
  out.reserve(turns_.size() - from);
  for (std::size_t i = from; i < turns_.size(); ++i) {
    const TurnState& t = turns_[i];
    v2::Turn turn;
    turn.id = t.id;
    turn.items.reserve(t.items.size());
    for (const auto& s : t.items) turn.items.push_back(s.item);
    turn.itemsView = v2::TurnItemsView::Full;
    turn.status = t.status;
    turn.error = t.error;
    turn.startedAt = t.started_at;
    turn.completedAt = t.completed_at;
    turn.durationMs = t.duration_ms;
    out.push_back(std::move(turn));
  }
  return out;
}

json HistoryBuilder::save() const {
  using protocol::to_json_value;
  json turns = json::array();
  for (const auto& t : turns_) {
    json items = json::array();
    for (const auto& s : t.items) {
      items.push_back({{"item", to_json_value(s.item)},
                       {"source", static_cast<int>(s.source)},
                       {"paired", s.paired},
                       {"completed", s.completed},
                       {"summary_parts", s.summary_parts},
                       {"content_parts", s.content_parts}});
    }
    turns.push_back({{"id", t.id},
                     {"explicit", t.explicit_turn},
                     {"saw_compaction", t.saw_compaction},
                     {"v2_items", t.v2_items},
                     {"status", to_json_value(t.status)},
                     {"error", to_json_value(t.error)},
                     {"started_at", to_json_value(t.started_at)},
                     {"completed_at", to_json_value(t.completed_at)},
                     {"duration_ms", to_json_value(t.duration_ms)},
                     {"started_ms", to_json_value(t.started_ms)},
                     {"items", std::move(items)}});
  }
  return {{"version", kStateVersion},
          {"open", open_},
          {"v2_items", v2_items_},
          {"cwd", to_json_value(cwd_)},
          {"dropped_turn_ids", dropped_turn_ids_},
          {"turns", std::move(turns)}};
}

HistoryBuilder HistoryBuilder::load(const json& state) {
  if (field<int>(state, "version") != kStateVersion) {
    throw std::invalid_argument("history state: unknown version");
  }
  HistoryBuilder b;
  b.open_ = field<bool>(state, "open");
  b.v2_items_ = field<bool>(state, "v2_items");
  b.cwd_ = field<std::optional<std::string>>(state, "cwd");
  b.dropped_turn_ids_ = field<std::vector<std::string>>(state, "dropped_turn_ids");
  const json& turns = member(state, "turns");
  if (!turns.is_array()) throw std::invalid_argument("history state: turns is not an array");
  for (const auto& jt : turns) {
    TurnState t;
    t.id = field<std::string>(jt, "id");
    t.explicit_turn = field<bool>(jt, "explicit");
    t.saw_compaction = field<bool>(jt, "saw_compaction");
    t.v2_items = field<bool>(jt, "v2_items");
    t.status = field<v2::TurnStatus>(jt, "status");
    t.error = field<std::optional<v2::TurnError>>(jt, "error");
    t.started_at = field<std::optional<std::int64_t>>(jt, "started_at");
    t.completed_at = field<std::optional<std::int64_t>>(jt, "completed_at");
    t.duration_ms = field<std::optional<std::int64_t>>(jt, "duration_ms");
    t.started_ms = field<std::optional<std::int64_t>>(jt, "started_ms");
    const json& items = member(jt, "items");
    if (!items.is_array()) throw std::invalid_argument("history state: items is not an array");
    for (const auto& ji : items) {
      ItemState s{field<v2::ThreadItem>(ji, "item")};
      const int source = field<int>(ji, "source");
      if (source < 0 || source > static_cast<int>(ItemSource::kV2)) {
        throw std::invalid_argument("history state: unknown item source");
      }
      s.source = static_cast<ItemSource>(source);
      s.paired = field<bool>(ji, "paired");
      s.completed = field<bool>(ji, "completed");
      s.summary_parts = field<std::int64_t>(ji, "summary_parts");
      s.content_parts = field<std::int64_t>(ji, "content_parts");
      t.items.push_back(std::move(s));
    }
    b.turns_.push_back(std::move(t));
  }
  return b;
}

}  // namespace spool::projections
