#include "rpc/server/db_executor.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "support/temp_dir.h"

namespace spool::rpc {
namespace {

// Stands in for the loop: posted tasks queue up and run on the test's thread.
struct FakeLoop {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<DbExecutor::Task> tasks;

  DbExecutor::Poster poster() {
    return [this](DbExecutor::Task t) {
      {
        std::lock_guard lock(mu);
        tasks.push_back(std::move(t));
      }
      cv.notify_all();
    };
  }
  // Runs posted tasks until `n` have run.
  void run(std::size_t n) {
    for (std::size_t done = 0; done < n; ++done) {
      std::unique_lock lock(mu);
      REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !tasks.empty(); }));
      auto t = std::move(tasks.front());
      tasks.pop_front();
      lock.unlock();
      t();
    }
  }
};

TEST_CASE("db executor: writes run in order on the writer, results come back on the loop",
          "[executor]") {
  spool::test::TempDir dir;
  FakeLoop loop;
  auto ex = DbExecutor::open({(dir.path() / "x.db").string(), 2, {}}, loop.poster());
  REQUIRE(ex);
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) {
    ex.value()->write<int>(
        [i](eventstore::Store& s) {
          eventstore::NewEvent e;
          e.kind = "event_msg";
          e.payload = R"({"type":"x"})";
          auto r = s.append("01a20c34-df29-7a10-bf06-4abfc2a67fc2", std::nullopt, std::span(&e, 1));
          return r ? static_cast<int>(r.value().last_seq) * 100 + i : -1;
        },
        [&order, loop_thread](int v) {
          CHECK(std::this_thread::get_id() == loop_thread);
          order.push_back(v);
        });
  }
  loop.run(20);
  REQUIRE(order.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(order[static_cast<std::size_t>(i)] == (i + 1) * 100 + i);

  std::atomic<int> seen{0};
  ex.value()->read<std::int64_t>(
      [](eventstore::Store& s) {
        auto st = s.stats();
        return st ? st.value().events : -1;
      },
      [&seen](std::int64_t n) { seen = static_cast<int>(n); });
  loop.run(1);
  CHECK(seen == 20);
  ex.value()->shutdown();
}

TEST_CASE("db executor: a job that throws never calls done; what done held dies on the loop",
          "[executor]") {
  spool::test::TempDir dir;
  FakeLoop loop;
  auto ex = DbExecutor::open({(dir.path() / "x.db").string(), 1, {}}, loop.poster());
  REQUIRE(ex);
  struct Probe {
    std::thread::id* destroyed_on;
    ~Probe() { *destroyed_on = std::this_thread::get_id(); }
  };
  std::thread::id destroyed_on;
  bool called = false;
  {
    auto probe = std::make_shared<Probe>(Probe{&destroyed_on});
    ex.value()->read<int>([](eventstore::Store&) -> int { throw std::runtime_error("boom"); },
                          [&called, probe](int) { called = true; });
  }
  loop.run(1);  // the task that drops `done`
  CHECK_FALSE(called);
  CHECK(destroyed_on == std::this_thread::get_id());
  ex.value()->shutdown();
}

TEST_CASE("db executor: shutdown finishes the jobs already submitted", "[executor]") {
  spool::test::TempDir dir;
  FakeLoop loop;
  auto ex = DbExecutor::open({(dir.path() / "x.db").string(), 2, {}}, loop.poster());
  REQUIRE(ex);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    ex.value()->read<int>([&ran](eventstore::Store&) { return ++ran; }, [](int) {});
  }
  ex.value()->shutdown();
  CHECK(ran == 50);
  // Jobs after shutdown are dropped.
  ex.value()->read<int>([&ran](eventstore::Store&) { return ++ran; }, [](int) {});
  CHECK(ran == 50);
}

TEST_CASE("db executor: a database from a newer Spool is refused at open", "[executor]") {
  spool::test::TempDir dir;
  const auto path = (dir.path() / "x.db").string();
  {
    auto s = eventstore::Store::open(path);
    REQUIRE(s);
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 999");
  }
  FakeLoop loop;
  auto ex = DbExecutor::open({path, 1, {}}, loop.poster());
  REQUIRE_FALSE(ex);
  CHECK(ex.error().code == eventstore::StoreErrorCode::NewerSchema);
}

}  // namespace
}  // namespace spool::rpc
