#include <catch2/catch.hpp>

#include "base/time.h"

using spool::format_rfc3339_ms;
using spool::parse_rfc3339_ms;

TEST_CASE("RFC 3339 timestamps parse to UTC epoch milliseconds", "[base]") {
  CHECK(parse_rfc3339_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339_ms("2026-11-24T06:18:43.540Z") == 1795501123540);
  CHECK(parse_rfc3339_ms("2026-11-24T06:18:43.5401234Z") == 1795501123540);
  CHECK(parse_rfc3339_ms("2026-11-24T06:18:43Z") == 1795501123000);
  CHECK(parse_rfc3339_ms("2026-11-24T14:18:43.540+08:00") == 1795501123540);
  CHECK(parse_rfc3339_ms("2026-11-24T02:48:43.540-03:30") == 1795501123540);
}

TEST_CASE("malformed timestamps are rejected, not guessed", "[base]") {
  CHECK_FALSE(parse_rfc3339_ms(""));
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24"));
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24T06:18:43"));       // no zone
  CHECK_FALSE(parse_rfc3339_ms("2026-13-24T06:18:43Z"));      // month 13
  CHECK_FALSE(parse_rfc3339_ms("2026-02-30T06:18:43Z"));      // no such day
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24T06:18:43.Z"));     // empty fraction
  CHECK_FALSE(parse_rfc3339_ms("2026-11-24T06:18:43Zjunk"));  // trailing bytes
}

TEST_CASE("formatting is UTC with milliseconds and round-trips", "[base]") {
  CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(1795501123540) == "2026-11-24T06:18:43.540Z");
  for (std::int64_t t : {std::int64_t{1}, std::int64_t{951782400999}, std::int64_t{4102444800000}})
    CHECK(parse_rfc3339_ms(format_rfc3339_ms(t)) == t);
}
