// A realistic, deterministic Codex-format corpus for benchmarks: the layout and line kinds
// of what Codex 0.169 writes (tests/data/codex-0.169.0/codex_home), generated from a seed.
//
// Each thread is sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl (a few in
// archived_sessions/). Each turn is a turn_context, task_started, the user's message
// (response item and event), reasoning, a shell function call and its output, the agent's
// message, a token count and task_complete: 2 to 8 KB. Threads start at times spread over
// two years and use several providers, sources and working directories. One thread is big.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace spool::bench {

struct CorpusOptions {
  int threads = 100;            // ordinary threads
  int turns = 4;                // turns per ordinary thread
  int big_thread_turns = 0;     // turns of the one big thread (0: none)
  std::uint64_t seed = 1;
  std::filesystem::path out;    // becomes a Codex home: out/sessions, out/archived_sessions
};

struct CorpusSummary {
  std::int64_t files = 0;
  std::int64_t lines = 0;
  std::int64_t bytes = 0;
  std::string big_thread_id;  // empty when there is none
};

// Writes the corpus. The same options always give byte-identical files.
Result<CorpusSummary, std::string> generate_corpus(const CorpusOptions& options);

}  // namespace spool::bench
