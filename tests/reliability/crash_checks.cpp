#include "crash_checks.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "eventstore/store.h"
#include "views/attach.h"

namespace spool::test {
namespace {

// Every row of the projection tables as text, keyed by table and primary key.
std::map<std::string, std::string> projection_rows(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY, 10000);
  std::map<std::string, std::string> rows;
  const struct {
    const char* table;
    const char* key;
  } tables[] = {{"threads", "id"},
                {"turns", "thread_id, ordinal"},
                {"items", "thread_id, turn_ordinal, ordinal"}};
  for (const auto& t : tables) {
    SQLite::Statement q(db, fmt::format("SELECT {}, * FROM {} ORDER BY {}", t.key, t.table, t.key));
    const int key_columns = t.key == std::string("id") ? 1 : (t.table == std::string("turns") ? 2 : 3);
    while (q.executeStep()) {
      std::string key = t.table;
      for (int c = 0; c < key_columns; ++c) key += "/" + q.getColumn(c).getString();
      std::string value;
      for (int c = key_columns; c < q.getColumnCount(); ++c) {
        const SQLite::Column col = q.getColumn(c);
        value += fmt::format("{}={}\x1f", col.getName(), col.isNull() ? "NULL" : col.getString());
      }
      rows[key] = std::move(value);
    }
  }
  return rows;
}

void check_log(const std::string& path, CrashCheck& out) {
  SQLite::Database db(path, SQLite::OPEN_READONLY, 10000);
  SQLite::Statement seqs(db,
                         "SELECT t.id, t.last_seq, count(e.seq), coalesce(min(e.seq), 0), "
                         "coalesce(max(e.seq), 0) FROM threads t LEFT JOIN events e ON "
                         "e.thread_id = t.id GROUP BY t.id");
  while (seqs.executeStep()) {
    const std::string id = seqs.getColumn(0).getString();
    const std::int64_t last = seqs.getColumn(1).getInt64();
    const std::int64_t count = seqs.getColumn(2).getInt64();
    const std::int64_t min = seqs.getColumn(3).getInt64();
    const std::int64_t max = seqs.getColumn(4).getInt64();
    ++out.threads;
    out.events += count;
    if (count != last || max != last || (count > 0 && min != 1)) {
      out.seq_problems.push_back(fmt::format("thread {}: last_seq {}, {} events, seqs {}..{}", id,
                                             last, count, min, max));
    }
  }
  SQLite::Statement orphans(db,
                            "SELECT count(*) FROM events WHERE thread_id NOT IN (SELECT id FROM threads)");
  if (orphans.executeStep() && orphans.getColumn(0).getInt64() != 0) {
    out.seq_problems.push_back(fmt::format("{} events of no thread", orphans.getColumn(0).getInt64()));
  }
  SQLite::Statement dups(db,
                         "SELECT thread_id, producer_id, count(*) FROM events WHERE producer_id IS "
                         "NOT NULL GROUP BY thread_id, producer_id HAVING count(*) > 1");
  while (dups.executeStep()) {
    out.duplicate_producers.push_back(fmt::format("{} / {} x{}", dups.getColumn(0).getString(),
                                                  dups.getColumn(1).getString(),
                                                  dups.getColumn(2).getInt64()));
  }
  SQLite::Statement producers(
      db, "SELECT thread_id, producer_id, seq FROM events WHERE producer_id IS NOT NULL");
  while (producers.executeStep()) {
    out.producer_seqs[producers.getColumn(0).getString() + "\x1f" +
                      producers.getColumn(1).getString()] = producers.getColumn(2).getInt64();
  }
}

}  // namespace

std::string CrashCheck::describe() const {
  std::string s = fmt::format("integrity_check: {}\n", integrity);
  auto list = [&s](const char* what, const std::vector<std::string>& v) {
    for (std::size_t i = 0; i < v.size() && i < 10; ++i) s += fmt::format("{}: {}\n", what, v[i]);
    if (v.size() > 10) s += fmt::format("{}: ... {} in all\n", what, v.size());
  };
  list("seq", seq_problems);
  list("duplicate producer id", duplicate_producers);
  list("projection differs from rebuild", projection_diffs);
  return s;
}

CrashCheck check_after_crash(const std::string& path) {
  CrashCheck out;
  const auto t0 = std::chrono::steady_clock::now();
  // synchronous NORMAL: the rebuild below commits once per thread, and the check is not
  // about its durability (the reopen and WAL recovery are the same either way).
  eventstore::StoreOptions options;
  options.synchronous = eventstore::Synchronous::Normal;
  auto opened = eventstore::Store::open(path, options);
  out.reopen_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - t0);
  if (!opened) throw std::runtime_error("reopening " + path + ": " + opened.error().message);
  auto store = std::move(opened).value();
  views::attach_projections(*store);
  auto integrity = store->integrity_check();
  out.integrity = integrity ? integrity.value() : "failed: " + integrity.error().message;

  check_log(path, out);

  const auto live = projection_rows(path);
  auto rebuilt_count = store->rebuild_projections();
  if (!rebuilt_count) {
    out.projection_diffs.push_back("rebuild failed: " + rebuilt_count.error().message);
    return out;
  }
  const auto rebuilt = projection_rows(path);
  for (const auto& [key, value] : rebuilt) {
    const auto it = live.find(key);
    if (it == live.end()) {
      out.projection_diffs.push_back(key + ": missing before the rebuild");
    } else if (it->second != value) {
      out.projection_diffs.push_back(key + ": live {" + it->second + "} rebuilt {" + value + "}");
    }
  }
  for (const auto& [key, value] : live) {
    if (!rebuilt.count(key)) out.projection_diffs.push_back(key + ": not made by the rebuild");
  }
  return out;
}

}  // namespace spool::test
