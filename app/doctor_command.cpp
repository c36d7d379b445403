// `spool doctor`: opens (creating and migrating if needed) the database and prints its
// schema version, thread and event counts, integrity_check result and persistence policy.
// Exits 1 when the database cannot be opened or is not intact.
//
// `spool doctor --recover`: salvages a damaged database (eventstore/recover.h). The readable
// threads go into <db>.recovered-<UTC>; when that new file passes integrity_check, the
// damaged file (with its -wal and -shm) is renamed to <db>.corrupt-<UTC> and the new one
// takes the database's name. Exits 0 when the swap was made (even if some threads were
// lost: the report says which), 1 when nothing was changed. An intact database is left
// alone. Run it while no `spool serve` uses the file.
#include "app/doctor_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>

#include "app/open_store.h"
#include "app/paths.h"
#include "eventstore/recover.h"
#include "eventstore/store.h"
#include "views/attach.h"

namespace spool::app {
namespace {

namespace fs = std::filesystem;

struct DoctorOptions {
  std::string db;
  bool recover = false;
};

int run_doctor(const DoctorOptions& o) {
  auto store = open_store_or_report("doctor", o.db);
  if (!store) return 1;
  auto& s = *store;
  auto stats = s.stats();
  auto integrity = s.integrity_check();
  auto policy = s.default_policy();
  if (!stats || !integrity || !policy) {
    const auto& e = !stats ? stats.error() : !integrity ? integrity.error() : policy.error();
    fmt::print(stderr, "spool doctor: {}\n", e.message);
    return 1;
  }
  fmt::print("database        {}\n", s.path());
  fmt::print("schema version  {} (this spool writes {})\n", stats->schema_version,
             eventstore::binary_schema_version());
  fmt::print("journal         {}, synchronous {}\n", stats->journal_mode, stats->synchronous);
  fmt::print("threads         {}\n", stats->threads);
  fmt::print("events          {}\n", stats->events);
  fmt::print("integrity       {}\n", integrity.value());
  fmt::print("policy          {}\n", eventstore::policy_name(policy.value()));
  return integrity.value() == "ok" ? 0 : 1;
}

// "20261124T183012Z": UTC, sortable, safe in a file name.
std::string utc_stamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// True when the file opens read-only, passes quick_check and integrity_check.
bool is_intact(const std::string& path) {
  eventstore::StoreOptions ro;
  ro.read_only = true;
  auto store = eventstore::Store::open(path, ro);
  if (!store) return false;
  auto integrity = store.value()->integrity_check();
  return integrity && integrity.value() == "ok";
}

int run_recover(const DoctorOptions& o) {
  auto resolved = resolve_db_path(o.db);
  if (!resolved) {
    fmt::print(stderr, "spool doctor: {}\n", resolved.error());
    return 1;
  }
  const std::string path = resolved.value().string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    fmt::print(stderr, "spool doctor --recover: {} does not exist or is not a file\n", path);
    return 1;
  }
  if (fs::file_size(path, ec) == 0 && !ec) {
    fmt::print(stderr,
               "spool doctor --recover: {} is empty (0 bytes): there is nothing to recover. "
               "Restore it from a backup, or delete it to start a new database.\n",
               path);
    return 1;
  }
  // Our read-only opens may create an empty -wal and a -shm beside a WAL-mode file; those
  // that were not there before are removed again rather than kept with the damaged file.
  const bool had_wal = fs::exists(path + "-wal", ec);
  const bool had_shm = fs::exists(path + "-shm", ec);
  const auto remove_our_companions = [&] {
    if (!had_wal && fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) == 0 && !ec) {
      fs::remove(path + "-wal", ec);
      if (!had_shm) fs::remove(path + "-shm", ec);
    }
  };
  if (is_intact(path)) {
    remove_our_companions();
    fmt::print("spool doctor --recover: {} is intact (integrity_check ok); nothing to do\n", path);
    return 0;
  }
  const auto started = std::chrono::steady_clock::now();
  const std::string stamp = utc_stamp();
  const std::string recovered_path = path + ".recovered-" + stamp;
  const std::string corrupt_path = path + ".corrupt-" + stamp;
  auto report = eventstore::recover_database(
      path, recovered_path, [](eventstore::Store& s) { views::attach_projections(s); });
  remove_our_companions();
  if (!report) {
    fmt::print(stderr, "spool doctor --recover: {} ({}); {} was not changed\n",
               report.error().message, eventstore::to_string(report.error().code), path);
    return 1;
  }
  {
    auto check = eventstore::Store::open(recovered_path);
    auto integrity = check ? check.value()->integrity_check()
                           : Result<std::string, eventstore::StoreError>(check.error());
    if (!integrity || integrity.value() != "ok") {
      fmt::print(stderr,
                 "spool doctor --recover: the recovered database {} fails its integrity check "
                 "({}); {} was not changed\n",
                 recovered_path, integrity ? integrity.value() : integrity.error().message, path);
      return 1;
    }
  }
  // The damaged file's -wal and -shm move with it: left beside the new file, SQLite would
  // apply the old WAL to it.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string from = path + suffix;
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, corrupt_path + suffix, ec);
    if (ec) {
      fmt::print(stderr, "spool doctor --recover: could not move {} to {}: {}; the recovered "
                         "database is at {}\n",
                 from, corrupt_path + suffix, ec.message(), recovered_path);
      return 1;
    }
  }
  fs::rename(recovered_path, path, ec);
  if (ec) {
    fmt::print(stderr, "spool doctor --recover: could not move {} to {}: {}\n", recovered_path,
               path, ec.message());
    return 1;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  const auto& r = report.value();
  fmt::print("recovered       {}\n", path);
  fmt::print("damaged file    {}\n", corrupt_path);
  fmt::print("threads         {} of {} known ({} complete, {} partial, {} lost)\n",
             r.threads_complete + r.threads_partial, r.threads_total, r.threads_complete,
             r.threads_partial, r.threads_lost);
  fmt::print("events          {} of at least {}\n", r.events_recovered, r.events_expected);
  fmt::print("unreadable runs {}\n", r.unreadable_ranges);
  fmt::print("time            {} ms\n", ms);
  for (const auto& id : r.partial_threads) fmt::print("partial thread  {}\n", id);
  for (const auto& id : r.lost_threads) fmt::print("lost thread     {}\n", id);
  for (const auto& note : r.notes) fmt::print("note            {}\n", note);
  return 0;
}

}  // namespace

void add_doctor_command(CLI::App& parent) {
  auto opts = std::make_shared<DoctorOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "doctor", "Open the database and report its schema, counts, integrity and policy");
  cmd->add_option("--db", opts->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_flag("--recover", opts->recover,
                "Copy every readable thread of a damaged database into a new one; the damaged "
                "file is kept as <db>.corrupt-<UTC time>");
  cmd->callback([opts] { throw CLI::RuntimeError(opts->recover ? run_recover(*opts) : run_doctor(*opts)); });
}

}  // namespace spool::app
