// THE BASELINE (see baseline_scan.h): file scanning, no index.
#include "bench/baseline_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace spool::bench {
namespace {

namespace fs = std::filesystem;

// The entries of `dir` (directories or .jsonl files), names sorted descending.
std::vector<fs::path> sorted_desc(const fs::path& dir, bool want_dirs) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (want_dirs ? e.is_directory() : (e.is_regular_file() && e.path().extension() == ".jsonl"))
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() > b.filename().string();
  });
  return out;
}

// Reads the head of one rollout file: session_meta and the first user message.
BaselineListItem read_head(const fs::path& file) {
  BaselineListItem item;
  item.path = file;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  for (int n = 0; n < kMaxHeadLines && std::getline(in, line); ++n) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    const auto type = j.value("type", std::string());
    const auto& payload = j.contains("payload") ? j["payload"] : nlohmann::json();
    if (!payload.is_object()) continue;
    if (type == "session_meta") {
      item.id = payload.value("id", std::string());
      item.source = payload.contains("source") && payload["source"].is_string()
                        ? payload["source"].get<std::string>()
                        : std::string();
      item.provider = payload.value("model_provider", std::string());
    } else if (type == "event_msg" && payload.value("type", std::string()) == "user_message") {
      item.preview = payload.value("message", std::string());
      break;
    }
  }
  return item;
}

}  // namespace

Result<std::vector<BaselineListItem>, std::string> baseline_list_page(const fs::path& home,
                                                                      int limit,
                                                                      std::int64_t offset) {
  const fs::path sessions = home / "sessions";
  if (!fs::is_directory(sessions)) return fail(fmt::format("no {}", sessions.string()));
  std::vector<BaselineListItem> page;
  std::int64_t skipped = 0;
  for (const auto& year : sorted_desc(sessions, true)) {
    for (const auto& month : sorted_desc(year, true)) {
      for (const auto& day : sorted_desc(month, true)) {
        for (const auto& file : sorted_desc(day, false)) {
          if (skipped < offset) {
            ++skipped;
            continue;
          }
          page.push_back(read_head(file));
          if (static_cast<int>(page.size()) >= limit) return page;
        }
      }
    }
  }
  return page;
}

Result<std::vector<nlohmann::json>, std::string> baseline_resume(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(fmt::format("cannot read {}", file.string()));
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return fail(fmt::format("{}: a line is not JSON", file.string()));
    lines.push_back(std::move(j));
  }
  return lines;
}

}  // namespace spool::bench
