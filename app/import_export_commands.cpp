// `spool import`: Codex rollouts into the store, with a progress bar on a terminal and a
// summary at the end. `spool export`: a thread (or all) back into the Codex format.
#include "app/import_export_commands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/open_store.h"
#include "eventstore/rollout_exporter.h"
#include "eventstore/rollout_importer.h"

namespace spool::app {
namespace {

namespace fs = std::filesystem;

struct ImportOptions {
  std::string db;
  std::string codex_home;
  std::vector<std::string> paths;
};

fs::path default_codex_home() {
  if (const char* h = std::getenv("CODEX_HOME"); h && *h) return h;
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".codex";
  return ".codex";
}

double mb(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Draws progress: a bar redrawn in place on a terminal, a log line every few seconds otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(STDERR_FILENO) == 1), start_(clock::now()), last_(start_) {}

  void update(const eventstore::ImportProgress& p) {
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? mb(p.bytes_done) / elapsed : 0;
    if (tty_) {
      if (now - last_ < std::chrono::milliseconds(100) && p.files_done < p.files_total) return;
      constexpr int kWidth = 30;
      const double frac = p.bytes_total ? static_cast<double>(p.bytes_done) / p.bytes_total : 1.0;
      const int filled = static_cast<int>(frac * kWidth);
      fmt::print(stderr, "\r[{}{}] {}/{} files  {:.1f}/{:.1f} MB  {} threads  {} events  {:.1f} MB/s ",
                 std::string(filled, '#'), std::string(kWidth - filled, '.'), p.files_done,
                 p.files_total, mb(p.bytes_done), mb(p.bytes_total), p.threads, p.events, rate);
      drew_ = true;
    } else {
      if (now - last_ < std::chrono::seconds(2)) return;
      fmt::print(stderr, "import: {}/{} files, {:.1f}/{:.1f} MB, {} threads, {} events, {:.1f} MB/s\n",
                 p.files_done, p.files_total, mb(p.bytes_done), mb(p.bytes_total), p.threads,
                 p.events, rate);
    }
    last_ = now;
  }
  void finish() {
    if (drew_) fmt::print(stderr, "\n");
  }

 private:
  using clock = std::chrono::steady_clock;
  bool tty_;
  bool drew_ = false;
  clock::time_point start_;
  clock::time_point last_;
};

void print_report(const eventstore::ImportReport& r) {
  fmt::print("files      {} seen, {} read, {} unchanged, {} failed\n", r.files_seen, r.files_read,
             r.files_unchanged, r.files_failed);
  fmt::print("threads    {} new, {} updated\n", r.threads_new, r.threads_updated);
  fmt::print("events     {}\n", r.events);
  std::string skipped;
  for (const auto& [reason, n] : r.skipped) {
    skipped += fmt::format("{}{}: {}", skipped.empty() ? "" : ", ", reason, n);
  }
  fmt::print("skipped    {}\n", skipped.empty() ? "nothing" : skipped);
  const double rate = r.seconds > 0 ? mb(r.bytes) / r.seconds : 0;
  fmt::print("read       {:.2f} MB in {:.2f} s ({:.1f} MB/s)\n", mb(r.bytes), r.seconds, rate);
  if (!r.problems.empty()) {
    fmt::print("problems:\n");
    for (const auto& p : r.problems) fmt::print("  {}\n", p);
    if (r.problems_not_listed) fmt::print("  ... and {} more\n", r.problems_not_listed);
  }
  if (!r.notes.empty()) {
    fmt::print("notes:\n");
    for (const auto& n : r.notes) fmt::print("  {}\n", n);
  }
}

int run_import(const ImportOptions& o) {
  // NORMAL is enough here: each batch commits its events with the record of having read
  // them, so a power loss can only undo whole batches, and the next run reads them again.
  eventstore::StoreOptions store_options;
  store_options.synchronous = eventstore::Synchronous::Normal;
  auto store = open_store_or_report("import", o.db, store_options);
  if (!store) return 1;
  ProgressPrinter printer;
  eventstore::RolloutImporter importer(
      *store, [&](const eventstore::ImportProgress& p) { printer.update(p); });
  if (o.paths.empty()) {
    const fs::path home = o.codex_home.empty() ? default_codex_home() : fs::path(o.codex_home);
    if (!fs::is_directory(home)) {
      fmt::print(stderr, "spool import: {} is not a directory (set --codex-home or CODEX_HOME)\n",
                 home.string());
      return 1;
    }
    importer.import_codex_home(home);
  } else {
    for (const auto& p : o.paths) importer.import_path(p);
  }
  printer.finish();
  print_report(importer.report());
  return importer.report().files_failed == 0 ? 0 : 1;
}

struct ExportOptions {
  std::string db;
  std::string thread_id;
  std::string out;
  bool all = false;
  std::string to;
};

int run_export(const ExportOptions& o) {
  if (o.all == !o.thread_id.empty()) {
    fmt::print(stderr, "spool export: give either a THREAD_ID or --all --to DIR\n");
    return 2;
  }
  if (o.all && o.to.empty()) {
    fmt::print(stderr, "spool export: --all needs --to DIR\n");
    return 2;
  }
  auto store = open_store_or_report("export", o.db);
  if (!store) return 1;
  if (o.all) {
    auto r = eventstore::export_all(*store, o.to);
    if (!r) {
      fmt::print(stderr, "spool export: {}\n", r.error());
      return 1;
    }
    fmt::print(stderr, "spool export: wrote {} threads ({} lines) to {}\n", r->threads, r->lines,
               o.to);
    return 0;
  }
  std::ofstream file;
  if (!o.out.empty()) {
    file.open(o.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      fmt::print(stderr, "spool export: cannot write {}\n", o.out);
      return 1;
    }
  }
  std::ostream& out = o.out.empty() ? std::cout : file;
  auto n = eventstore::export_thread(*store, o.thread_id, out);
  if (!n) {
    fmt::print(stderr, "spool export: {}\n", n.error().message);
    return 1;
  }
  out.flush();
  return out ? 0 : 1;
}

}  // namespace

void add_import_command(CLI::App& parent) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "import", "Import Codex rollout files (default: $CODEX_HOME, else ~/.codex)");
  cmd->add_option("--db", o->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_option("--codex-home", o->codex_home,
                  "Codex home: reads sessions/** and archived_sessions/");
  cmd->add_option("paths", o->paths, "Rollout files or directories to import instead");
  cmd->callback([o] { throw CLI::RuntimeError(run_import(*o)); });
}

void add_export_command(CLI::App& parent) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "export", "Write a thread (or --all) back as Codex rollout files");
  cmd->add_option("--db", o->db, "Database file (default: $SPOOL_HOME/spool.db)");
  cmd->add_option("thread_id", o->thread_id, "The thread to export");
  cmd->add_option("--out", o->out, "Output file for one thread (default: stdout)");
  cmd->add_flag("--all", o->all, "Export every thread");
  cmd->add_option("--to", o->to, "With --all: the directory to write the Codex layout into");
  cmd->callback([o] { throw CLI::RuntimeError(run_export(*o)); });
}

}  // namespace spool::app
