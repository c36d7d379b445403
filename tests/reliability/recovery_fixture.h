// Damaged databases for the recovery tests: a store with many threads (projections
// attached), a snapshot of what it held, and ways to damage its file.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "views/attach.h"

namespace spool::test {

// What a store held: each thread's events and its served history, by thread id.
struct StoreSnapshot {
  std::map<std::string, std::vector<eventstore::StoredEvent>> events;
  std::map<std::string, std::vector<eventstore::HistoryTurnRow>> history;
  std::int64_t total_events() const {
    std::int64_t n = 0;
    for (const auto& [id, evs] : events) n += static_cast<std::int64_t>(evs.size());
    return n;
  }
};

inline StoreSnapshot snapshot(eventstore::Store& store) {
  StoreSnapshot s;
  std::vector<std::string> ids;
  REQUIRE(store.read_threads([&](const eventstore::ThreadRow& r) { return ids.push_back(r.id), true; }).ok());
  for (const auto& id : ids) {
    s.events[id] = all_events(store, id);
    auto h = store.read_history(id);
    REQUIRE(h.ok());
    s.history[id] = h.value();
  }
  return s;
}

// A Spool database at `path` with `threads` threads of `turns` turns each (4 events a turn
// plus a session_meta), every event with a producer id "pid-<thread>-<n>" (the marker
// that finds the events table's pages in the file), one thread forked from another.
// Closed on return: no -wal file is left.
inline StoreSnapshot make_database(const std::string& path, int threads, int turns) {
  eventstore::StoreOptions o;
  o.synchronous = eventstore::Synchronous::Normal;
  auto store = open_store(path, o);
  views::attach_projections(*store);
  for (int t = 0; t < threads; ++t) {
    const std::string id = "00000000-0000-7000-8000-" + std::to_string(100000000000 + t);
    std::vector<eventstore::NewEvent> evs{session_meta(id, "\"cwd\":\"/w\",\"source\":\"cli\"")};
    for (int k = 0; k < turns; ++k) {
      for (auto& e : turn("turn-" + std::to_string(t) + "-" + std::to_string(k),
                          "question " + std::to_string(k) + " of thread " + std::to_string(t) +
                              " " + std::string(80, 'q'),
                          "answer " + std::string(120, 'a'))) {
        evs.push_back(std::move(e));
      }
    }
    for (std::size_t i = 0; i < evs.size(); ++i) {
      evs[i].producer_id = "pid-" + std::to_string(t) + "-" + std::to_string(i);
    }
    REQUIRE(store->append(id, 0, evs).ok());
  }
  // A fork of thread 1 through its seq 5, with one turn of its own.
  const std::string parent = "00000000-0000-7000-8000-100000000001";
  const std::string fork = "00000000-0000-7000-8000-200000000000";
  std::vector<eventstore::NewEvent> evs{session_meta(fork), thread_forked(parent, 5)};
  for (auto& e : turn("fork-turn", "fork question", "fork answer")) evs.push_back(std::move(e));
  for (std::size_t i = 0; i < evs.size(); ++i) evs[i].producer_id = "pid-fork-" + std::to_string(i);
  REQUIRE(store->append(fork, 0, evs).ok());
  return snapshot(*store);
}

inline std::size_t page_size_of(const std::string& bytes) {
  REQUIRE(bytes.size() >= 100);
  const std::size_t ps = (static_cast<unsigned char>(bytes[16]) << 8) | static_cast<unsigned char>(bytes[17]);
  return ps == 1 ? 65536 : ps;
}

// The 0-based numbers of the pages that are table leaves (type 0x0d) holding events rows.
inline std::vector<std::size_t> events_leaf_pages(const std::string& bytes) {
  const std::size_t ps = page_size_of(bytes);
  std::vector<std::size_t> pages;
  for (std::size_t p = 1; (p + 1) * ps <= bytes.size(); ++p) {
    const std::string_view page(bytes.data() + p * ps, ps);
    if (static_cast<unsigned char>(page[0]) == 0x0d && page.find("pid-") != std::string_view::npos) {
      pages.push_back(p);
    }
  }
  return pages;
}

// Overwrites `length` bytes at `offset` with a pattern that is no valid b-tree content.
inline void overwrite(std::string& bytes, std::size_t offset, std::size_t length) {
  REQUIRE(offset + length <= bytes.size());
  for (std::size_t i = 0; i < length; ++i) bytes[offset + i] = static_cast<char>(0x5a ^ (i & 0x0f));
}

}  // namespace spool::test
