// Fault injection between the event insert and the projection update (issue 10, item 2):
// an append stores its events and runs the views' ProjectionHook (thread list columns,
// turns, items) in one transaction, so when anything fails in between, the events and the
// projections are both visible or neither is.
//
// Faults: a failure (error return or exception) right before the projection hook runs,
// right after it ran, and a SQLite error inside the projection's own writes (a trigger that
// aborts the insert of a turn row, or the update of the thread's list columns). After each:
// the new thread is absent everywhere, or the existing thread's events, row, summary and
// history are exactly as before. With the fault removed the same append shows in all of
// them, and the projections equal a rebuild.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "crash_checks.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"
#include "views/projection_hook.h"

using namespace spool;
using eventstore::NewEvent;

namespace {

enum class Fault { None, ErrorBefore, ErrorAfter, ThrowBefore, ThrowAfter };

// The views' projection hook with a fault switch around it.
class FaultyProjection final : public eventstore::AppendHook {
 public:
  Fault fault = Fault::None;
  int faults = 0;

  Result<void, std::string> after_append(const eventstore::ThreadRow& thread,
                                         std::span<const eventstore::StoredEvent> events,
                                         eventstore::ProjectionWriter& writer) override {
    if (fault == Fault::ErrorBefore) return fail_once("injected before the projection");
    if (fault == Fault::ThrowBefore) throw_once("injected before the projection (exception)");
    auto r = inner_.after_append(thread, events, writer);
    if (!r) return r;
    if (fault == Fault::ErrorAfter) return fail_once("injected after the projection");
    if (fault == Fault::ThrowAfter) throw_once("injected after the projection (exception)");
    return r;
  }
  void reset() override { inner_.reset(); }

 private:
  Result<void, std::string> fail_once(const char* what) {
    ++faults;
    return std::string(what);
  }
  void throw_once(const char* what) {
    ++faults;
    throw std::runtime_error(what);
  }
  views::ProjectionHook inner_;
};

// What a thread looks like to every reader: events, row, list summary, history.
struct Visible {
  std::size_t events = 0;
  std::optional<std::int64_t> last_seq;
  std::optional<std::string> preview;
  std::optional<std::string> name;
  nlohmann::json history;

  bool operator==(const Visible& o) const {
    return events == o.events && last_seq == o.last_seq && preview == o.preview && name == o.name &&
           history == o.history;
  }
};

Visible visible(eventstore::Store& s, const std::string& id) {
  Visible v;
  v.events = test::all_events(s, id).size();
  auto row = s.thread(id);
  REQUIRE(row.ok());
  if (*row) v.last_seq = (*row)->last_seq;
  auto summary = s.thread_summary(id);
  REQUIRE(summary.ok());
  if (*summary) {
    v.preview = (*summary)->summary.preview;
    v.name = (*summary)->summary.name;
  }
  v.history = test::stored_history(s, id);
  return v;
}

std::vector<NewEvent> first_turn(const std::string& id) {
  std::vector<NewEvent> events{test::session_meta(id, "\"cwd\":\"/w\"")};
  for (auto& e : test::turn("turn-1", "first question", "first answer")) events.push_back(std::move(e));
  return events;
}

std::vector<NewEvent> second_turn() {
  auto events = test::turn("turn-2", "second question", "second answer");
  NewEvent name = test::event_msg("thread_name_updated", "\"thread_name\":\"renamed\"");
  events.push_back(std::move(name));
  return events;
}

}  // namespace

TEST_CASE("a fault around the projection update: the append's events and projections are both "
          "visible or neither",
          "[reliability][fault]") {
  const Fault fault = GENERATE(Fault::ErrorBefore, Fault::ErrorAfter, Fault::ThrowBefore, Fault::ThrowAfter);
  INFO("fault " << static_cast<int>(fault));
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  auto store = test::open_store(db);
  FaultyProjection hook;
  store->add_hook(&hook);

  // A new thread whose first append faults: nothing of it anywhere.
  hook.fault = fault;
  const auto events = first_turn("new");
  auto failed = store->append("new", 0, events);
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message, Catch::Contains("injected"));
  CHECK(hook.faults == 1);
  const Visible absent = visible(*store, "new");
  CHECK(absent.events == 0);
  CHECK_FALSE(absent.last_seq);
  CHECK_FALSE(absent.preview);
  CHECK(absent.history.empty());

  // Without the fault the same append shows everywhere.
  hook.fault = Fault::None;
  REQUIRE(store->append("new", 0, events).ok());
  const Visible one = visible(*store, "new");
  CHECK(one.events == 5);
  CHECK(one.last_seq == 5);
  CHECK(one.preview == "first question");
  REQUIRE(one.history.size() == 1);

  // An existing thread: a faulted second turn changes nothing a reader sees.
  hook.fault = fault;
  REQUIRE_FALSE(store->append("new", 5, second_turn()).ok());
  CHECK(visible(*store, "new") == one);

  hook.fault = Fault::None;
  REQUIRE(store->append("new", 5, second_turn()).ok());
  const Visible two = visible(*store, "new");
  CHECK(two.events == 10);
  CHECK(two.last_seq == 10);
  CHECK(two.name == "renamed");
  CHECK(two.history.size() == 2);

  // What the hook kept in memory across the rolled-back appends did not leak into the rows.
  store.reset();
  const test::CrashCheck check = test::check_after_crash(db);
  INFO(check.describe());
  CHECK(check.ok());
}

TEST_CASE("a SQLite error inside the projection's writes rolls back the events with it",
          "[reliability][fault]") {
  // The trigger makes the projection's own write fail, as a full disk or an I/O error would.
  const char* trigger = GENERATE(
      "CREATE TRIGGER fault BEFORE INSERT ON turns BEGIN SELECT RAISE(ABORT, 'injected: turn row'); END",
      "CREATE TRIGGER fault BEFORE UPDATE OF preview ON threads BEGIN SELECT RAISE(ABORT, "
      "'injected: list columns'); END");
  INFO(trigger);
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  auto store = test::open_store(db);
  views::attach_projections(*store);
  REQUIRE(store->append("t", 0, first_turn("t")).ok());
  const Visible before = visible(*store, "t");
  REQUIRE(before.history.size() == 1);

  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE, 10000);
    raw.exec(trigger);
  }
  // The store's prepared statements see the new schema on their next run.
  auto failed = store->append("t", 5, second_turn());
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message, Catch::Contains("injected"));
  CHECK(visible(*store, "t") == before);
  auto fresh = store->append("fresh", 0, first_turn("fresh"));
  REQUIRE_FALSE(fresh.ok());
  CHECK(visible(*store, "fresh").events == 0);
  CHECK_FALSE(visible(*store, "fresh").last_seq);

  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE, 10000);
    raw.exec("DROP TRIGGER fault");
  }
  REQUIRE(store->append("t", 5, second_turn()).ok());
  const Visible after = visible(*store, "t");
  CHECK(after.events == 10);
  CHECK(after.history.size() == 2);
  CHECK(after.name == "renamed");
  store.reset();
  const test::CrashCheck check = test::check_after_crash(db);
  INFO(check.describe());
  CHECK(check.ok());
  WARN("fault injection: 4 hook faults (error/exception before/after the projection) and 2 SQLite "
       "faults inside it (turn row, list columns): every faulted append left no event and no "
       "projection change; the retried append showed in both");
}
