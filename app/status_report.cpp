// `spool status`'s text: account, model and rate-limit lines. See status_report.h.
#include "app/status_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string_view>
#include <utility>
#include <vector>

namespace spool::app {
namespace {

namespace v2 = protocol::v2;

constexpr std::string_view kFilled = "█";
constexpr std::string_view kEmpty = "░";
constexpr std::int64_t kMinutesPerHour = 60;
constexpr std::int64_t kMinutesPerDay = 24 * kMinutesPerHour;
// Windows this close to a named one are given its name (Codex's rounding bias).
constexpr std::int64_t kWindowSlackMinutes = 3;

// Fixed English month names: strftime's %b follows the locale.
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm local_tm(std::int64_t epoch_seconds) {
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  localtime_r(&t, &tm);
  return tm;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool same_day(const std::tm& a, const std::tm& b) {
  return a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
}

bool near(std::int64_t minutes, std::int64_t target) {
  return minutes >= target - kWindowSlackMinutes && minutes <= target + kWindowSlackMinutes;
}

std::string window_label(const std::optional<std::int64_t>& minutes, bool secondary) {
  if (!minutes || *minutes <= 0) return secondary ? "Secondary limit" : "Primary limit";
  const std::int64_t m = *minutes;
  if (near(m, kMinutesPerDay)) return "Daily limit";
  if (near(m, 7 * kMinutesPerDay)) return "Weekly limit";
  if (m >= 28 * kMinutesPerDay - kWindowSlackMinutes &&
      m <= 31 * kMinutesPerDay + kWindowSlackMinutes) {
    return "Monthly limit";
  }
  if (near(m, 365 * kMinutesPerDay) || near(m, 366 * kMinutesPerDay)) return "Annual limit";
  const std::int64_t hours = (m + kMinutesPerHour / 2) / kMinutesPerHour;
  const std::int64_t days = (m + kMinutesPerDay / 2) / kMinutesPerDay;
  if (m >= 2 * kMinutesPerDay && near(m, days * kMinutesPerDay)) {
    return fmt::format("{}d limit", days);
  }
  if (m >= kMinutesPerHour && (m >= 2 * kMinutesPerDay || near(m, hours * kMinutesPerHour))) {
    return fmt::format("{}h limit", hours);
  }
  return fmt::format("{}m limit", m);
}

std::string bar(std::int32_t used_percent, int width) {
  const int cells = std::max(width, 1);
  const int pct = std::clamp(used_percent, 0, 100);
  const int filled = static_cast<int>(std::lround(pct * cells / 100.0));
  std::string out = "[";
  for (int i = 0; i < cells; ++i) out += i < filled ? kFilled : kEmpty;
  out += "]";
  return out;
}

std::string reset_text(std::int64_t resets_at_s, std::int64_t now_ms) {
  const std::tm at = local_tm(resets_at_s);
  const std::tm now = local_tm(floor_div(now_ms, 1000));
  std::string text = fmt::format("{:02}:{:02}", at.tm_hour, at.tm_min);
  if (!same_day(at, now)) {
    text += fmt::format(" on {} {}", at.tm_mday, kMonths[at.tm_mon]);
  }
  return text;
}

std::string window_value(const v2::RateLimitWindow& w, std::int64_t now_ms, int bar_width) {
  std::string value =
      fmt::format("{} {}% used", bar(w.usedPercent, bar_width), std::clamp(w.usedPercent, 0, 100));
  if (w.resetsAt) value += fmt::format(" (resets {})", reset_text(*w.resetsAt, now_ms));
  return value;
}

// The rounded balance, when it is a positive decimal number.
std::optional<long long> credit_balance(const std::string& raw) {
  std::string_view text = raw;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value <= 0 || value > 9e15) {
    return std::nullopt;
  }
  return std::llround(value);
}

std::optional<std::string> credits_value(const std::optional<v2::CreditsSnapshot>& credits) {
  if (!credits) return std::nullopt;
  if (credits->unlimited) return std::string("unlimited");
  if (!credits->hasCredits || !credits->balance) return std::nullopt;
  auto balance = credit_balance(*credits->balance);
  if (!balance) return std::nullopt;
  return fmt::format("{} credit{}", *balance, *balance == 1 ? "" : "s");
}

// "plus" -> "Plus", "self_serve_business_usage_based" -> "Self Serve Business Usage Based".
std::string title_case(std::string_view plan) {
  std::string out;
  bool word_start = true;
  for (char c : plan) {
    if (c == '_' || c == '-' || c == ' ') {
      out += ' ';
      word_start = true;
    } else {
      out += word_start && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      word_start = false;
    }
  }
  return out;
}

std::string account_value(const StatusAccount& a) {
  if (a.problem) return *a.problem;
  switch (a.kind) {
    case StatusAccount::Kind::None:
      return "not signed in";
    case StatusAccount::Kind::ApiKey:
      return "API key";
    case StatusAccount::Kind::Chatgpt: {
      std::vector<std::string> details;
      if (a.email && !a.email->empty()) details.push_back(*a.email);
      if (a.plan && !a.plan->empty()) details.push_back(title_case(*a.plan));
      if (details.empty()) return "ChatGPT";
      return fmt::format("ChatGPT ({})", fmt::join(details, ", "));
    }
  }
  return "not signed in";
}

std::string ago(std::int64_t observed_ms, std::int64_t now_ms) {
  const std::int64_t minutes = floor_div(now_ms - observed_ms, 60 * 1000);
  if (minutes < 1) return "just now";
  auto plural = [](std::int64_t n, std::string_view unit) {
    return fmt::format("{} {}{} ago", n, unit, n == 1 ? "" : "s");
  };
  if (minutes < 120) return plural(minutes, "minute");
  if (minutes < 2 * kMinutesPerDay) return plural(minutes / kMinutesPerHour, "hour");
  return plural(minutes / kMinutesPerDay, "day");
}

std::string observed_text(std::int64_t observed_ms, std::int64_t now_ms) {
  const std::tm t = local_tm(floor_div(observed_ms, 1000));
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} ({})", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, ago(observed_ms, now_ms));
}

using Rows = std::vector<std::pair<std::string, std::string>>;

std::string render_rows(const Rows& rows) {
  std::size_t width = 0;
  for (const auto& [label, value] : rows) width = std::max(width, label.size());
  std::string out;
  for (const auto& [label, value] : rows) {
    // Label, colon, then at least two spaces; every value starts in the same column.
    out += fmt::format("{:<{}}{}\n", label + ":", width + 3, value);
  }
  return out;
}

}  // namespace

