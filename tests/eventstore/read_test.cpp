#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

namespace {
std::unique_ptr<Store> store_with_two_threads(const test::TempDir& dir) {
  auto store = test::open_store(dir.file("spool.db"));
  for (int i = 0; i < 10; ++i) {
    auto e = test::event_msg("agent_message", "\"i\":" + std::to_string(i));
    REQUIRE(store->append(i % 2 ? "odd" : "even", i / 2, std::vector<NewEvent>{e}).ok());
  }
  return store;
}
}  // namespace

TEST_CASE("a thread is read from a seq, in order", "[eventstore][read]") {
  test::TempDir dir;
  auto store = store_with_two_threads(dir);
  std::vector<std::int64_t> seqs;
  auto n = store->read_thread("odd", 3, [&](const StoredEvent& e) {
    CHECK(e.thread_id == "odd");
    seqs.push_back(e.seq);
    return true;
  });
  REQUIRE(n.ok());
  CHECK(n.value() == 3);
  CHECK(seqs == std::vector<std::int64_t>{3, 4, 5});
}

TEST_CASE("a reader can stop early", "[eventstore][read]") {
  test::TempDir dir;
  auto store = store_with_two_threads(dir);
  int seen = 0;
  auto n = store->read_all(0, [&](const StoredEvent&) { return ++seen < 4; });
  REQUIRE(n.ok());
  CHECK(seen == 4);
}

TEST_CASE("all events are read from a global position, in commit order", "[eventstore][read]") {
  test::TempDir dir;
  auto store = store_with_two_threads(dir);
  std::vector<std::int64_t> positions;
  std::vector<std::string> threads;
  REQUIRE(store->read_all(6, [&](const StoredEvent& e) {
                 positions.push_back(e.position);
                 threads.push_back(e.thread_id);
                 return true;
               }).ok());
  CHECK(positions == std::vector<std::int64_t>{7, 8, 9, 10});
  CHECK(threads == std::vector<std::string>{"even", "odd", "even", "odd"});
}

TEST_CASE("an unknown thread reads as empty", "[eventstore][read]") {
  test::TempDir dir;
  auto store = store_with_two_threads(dir);
  auto n = store->read_thread("nope", 1, [](const StoredEvent&) { return true; });
  REQUIRE(n.ok());
  CHECK(n.value() == 0);
  CHECK_FALSE(store->thread("nope")->has_value());
}

TEST_CASE("a reader may append from inside its visitor", "[eventstore][read]") {
  test::TempDir dir;
  auto store = store_with_two_threads(dir);
  int copied = 0;
  REQUIRE(store->read_thread("even", 1, [&](const StoredEvent& e) {
                 NewEvent copy;
                 copy.kind = e.kind;
                 copy.type = e.type;
                 copy.payload = e.payload;
                 return store->append("copy", copied++, std::vector<NewEvent>{copy}).ok();
               }).ok());
  CHECK(test::all_events(*store, "copy").size() == 5);
}
