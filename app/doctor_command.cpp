// `spool doctor`: opens (creating and migrating if needed) the database and prints its
// schema version, thread and event counts, integrity_check result and persistence policy.
// Exits 1 when the database cannot be opened or is not intact.
#include "app/doctor_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "app/open_store.h"
#include "eventstore/store.h"

namespace spool::app {
namespace {

struct DoctorOptions {
  std::string db;
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

}  // namespace

void add_doctor_command(CLI::App& parent) {
  auto opts = std::make_shared<DoctorOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "doctor", "Open the database and report its schema, counts, integrity and policy");
  cmd->add_option("--db", opts->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->callback([opts] { throw CLI::RuntimeError(run_doctor(*opts)); });
}

}  // namespace spool::app
