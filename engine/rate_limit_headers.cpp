// See rate_limit_headers.h. Follows Codex's header parsing (codex-api's rate_limits.rs): the
// used percent is a float, the window length and reset time are integers, the credit flags are
// "true"/"false" or "1"/"0", and credits are reported only when both flags parse.
#include "engine/rate_limit_headers.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace spool::engine {
namespace {

using protocol::v2::CreditsSnapshot;
using protocol::v2::RateLimitSnapshot;
using protocol::v2::RateLimitWindow;
using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The (trimmed) value of the first header called `name`, or nullopt.
std::optional<std::string_view> find(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return trim(v);
  }
  return std::nullopt;
}

// The whole of `s` as a finite double, or nullopt.
std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

// The whole of `s` as a decimal int64, or nullopt.
std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (iequals(s, "true") || s == "1") return true;
  if (iequals(s, "false") || s == "0") return false;
  return std::nullopt;
}

// Rounds half away from zero (Rust's f64::round, which Codex uses), clamped to int32.
std::int32_t round_percent(double v) {
  double r = std::round(v);
  if (r > std::numeric_limits<std::int32_t>::max()) return std::numeric_limits<std::int32_t>::max();
  if (r < std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(r);
}

// One window ("primary" / "secondary"): present when its used-percent parses.
std::optional<RateLimitWindow> window(const Headers& headers, std::string_view which,
                                      bool& any_header) {
  std::string prefix = "x-codex-" + std::string(which);
  auto used = find(headers, prefix + "-used-percent");
  auto minutes = find(headers, prefix + "-window-minutes");
  auto reset = find(headers, prefix + "-reset-at");
  any_header = any_header || used || minutes || reset;
  std::optional<double> percent = used ? parse_double(*used) : std::nullopt;
  if (!percent) return std::nullopt;
  RateLimitWindow w;
  w.usedPercent = round_percent(*percent);
  if (minutes) w.windowDurationMins = parse_int(*minutes);
  if (reset) w.resetsAt = parse_int(*reset);
  return w;
}

}  // namespace

std::optional<RateLimitSnapshot> rate_limits_from_headers(const Headers& headers) {
  bool any_header = false;
  RateLimitSnapshot snapshot;
  snapshot.primary = window(headers, "primary", any_header);
  snapshot.secondary = window(headers, "secondary", any_header);

  auto has_credits = find(headers, "x-codex-credits-has-credits");
  auto unlimited = find(headers, "x-codex-credits-unlimited");
  auto balance = find(headers, "x-codex-credits-balance");
  any_header = any_header || has_credits || unlimited || balance;
  std::optional<bool> has = has_credits ? parse_bool(*has_credits) : std::nullopt;
  std::optional<bool> unl = unlimited ? parse_bool(*unlimited) : std::nullopt;
  if (has && unl) {
    CreditsSnapshot credits;
    credits.hasCredits = *has;
    credits.unlimited = *unl;
    if (balance && !balance->empty()) credits.balance = std::string(*balance);
    snapshot.credits = std::move(credits);
  }

  if (!any_header) return std::nullopt;
  snapshot.limitId = "codex";
  return snapshot;
}

}  // namespace spool::engine
