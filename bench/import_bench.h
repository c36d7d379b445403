// The import measurement: `spool import` of a whole corpus into a fresh database, against
// two baselines measured in the same run on the same files: reading every file, and
// reading and parsing every line with nlohmann::json (the least any importer must do).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "bench/stats.h"

namespace spool::bench {

struct ImportBenchOptions {
  std::filesystem::path corpus;    // a Codex home (sessions/, archived_sessions/)
  std::filesystem::path work_dir;  // where the trial databases go (removed after each)
  int trials = 3;
};

struct ImportBenchResult {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t events = 0;
  Summary read_mb_s;        // baseline: read every file
  Summary parse_mb_s;       // baseline: read and parse every line
  Summary import_mb_s;      // spool import into a fresh database
  Summary import_events_s;
};

Result<ImportBenchResult, std::string> run_import_bench(const ImportBenchOptions& options);

// A Markdown table with every figure as a ratio to the parse baseline.
std::string import_bench_markdown(const ImportBenchResult& r);
nlohmann::json import_bench_json(const ImportBenchResult& r);

}  // namespace spool::bench
