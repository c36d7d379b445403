// rollout_import: one rollout JSONL file, line by line and through `spool import`'s path.
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "eventstore/rollout_importer.h"
#include "eventstore/rollout_line.h"
#include "eventstore/store.h"
#include "fuzz/entry_points.h"
#include "views/attach.h"

namespace spool::fuzz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using eventstore::NewEvent;
using eventstore::StoredEvent;

StoredEvent as_stored(const NewEvent& e) {
  StoredEvent s;
  s.thread_id = "fuzz";
  s.seq = 1;
  s.position = 1;
  s.ts_ms = e.ts_ms.value_or(0);
  s.kind = e.kind;
  s.type = e.type;
  s.turn_id = e.turn_id;
  s.line_extras = e.line_extras;
  s.payload = e.payload;
  return s;
}

bool is_json(const std::string& text) {
  return !json::parse(text, nullptr, /*allow_exceptions=*/false).is_discarded();
}

// The line's "timestamp" text, when the line (repaired) is a JSON object naming it once.
std::optional<std::string> timestamp_text(std::string_view line) {
  const std::string repaired = repair_utf8(line);
  std::size_t count = 0;
  for (auto at = repaired.find("\"timestamp\""); at != std::string::npos;
       at = repaired.find("\"timestamp\"", at + 1))
    ++count;
  if (count != 1) return std::nullopt;
  const json j = json::parse(repaired, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find("timestamp");
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

void check_line(std::string_view line) {
  const auto first = eventstore::parse_rollout_line(line);
  if (!first) {
    if (first.error().empty()) throw InvariantViolation("a refused line without a reason");
    return;
  }
  const NewEvent& e = first.value();
  const std::string where = " (line: " + std::string(line.substr(0, 200)) + ")";
  if (!e.ts_ms) throw InvariantViolation("a parsed line without a time" + where);
  if (!is_json(e.payload)) throw InvariantViolation("payload is not JSON: " + e.payload + where);
  if (e.line_extras && !json::parse(*e.line_extras, nullptr, false).is_object())
    throw InvariantViolation("line_extras is not a JSON object: " + *e.line_extras + where);

  const std::string formatted = eventstore::format_rollout_line(as_stored(e));
  const auto second = eventstore::parse_rollout_line(formatted);
  if (!second) {
    throw InvariantViolation("the formatted line does not parse (" + second.error() +
                             "): " + formatted + where);
  }
  const NewEvent& f = second.value();
  if (f.kind != e.kind || f.ts_ms != e.ts_ms || f.payload != e.payload || f.type != e.type ||
      f.turn_id != e.turn_id) {
    throw InvariantViolation("the formatted line parses to another event: " + formatted + where);
  }
  if (eventstore::format_rollout_line(as_stored(f)) != formatted)
    throw InvariantViolation("formatting is not stable: " + formatted + where);
  const auto stamp = timestamp_text(line);
  if (stamp && timestamp_text(formatted) != stamp) {
    throw InvariantViolation("the timestamp text \"" + *stamp +
                             "\" is not written back: " + formatted + where);
  }
}

// A private directory for the file the importer reads and the database it writes,
// removed at exit: on /dev/shm when there is one (no disk writes), else the temp dir.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::error_code ec;
    const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm")
                                                          : fs::temp_directory_path();
    fs::path d = base / ("spool-fuzz-rollout-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup;
  return dir;
}

eventstore::StoreOptions store_options() {
  eventstore::StoreOptions options;
  options.synchronous = eventstore::Synchronous::Normal;  // as `spool import` opens it
  options.quick_check = false;
  return options;
}

// A fresh, migrated database for each input: a copy of one made at the first call
// (migrating a new database for every input would take most of the time).
std::unique_ptr<eventstore::Store> fresh_store() {
  static const fs::path tmpl = [] {
    const fs::path p = work_dir() / "template.db";
    auto made = eventstore::Store::open(p.string(), store_options());
    if (!made) throw std::runtime_error("cannot create a store: " + made.error().message);
    return p;
  }();
  const fs::path db = work_dir() / "fuzz.db";
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(db.string() + suffix);
  fs::copy_file(tmpl, db, fs::copy_options::overwrite_existing);
  auto store = eventstore::Store::open(db.string(), store_options());
  if (!store) throw std::runtime_error("cannot open a store: " + store.error().message);
  return std::move(store).value();
}

void check_import(std::string_view bytes) {
  // A UUID in the name: the importer takes the thread id from it when there is no
  // session_meta line.
  const fs::path file = work_dir() / "rollout-2026-11-24T06-18-43-01a20c34-e7cb-79f0-b670-586e2dbb49af.jsonl";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }
  const auto store = fresh_store();
  views::attach_projections(*store);
  std::int64_t counted = 0;
  {
    eventstore::RolloutImporter importer(*store);
    importer.import_path(file);
    counted = importer.report().events;
  }
  const auto stats = store->stats();
  if (!stats) throw InvariantViolation("stats failed: " + stats.error().message);
  if (stats->events != counted) {
    throw InvariantViolation("the importer counted " + std::to_string(counted) +
                             " events but the store holds " + std::to_string(stats->events));
  }
  const auto integrity = store->integrity_check();
  if (!integrity || integrity.value() != "ok") throw InvariantViolation("integrity_check failed");
}

}  // namespace

void rollout_import(std::span<const std::uint8_t> data) {
  const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
  std::size_t begin = 0;
  while (begin < bytes.size()) {
    std::size_t end = bytes.find('\n', begin);
    if (end == std::string_view::npos) end = bytes.size();
    check_line(bytes.substr(begin, end - begin));
    begin = end + 1;
  }
  check_import(bytes);
}

}  // namespace spool::fuzz
