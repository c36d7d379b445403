#include "base/uuid.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"

using spool::is_uuid;
using spool::new_uuid_v7;
using spool::uuid_v7_time_ms;

TEST_CASE("a new UUIDv7 is lowercase 8-4-4-4-12 hex", "[base]") {
  const std::string id = new_uuid_v7();
  REQUIRE(id.size() == 36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    INFO("position " << i << " of " << id);
    if (i == 8 || i == 13 || i == 18 || i == 23)
      CHECK(id[i] == '-');
    else
      CHECK(((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')));
  }
  CHECK(is_uuid(id));
}

TEST_CASE("a new UUIDv7 carries version 7 and the RFC 9562 variant", "[base]") {
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_uuid_v7();
    INFO(id);
    CHECK(id[14] == '7');
    CHECK((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
  }
}

TEST_CASE("10000 ids are unique and strictly increasing", "[base]") {
  std::vector<std::string> ids;
  ids.reserve(10000);
  for (int i = 0; i < 10000; ++i) ids.push_back(new_uuid_v7());
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (!(ids[i - 1] < ids[i])) FAIL("not increasing: " << ids[i - 1] << " then " << ids[i]);
  }
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
}

TEST_CASE("ids made on several threads are all unique", "[base]") {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i)
        made[static_cast<std::size_t>(t)].push_back(new_uuid_v7());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : made) {
    for (std::size_t i = 1; i < v.size(); ++i) CHECK(v[i - 1] < v[i]);  // per thread, in order
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_CASE("a UUIDv7's timestamp is the time it was made", "[base]") {
  const std::int64_t before = spool::now_ms();
  const std::string id = new_uuid_v7();
  const std::int64_t after = spool::now_ms();
  const auto t = uuid_v7_time_ms(id);
  REQUIRE(t);
  // The timestamp may run ahead of the clock by a few ms when the counter overflows.
  CHECK(*t >= before);
  CHECK(*t <= after + 1000);
}

TEST_CASE("uuid_v7_time_ms reads the first 48 bits and needs version 7", "[base]") {
  CHECK(uuid_v7_time_ms("017f22e2-79b0-7cc3-98c4-dc0c0c07398f") == 0x017F22E279B0);  // RFC 9562 A.6
  CHECK(uuid_v7_time_ms("017F22E2-79B0-7CC3-98C4-DC0C0C07398F") == 0x017F22E279B0);
  CHECK(uuid_v7_time_ms("00000000-0000-7000-8000-000000000000") == 0);
  CHECK_FALSE(uuid_v7_time_ms("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));  // version 1
  CHECK_FALSE(uuid_v7_time_ms("017f22e2-79b0-7cc3-c8c4-dc0c0c07398f"));  // variant 110
  CHECK_FALSE(uuid_v7_time_ms("not a uuid"));
}

TEST_CASE("is_uuid accepts the canonical form in any case", "[base]") {
  CHECK(is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  CHECK(is_uuid("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"));
  CHECK(is_uuid("F81d4fAE-7dec-11D0-a765-00a0c91e6bf6"));
  CHECK(is_uuid("00000000-0000-0000-0000-000000000000"));
}

TEST_CASE("is_uuid rejects everything else", "[base]") {
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf"));    // 35 chars
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf60"));  // 37 chars
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bfg"));   // non-hex
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf "));   // space
  CHECK_FALSE(is_uuid("f81d4fae7-dec-11d0-a765-00a0c91e6bf6"));   // hyphen moved
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a76500a0-c91e6bf6"));   // hyphen moved
  CHECK_FALSE(is_uuid("f81d4fae-7dec-11d0-a765000a0c91e6bf6"));   // hyphen missing
  CHECK_FALSE(is_uuid("f81d4fae7dec11d0a76500a0c91e6bf6"));       // no hyphens
  CHECK_FALSE(is_uuid("{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}"));
  CHECK_FALSE(is_uuid("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
}
