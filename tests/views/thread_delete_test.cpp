// Store::delete_thread: the thread's bytes leave the database and WAL files, other threads
// keep their events, positions and projections, and its rollout can be imported again.
#include <catch2/catch.hpp>

#include <filesystem>

#include "eventstore/rollout_importer.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"

using namespace spool;
using namespace spool::eventstore;
namespace fs = std::filesystem;

namespace {

constexpr const char* kMarker = "QUOKKA-ZEBRA-7731";
const std::string kDoomed = "11111111-2222-3333-4444-555555555555";

// A rollout whose user message, agent message and a large (overflow-page) tool output all
// carry the marker.
std::string doomed_rollout() {
  std::string big;
  for (int i = 0; i < 2000; ++i) big += std::string(kMarker) + " ";
  return std::string(R"({"timestamp":"2026-01-02T03:04:05.006Z","type":"session_meta","payload":{"id":")") +
         kDoomed +
         R"(","timestamp":"2026-01-02T03:04:05.000Z","cwd":"/w","originator":"t","cli_version":"0","source":"cli","model_provider":"openai"}})"
         "\n"
         R"({"timestamp":"2026-01-02T03:04:06.000Z","type":"event_msg","payload":{"type":"user_message","message":"please )" +
         kMarker + R"(","images":[]}})" "\n" +
         R"({"timestamp":"2026-01-02T03:04:07.000Z","type":"event_msg","payload":{"type":"agent_message","message":"done )" +
         kMarker + R"("}})" "\n" +
         R"({"timestamp":"2026-01-02T03:04:08.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":")" +
         big + R"("}})" "\n";
}

bool file_contains(const fs::path& p, std::string_view needle) {
  if (!fs::exists(p)) return false;
  const std::string bytes = test::read_file(p);  // binary
  return bytes.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("deleting a thread removes its bytes from the files and leaves the others alone",
          "[views][delete]") {
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  auto store = test::open_store(db);
  views::attach_projections(*store);

  // Threads before and after the doomed one, so its pages sit between theirs.
  REQUIRE(store->append("before", 0, std::vector<NewEvent>{test::session_meta("before")}).ok());
  REQUIRE(store->append("before", 1, test::turn("b1", "before question", "before answer")).ok());
  const fs::path rollout = dir.path() / "rollout-doomed.jsonl";
  test::write_file(rollout, doomed_rollout());
  {
    RolloutImporter importer(*store);
    importer.import_path(rollout);
    REQUIRE(importer.report().threads_new == 1);
  }
  REQUIRE(store->append("after", 0, std::vector<NewEvent>{test::session_meta("after")}).ok());
  REQUIRE(store->append("after", 1, test::turn("a1", "after question", "after answer")).ok());

  const auto before_events = test::all_events(*store, "before");
  const auto after_events = test::all_events(*store, "after");
  const auto before_history = test::stored_history(*store, "before");
  const auto after_history = test::stored_history(*store, "after");
  REQUIRE(test::stored_history(*store, kDoomed).size() == 1);
  REQUIRE(store->thread_summary(kDoomed).value()->summary.preview == std::string("please ") + kMarker);
  REQUIRE((file_contains(db, kMarker) || file_contains(db + "-wal", kMarker)));

  auto missing = store->delete_thread("no-such-thread");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == StoreErrorCode::NotFound);
  CHECK_THAT(missing.error().message, Catch::Contains("no-such-thread"));

  REQUIRE(store->delete_thread(kDoomed).ok());

  CHECK_FALSE(file_contains(db, kMarker));
  CHECK_FALSE(file_contains(db + "-wal", kMarker));
  CHECK_FALSE(store->thread(kDoomed).value().has_value());
  CHECK_FALSE(store->thread_summary(kDoomed).value().has_value());
  CHECK(store->read_thread(kDoomed, 1, [](const StoredEvent&) { return true; }).value() == 0);
  CHECK(test::stored_history(*store, kDoomed).empty());
  const auto turns = store->list_turns(kDoomed, {});
  CHECK(turns->turns.empty());
  ThreadListQuery all;
  all.include_empty = true;
  const auto listed = store->list_threads(all);
  REQUIRE(listed.ok());
  for (const auto& r : listed->rows) CHECK(r.thread.id != kDoomed);
  CHECK(store->integrity_check().value() == "ok");

  // The others: same events at the same positions, same projections.
  const auto same_events = [&](const std::string& id, const std::vector<StoredEvent>& was) {
    const auto now = test::all_events(*store, id);
    REQUIRE(now.size() == was.size());
    for (std::size_t i = 0; i < now.size(); ++i) {
      CHECK(now[i].position == was[i].position);
      CHECK(now[i].seq == was[i].seq);
      CHECK(now[i].payload == was[i].payload);
    }
  };
  same_events("before", before_events);
  same_events("after", after_events);
  CHECK(test::stored_history(*store, "before") == before_history);
  CHECK(test::stored_history(*store, "after") == after_history);

  // Its import checkpoint went with it: the same rollout imports again, as new.
  RolloutImporter again(*store);
  again.import_path(rollout);
  CHECK(again.report().threads_new == 1);
  CHECK(again.report().events == 4);
  CHECK(test::stored_history(*store, kDoomed).size() == 1);
  // New events get new positions (a position is never reused).
  CHECK(test::all_events(*store, kDoomed).front().position > after_events.back().position);
}
