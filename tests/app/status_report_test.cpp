// Tests of app/status_report: the text `spool status` prints (accounts, windows as bars,
// credits, reset times and the age of the snapshot). Times are rendered with TZ=UTC.
#include "app/status_report.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace spool::app {
namespace {

namespace v2 = protocol::v2;

// Sets TZ for the test's lifetime and restores what was there.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

constexpr std::int64_t kNowS = 1772456400;  // 2026-03-02 13:00:00 UTC
constexpr std::int64_t kNowMs = kNowS * 1000;
constexpr std::int64_t kTodayAt1405 = 1772460300;
constexpr std::int64_t kMar5At0930 = 1772703000;

StatusInput base_input() {
  StatusInput in;
  in.model = "gpt-5-codex";
  in.model_provider = "openai";
  return in;
}

v2::RateLimitWindow window(int used, std::optional<std::int64_t> mins,
                           std::optional<std::int64_t> resets = std::nullopt) {
  v2::RateLimitWindow w;
  w.usedPercent = used;
  w.windowDurationMins = mins;
  w.resetsAt = resets;
  return w;
}

v2::CreditsSnapshot credits(bool has, bool unlimited, std::optional<std::string> balance) {
  v2::CreditsSnapshot c;
  c.hasCredits = has;
  c.unlimited = unlimited;
  c.balance = std::move(balance);
  return c;
}

std::string render_with_credits(std::optional<v2::CreditsSnapshot> c) {
  auto in = base_input();
  v2::RateLimitSnapshot s;
  s.primary = window(10, 300);
  s.credits = std::move(c);
  in.rate_limits = s;
  return render_status(in, kNowMs);
}

TEST_CASE("status without rate limits says none were reported yet", "[status]") {
  ScopedTz tz("UTC");
  auto in = base_input();
  in.rate_limits_observed_at_ms = kNowMs;  // ignored without a snapshot
  CHECK(render_status(in, kNowMs) ==
        "Account:  not signed in\n"
        "Model:    gpt-5-codex (openai)\n"
        "Limits:   not reported yet (they arrive with the first model response)\n");
}

TEST_CASE("status shows both windows as aligned bars with their resets", "[status]") {
  ScopedTz tz("UTC");
  auto in = base_input();
  in.account.kind = StatusAccount::Kind::Chatgpt;
  in.account.email = "me@example.com";
  in.account.plan = "plus";
  v2::RateLimitSnapshot s;
  s.primary = window(13, 300, kTodayAt1405);
  s.secondary = window(40, 10080, kMar5At0930);
  s.credits = credits(true, false, "42.75");
  in.rate_limits = s;
  in.rate_limits_observed_at_ms = kNowMs - 5 * 60 * 1000;
  CHECK(render_status(in, kNowMs) ==
        "Account:       ChatGPT (me@example.com, Plus)\n"
        "Model:         gpt-5-codex (openai)\n"
        "5h limit:      [███░░░░░░░░░░░░░░░░░] 13% used (resets 14:05)\n"
        "Weekly limit:  [████████░░░░░░░░░░░░] 40% used (resets 09:30 on 5 Mar)\n"
        "Credits:       43 credits\n"
        "Limits as of:  2026-03-02 12:55 (5 minutes ago)\n");
}

TEST_CASE("bars clamp the percentage and follow bar_width", "[status]") {
  ScopedTz tz("UTC");
  auto in = base_input();
  v2::RateLimitSnapshot s;
  s.primary = window(150, std::nullopt);
  s.secondary = window(-5, std::nullopt);
  in.rate_limits = s;
  const auto text = render_status(in, kNowMs, 4);
  CHECK_THAT(text, Catch::Contains("Primary limit:    [████] 100% used\n"));
  CHECK_THAT(text, Catch::Contains("Secondary limit:  [░░░░] 0% used\n"));
  CHECK_THAT(text, !Catch::Contains("resets"));
  CHECK_THAT(text, !Catch::Contains("Limits as of"));
  s.primary = window(50, 300);
  s.secondary.reset();
  in.rate_limits = s;
  CHECK_THAT(render_status(in, kNowMs, 10), Catch::Contains("[█████░░░░░] 50% used"));
}

TEST_CASE("window labels come from the window's duration", "[status]") {
  ScopedTz tz("UTC");
  auto label = [](std::optional<std::int64_t> mins, bool secondary = false) {
    auto in = base_input();
    v2::RateLimitSnapshot s;
    (secondary ? s.secondary : s.primary) = window(1, mins);
    in.rate_limits = s;
    const auto text = render_status(in, kNowMs);
    const auto line = text.substr(text.find("Model:"));
    const auto start = line.find('\n') + 1;
    return line.substr(start, line.find(':', start) - start);
  };
  CHECK(label(300) == "5h limit");
  CHECK(label(299) == "5h limit");
  CHECK(label(60) == "1h limit");
  CHECK(label(45) == "45m limit");
  CHECK(label(90) == "90m limit");
  CHECK(label(1440) == "Daily limit");
  CHECK(label(10080) == "Weekly limit");
  CHECK(label(10082) == "Weekly limit");
  CHECK(label(43200) == "Monthly limit");
  CHECK(label(44640) == "Monthly limit");
  CHECK(label(525600) == "Annual limit");
  CHECK(label(3 * 1440) == "3d limit");
  CHECK(label(3 * 1440 + 100) == "74h limit");
  CHECK(label(std::nullopt) == "Primary limit");
  CHECK(label(0) == "Primary limit");
  CHECK(label(std::nullopt, true) == "Secondary limit");
}

TEST_CASE("credits: a line only when there are some or they are unlimited", "[status]") {
  ScopedTz tz("UTC");
  CHECK_THAT(render_with_credits(credits(true, false, "42.4")),
             Catch::Contains("Credits:   42 credits\n"));
  CHECK_THAT(render_with_credits(credits(true, false, "42.5")),
             Catch::Contains("Credits:   43 credits\n"));
  CHECK_THAT(render_with_credits(credits(true, false, "7")), Catch::Contains("7 credits\n"));
  CHECK_THAT(render_with_credits(credits(true, false, "1.2")), Catch::Contains(" 1 credit\n"));
  CHECK_THAT(render_with_credits(credits(true, true, std::nullopt)),
             Catch::Contains("Credits:   unlimited\n"));
  CHECK_THAT(render_with_credits(credits(false, true, "0")),
             Catch::Contains("Credits:   unlimited\n"));
  for (const auto& none :
       {std::optional<v2::CreditsSnapshot>(), std::optional(credits(false, false, "42")),
        std::optional(credits(true, false, std::nullopt)),
        std::optional(credits(true, false, "lots")), std::optional(credits(true, false, "42.5x")),
        std::optional(credits(true, false, "")), std::optional(credits(true, false, "0")),
        std::optional(credits(true, false, "-3"))}) {
    CHECK_THAT(render_with_credits(none), !Catch::Contains("Credits"));
  }
}

TEST_CASE("a reset on another day names the day; today's shows only the time", "[status]") {
  ScopedTz tz("UTC");
  auto reset_line = [](std::int64_t resets_at, std::int64_t now_ms) {
    auto in = base_input();
    v2::RateLimitSnapshot s;
    s.primary = window(1, 300, resets_at);
    in.rate_limits = s;
    return render_status(in, now_ms);
  };
  CHECK_THAT(reset_line(kTodayAt1405, kNowMs), Catch::Contains("(resets 14:05)\n"));
  CHECK_THAT(reset_line(1772495940, kNowMs), Catch::Contains("(resets 23:59)\n"));
  CHECK_THAT(reset_line(1772496060, kNowMs), Catch::Contains("(resets 00:01 on 3 Mar)\n"));
  CHECK_THAT(reset_line(kMar5At0930, kNowMs), Catch::Contains("(resets 09:30 on 5 Mar)\n"));
  // The same instant is another local day elsewhere: TZ applies.
  ScopedTz tokyo("JST-9");  // POSIX form: UTC+9, no tzdata needed
  CHECK_THAT(reset_line(kTodayAt1405, kNowMs), Catch::Contains("(resets 23:05)\n"));
  CHECK_THAT(reset_line(1772495940, kNowMs), Catch::Contains("(resets 08:59 on 3 Mar)\n"));
}

TEST_CASE("each account kind has its wording", "[status]") {
  ScopedTz tz("UTC");
  auto account = [](StatusAccount a) {
    auto in = base_input();
    in.account = std::move(a);
    const auto text = render_status(in, kNowMs);
    return text.substr(0, text.find('\n'));
  };
  CHECK(account({}) == "Account:  not signed in");
  CHECK(account({StatusAccount::Kind::ApiKey, {}, {}, {}}) == "Account:  API key");
  CHECK(account({StatusAccount::Kind::Chatgpt, {}, {}, {}}) == "Account:  ChatGPT");
  CHECK(account({StatusAccount::Kind::Chatgpt, "a@b.c", {}, {}}) == "Account:  ChatGPT (a@b.c)");
  CHECK(account({StatusAccount::Kind::Chatgpt, {}, "pro", {}}) == "Account:  ChatGPT (Pro)");
  CHECK(account({StatusAccount::Kind::Chatgpt, "a@b.c", "self_serve_business_usage_based", {}}) ==
        "Account:  ChatGPT (a@b.c, Self Serve Business Usage Based)");
  CHECK(account({StatusAccount::Kind::Chatgpt, "a@b.c", "Plus",
                 "cannot read /h/.spool/auth.json: permission denied"}) ==
        "Account:  cannot read /h/.spool/auth.json: permission denied");
}

TEST_CASE("an API-key account is shown only as \"API key\"", "[status]") {
  // StatusInput has no field for a key, so no part of one can reach the text; what is
  // printed is the fixed wording.
  ScopedTz tz("UTC");
  auto in = base_input();
  in.account.kind = StatusAccount::Kind::ApiKey;
  const auto text = render_status(in, kNowMs);
  CHECK_THAT(text, Catch::StartsWith("Account:  API key\n"));
  CHECK_THAT(text, !Catch::Contains("sk-"));
}

TEST_CASE("the snapshot's age is in minutes, hours or days", "[status]") {
  ScopedTz tz("UTC");
  auto as_of = [](std::int64_t observed_ms) {
    auto in = base_input();
    v2::RateLimitSnapshot s;
    s.primary = window(1, 300);
    in.rate_limits = s;
    in.rate_limits_observed_at_ms = observed_ms;
    const auto text = render_status(in, kNowMs);
    return text.substr(text.find("Limits as of:"));
  };
  CHECK(as_of(kNowMs - 20 * 1000) == "Limits as of:  2026-03-02 12:59 (just now)\n");
  CHECK(as_of(kNowMs + 60 * 1000) == "Limits as of:  2026-03-02 13:01 (just now)\n");
  CHECK(as_of(kNowMs - 60 * 1000) == "Limits as of:  2026-03-02 12:59 (1 minute ago)\n");
  CHECK(as_of(kNowMs - 3 * 3600 * 1000) == "Limits as of:  2026-03-02 10:00 (3 hours ago)\n");
  CHECK(as_of(std::int64_t{1772197200} * 1000) == "Limits as of:  2026-02-27 13:00 (3 days ago)\n");
}

TEST_CASE("a snapshot with nothing to show says so", "[status]") {
  ScopedTz tz("UTC");
  auto in = base_input();
  in.model_provider.clear();
  in.rate_limits = v2::RateLimitSnapshot{};
  // With no time, an empty snapshot is taken for "nothing stored".
  CHECK(render_status(in, kNowMs) ==
        "Account:  not signed in\n"
        "Model:    gpt-5-codex\n"
        "Limits:   not reported yet (they arrive with the first model response)\n");
  in.rate_limits_observed_at_ms = kNowMs - 2 * 60 * 1000;
  CHECK(render_status(in, kNowMs) ==
        "Account:       not signed in\n"
        "Model:         gpt-5-codex\n"
        "Limits:        none in the last report\n"
        "Limits as of:  2026-03-02 12:58 (2 minutes ago)\n");
}

}  // namespace
}  // namespace spool::app
