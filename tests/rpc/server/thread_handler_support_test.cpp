#include "rpc/server/thread_handler_support.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace spool::rpc {
namespace {

using eventstore::ThreadSortKey;
const std::string kId = "01a20c34-df29-7a10-bf06-4abfc2a67fc2";

TEST_CASE("list cursors round-trip and are tied to their sort key", "[cursor]") {
  const eventstore::ThreadListPosition at{1795501124087, kId};
  const std::string c = encode_list_cursor(ThreadSortKey::CreatedAt, at);
  auto back = decode_list_cursor(c, ThreadSortKey::CreatedAt);
  REQUIRE(back);
  CHECK(back.value().key_ms == at.key_ms);
  CHECK(back.value().id == at.id);

  auto other = decode_list_cursor(c, ThreadSortKey::UpdatedAt);
  REQUIRE_FALSE(other);
  CHECK_THAT(other.error(), Catch::Contains("made for sortKey created_at"));
}

TEST_CASE("malformed list cursors are refused with the field named", "[cursor]") {
  for (const std::string& bad : std::vector<std::string>{"", "garbage-cursor", "v1.c.", "v1.c.12", "v1.x.12." + kId, "v1.c.12x." + kId,
        "v1.c.12.not-a-uuid", "v2.c.12." + kId, "2026-11-24T06:18:44Z|" + kId}) {
    auto r = decode_list_cursor(bad, ThreadSortKey::CreatedAt);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error(), Catch::StartsWith("params.cursor:"));
  }
}

TEST_CASE("turn cursors round-trip; malformed ones are refused", "[cursor]") {
  auto r = decode_turn_cursor(encode_turn_cursor(42));
  REQUIRE(r);
  CHECK(r.value() == 42);
  for (const char* bad : {"", "t1.", "t1.-1", "t1.x", "v1.c.1", "t1.1.2"}) {
    INFO(bad);
    CHECK_FALSE(decode_turn_cursor(bad));
  }
}

TEST_CASE("page sizes default and clamp", "[limit]") {
  CHECK(page_limit(std::nullopt) == 25);
  CHECK(page_limit(0u) == 1);
  CHECK(page_limit(7u) == 7);
  CHECK(page_limit(100u) == 100);
  CHECK(page_limit(101u) == 100);
  CHECK(page_limit(4000000000u) == 100);
}

TEST_CASE("thread ids must be UUIDs", "[ids]") {
  CHECK_FALSE(check_thread_id(kId));
  auto bad = check_thread_id("not-a-uuid");
  REQUIRE(bad);
  CHECK(bad->code == -32602);
  CHECK_THAT(bad->message, Catch::Contains("params.threadId: expected a UUID, got \"not-a-uuid\""));
}

TEST_CASE("store errors keep their meaning on the wire", "[errors]") {
  using eventstore::StoreError;
  using eventstore::StoreErrorCode;
  CHECK(store_failure(StoreError{StoreErrorCode::NotFound, "x", 0}, kId).code == -32004);
  CHECK(store_failure(StoreError{StoreErrorCode::Conflict, "has forks", 0}, kId).code == -32009);
  const auto full = store_failure(StoreError{StoreErrorCode::DiskFull, "database or disk is full", 0});
  CHECK(full.code == -32010);
  CHECK_THAT(full.message, Catch::Contains("Disk full"));
  CHECK(full.data["reason"] == "diskFull");
}

}  // namespace
}  // namespace spool::rpc
