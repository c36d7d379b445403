#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

namespace {

class RecordingHook : public AppendHook {
 public:
  Result<void, std::string> after_append(const ThreadRow& thread,
                                         std::span<const StoredEvent> events,
                                         ProjectionWriter&) override {
    threads.push_back(thread);
    for (const auto& e : events) seen.push_back(e);
    return {};
  }
  std::vector<ThreadRow> threads;
  std::vector<StoredEvent> seen;
};

class FailingHook : public AppendHook {
 public:
  explicit FailingHook(bool throw_instead) : throw_(throw_instead) {}
  Result<void, std::string> after_append(const ThreadRow&, std::span<const StoredEvent>,
                                         ProjectionWriter&) override {
    if (!armed) return {};
    if (throw_) throw std::runtime_error("projection blew up");
    return std::string("projection refused");
  }
  bool armed = false;

 private:
  bool throw_;
};

}  // namespace

TEST_CASE("hooks see each append's stored events and the thread row", "[eventstore][hook]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  RecordingHook hook;
  store->add_hook(&hook);
  const std::vector<NewEvent> batch{test::event_msg("user_message"),
                                    test::event_msg("agent_message_delta"),  // filtered
                                    test::event_msg("agent_message")};
  REQUIRE(store->append("t", 0, batch).ok());
  REQUIRE(hook.threads.size() == 1);
  CHECK(hook.threads[0].id == "t");
  CHECK(hook.threads[0].last_seq == 2);
  REQUIRE(hook.seen.size() == 2);
  CHECK(hook.seen[0].seq == 1);
  CHECK(hook.seen[0].type == "user_message");
  CHECK(hook.seen[1].seq == 2);
  CHECK(hook.seen[1].type == "agent_message");

  // A retried (all-duplicate) or all-filtered append does not call the hook.
  REQUIRE(store->append("t", 2, std::vector<NewEvent>{test::event_msg("agent_message_delta")}).ok());
  CHECK(hook.threads.size() == 1);
}

TEST_CASE("a failing hook rolls back the whole append", "[eventstore][hook]") {
  const bool throws = GENERATE(false, true);
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  FailingHook hook(throws);
  store->add_hook(&hook);
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{test::event_msg("user_message")}).ok());

  hook.armed = true;
  auto r = store->append("t", 1, std::vector<NewEvent>{test::event_msg("agent_message"),
                                                      test::event_msg("task_complete")});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::Internal);
  CHECK_THAT(r.error().message,
             Catch::Contains(throws ? "projection blew up" : "projection refused"));
  // Neither the events nor the thread row moved.
  CHECK(test::all_events(*store, "t").size() == 1);
  CHECK(store->thread("t").value()->last_seq == 1);

  // A new thread whose first append fails leaves no row behind.
  REQUIRE_FALSE(store->append("new", 0, std::vector<NewEvent>{test::event_msg("x")}).ok());
  CHECK_FALSE(store->thread("new")->has_value());

  hook.armed = false;
  auto ok = store->append("t", 1, std::vector<NewEvent>{test::event_msg("agent_message")});
  REQUIRE(ok.ok());
  CHECK(ok->events[0].seq == 2);
  CHECK(ok->events[0].position == 2);  // the rolled-back positions were not consumed
}
