#include <catch2/catch.hpp>

#include <string>

#include "base/utf8.h"

using spool::is_valid_utf8;
using spool::repair_utf8;

TEST_CASE("valid UTF-8 passes through repair unchanged", "[base]") {
  const std::string s = "plain ascii, caf\xc3\xa9, \xe2\x9c\x93, \xf0\x9f\x98\x80";
  CHECK(is_valid_utf8(s));
  CHECK(repair_utf8(s) == s);
}

TEST_CASE("ill-formed UTF-8 is replaced with U+FFFD", "[base]") {
  const std::string fffd = "\xef\xbf\xbd";
  CHECK_FALSE(is_valid_utf8("a\xff" "b"));
  CHECK(repair_utf8("a\xff" "b") == "a" + fffd + "b");
  CHECK(repair_utf8("truncated \xe2\x9c") == "truncated " + fffd);
  // A UTF-8-encoded surrogate (CESU-8) and an overlong '/' are not valid UTF-8.
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
  CHECK(is_valid_utf8(repair_utf8("\xed\xa0\x80 and \xc0\xaf")));
}
