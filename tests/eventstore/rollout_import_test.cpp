#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "eventstore/rollout_exporter.h"
#include "eventstore/rollout_importer.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kData = SPOOL_TEST_DATA;

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<fs::path> rollout_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".jsonl") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string thread_id_of(const fs::path& file) {
  const json first = json::parse(lines_of(file).at(0));
  return first["payload"]["id"];
}

// The events of a thread that came from rollout lines (not Spool's own markers).
std::vector<StoredEvent> rollout_events(Store& s, const std::string& thread) {
  std::vector<StoredEvent> out;
  for (auto& e : test::all_events(s, thread))
    if (e.kind != "spool") out.push_back(e);
  return out;
}

std::string export_to_string(Store& s, const std::string& thread) {
  std::ostringstream out;
  auto n = export_thread(s, thread, out);
  REQUIRE(n.ok());
  return out.str();
}

void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

const char* kMeta =
    R"({"timestamp":"2026-01-02T03:04:05.006Z","type":"session_meta","payload":{"id":"11111111-2222-3333-4444-555555555555","timestamp":"2026-01-02T03:04:05.000Z","cwd":"/w","originator":"t","cli_version":"0","source":"cli","model_provider":"openai"}})";
const char* kUser =
    R"({"timestamp":"2026-01-02T03:04:06.000Z","type":"event_msg","payload":{"type":"user_message","message":"hi","images":[]}})";
const char* kAgent =
    R"({"timestamp":"2026-01-02T03:04:07.000Z","type":"event_msg","payload":{"type":"agent_message","message":"hello"}})";

}  // namespace

TEST_CASE("every fixture rollout of both Codex versions imports line for line", "[import]") {
  for (const char* version : {"codex-0.60.1", "codex-0.169.0"}) {
    INFO(version);
    test::TempDir dir;
    auto store = test::open_store(dir.file("spool.db"));
    RolloutImporter importer(*store);
    const fs::path home = kData / version / "codex_home";
    importer.import_codex_home(home);
    const auto& r = importer.report();
    const auto files = rollout_files(home);
    CHECK(r.files_seen == static_cast<std::int64_t>(files.size()));
    CHECK(r.files_read == static_cast<std::int64_t>(files.size()));
    CHECK(r.files_failed == 0);
    CHECK(r.threads_new == static_cast<std::int64_t>(files.size()));
    CHECK(r.problems.empty());
    std::int64_t total_lines = 0;
    for (const auto& f : files) {
      INFO(f.string());
      const auto lines = lines_of(f);
      total_lines += static_cast<std::int64_t>(lines.size());
      const std::string id = thread_id_of(f);
      const auto events = rollout_events(*store, id);
      REQUIRE(events.size() == lines.size());
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const json line = json::parse(lines[i]);
        CHECK(events[i].kind == line["type"]);
        CHECK(json::parse(events[i].payload) == line["payload"]);
      }
      const bool archived = f.string().find("archived_sessions") != std::string::npos;
      CHECK(store->thread(id).value()->archived_at_ms.has_value() == archived);
    }
    CHECK(r.events == total_lines);
  }
}

TEST_CASE("import then export gives back every fixture line as the same JSON value", "[import]") {
  for (const char* version : {"codex-0.60.1", "codex-0.169.0"}) {
    test::TempDir dir;
    auto store = test::open_store(dir.file("spool.db"));
    RolloutImporter importer(*store);
    const fs::path home = kData / version / "codex_home";
    importer.import_codex_home(home);
    for (const auto& f : rollout_files(home)) {
      INFO(f.string());
      const auto original = lines_of(f);
      std::istringstream exported(export_to_string(*store, thread_id_of(f)));
      std::vector<std::string> back;
      for (std::string l; std::getline(exported, l);) back.push_back(l);
      REQUIRE(back.size() == original.size());
      for (std::size_t i = 0; i < original.size(); ++i) {
        CHECK(json::parse(back[i]) == json::parse(original[i]));
      }
    }
    // export --all writes the Codex layout, archived threads in archived_sessions/.
    auto all = export_all(*store, dir.path() / "out");
    REQUIRE(all.ok());
    CHECK(all->threads == static_cast<std::int64_t>(rollout_files(home).size()));
    CHECK(rollout_files(dir.path() / "out" / "archived_sessions").size() ==
          rollout_files(home / "archived_sessions").size());
    // ...and that layout imports again into the same threads with the same events.
    auto again = test::open_store(dir.file("again.db"));
    RolloutImporter reimport(*again);
    reimport.import_codex_home(dir.path() / "out");
    CHECK(reimport.report().files_failed == 0);
    CHECK(again->stats()->events == store->stats()->events);
  }
}

