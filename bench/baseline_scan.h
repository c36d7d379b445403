// THE BASELINE for the replay benchmark (bench/replay_bench.h): a straightforward
// file-scanning implementation of thread list and resume over a Codex home, the way a
// server without an index would serve them. It is not Spool and nothing in Spool uses it;
// it exists so every Spool figure can be given as a ratio to it, measured on the same files.
//
//  - list: walk sessions/YYYY/MM/DD newest first (directory and file names sorted in
//    descending order: rollout file names start with their creation time), skip `offset`
//    files, and read the head of each of the next `limit` files for its preview.
//  - resume: read one rollout file and parse every line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace spool::bench {

// One thread as the baseline lists it.
struct BaselineListItem {
  std::filesystem::path path;
  std::string id;        // session_meta payload id
  std::string source;    // session_meta payload source
  std::string provider;  // session_meta payload model_provider
  std::string preview;   // the first user message
};

// Baseline list: one page of the live threads under `home`/sessions, newest first.
// `offset` files are skipped without being opened (a favour to the baseline: it applies no
// filter, so it need not read them). Each listed file is read only up to its first user
// message (at most kMaxHeadLines lines). Fails when `home`/sessions is missing.
inline constexpr int kMaxHeadLines = 16;
Result<std::vector<BaselineListItem>, std::string> baseline_list_page(
    const std::filesystem::path& home, int limit, std::int64_t offset);

// Baseline resume: every line of one rollout file, parsed. Fails when the file cannot be
// read or a line is not JSON.
Result<std::vector<nlohmann::json>, std::string> baseline_resume(const std::filesystem::path& file);

}  // namespace spool::bench
