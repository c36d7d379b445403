// A tiny logger: every line goes to stderr, never stdout (stdout carries protocol bytes).
//
// log::info / log::error always print; log::verbose prints only after set_verbose(true).
// The newest lines printed are also kept in memory (at most kRecentLines lines and
// kRecentBytes bytes) for feedback reports that ask for the server's logs.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace spool::log {

void set_verbose(bool on);
bool verbose_enabled();
void write_line(std::string_view level, std::string_view message);

inline constexpr std::size_t kRecentLines = 1000;
inline constexpr std::size_t kRecentBytes = 256 * 1024;
// The newest lines printed, oldest first, each ending with a newline. Thread-safe.
std::string recent_lines();

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write_line("info", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write_line("error", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void verbose(fmt::format_string<Args...> f, Args&&... args) {
  if (verbose_enabled()) write_line("debug", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace spool::log
