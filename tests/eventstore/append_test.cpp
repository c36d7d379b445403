#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;
using Status = AppendedEvent::Status;

namespace {

std::vector<NewEvent> events_of(std::initializer_list<NewEvent> l) { return l; }

// Positions of every event in the database, in order.
std::vector<std::int64_t> all_positions(Store& s) {
  std::vector<std::int64_t> out;
  REQUIRE(s.read_all(0, [&](const StoredEvent& e) {
             out.push_back(e.position);
             return true;
           }).ok());
  return out;
}

}  // namespace

TEST_CASE("appends get gap-free seqs per thread and gap-free global positions",
          "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  auto a = store->append("a", 0, events_of({test::event_msg("user_message"),
                                            test::event_msg("agent_message")}));
  REQUIRE(a.ok());
  CHECK(a->last_seq == 2);
  CHECK(a->events[0].seq == 1);
  CHECK(a->events[1].seq == 2);
  CHECK(a->events[0].status == Status::Stored);
  auto b = store->append("b", 0, events_of({test::event_msg("user_message")}));
  REQUIRE(b.ok());
  CHECK(b->events[0].seq == 1);
  CHECK(b->events[0].position == a->events[1].position + 1);
  auto a2 = store->append("a", 2, events_of({test::event_msg("task_complete")}));
  REQUIRE(a2.ok());
  CHECK(a2->events[0].seq == 3);
  CHECK(all_positions(*store) == std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("a stale expected seq is a typed conflict and writes nothing", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  REQUIRE(store->append("t", 0, events_of({test::event_msg("user_message")})).ok());

  SECTION("behind") {
    auto r = store->append("t", 0, events_of({test::event_msg("agent_message")}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == StoreErrorCode::Conflict);
    CHECK(r.error().current_last_seq == 1);
    CHECK_THAT(r.error().message, Catch::Contains("expected last seq 0, but it is 1"));
  }
  SECTION("ahead") {
    auto r = store->append("t", 5, events_of({test::event_msg("agent_message")}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == StoreErrorCode::Conflict);
  }
  SECTION("a new thread expects 0") {
    auto r = store->append("new", 3, events_of({test::event_msg("agent_message")}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().current_last_seq == 0);
    CHECK_FALSE(store->thread("new")->has_value());
  }
  CHECK(test::all_events(*store, "t").size() == 1);
  CHECK(store->stats()->events == 1);
}

TEST_CASE("no expected seq appends regardless", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  REQUIRE(store->append("t", std::nullopt, events_of({test::event_msg("user_message")})).ok());
  auto r = store->append("t", std::nullopt, events_of({test::event_msg("agent_message")}));
  REQUIRE(r.ok());
  CHECK(r->last_seq == 2);
}

TEST_CASE("retrying an append with the same producer ids stores it once",
          "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  const auto batch = events_of({test::with_producer_id(test::event_msg("user_message"), "p1"),
                                test::with_producer_id(test::event_msg("agent_message"), "p2")});
  auto first = store->append("t", 0, batch);
  REQUIRE(first.ok());
  for (int retry = 0; retry < 3; ++retry) {
    // The retry carries the same stale expected seq the first attempt did.
    auto again = store->append("t", 0, batch);
    REQUIRE(again.ok());
    CHECK(again->events[0].status == Status::Duplicate);
    CHECK(again->events[0].seq == first->events[0].seq);
    CHECK(again->events[0].position == first->events[0].position);
    CHECK(again->events[1].position == first->events[1].position);
    CHECK(again->last_seq == 2);
  }
  CHECK(store->stats()->events == 2);

  SECTION("a batch mixing a stored id with new events is checked against the seq") {
    auto mixed = store->append("t", 0, events_of({test::with_producer_id(
                                                     test::event_msg("user_message"), "p1"),
                                                 test::event_msg("agent_message")}));
    REQUIRE_FALSE(mixed.ok());
    CHECK(mixed.error().code == StoreErrorCode::Conflict);
    auto current = store->append("t", 2, events_of({test::with_producer_id(
                                                       test::event_msg("user_message"), "p1"),
                                                   test::event_msg("agent_message")}));
    REQUIRE(current.ok());
    CHECK(current->events[0].status == Status::Duplicate);
    CHECK(current->events[1].status == Status::Stored);
    CHECK(current->events[1].seq == 3);
  }
  SECTION("an id repeated inside one batch is stored once") {
    auto r = store->append("t", 2, events_of({test::with_producer_id(test::event_msg("x"), "q"),
                                              test::with_producer_id(test::event_msg("x"), "q")}));
    REQUIRE(r.ok());
    CHECK(r->events[0].status == Status::Stored);
    CHECK(r->events[1].status == Status::Duplicate);
    CHECK(r->events[1].seq == r->events[0].seq);
    CHECK(store->stats()->events == 3);
  }
  SECTION("producer ids are scoped to their thread") {
    auto other = store->append("u", 0, batch);
    REQUIRE(other.ok());
    CHECK(other->events[0].status == Status::Stored);
  }
}

TEST_CASE("everything about an event is stored as given", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  NewEvent e;
  e.kind = "response_item";
  e.type = "function_call";
  e.payload = R"({"type":"function_call","name":"shell", "arguments":"{\"cmd\":[\"ls\"]}","n":1.50})";
  e.ts_ms = 1795501123540;
  e.turn_id = "turn-1";
  e.producer_id = "call_1";
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{e}).ok());
  auto got = test::all_events(*store, "t");
  REQUIRE(got.size() == 1);
  CHECK(got[0].thread_id == "t");
  CHECK(got[0].kind == "response_item");
  CHECK(got[0].type == "function_call");
  CHECK(got[0].payload == e.payload);  // byte for byte, spacing and 1.50 included
  CHECK(got[0].ts_ms == 1795501123540);
  CHECK(got[0].turn_id == "turn-1");
  CHECK(got[0].producer_id == "call_1");
}

