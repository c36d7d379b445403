// The replay benchmark (`spool bench run`, issue 9): on one or more corpora from
// `spool bench gen`, measures Spool (append, import, and thread/list, thread/resume,
// start-up and peak RSS over the JSON-RPC interface of a spawned `spool serve`) and, in the
// same run on the same files, the file-scanning baseline of bench/baseline_scan.h. Each
// figure is a Summary (median, p99) over `trials` trials and is reported with its ratio to
// the baseline (higher is better: baseline time / Spool time, or Spool rate / baseline rate).
//
// Scaling in N (threads) and M (big thread turns) comes from giving several corpora, one per
// size: each corpus is one row of the results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "bench/import_bench.h"
#include "bench/stats.h"

namespace spool::bench {

struct ReplayBenchOptions {
  std::vector<std::filesystem::path> corpora;  // Codex homes from `spool bench gen`; >= 1
  std::filesystem::path work_dir;              // databases and server homes (removed after)
  std::filesystem::path spool_binary;          // the `spool` executable to run `serve` with
  int trials = 3;                              // REQUIRES: >= 1
  int import_trials = 0;                       // imports measured per corpus; 0: `trials`
  int append_events = 300;                     // single-event commits per trial and mode
  int batch_events = 20000;                    // events per trial of the batched append
  int batch_size = 500;                        // events per commit of the batched append
  int list_limit = 25;                         // page size of the measured list pages
};

// Figures over one corpus. Latencies are in milliseconds.
struct CorpusFigures {
  std::string corpus;
  std::int64_t files = 0;             // rollout files (live and archived)
  std::int64_t live_threads = 0;      // N: threads under sessions/ (what the list pages through)
  std::int64_t big_thread_turns = 0;  // M: turns of the biggest thread
  std::int64_t small_thread_turns = 0;
  std::int64_t deep_offset = 0;     // threads before the deep page
  bool first_page_matches = false;  // Spool's and the baseline's first pages list the same ids
  ImportBenchResult import;
  Summary initialize_ms;  // spawn to the initialize answer
  Summary peak_rss_mb;    // VmHWM of the server after the trial's requests
  Summary list_first_ms, list_deep_ms, resume_small_ms, resume_big_ms;
  Summary baseline_list_first_ms, baseline_list_deep_ms, baseline_resume_small_ms,
      baseline_resume_big_ms;
};

// Append figures (independent of the corpus). Rates per second.
struct AppendFigures {
  int events = 0;  // single-event commits per trial and mode
  Summary full_commits_s, normal_commits_s, batched_events_s;
  // Baseline: append a JSONL line to a file, fdatasync after each (FULL) or never (NORMAL);
  // batched: write a batch of lines, then fdatasync.
  Summary baseline_full_commits_s, baseline_normal_commits_s, baseline_batched_events_s;
};

struct ReplayBenchResult {
  int trials = 0;
  AppendFigures append;
  std::vector<CorpusFigures> corpora;
};

Result<ReplayBenchResult, std::string> run_replay_bench(const ReplayBenchOptions& options);

// A Markdown report: one table for append, one per corpus, and one summary row per corpus.
std::string replay_bench_markdown(const ReplayBenchResult& r);
nlohmann::json replay_bench_json(const ReplayBenchResult& r);

// Writes a PNG of list and resume latency against N and M (Spool and the baseline) with
// gnuplot. Fails (with a message saying so) when gnuplot is not installed.
Result<bool, std::string> replay_bench_plot(const ReplayBenchResult& r,
                                            const std::filesystem::path& png,
                                            const std::filesystem::path& work_dir);

}  // namespace spool::bench
