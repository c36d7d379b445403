// Test helpers for the history fold's tests: a Codex rollout file's lines as the store would
// hand them to a fold (kind = the line's "type", payload = its "payload" as JSON text, type
// and turn id from the payload, time from the RFC 3339 "timestamp", seq = line number); the
// rollout files of a Codex home (sessions/** and archived_sessions/*.jsonl, sorted); and
// Log, a synthetic thread log to fold, and payloads of common events; check_incremental,
// the save()/load() equivalence.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/time.h"
#include "projections/event_view.h"
#include "projections/history_builder.h"
#include "protocol/codec.h"

namespace spool::test {

struct OwnedEvent {
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  std::string kind;
  std::optional<std::string> type;
  std::optional<std::string> turn_id;
  std::string payload;

  projections::EventView view() const {
    projections::EventView v{seq, ts_ms, kind, std::nullopt, std::nullopt, payload};
    if (type) v.type = *type;
    if (turn_id) v.turn_id = *turn_id;
    return v;
  }
};

// Every line of a rollout file; throws on a line that is not a rollout line.
inline std::vector<OwnedEvent> read_rollout(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<OwnedEvent> out;
  std::string line;
  std::int64_t seq = 0;
  while (std::getline(in, line)) {
    ++seq;
    const auto j = nlohmann::json::parse(line);
    OwnedEvent e;
    e.seq = seq;
    e.ts_ms = parse_rfc3339_ms(j.at("timestamp").get<std::string>()).value();
    e.kind = j.at("type").get<std::string>();
    const auto& p = j.at("payload");
    e.payload = p.dump();
    if (p.is_object() && p.contains("type") && p["type"].is_string()) e.type = p["type"];
    if (p.is_object() && p.contains("turn_id") && p["turn_id"].is_string())
      e.turn_id = p["turn_id"];
    out.push_back(std::move(e));
  }
  return out;
}

// The thread a rollout belongs to: its first session_meta's id ("" without one).
inline std::string thread_id_of(const std::vector<OwnedEvent>& events) {
  for (const auto& e : events) {
    if (e.kind == "session_meta") return nlohmann::json::parse(e.payload).value("id", "");
  }
  return "";
}

inline std::vector<std::filesystem::path> rollout_files(const std::filesystem::path& codex_home) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(codex_home / "sessions")) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") out.push_back(e.path());
  }
  for (const auto& e : std::filesystem::directory_iterator(codex_home / "archived_sessions")) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline constexpr std::int64_t kT0 = 1'795'501'000'000;  // ms; 1795501000 s

// A synthetic thread log: each event 10 ms after the previous one, seq from 1.
struct Log {
  std::vector<OwnedEvent> events;

  Log& add(std::string kind, const nlohmann::json& payload, std::int64_t gap_ms = 10) {
    OwnedEvent e;
    e.seq = static_cast<std::int64_t>(events.size()) + 1;
    e.ts_ms = (events.empty() ? kT0 : events.back().ts_ms) + gap_ms;
    e.kind = std::move(kind);
    e.payload = payload.dump();
    if (payload.is_object() && payload.contains("type") && payload["type"].is_string()) {
      e.type = payload["type"];
    }
    if (payload.is_object() && payload.contains("turn_id") && payload["turn_id"].is_string()) {
      e.turn_id = payload["turn_id"];
    }
    events.push_back(std::move(e));
    return *this;
  }
  Log& msg(const nlohmann::json& payload) { return add("event_msg", payload); }
  Log& raw(std::string kind, std::string payload_text) {
    add(std::move(kind), nlohmann::json::object());
    events.back().payload = std::move(payload_text);
    return *this;
  }
  std::int64_t ts(std::int64_t seq) const {
    return events.at(static_cast<std::size_t>(seq - 1)).ts_ms;
  }

  projections::HistoryBuilder fold() const {
    projections::HistoryBuilder b;
    for (const auto& e : events) b.apply(e.view());
    return b;
  }
  nlohmann::json turns() const { return spool::protocol::to_json_value(fold().turns()); }
};

// Payloads of the common events.
inline nlohmann::json started(const std::string& turn) {
  return {{"type", "task_started"}, {"turn_id", turn}};
}
inline nlohmann::json complete(const std::string& turn) {
  return {{"type", "task_complete"}, {"turn_id", turn}};
}
inline nlohmann::json user(const std::string& text) {
  return {{"type", "user_message"}, {"message", text}, {"images", nlohmann::json::array()}};
}
inline nlohmann::json agent(const std::string& text) {
  return {{"type", "agent_message"}, {"message", text}};
}
inline nlohmann::json reasoning(const std::string& text) {
  return {{"type", "agent_reasoning"}, {"text", text}};
}

// Folding a log in two parts through save()/load() (the state passing through its JSON
// text) gives what folding it at once gives, for every split position; and a stored copy
// of the first part's turns, brought up to date from first_changed_turn() as its comment
// says, equals the whole.
inline void check_incremental(const std::vector<OwnedEvent>& events) {
  using spool::protocol::to_json_value;
  projections::HistoryBuilder whole;
  for (const auto& e : events) whole.apply(e.view());
  const nlohmann::json expected = to_json_value(whole.turns());
  for (std::size_t split = 0; split <= events.size(); ++split) {
    projections::HistoryBuilder first;
    for (std::size_t i = 0; i < split; ++i) first.apply(events[i].view());
    nlohmann::json stored = to_json_value(first.turns());
    auto rest = projections::HistoryBuilder::load(nlohmann::json::parse(first.save().dump()));
    REQUIRE_FALSE(rest.first_changed_turn());
    for (std::size_t i = split; i < events.size(); ++i) rest.apply(events[i].view());
    INFO("split at " << split);
    REQUIRE(to_json_value(rest.turns()) == expected);
    REQUIRE(rest.save() == whole.save());
    if (const auto from = rest.first_changed_turn()) {
      REQUIRE(*from <= stored.size());
      stored.erase(stored.begin() + static_cast<std::ptrdiff_t>(*from), stored.end());
      for (auto& t : to_json_value(rest.turns(*from))) stored.push_back(std::move(t));
    }
    REQUIRE(stored == expected);
  }
}

}  // namespace spool::test
