// Helpers for event store tests: a store on a file in a temp dir, and terse events.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

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
