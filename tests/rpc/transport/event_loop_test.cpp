// EventLoop: post() from other threads (all run, in each thread's order), functions posted
// during shutdown still run, posts after run() returned are dropped, and SIGTERM / SIGINT
// reach the shutdown callback once without keeping the loop alive.
#include "rpc/transport/event_loop.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>
#include <vector>

using spool::rpc::EventLoop;

TEST_CASE("transport: event loop: post from several threads runs everything in each thread's order",
          "[transport]") {
  EventLoop loop;
  constexpr int kThreads = 4, kPerThread = 2500;
  std::vector<std::vector<int>> seen(kThreads);  // loop thread only
  int total = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        loop.post([&, t, i] {
          seen[t].push_back(i);
          if (++total == kThreads * kPerThread) loop.stop();
        });
      }
    });
  }
  loop.run();
  for (auto& th : threads) th.join();
  CHECK(total == kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(seen[t].size() == kPerThread);
    for (int i = 0; i < kPerThread; ++i) REQUIRE(seen[t][i] == i);
  }
}

TEST_CASE(
    "transport: event loop: functions posted before run() returns are run; later ones dropped",
    "[transport]") {
  EventLoop loop;
  std::vector<std::string> order;
  loop.post([&] { order.push_back("posted before run"); });
  loop.post([&] {
    order.push_back("stop");
    loop.stop();
    loop.post([&] {
      order.push_back("posted after stop");
      loop.post([&] { order.push_back("posted by a drained function"); });
    });
  });
  loop.run();
  CHECK(order == std::vector<std::string>{"posted before run", "stop", "posted after stop",
                                          "posted by a drained function"});
  bool ran = false;
  std::thread late([&] { loop.post([&] { ran = true; }); });
  late.join();
  CHECK_FALSE(ran);
}

TEST_CASE("transport: event loop: destroyed without run()", "[transport]") {
  EventLoop loop;
  bool ran = false;
  loop.post([&] { ran = true; });
  loop.on_shutdown_signal([] {});
  CHECK_FALSE(ran);  // and the destructor closes its handles cleanly (ASan checks the rest)
}

TEST_CASE("transport: event loop: SIGTERM and SIGINT reach the shutdown callback", "[transport]") {
  for (int signum : {SIGTERM, SIGINT}) {
    INFO("signal " << signum);
    EventLoop loop;
    int calls = 0;
    loop.on_shutdown_signal([&] {
      ++calls;
      loop.stop();  // the unref'd signal handles must not keep run() from returning
    });
    loop.post([signum] { std::raise(signum); });
    loop.run();
    CHECK(calls == 1);
  }
}

TEST_CASE("transport: event loop: signal handles do not keep the loop alive", "[transport]") {
  EventLoop loop;
  loop.on_shutdown_signal([] {});
  loop.post([&] { loop.stop(); });
  loop.run();  // returns although the signal watchers were never triggered
  SUCCEED();
}
