// The logger's sink: one write(2)-sized fwrite per line to stderr under a mutex, so lines
// from worker threads never interleave, and the ring of recent lines.
#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>

#include "base/time.h"

namespace spool::log {
namespace {
std::atomic<bool> g_verbose{false};
std::mutex g_mu;
std::deque<std::string> g_recent;  // guarded by g_mu
std::size_t g_recent_bytes = 0;    // guarded by g_mu
}  // namespace

void set_verbose(bool on) { g_verbose.store(on); }
bool verbose_enabled() { return g_verbose.load(std::memory_order_relaxed); }

void write_line(std::string_view level, std::string_view message) {
  std::string line = fmt::format("{} {} {}\n", format_rfc3339_ms(now_ms()), level, message);
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  g_recent_bytes += line.size();
  g_recent.push_back(std::move(line));
  while (g_recent.size() > kRecentLines || (g_recent_bytes > kRecentBytes && g_recent.size() > 1)) {
    g_recent_bytes -= g_recent.front().size();
    g_recent.pop_front();
  }
}

std::string recent_lines() {
  std::lock_guard lock(g_mu);
  std::string out;
  out.reserve(g_recent_bytes);
  for (const auto& l : g_recent) out += l;
  return out;
}

}  // namespace spool::log
