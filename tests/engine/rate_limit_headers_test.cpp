// rate_limits_from_headers: Codex's x-codex-* response headers into a v2 RateLimitSnapshot.
#include "engine/rate_limit_headers.h"

#include <catch2/catch.hpp>

using namespace spool::engine;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

const Headers kFull = {
    {"content-type", "text/event-stream"},        {"x-codex-primary-used-percent", "13"},
    {"x-codex-primary-window-minutes", "300"},    {"x-codex-primary-reset-at", "1767225600"},
    {"x-codex-secondary-used-percent", "40"},     {"x-codex-secondary-window-minutes", "10080"},
    {"x-codex-secondary-reset-at", "1767484800"}, {"x-codex-credits-has-credits", "true"},
    {"x-codex-credits-unlimited", "false"},       {"x-codex-credits-balance", "10"},
};

}  // namespace

TEST_CASE("the full set of headers gives both windows and the credits", "[engine][ratelimit]") {
  auto s = rate_limits_from_headers(kFull);
  REQUIRE(s);
  CHECK(s->limitId == "codex");
  CHECK_FALSE(s->limitName);
  CHECK_FALSE(s->planType);
  REQUIRE(s->primary);
  CHECK(s->primary->usedPercent == 13);
  CHECK(s->primary->windowDurationMins == 300);
  CHECK(s->primary->resetsAt == 1767225600);
  REQUIRE(s->secondary);
  CHECK(s->secondary->usedPercent == 40);
  CHECK(s->secondary->windowDurationMins == 10080);
  CHECK(s->secondary->resetsAt == 1767484800);
  REQUIRE(s->credits);
  CHECK(s->credits->hasCredits);
  CHECK_FALSE(s->credits->unlimited);
  CHECK(s->credits->balance == "10");
}

TEST_CASE("no rate-limit header at all gives nullopt", "[engine][ratelimit]") {
  CHECK_FALSE(rate_limits_from_headers({}));
  CHECK_FALSE(rate_limits_from_headers({{"content-type", "application/json"},
                                        {"x-request-id", "req_1"},
                                        {"x-codex-something-else", "1"}}));
}

TEST_CASE("a partial set fills only what is there", "[engine][ratelimit]") {
  SECTION("primary used-percent only") {
    auto s = rate_limits_from_headers({{"x-codex-primary-used-percent", "7"}});
    REQUIRE(s);
    CHECK(s->limitId == "codex");
    REQUIRE(s->primary);
    CHECK(s->primary->usedPercent == 7);
    CHECK_FALSE(s->primary->windowDurationMins);
    CHECK_FALSE(s->primary->resetsAt);
    CHECK_FALSE(s->secondary);
    CHECK_FALSE(s->credits);
  }
  SECTION("secondary without used-percent is left out") {
    auto s = rate_limits_from_headers(
        {{"x-codex-secondary-window-minutes", "10080"}, {"x-codex-secondary-reset-at", "5"}});
    REQUIRE(s);
    CHECK(s->limitId == "codex");
    CHECK_FALSE(s->primary);
    CHECK_FALSE(s->secondary);
  }
  SECTION("credits only") {
    auto s = rate_limits_from_headers(
        {{"x-codex-credits-has-credits", "false"}, {"x-codex-credits-unlimited", "false"}});
    REQUIRE(s);
    CHECK_FALSE(s->primary);
    REQUIRE(s->credits);
    CHECK_FALSE(s->credits->hasCredits);
    CHECK_FALSE(s->credits->unlimited);
    CHECK_FALSE(s->credits->balance);
  }
}

