// OutputCap: head and tail kept, the middle counted and elided, memory bounded, and text()
// always valid UTF-8 with cut characters dropped whole.
#include "engine/tools/output_cap.h"

#include <catch2/catch.hpp>
#include <string>

#include "base/utf8.h"

using spool::engine::OutputCap;

TEST_CASE("output cap: short output is kept whole", "[engine][tools]") {
  OutputCap cap(4, 4);
  cap.append("abc");
  cap.append("defgh");
  CHECK_FALSE(cap.truncated());
  CHECK(cap.total_bytes() == 8);
  CHECK(cap.text() == "abcdefgh");
  CHECK(cap.raw() == "abcdefgh");
}

TEST_CASE("output cap: long output keeps head and tail with the elided count", "[engine][tools]") {
  const std::string input = "abcdefghijklmnopqrstuvwxyz";
  const std::string expected = "abcd\n[... 18 bytes elided ...]\nwxyz";
  SECTION("in one chunk") {
    OutputCap cap(4, 4);
    cap.append(input);
    CHECK(cap.text() == expected);
  }
  SECTION("in every chunk size") {
    for (std::size_t step = 1; step <= input.size(); ++step) {
      OutputCap cap(4, 4);
      for (std::size_t i = 0; i < input.size(); i += step) {
        cap.append(std::string_view(input).substr(i, step));
        CHECK(cap.held_bytes() <= 8);
      }
      CHECK(cap.truncated());
      CHECK(cap.total_bytes() == input.size());
      CHECK(cap.raw() == "abcdwxyz");
      CHECK(cap.text() == expected);
    }
  }
}

TEST_CASE("output cap: defaults keep 10 KiB each side and never hold more", "[engine][tools]") {
  OutputCap cap;
  const std::string chunk(3000, 'x');
  for (int i = 0; i < 1000; ++i) {
    cap.append(chunk);
    REQUIRE(cap.held_bytes() <= OutputCap::kDefaultHeadBytes + OutputCap::kDefaultTailBytes);
  }
  CHECK(cap.total_bytes() == 3'000'000);
  CHECK(cap.text() ==
        std::string(10240, 'x') + "\n[... 2979520 bytes elided ...]\n" + std::string(10240, 'x'));
}

TEST_CASE("output cap: a character cut at either end is dropped whole and counted",
          "[engine][tools]") {
  // "€" is E2 82 AC. Head of 4 bytes ends inside the first one; the tail of 4 bytes starts
  // inside the last one.
  OutputCap cap(4, 4);
  cap.append(
      "ab\xE2\x82\xAC-middle-\xE2\x82\xAC"
      "cd");
  CHECK(cap.truncated());
  const std::string text = cap.text();
  CHECK(spool::is_valid_utf8(text));
  CHECK(text == "ab\n[... 14 bytes elided ...]\ncd");
}

TEST_CASE("output cap: a character that fits is kept at the cut", "[engine][tools]") {
  OutputCap cap(5, 5);
  cap.append(
      "ab\xE2\x82\xAC-------\xE2\x82\xAC"
      "cd");
  CHECK(cap.text() ==
        "ab\xE2\x82\xAC\n[... 7 bytes elided ...]\n\xE2\x82\xAC"
        "cd");
}

TEST_CASE("output cap: invalid bytes become U+FFFD", "[engine][tools]") {
  OutputCap small(100, 100);
  small.append("ok \xFF end \xC3");
  CHECK(small.text() == "ok \xEF\xBF\xBD end \xEF\xBF\xBD");
  CHECK(small.raw() == "ok \xFF end \xC3");

  OutputCap cut(3, 3);
  cut.append("\xFF\xFE-------\x80\x80\x80\xFF");  // continuation bytes then junk in the tail
  const std::string text = cut.text();
  CHECK(spool::is_valid_utf8(text));
  CHECK(text.find("bytes elided") != std::string::npos);
}

TEST_CASE("output cap: a zero tail keeps only the head", "[engine][tools]") {
  OutputCap cap(3, 0);
  cap.append("abcdef");
  CHECK(cap.held_bytes() == 3);
  CHECK(cap.text() == "abc\n[... 3 bytes elided ...]\n");
}
