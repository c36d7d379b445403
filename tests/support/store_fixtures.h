// Helpers for event store tests: a store on a file in a temp dir, and terse events.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/temp_dir.h"

namespace spool::test {

inline eventstore::NewEvent event_msg(const std::string& type, const std::string& extra = "") {
  eventstore::NewEvent e;
  e.kind = "event_msg";
  e.type = type;
  e.payload = "{\"type\":\"" + type + "\"" + (extra.empty() ? "" : "," + extra) + "}";
  return e;
}

// A thread's session_meta naming it; `extra` adds fields ("\"cwd\":\"/w\"").
inline eventstore::NewEvent session_meta(const std::string& thread_id, const std::string& extra = "") {
  eventstore::NewEvent e;
  e.kind = "session_meta";
  e.payload = "{\"id\":\"" + thread_id + "\",\"timestamp\":\"2026-01-02T03:04:05.000Z\"" +
              (extra.empty() ? "" : "," + extra) + "}";
  return e;
}

// The event that makes a thread a fork of `parent` through the parent's seq `through_seq`.
inline eventstore::NewEvent thread_forked(const std::string& parent, std::int64_t through_seq) {
  eventstore::NewEvent e;
  e.kind = "spool";
  e.type = "thread_forked";
  e.payload = "{\"type\":\"thread_forked\",\"forked_from_id\":\"" + parent +
              "\",\"through_seq\":" + std::to_string(through_seq) + "}";
  return e;
}

// One whole turn: task_started, user_message, agent_message, task_complete (4 events).
inline std::vector<eventstore::NewEvent> turn(const std::string& turn_id, const std::string& user,
                                              const std::string& agent) {
  return {event_msg("task_started", "\"turn_id\":\"" + turn_id + "\""),
          event_msg("user_message", "\"message\":\"" + user + "\",\"images\":[]"),
          event_msg("agent_message", "\"message\":\"" + agent + "\""),
          event_msg("task_complete", "\"turn_id\":\"" + turn_id + "\",\"last_agent_message\":\"" +
                                         agent + "\"")};
}

inline eventstore::NewEvent with_producer_id(eventstore::NewEvent e, std::string id) {
  e.producer_id = std::move(id);
  return e;
}

inline std::unique_ptr<eventstore::Store> open_store(const std::string& path,
                                                     eventstore::StoreOptions o = {}) {
  auto s = eventstore::Store::open(path, o);
  if (!s) FAIL("open " << path << ": " << s.error().message);
  return std::move(s).value();
}

// Every event of a thread, in order.
inline std::vector<eventstore::StoredEvent> all_events(eventstore::Store& s,
                                                       const std::string& thread) {
  std::vector<eventstore::StoredEvent> out;
  auto r = s.read_thread(thread, 1, [&](const eventstore::StoredEvent& e) {
    out.push_back(e);
    return true;
  });
  REQUIRE(r.ok());
  return out;
}

}  // namespace spool::test