TEST_CASE("values that do not parse leave their field unset", "[engine][ratelimit]") {
  SECTION("a bad used-percent drops the window") {
    for (const char* bad : {"", "abc", "12abc", "nan", "inf", "1e999"}) {
      INFO(bad);
      auto s = rate_limits_from_headers(
          {{"x-codex-primary-used-percent", bad}, {"x-codex-primary-window-minutes", "300"}});
      REQUIRE(s);
      CHECK(s->limitId == "codex");
      CHECK_FALSE(s->primary);
    }
  }
  SECTION("a bad window length or reset time drops only that field") {
    auto s = rate_limits_from_headers({{"x-codex-primary-used-percent", "50"},
                                       {"x-codex-primary-window-minutes", "300.5"},
                                       {"x-codex-primary-reset-at", "soon"}});
    REQUIRE(s);
    REQUIRE(s->primary);
    CHECK(s->primary->usedPercent == 50);
    CHECK_FALSE(s->primary->windowDurationMins);
    CHECK_FALSE(s->primary->resetsAt);
  }
  SECTION("surrounding blanks are ignored") {
    auto s = rate_limits_from_headers(
        {{"x-codex-primary-used-percent", " 12 "}, {"x-codex-primary-window-minutes", "\t60"}});
    REQUIRE(s);
    REQUIRE(s->primary);
    CHECK(s->primary->usedPercent == 12);
    CHECK(s->primary->windowDurationMins == 60);
  }
}

TEST_CASE("credits: present, absent, unlimited, bad flags", "[engine][ratelimit]") {
  SECTION("unlimited") {
    auto s = rate_limits_from_headers(
        {{"x-codex-credits-has-credits", "1"}, {"x-codex-credits-unlimited", "TRUE"}});
    REQUIRE(s);
    REQUIRE(s->credits);
    CHECK(s->credits->hasCredits);
    CHECK(s->credits->unlimited);
    CHECK_FALSE(s->credits->balance);
  }
  SECTION("absent while the windows are there") {
    auto s = rate_limits_from_headers({{"x-codex-primary-used-percent", "1"}});
    REQUIRE(s);
    CHECK_FALSE(s->credits);
  }
  SECTION("a decimal balance is kept as sent; an empty one is unset") {
    auto s = rate_limits_from_headers({{"x-codex-credits-has-credits", "true"},
                                       {"x-codex-credits-unlimited", "0"},
                                       {"x-codex-credits-balance", "42.50"}});
    REQUIRE(s);
    REQUIRE(s->credits);
    CHECK(s->credits->balance == "42.50");
    auto e = rate_limits_from_headers({{"x-codex-credits-has-credits", "true"},
                                       {"x-codex-credits-unlimited", "0"},
                                       {"x-codex-credits-balance", "  "}});
    REQUIRE(e);
    REQUIRE(e->credits);
    CHECK_FALSE(e->credits->balance);
  }
  SECTION("either flag missing or bad: no credits") {
    auto missing = rate_limits_from_headers(
        {{"x-codex-credits-has-credits", "true"}, {"x-codex-credits-balance", "3"}});
    REQUIRE(missing);
    CHECK_FALSE(missing->credits);
    auto bad = rate_limits_from_headers(
        {{"x-codex-credits-has-credits", "yes"}, {"x-codex-credits-unlimited", "false"}});
    REQUIRE(bad);
    CHECK_FALSE(bad->credits);
  }
}

TEST_CASE("header names match case-insensitively", "[engine][ratelimit]") {
  auto s = rate_limits_from_headers({{"X-Codex-Primary-Used-Percent", "21"},
                                     {"X-CODEX-PRIMARY-WINDOW-MINUTES", "300"},
                                     {"x-Codex-Credits-Has-Credits", "true"},
                                     {"X-Codex-Credits-Unlimited", "false"}});
  REQUIRE(s);
  REQUIRE(s->primary);
  CHECK(s->primary->usedPercent == 21);
  CHECK(s->primary->windowDurationMins == 300);
  REQUIRE(s->credits);
  CHECK(s->credits->hasCredits);
}

TEST_CASE("used percent is rounded to the nearest integer", "[engine][ratelimit]") {
  auto percent = [](const char* value) {
    auto s = rate_limits_from_headers({{"x-codex-primary-used-percent", value}});
    REQUIRE(s);
    REQUIRE(s->primary);
    return s->primary->usedPercent;
  };
  CHECK(percent("42.5") == 43);
  CHECK(percent("42.49") == 42);
  CHECK(percent("0.4") == 0);
  CHECK(percent("99.6") == 100);
  CHECK(percent("100") == 100);
  CHECK(percent("-0.6") == -1);
}