TEST_CASE("unknown kinds and types are stored verbatim", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  NewEvent world;
  world.kind = "world_state";
  world.payload = R"({"full":true,"state":{"x":[1,2,3]}})";
  NewEvent future = test::event_msg("some_future_event", "\"v\":42");
  for (auto policy : {PersistencePolicy::Limited, PersistencePolicy::Extended,
                      PersistencePolicy::Full}) {
    REQUIRE(store->set_default_policy(policy).ok());
    const std::string tid = std::string("t-") + std::string(policy_name(policy));
    REQUIRE(store->append(tid, 0, std::vector<NewEvent>{world}).ok());
    auto got = test::all_events(*store, tid);
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == "world_state");
    CHECK_FALSE(got[0].type.has_value());
    CHECK(got[0].payload == world.payload);
  }
  REQUIRE(store->set_default_policy(PersistencePolicy::Extended).ok());
  REQUIRE(store->append("f", 0, std::vector<NewEvent>{future}).ok());
  CHECK(test::all_events(*store, "f")[0].payload == future.payload);
}

TEST_CASE("events without a time get the append's UTC time", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  REQUIRE(store->append("t", 0, events_of({test::event_msg("user_message")})).ok());
  const auto e = test::all_events(*store, "t").at(0);
  CHECK(e.ts_ms >= before);
  CHECK(e.ts_ms <= before + 60'000);
}

TEST_CASE("the thread row follows every append", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  CHECK_FALSE(store->thread("t")->has_value());
  auto first = test::event_msg("user_message");
  first.ts_ms = 1000;
  auto second = test::event_msg("agent_message");
  second.ts_ms = 5000;
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{first}).ok());
  REQUIRE(store->append("t", 1, std::vector<NewEvent>{second}).ok());
  auto row = store->thread("t");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->created_at_ms == 1000);
  CHECK((*row)->updated_at_ms == 5000);
  CHECK((*row)->last_seq == 2);
  CHECK_FALSE((*row)->policy.has_value());
}

TEST_CASE("bad thread ids and kinds are rejected", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  CHECK(store->append("", 0, events_of({test::event_msg("x")})).error().code ==
        StoreErrorCode::InvalidArgument);
  CHECK(store->append(std::string(300, 'a'), 0, events_of({test::event_msg("x")})).error().code ==
        StoreErrorCode::InvalidArgument);
  NewEvent no_kind;
  no_kind.payload = "{}";
  CHECK(store->append("t", 0, std::vector<NewEvent>{no_kind}).error().code ==
        StoreErrorCode::InvalidArgument);
  CHECK(store->stats()->events == 0);
}

TEST_CASE("many threads interleaved keep their own order", "[eventstore][append]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  constexpr int kThreads = 50, kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    for (int t = 0; t < kThreads; ++t) {
      auto e = test::event_msg("agent_message", "\"round\":" + std::to_string(round));
      auto r = store->append("thread-" + std::to_string(t), round, std::vector<NewEvent>{e});
      REQUIRE(r.ok());
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    auto evs = test::all_events(*store, "thread-" + std::to_string(t));
    REQUIRE(evs.size() == kRounds);
    for (int i = 0; i < kRounds; ++i) {
      CHECK(evs[static_cast<std::size_t>(i)].seq == i + 1);
      CHECK_THAT(evs[static_cast<std::size_t>(i)].payload,
                 Catch::Contains("\"round\":" + std::to_string(i)));
    }
  }
  const auto positions = all_positions(*store);
  REQUIRE(positions.size() == kThreads * kRounds);
  for (std::size_t i = 0; i < positions.size(); ++i) CHECK(positions[i] == std::int64_t(i) + 1);
}

TEST_CASE("closing and reopening between appends continues the sequence",
          "[eventstore][append]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  for (int i = 0; i < 5; ++i) {
    auto store = test::open_store(path);
    auto r = store->append("t", i * 2, events_of({test::event_msg("agent_message"),
                                                  test::event_msg("token_count")}));
    REQUIRE(r.ok());
    CHECK(r->last_seq == i * 2 + 2);
  }
  auto store = test::open_store(path);
  auto evs = test::all_events(*store, "t");
  REQUIRE(evs.size() == 10);
  for (std::size_t i = 0; i < evs.size(); ++i) CHECK(evs[i].seq == std::int64_t(i) + 1);
}