std::string render_status(const StatusInput& in, std::int64_t now_ms, int bar_width) {
  Rows rows;
  rows.emplace_back("Account", account_value(in.account));
  rows.emplace_back("Model", in.model_provider.empty()
                                 ? in.model
                                 : fmt::format("{} ({})", in.model, in.model_provider));

  constexpr std::string_view kNotYet =
      "not reported yet (they arrive with the first model response)";
  if (!in.rate_limits) {
    rows.emplace_back("Limits", kNotYet);
  } else {
    const auto& s = *in.rate_limits;
    const std::size_t before = rows.size();
    if (s.primary) {
      rows.emplace_back(window_label(s.primary->windowDurationMins, false),
                        window_value(*s.primary, now_ms, bar_width));
    }
    if (s.secondary) {
      rows.emplace_back(window_label(s.secondary->windowDurationMins, true),
                        window_value(*s.secondary, now_ms, bar_width));
    }
    if (auto credits = credits_value(s.credits)) rows.emplace_back("Credits", *credits);
    if (rows.size() == before) {
      // An empty snapshot with no time is what a store with nothing in it may hand over.
      if (!in.rate_limits_observed_at_ms) {
        rows.emplace_back("Limits", kNotYet);
        return render_rows(rows);
      }
      rows.emplace_back("Limits", "none in the last report");
    }
    if (in.rate_limits_observed_at_ms) {
      rows.emplace_back("Limits as of", observed_text(*in.rate_limits_observed_at_ms, now_ms));
    }
  }

  return render_rows(rows);
}

}  // namespace spool::app