TEST_CASE("re-importing is a no-op and a grown file contributes only its new lines",
          "[import]") {
  test::TempDir dir;
  copy_tree(kData / "codex-0.169.0" / "codex_home", dir.path() / "home");
  auto store = test::open_store(dir.file("spool.db"));
  {
    RolloutImporter first(*store);
    first.import_codex_home(dir.path() / "home");
  }
  const auto events_before = store->stats()->events;

  RolloutImporter again(*store);
  again.import_codex_home(dir.path() / "home");
  CHECK(again.report().files_unchanged == again.report().files_seen);
  CHECK(again.report().events == 0);
  CHECK(store->stats()->events == events_before);

  // Codex appends to a rollout when a thread is resumed.
  const fs::path grown = rollout_files(dir.path() / "home" / "sessions").front();
  const std::string id = thread_id_of(grown);
  const auto before = rollout_events(*store, id).size();
  {
    std::ofstream out(grown, std::ios::app | std::ios::binary);
    out << kUser << "\n" << kAgent << "\n";
  }
  RolloutImporter third(*store);
  third.import_codex_home(dir.path() / "home");
  CHECK(third.report().events == 2);
  CHECK(third.report().files_read == 1);
  CHECK(third.report().threads_updated == 1);
  const auto after = rollout_events(*store, id);
  REQUIRE(after.size() == before + 2);
  CHECK(after.back().type == "agent_message");
}

TEST_CASE("bad lines are reported with file and line and the rest is kept", "[import]") {
  test::TempDir dir;
  const fs::path file = dir.path() / "rollout-2026-01-02T03-04-05-11111111-2222-3333-4444-555555555555.jsonl";
  const std::string invalid_utf8 =
      R"({"timestamp":"2026-01-02T03:04:08.000Z","type":"event_msg","payload":{"type":"agent_message","message":"bad )"
      "\xff\xfe" R"( bytes"}})";
  const std::string big(3u << 20, 'b');
  const std::string huge_line =
      R"({"timestamp":"2026-01-02T03:04:09.000Z","type":"event_msg","payload":{"type":"agent_message","message":")" +
      big + R"("}})";
  test::write_file(file, std::string(kMeta) + "\n" + kUser + "\n" + "{not json\n" + "\n" +
                             R"({"type":"event_msg","payload":{}})" + "\n" + invalid_utf8 + "\n" +
                             huge_line + "\n" + kAgent + "\n" +
                             R"({"timestamp":"2026-01-02T03:04:10.000Z","type":"event_msg","pay)");
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter importer(*store);
  importer.import_path(file);
  const auto& r = importer.report();
  CHECK(r.events == 5);  // meta, user, invalid UTF-8 (repaired), huge, agent
  CHECK(r.skipped.at("invalid JSON") == 1);
  CHECK(r.skipped.at("blank line") == 1);
  CHECK(r.skipped.at("no \"timestamp\"") == 1);
  CHECK(r.skipped.at("torn line") == 1);
  const std::string f = file.string();
  const auto has = [&](const std::string& p) {
    return std::find(r.problems.begin(), r.problems.end(), p) != r.problems.end();
  };
  CHECK(has(f + ":3: invalid JSON"));
  CHECK(has(f + ":4: blank line"));
  CHECK(has(f + ":5: no \"timestamp\""));
  CHECK(has(f + ":9: torn line (no newline yet); it will be read once complete"));
  const auto events = rollout_events(*store, "11111111-2222-3333-4444-555555555555");
  REQUIRE(events.size() == 5);
  CHECK(json::parse(events[2].payload)["message"] == "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
  CHECK(events[3].payload.size() > big.size());

  // The torn tail is completed by the writer; the next run reads it, once.
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << R"(load":{"type":"task_complete"}})" << "\n";
  }
  RolloutImporter next(*store);
  next.import_path(file);
  CHECK(next.report().events == 1);
  CHECK(next.report().skipped.empty());
  CHECK(rollout_events(*store, "11111111-2222-3333-4444-555555555555").back().type ==
        "task_complete");
}

TEST_CASE("a fork file's first session_meta names the thread; the parent's is kept as an event",
          "[import]") {
  test::TempDir dir;
  const fs::path file = dir.path() / "rollout-fork.jsonl";
  const std::string fork_meta =
      R"({"timestamp":"2026-01-03T00:00:00.000Z","type":"session_meta","payload":{"id":"99999999-0000-0000-0000-000000000009","forked_from_id":"11111111-2222-3333-4444-555555555555","timestamp":"2026-01-03T00:00:00.000Z","cwd":"/w","originator":"t","cli_version":"0","source":"cli","model_provider":"openai"}})";
  test::write_file(file, fork_meta + "\n" + kMeta + "\n" + kUser + "\n");
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter importer(*store);
  importer.import_path(file);
  CHECK(importer.report().threads_new == 1);
  const auto events = rollout_events(*store, "99999999-0000-0000-0000-000000000009");
  REQUIRE(events.size() == 3);
  CHECK(events[1].kind == "session_meta");
  CHECK_THAT(events[1].payload, Catch::Contains("11111111-2222-3333-4444-555555555555"));
  CHECK_FALSE(store->thread("11111111-2222-3333-4444-555555555555")->has_value());
}

