#include <catch2/catch.hpp>

#include <string>

#include "base/result.h"

using spool::Result;

TEST_CASE("a Result holds either its value or its error", "[base]") {
  Result<int, std::string> good = 42;
  REQUIRE(good.ok());
  CHECK(good.value() == 42);

  Result<int, std::string> bad = std::string("nope");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == "nope");
}

TEST_CASE("Result<void> is ok by default and carries an error otherwise", "[base]") {
  Result<void, std::string> ok;
  CHECK(ok.ok());
  Result<void, std::string> bad = std::string("broken");
  CHECK_FALSE(bad.ok());
  CHECK(bad.error() == "broken");
}

TEST_CASE("fail() builds an error where value and error types convert", "[base]") {
  Result<double, int> r = spool::fail(7);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == 7);
  Result<double, int> v = 7.0;
  CHECK(v.ok());
}
