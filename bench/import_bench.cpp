#include "bench/import_bench.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <vector>

#include "eventstore/rollout_importer.h"
#include "eventstore/store.h"
#include "views/attach.h"

namespace spool::bench {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::vector<fs::path> corpus_files(const fs::path& home) {
  std::vector<fs::path> out;
  for (const char* sub : {"sessions", "archived_sessions"}) {
    if (!fs::is_directory(home / sub)) continue;
    for (const auto& e : fs::recursive_directory_iterator(home / sub))
      if (e.is_regular_file() && e.path().extension() == ".jsonl") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

double mb(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

Result<ImportBenchResult, std::string> run_import_bench(const ImportBenchOptions& o) {
  ImportBenchResult r;
  const auto files = corpus_files(o.corpus);
  if (files.empty()) return fail(fmt::format("no rollout files under {}", o.corpus.string()));
  r.files = static_cast<std::int64_t>(files.size());
  for (const auto& f : files) r.bytes += static_cast<std::int64_t>(fs::file_size(f));

  std::vector<double> read_rates, parse_rates, import_rates, event_rates;
  std::vector<char> buffer(1 << 20);
  for (int trial = 0; trial < o.trials; ++trial) {
    // Baseline 1: read every byte.
    auto start = clock_type::now();
    std::int64_t sink = 0;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount())
        sink += in.gcount();
    }
    read_rates.push_back(mb(sink) / seconds_since(start));

    // Baseline 2: read and parse every line.
    start = clock_type::now();
    std::int64_t parsed = 0;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      for (std::string line; std::getline(in, line);) {
        if (!nlohmann::json::parse(line, nullptr, false).is_discarded()) ++parsed;
      }
    }
    parse_rates.push_back(mb(r.bytes) / seconds_since(start));

    // Spool: import into a fresh database, as `spool import` does (synchronous NORMAL).
    const fs::path db = o.work_dir / fmt::format("import-trial-{}.db", trial);
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    eventstore::StoreOptions store_options;
    store_options.synchronous = eventstore::Synchronous::Normal;
    auto store = eventstore::Store::open(db.string(), store_options);
    if (!store) return fail(store.error().message);
    views::attach_projections(*store.value());  // as `spool import` runs: views kept current
    start = clock_type::now();
    eventstore::RolloutImporter importer(*store.value());
    importer.import_codex_home(o.corpus);
    const double secs = seconds_since(start);
    const auto& report = importer.report();
    if (report.files_failed) {
      return fail(fmt::format("import failed on {} files: {}", report.files_failed,
                              report.problems.empty() ? "" : report.problems.front()));
    }
    r.events = report.events;
    import_rates.push_back(mb(r.bytes) / secs);
    event_rates.push_back(static_cast<double>(report.events) / secs);
    store.value().reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    if (parsed != report.events) {
      return fail(fmt::format("baseline parsed {} lines but import stored {} events", parsed,
                              report.events));
    }
  }
  r.read_mb_s = summarize(read_rates);
  r.parse_mb_s = summarize(parse_rates);
  r.import_mb_s = summarize(import_rates);
  r.import_events_s = summarize(event_rates);
  return r;
}

std::string import_bench_markdown(const ImportBenchResult& r) {
  const double base = r.parse_mb_s.median;
  std::string s = fmt::format("Corpus: {} files, {:.1f} MB, {} lines.\n\n", r.files, mb(r.bytes),
                              r.events);
  s += "| measurement | median | worst trial | vs parse baseline |\n|---|---|---|---|\n";
  s += fmt::format("| baseline: read every file | {:.0f} MB/s | {:.0f} MB/s | {:.2f}x |\n",
                   r.read_mb_s.median, r.read_mb_s.min, r.read_mb_s.median / base);
  s += fmt::format("| baseline: read + parse every line | {:.0f} MB/s | {:.0f} MB/s | 1.00x |\n",
                   r.parse_mb_s.median, r.parse_mb_s.min);
  s += fmt::format("| spool import (fresh db) | {:.0f} MB/s | {:.0f} MB/s | {:.2f}x |\n",
                   r.import_mb_s.median, r.import_mb_s.min, r.import_mb_s.median / base);
  s += fmt::format("| spool import, events | {:.0f} events/s | {:.0f} events/s | |\n",
                   r.import_events_s.median, r.import_events_s.min);
  return s;
}

nlohmann::json import_bench_json(const ImportBenchResult& r) {
  auto summary = [](const Summary& s) {
    return nlohmann::json{{"median", s.median}, {"p99", s.p99}, {"min", s.min}, {"max", s.max}};
  };
  return {{"files", r.files},
          {"bytes", r.bytes},
          {"events", r.events},
          {"baseline_read_mb_s", summary(r.read_mb_s)},
          {"baseline_parse_mb_s", summary(r.parse_mb_s)},
          {"import_mb_s", summary(r.import_mb_s)},
          {"import_events_s", summary(r.import_events_s)},
          {"import_vs_parse_baseline", r.import_mb_s.median / r.parse_mb_s.median}};
}

}  // namespace spool::bench
