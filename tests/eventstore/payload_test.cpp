#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

TEST_CASE("invalid UTF-8 inside a payload is stored as U+FFFD", "[eventstore][payload]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  NewEvent e = test::event_msg("exec_command_end", "\"stdout\":\"bad \xff\xfe bytes \xed\xa0\x80\"");
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{e}).ok());
  const auto got = test::all_events(*store, "t").at(0);
  const auto j = nlohmann::json::parse(got.payload);  // valid JSON, valid UTF-8 now
  const std::string out = j.at("stdout");
  CHECK(out.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(out.rfind("bad ", 0) == 0);
  CHECK(out.find(" bytes ") != std::string::npos);
}

TEST_CASE("a payload that is not JSON fails the append, naming thread and seq",
          "[eventstore][payload]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{test::event_msg("user_message")}).ok());
  for (const std::string& bad : {std::string("{\"type\":\"x\""), std::string("not json"),
                                std::string(""), std::string("{} trailing")}) {
    NewEvent good = test::event_msg("agent_message");
    NewEvent broken = test::event_msg("agent_message");
    broken.payload = bad;
    auto r = store->append("t", 1, std::vector<NewEvent>{good, broken});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == StoreErrorCode::InvalidEvent);
    CHECK_THAT(r.error().message, Catch::Contains("thread t"));
    CHECK_THAT(r.error().message, Catch::Contains("seq 3"));
  }
  CHECK(test::all_events(*store, "t").size() == 1);  // the good event of each batch was not kept
}

TEST_CASE("a 16 MiB payload is stored and read back whole", "[eventstore][payload]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  std::string big(16u << 20, 'z');
  for (std::size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  NewEvent e = test::event_msg("exec_command_end", "\"stdout\":\"" + big + "\"");
  REQUIRE(e.payload.size() > (16u << 20));
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{e}).ok());
  const auto got = test::all_events(*store, "t");
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload.size() == e.payload.size());
  CHECK(got[0].payload == e.payload);
}
