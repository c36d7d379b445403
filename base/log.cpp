// The logger's sink: one write(2)-sized fwrite per line to stderr under a mutex, so lines
// from worker threads never interleave.
#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/time.h"

namespace spool::log {
namespace {
std::atomic<bool> g_verbose{false};
std::mutex g_mu;
}  // namespace

void set_verbose(bool on) { g_verbose.store(on); }
bool verbose_enabled() { return g_verbose.load(std::memory_order_relaxed); }

void write_line(std::string_view level, std::string_view message) {
  std::string line = fmt::format("{} {} {}\n", format_rfc3339_ms(now_ms()), level, message);
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace spool::log