TEST_CASE("a file without session_meta falls back to the UUID in its name, and says so",
          "[import]") {
  test::TempDir dir;
  const fs::path file =
      dir.path() / "rollout-2026-01-02T03-04-05-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.jsonl";
  test::write_file(file, std::string(kUser) + "\n" + kAgent + "\n");
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter importer(*store);
  importer.import_path(file);
  CHECK(rollout_events(*store, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee").size() == 2);
  REQUIRE(importer.report().notes.size() == 1);
  CHECK_THAT(importer.report().notes[0], Catch::Contains("taken from the file name"));

  const fs::path nameless = dir.path() / "notes.jsonl";
  test::write_file(nameless, std::string(kUser) + "\n");
  RolloutImporter second(*store);
  second.import_path(nameless);
  CHECK(second.report().files_failed == 1);
  CHECK(second.report().skipped.at("no thread id") == 1);
}

TEST_CASE("identity survives a move to archived_sessions; the thread becomes archived",
          "[import]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "home/sessions/2026/01/02");
  fs::create_directories(dir.path() / "home/archived_sessions");
  const std::string name = "rollout-2026-01-02T03-04-05-11111111-2222-3333-4444-555555555555.jsonl";
  const fs::path live = dir.path() / "home/sessions/2026/01/02" / name;
  test::write_file(live, std::string(kMeta) + "\n" + kUser + "\n");
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter(*store).import_codex_home(dir.path() / "home");
  const std::string id = "11111111-2222-3333-4444-555555555555";
  CHECK_FALSE(store->thread(id).value()->archived_at_ms.has_value());

  fs::rename(live, dir.path() / "home/archived_sessions" / name);  // Codex archives by moving
  RolloutImporter after_move(*store);
  after_move.import_codex_home(dir.path() / "home");
  CHECK(after_move.report().events == 0);
  CHECK(rollout_events(*store, id).size() == 2);
  CHECK(store->thread(id).value()->archived_at_ms.has_value());
  // Archiving does not make the thread more recent.
  CHECK(store->thread(id).value()->updated_at_ms == rollout_events(*store, id).back().ts_ms);

  fs::rename(dir.path() / "home/archived_sessions" / name, live);  // and unarchives by moving back
  RolloutImporter(*store).import_codex_home(dir.path() / "home");
  CHECK_FALSE(store->thread(id).value()->archived_at_ms.has_value());
}

TEST_CASE("empty, unreadable and missing files are counted, not fatal", "[import]") {
  test::TempDir dir;
  fs::create_directories(dir.path() / "in");
  test::write_file(dir.path() / "in/empty.jsonl", "");
  fs::create_symlink(dir.path() / "nowhere.jsonl", dir.path() / "in/dangling.jsonl");
  test::write_file(dir.path() / "in/rollout-x-11111111-2222-3333-4444-555555555555.jsonl",
                   std::string(kMeta) + "\n");
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter importer(*store);
  importer.import_path(dir.path() / "in");
  importer.import_path(dir.path() / "missing-dir");
  const auto& r = importer.report();
  CHECK(r.skipped.at("empty file") == 1);
  CHECK(r.skipped.at("unreadable file") == 1);
  CHECK(r.skipped.at("missing path") == 1);
  CHECK(r.threads_new == 1);
  CHECK(r.events == 1);
}

TEST_CASE("a file larger than one batch is imported whole, in order", "[import]") {
  test::TempDir dir;
  const fs::path file = dir.path() / "big.jsonl";
  {
    std::ofstream out(file, std::ios::binary);
    out << kMeta << "\n";
    for (std::size_t i = 0; i < RolloutImporter::kBatchLines * 2 + 17; ++i) {
      out << R"({"timestamp":"2026-01-02T03:04:06.000Z","type":"event_msg","payload":{"type":"token_count","n":)"
          << i << "}}\n";
    }
  }
  auto store = test::open_store(dir.file("spool.db"));
  RolloutImporter importer(*store);
  importer.import_path(file);
  const auto events = rollout_events(*store, "11111111-2222-3333-4444-555555555555");
  REQUIRE(events.size() == RolloutImporter::kBatchLines * 2 + 18);
  CHECK(json::parse(events.back().payload)["n"] == RolloutImporter::kBatchLines * 2 + 16);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].seq == std::int64_t(i) + 1);
}

TEST_CASE("threads Spool recorded itself export only what Codex would have persisted",
          "[import]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  std::vector<NewEvent> evs{test::event_msg("user_message", "\"message\":\"hi\""),
                            test::event_msg("exec_command_begin"),
                            test::event_msg("agent_message", "\"message\":\"yo\"")};
  for (auto& e : evs) e.ts_ms = 1795501123540;
  REQUIRE(store->append("native", 0, evs).ok());
  const std::string out = export_to_string(*store, "native");
  CHECK(out ==
        R"({"timestamp":"2026-11-24T06:18:43.540Z","type":"event_msg","payload":{"type":"user_message","message":"hi"}})"
        "\n"
        R"({"timestamp":"2026-11-24T06:18:43.540Z","type":"event_msg","payload":{"type":"agent_message","message":"yo"}})"
        "\n");
  std::ostringstream none;
  auto missing = export_thread(*store, "no-such-thread", none);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("no-such-thread"));
}
