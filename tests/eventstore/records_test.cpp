// The store's account-wide records: rate-limit snapshots (history, newest per limit,
// unchanged snapshots not stored again, survival across reopen) and feedback reports.
#include <catch2/catch.hpp>
#include <string>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

namespace {
RateLimitRecord snapshot(std::int64_t at, const std::string& limit, int used) {
  return {
      at, limit,
      R"({"limitId":")" + limit + R"(","primary":{"usedPercent":)" + std::to_string(used) + "}}"};
}
}  // namespace

TEST_CASE("rate limits: the newest per limit is served and survives a reopen",
          "[eventstore][records]") {
  test::TempDir dir;
  {
    auto store = test::open_store(dir.file("spool.db"));
    auto latest = store->latest_rate_limits();
    REQUIRE(latest.ok());
    CHECK(latest.value().empty());
    CHECK(store->record_rate_limits(snapshot(1000, "codex", 10)).value());
    CHECK(store->record_rate_limits(snapshot(2000, "codex", 20)).value());
    CHECK(store->record_rate_limits(snapshot(1500, "other", 5)).value());
  }
  auto store = test::open_store(dir.file("spool.db"));
  auto latest = store->latest_rate_limits();
  REQUIRE(latest.ok());
  REQUIRE(latest.value().size() == 2);
  CHECK(latest.value()[0].limit_id == "codex");
  CHECK(latest.value()[0].observed_at_ms == 2000);
  CHECK(latest.value()[0].snapshot_json.find("20") != std::string::npos);
  CHECK(latest.value()[1].limit_id == "other");
  auto history = store->rate_limit_history("codex", 10);
  REQUIRE(history.ok());
  REQUIRE(history.value().size() == 2);
  CHECK(history.value()[0].observed_at_ms == 2000);  // newest first
  CHECK(history.value()[1].observed_at_ms == 1000);
}

TEST_CASE("rate limits: an unchanged snapshot is not stored again", "[eventstore][records]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  CHECK(store->record_rate_limits(snapshot(1000, "codex", 10)).value());
  CHECK_FALSE(store->record_rate_limits(snapshot(2000, "codex", 10)).value());
  CHECK(store->record_rate_limits(snapshot(3000, "codex", 11)).value());
  CHECK(store->record_rate_limits(snapshot(4000, "codex", 10)).value());  // changed back
  CHECK(store->rate_limit_history("codex", 100).value().size() == 3);
}

TEST_CASE("feedback: stored, read back, upload recorded", "[eventstore][records]") {
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  FeedbackRecord r;
  r.id = "0194a000-0000-7000-8000-000000000001";
  r.created_at_ms = 1234;
  r.thread_id = "t1";
  r.classification = "bug";
  r.reason = "it broke";
  r.tags_json = R"({"k":"v"})";
  r.upload_url = "http://127.0.0.1:1/feedback";
  r.upload = FeedbackUpload::Pending;
  REQUIRE(store->add_feedback(r).ok());
  auto dup = store->add_feedback(r);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == StoreErrorCode::InvalidArgument);

  auto got = store->feedback(r.id);
  REQUIRE(got.ok());
  REQUIRE(got.value());
  CHECK(got.value()->classification == "bug");
  CHECK(got.value()->reason == "it broke");
  CHECK(got.value()->thread_id == "t1");
  CHECK(got.value()->tags_json == R"({"k":"v"})");
  CHECK_FALSE(got.value()->logs);
  CHECK(got.value()->upload == FeedbackUpload::Pending);

  REQUIRE(store->set_feedback_upload(r.id, FeedbackUpload::Failed, "HTTP 500", std::nullopt).ok());
  got = store->feedback(r.id);
  CHECK(got.value()->upload == FeedbackUpload::Failed);
  CHECK(got.value()->upload_error == "HTTP 500");
  auto missing = store->set_feedback_upload("nope", FeedbackUpload::Uploaded, std::nullopt, 1);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == StoreErrorCode::NotFound);
  CHECK_FALSE(store->feedback("nope").value());
}
