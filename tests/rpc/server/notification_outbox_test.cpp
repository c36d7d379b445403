#include "rpc/server/notification_outbox.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace spool::rpc {
namespace {

// A connection whose queue size the test sets.
class FakeConnection final : public Connection {
 public:
  void send(std::string line) override { sent.push_back(std::move(line)); }
  std::size_t queued_bytes() const override { return queued; }
  void close() override {}
  const std::string& peer() const override { return name; }

  std::vector<std::string> sent;
  std::size_t queued = 0;
  std::string name = "fake";
};

TEST_CASE("outbox: sends at once while the connection keeps up", "[outbox]") {
  FakeConnection c;
  NotificationOutbox box(c);
  box.push("k", "a\n");
  box.push("k", "b\n");
  CHECK(c.sent == std::vector<std::string>{"a\n", "b\n"});
  CHECK(box.held() == 0);
}

TEST_CASE("outbox: holds while congested, keeps the newest per key, flushes in order", "[outbox]") {
  FakeConnection c;
  NotificationOutbox box(c);
  c.queued = kHighWatermarkBytes + 1;
  box.push("name:1", "name1-old\n");
  box.push("archive:1", "archived\n");
  box.push("name:1", "name1-new\n");
  box.push("", "unkeyed\n");
  box.push("", "delta\n", /*droppable=*/true);
  CHECK(c.sent.empty());
  CHECK(box.held() == 3);
  CHECK(box.dropped() == 1);

  c.queued = 0;
  box.flush();
  CHECK(c.sent == std::vector<std::string>{"name1-new\n", "archived\n", "unkeyed\n"});
  CHECK(box.held() == 0);
}

TEST_CASE("outbox: a notification waits behind held ones even when the queue has room", "[outbox]") {
  FakeConnection c;
  NotificationOutbox box(c);
  c.queued = kHighWatermarkBytes + 1;
  box.push("a", "first\n");
  c.queued = 0;  // drained, but flush() has not run yet
  box.push("b", "second\n");
  CHECK(c.sent.empty());
  box.flush();
  CHECK(c.sent == std::vector<std::string>{"first\n", "second\n"});
}

TEST_CASE("outbox: flush stops when the connection is congested again", "[outbox]") {
  struct Filling final : public Connection {
    void send(std::string line) override {
      sent.push_back(line);
      queued += kHighWatermarkBytes + 1;  // every line fills the queue
    }
    std::size_t queued_bytes() const override { return queued; }
    void close() override {}
    const std::string& peer() const override { return name; }
    std::vector<std::string> sent;
    std::size_t queued = kHighWatermarkBytes + 1;
    std::string name = "filling";
  } c;
  NotificationOutbox box(c);
  box.push("a", "1\n");
  box.push("b", "2\n");
  c.queued = 0;
  box.flush();
  CHECK(c.sent.size() == 1);
  CHECK(box.held() == 1);
}

}  // namespace
}  // namespace spool::rpc
