// LineFramer: lines split at every byte boundary, CRLF, blank lines, oversized lines
// (reported once, skipped without buffering, framing resumes), NUL bytes, EOF handling.
#include "rpc/line_framer.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using spool::rpc::LineFramer;

namespace {

struct Collector {
  std::vector<std::string> lines;
  int overflows = 0;
  LineFramer framer;
  explicit Collector(std::size_t max = LineFramer::kDefaultMaxLineBytes)
      : framer([this](std::string_view l) { lines.emplace_back(l); },
               [this] {
                 ++overflows;
                 lines.emplace_back("<overflow>");
               },
               max) {}
};

}  // namespace

TEST_CASE("line framer: lines split at every byte boundary", "[rpc]") {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n  \n{\"c\":3}\n";
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      Collector c;
      c.framer.feed(std::string_view(stream).substr(0, cut1));
      c.framer.feed(std::string_view(stream).substr(cut1, cut2 - cut1));
      c.framer.feed(std::string_view(stream).substr(cut2));
      c.framer.finish();
      INFO("cuts at " << cut1 << " and " << cut2);
      REQUIRE(c.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
    }
  }
}

TEST_CASE("line framer: one byte per feed", "[rpc]") {
  const std::string stream = "first\r\nsecond\nthird\r\n";
  Collector c;
  for (char ch : stream) c.framer.feed(std::string_view(&ch, 1));
  CHECK(c.lines == std::vector<std::string>{"first", "second", "third"});
  CHECK(c.framer.buffered_bytes() == 0);
}

TEST_CASE("line framer: CRLF, lone CR kept inside, blank lines skipped", "[rpc]") {
  Collector c;
  c.framer.feed("a\r\n\r\n\n \t\r\nb\rc\r\nd\r\r\n");
  // Only one trailing '\r' is stripped; a '\r' inside a line is kept.
  CHECK(c.lines == std::vector<std::string>{"a", "b\rc", "d\r"});
}

TEST_CASE("line framer: many lines in one feed", "[rpc]") {
  std::string stream;
  for (int i = 0; i < 10000; ++i) stream += "{\"n\":" + std::to_string(i) + "}\n";
  Collector c;
  c.framer.feed(stream);
  REQUIRE(c.lines.size() == 10000);
  CHECK(c.lines.front() == "{\"n\":0}");
  CHECK(c.lines.back() == "{\"n\":9999}");
  CHECK(c.framer.buffered_bytes() == 0);
}

TEST_CASE("line framer: embedded NUL bytes are kept", "[rpc]") {
  Collector c;
  const std::string line("a\0b\0", 4);
  c.framer.feed(line + "\n" + std::string("x\0", 2));
  c.framer.feed(std::string("y\n", 2));
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0] == line);
  CHECK(c.lines[1] == std::string("x\0y", 3));
}

TEST_CASE("line framer: an oversized line is reported once, then the next line arrives", "[rpc]") {
  constexpr std::size_t kMax = 16;
  SECTION("in one feed") {
    Collector c(kMax);
    c.framer.feed(std::string(100, 'x') + "\n{\"ok\":true}\n");
    CHECK(c.lines == std::vector<std::string>{"<overflow>", "{\"ok\":true}"});
  }
  SECTION("in small chunks, memory bounded by the cap") {
    Collector c(kMax);
    const std::string stream = "short\n" + std::string(1000, 'y') + "\r\n{\"ok\":true}\n";
    std::size_t most = 0;
    for (std::size_t i = 0; i < stream.size(); i += 3) {
      c.framer.feed(std::string_view(stream).substr(i, 3));
      most = std::max(most, c.framer.buffered_bytes());
      REQUIRE(c.framer.buffered_bytes() <= kMax);
    }
    CHECK(most > 0);
    CHECK(c.overflows == 1);
    CHECK(c.lines == std::vector<std::string>{"short", "<overflow>", "{\"ok\":true}"});
  }
  SECTION("reported as soon as the cap is passed, before the newline") {
    Collector c(kMax);
    c.framer.feed(std::string(kMax + 1, 'z'));
    CHECK(c.overflows == 1);
    CHECK(c.framer.discarding());
    CHECK(c.framer.buffered_bytes() == 0);
    c.framer.feed(std::string(5000, 'z'));
    CHECK(c.overflows == 1);
    CHECK(c.framer.buffered_bytes() == 0);
    c.framer.feed("zz\nnext\n");
    CHECK(c.lines == std::vector<std::string>{"<overflow>", "next"});
  }
  SECTION("a line of exactly the cap passes; one byte more does not") {
    Collector c(kMax);
    c.framer.feed(std::string(kMax, 'a') + "\n" + std::string(kMax + 1, 'b') + "\nend\n");
    CHECK(c.lines == std::vector<std::string>{std::string(kMax, 'a'), "<overflow>", "end"});
  }
  SECTION("an oversized last line at EOF is reported once and not delivered") {
    Collector c(kMax);
    c.framer.feed(std::string(kMax + 5, 'q'));
    c.framer.finish();
    CHECK(c.lines == std::vector<std::string>{"<overflow>"});
    c.framer.feed("again\n");  // finish() reset the framer
    CHECK(c.lines == std::vector<std::string>{"<overflow>", "again"});
  }
}

TEST_CASE("line framer: a 1 MiB line under the cap, fed in 4 KiB reads", "[rpc]") {
  Collector c(2u << 20);
  std::string big(1u << 20, 'm');
  big[12345] = '\0';
  const std::string stream = big + "\r\n";
  for (std::size_t i = 0; i < stream.size(); i += 4096)
    c.framer.feed(std::string_view(stream).substr(i, 4096));
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] == big);
  CHECK(c.overflows == 0);
}

TEST_CASE("line framer: finish() delivers a last line without newline", "[rpc]") {
  Collector c;
  c.framer.feed("one\ntwo");
  CHECK(c.lines == std::vector<std::string>{"one"});
  c.framer.finish();
  CHECK(c.lines == std::vector<std::string>{"one", "two"});
  c.framer.finish();  // nothing pending: nothing more
  CHECK(c.lines.size() == 2);
  SECTION("a trailing CR or blank remainder is handled like any line") {
    c.framer.feed("three\r");
    c.framer.finish();
    c.framer.feed("   ");
    c.framer.finish();
    CHECK(c.lines == std::vector<std::string>{"one", "two", "three"});
  }
}
