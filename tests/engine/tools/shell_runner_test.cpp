// ShellRunner with a real libuv loop and real processes: output streaming, exit codes and
// signals, spawn and cwd errors, timeout and cancel (with the whole process group), large
// and invalid output, environment overrides, and every handle closed when on_done runs.
#include "engine/tools/shell_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <uv.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "support/temp_dir.h"

using spool::engine::OutputStream;
using spool::engine::ShellCommand;
using spool::engine::ShellError;
using spool::engine::ShellExit;
using spool::engine::ShellOutcome;
using spool::engine::ShellRunner;
using namespace std::chrono_literals;

namespace {

struct Run {
  std::vector<std::pair<OutputStream, std::string>> chunks;
  std::optional<ShellOutcome> outcome;
  int done_calls = 0;
  bool done_inside_start = false;
  std::int64_t wall_ms = 0;

  std::string joined(OutputStream s) const {
    std::string out;
    for (const auto& [stream, bytes] : chunks) {
      if (stream == s) out += bytes;
    }
    return out;
  }
  const ShellExit& exit() const {
    REQUIRE(outcome.has_value());
    REQUIRE(outcome->ok());
    return outcome->value();
  }
  const ShellError& error() const {
    REQUIRE(outcome.has_value());
    REQUIRE_FALSE(outcome->ok());
    return outcome->error();
  }
};

ShellCommand command(std::vector<std::string> argv) {
  ShellCommand c;
  c.argv = std::move(argv);
  return c;
}

ShellCommand sh(const std::string& script) { return command({"sh", "-c", script}); }

// Runs `cmd` on a fresh loop until the loop has nothing left; `on_chunk` may act on the runner
// (cancel it, destroy it). Checks that the loop closes cleanly (every handle closed).
Run run(ShellCommand cmd,
        std::function<void(std::unique_ptr<ShellRunner>&, const std::string&)> on_chunk = {}) {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Run r;
  auto runner = std::make_unique<ShellRunner>(&loop);
  bool in_start = true;
  const auto t0 = std::chrono::steady_clock::now();
  runner->start(std::move(cmd), {[&](OutputStream s, std::string_view bytes) {
                                   r.chunks.emplace_back(s, std::string(bytes));
                                   if (on_chunk) on_chunk(runner, std::string(bytes));
                                 },
                                 [&](ShellOutcome outcome) {
                                   ++r.done_calls;
                                   if (in_start) r.done_inside_start = true;
                                   r.outcome.emplace(std::move(outcome));
                                 }});
  in_start = false;
  uv_run(&loop, UV_RUN_DEFAULT);
  r.wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  if (runner) CHECK_FALSE(runner->running());
  runner.reset();
  CHECK(uv_run(&loop, UV_RUN_NOWAIT) == 0);
  CHECK(uv_loop_close(&loop) == 0);
  CHECK(r.done_calls <= 1);
  CHECK_FALSE(r.done_inside_start);
  return r;
}

// True once `pid` is gone or a zombie (dead, waiting for its new parent to reap it).
bool process_dead(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() &&
         (line[close + 2] == 'Z' || line[close + 2] == 'X');
}

bool wait_dead(int pid) {
  for (int i = 0; i < 300; ++i) {
    if (process_dead(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("shell runner: stdout and stderr arrive as chunks, in order per stream",
          "[engine][tools]") {
  auto r = run(sh("echo one; echo two >&2; echo three; echo four >&2"));
  REQUIRE(r.done_calls == 1);
  const auto& exit = r.exit();
  CHECK(exit.exit_code == 0);
  CHECK_FALSE(exit.signal);
  CHECK_FALSE(exit.timed_out);
  CHECK_FALSE(exit.cancelled);
  CHECK(r.joined(OutputStream::Stdout) == "one\nthree\n");
  CHECK(r.joined(OutputStream::Stderr) == "two\nfour\n");
  CHECK(exit.stdout_output.text() == "one\nthree\n");
  CHECK(exit.stderr_output.text() == "two\nfour\n");
  CHECK(exit.aggregated_output.total_bytes() == 19);
  CHECK(exit.duration_ms >= 0);
}

TEST_CASE("shell runner: argv runs without a shell", "[engine][tools]") {
  auto r = run(command({"echo", "$HOME", "a  b"}));
  CHECK(r.exit().exit_code == 0);
  CHECK(r.joined(OutputStream::Stdout) == "$HOME a  b\n");
}

TEST_CASE("shell runner: exit codes", "[engine][tools]") {
  CHECK(run(command({"true"})).exit().exit_code == 0);
  auto r = run(sh("exit 3"));
  CHECK(r.exit().exit_code == 3);
  CHECK_FALSE(r.exit().signal);
  CHECK(r.exit().effective_exit_code() == 3);
}

TEST_CASE("shell runner: a death by signal reports the signal", "[engine][tools]") {
  auto r = run(sh("kill -9 $$"));
  CHECK_FALSE(r.exit().exit_code);
  CHECK(r.exit().signal == SIGKILL);
  CHECK(r.exit().effective_exit_code() == 128 + SIGKILL);
  CHECK_FALSE(r.exit().timed_out);
}

TEST_CASE("shell runner: stdin is empty", "[engine][tools]") {
  auto r = run(command({"cat"}));
  CHECK(r.exit().exit_code == 0);
  CHECK(r.chunks.empty());
}

TEST_CASE("shell runner: a missing program is an error result", "[engine][tools]") {
  auto r = run(command({"spool-no-such-program-7f3a"}));
  REQUIRE(r.done_calls == 1);
  CHECK(r.error().kind == ShellError::Kind::SpawnFailed);
  CHECK(r.error().uv_error == UV_ENOENT);
  CHECK_THAT(r.error().message, Catch::Contains("spool-no-such-program-7f3a") &&
                                    Catch::Contains("no such file or directory"));
}

TEST_CASE("shell runner: a program without execute permission is an error result",
          "[engine][tools]") {
  spool::test::TempDir dir;
  const std::string path = dir.file("not-executable.sh");
  spool::test::write_file(path, "#!/bin/sh\necho hi\n");
  ::chmod(path.c_str(), 0644);
  auto r = run(command({path}));
  CHECK(r.error().kind == ShellError::Kind::SpawnFailed);
  CHECK(r.error().uv_error == UV_EACCES);
  CHECK_THAT(r.error().message, Catch::Contains("permission denied"));
}

TEST_CASE("shell runner: an empty argv is an error result", "[engine][tools]") {
  auto r = run(command({}));
  CHECK(r.error().kind == ShellError::Kind::InvalidCommand);
}

TEST_CASE("shell runner: cwd", "[engine][tools]") {
  SECTION("a missing directory is an error and nothing runs") {
    spool::test::TempDir dir;
    auto cmd = sh("touch ran");
    cmd.cwd = dir.file("missing");
    auto r = run(std::move(cmd));
    REQUIRE(r.done_calls == 1);
    CHECK(r.error().kind == ShellError::Kind::MissingCwd);
    CHECK_THAT(r.error().message, Catch::Contains(dir.file("missing")));
  }
  SECTION("an existing directory is the child's working directory") {
    spool::test::TempDir dir;
    auto cmd = sh("pwd -P; echo hi > out.txt");
    cmd.cwd = dir.path().string();
    auto r = run(std::move(cmd));
    CHECK(r.exit().exit_code == 0);
    CHECK(r.joined(OutputStream::Stdout) == std::filesystem::canonical(dir.path()).string() + "\n");
    CHECK(spool::test::read_file(dir.path() / "out.txt") == "hi\n");
  }
}

TEST_CASE("shell runner: the timeout ends the command with SIGTERM", "[engine][tools]") {
  auto cmd = command({"sleep", "30"});
  cmd.timeout = 300ms;
  cmd.kill_grace = 2000ms;
  auto r = run(std::move(cmd));
  CHECK(r.exit().timed_out);
  CHECK_FALSE(r.exit().cancelled);
  CHECK(r.exit().signal == SIGTERM);
  // libuv timers count whole milliseconds of a cached loop clock, so the timer may fire up to
  // 1 ms before 300 ms of real time have passed.
  CHECK(r.exit().duration_ms >= 299);
  CHECK(r.wall_ms < 300 + 2000 + 1000);
}

TEST_CASE("shell runner: a command that ignores SIGTERM gets SIGKILL after the grace",
          "[engine][tools]") {
  auto cmd = sh("trap '' TERM; echo ready; sleep 30; echo survived");
  cmd.timeout = 300ms;
  cmd.kill_grace = 500ms;
  auto r = run(std::move(cmd));
  CHECK(r.exit().timed_out);
  CHECK(r.exit().signal == SIGKILL);
  CHECK(r.exit().duration_ms >= 799);  // millisecond timer granularity, as above
  CHECK(r.wall_ms < 800 + 1500);
  CHECK(r.joined(OutputStream::Stdout) == "ready\n");
}

TEST_CASE("shell runner: cancel mid-run", "[engine][tools]") {
  auto r = run(sh("echo started; sleep 30; echo finished"),
               [](std::unique_ptr<ShellRunner>& runner, const std::string&) { runner->cancel(); });
  REQUIRE(r.done_calls == 1);
  CHECK(r.exit().cancelled);
  CHECK_FALSE(r.exit().timed_out);
  CHECK(r.exit().signal == SIGTERM);
  CHECK(r.joined(OutputStream::Stdout) == "started\n");
  CHECK(r.wall_ms < 2000);
}

TEST_CASE("shell runner: killing reaches the whole process group", "[engine][tools]") {
  int grandchild = 0;
  auto on_chunk = [&](std::unique_ptr<ShellRunner>& runner, const std::string& bytes) {
    grandchild = std::atoi(bytes.c_str());
    runner->cancel();
  };
  SECTION("cancel") {
    auto r = run(sh("sleep 100 & echo $!; wait"), on_chunk);
    CHECK(r.exit().cancelled);
  }
  SECTION("timeout, with the grandchild ignoring SIGTERM too") {
    auto cmd = sh("trap '' TERM; sleep 100 & echo $!; wait");
    cmd.timeout = 200ms;
    cmd.kill_grace = 300ms;
    auto r = run(std::move(cmd), [&](std::unique_ptr<ShellRunner>&, const std::string& bytes) {
      grandchild = std::atoi(bytes.c_str());
    });
    CHECK(r.exit().timed_out);
    CHECK(r.exit().signal == SIGKILL);
  }
  REQUIRE(grandchild > 0);
  CHECK(wait_dead(grandchild));
}

TEST_CASE("shell runner: a background child holding the pipes is killed after the grace",
          "[engine][tools]") {
  auto cmd = sh("sleep 100 & echo $!");  // sh exits at once; sleep keeps stdout open
  cmd.kill_grace = 300ms;
  int grandchild = 0;
  auto r = run(std::move(cmd), [&](std::unique_ptr<ShellRunner>&, const std::string& bytes) {
    grandchild = std::atoi(bytes.c_str());
  });
  CHECK(r.exit().exit_code == 0);
  CHECK(r.wall_ms < 2000);
  REQUIRE(grandchild > 0);
  CHECK(wait_dead(grandchild));
}

TEST_CASE("shell runner: large output is streamed whole and capped head and tail",
          "[engine][tools]") {
  auto r = run(sh("seq 1 1000000"));
  const auto& exit = r.exit();
  CHECK(exit.exit_code == 0);
  std::uint64_t expected_total = 0;
  for (int i = 1; i <= 1000000; ++i) expected_total += std::to_string(i).size() + 1;
  CHECK(exit.stdout_output.total_bytes() == expected_total);
  CHECK(exit.aggregated_output.total_bytes() == expected_total);
  CHECK(r.joined(OutputStream::Stdout).size() == expected_total);
  CHECK(exit.stdout_output.held_bytes() == 20480);
  const std::string text = exit.stdout_output.text();
  CHECK(text.rfind("1\n2\n3\n4\n", 0) == 0);
  REQUIRE(text.size() > 15);
  CHECK(text.substr(text.size() - 15) == "999999\n1000000\n");
  CHECK_THAT(text, Catch::Contains("\n[... " + std::to_string(expected_total - 20480) +
                                   " bytes elided ...]\n"));
}

TEST_CASE("shell runner: 5 MB of output keeps the exact count", "[engine][tools]") {
  auto r = run(sh("head -c 5000000 /dev/zero | tr '\\0' 'a'"));
  CHECK(r.exit().stdout_output.total_bytes() == 5'000'000);
  CHECK(r.exit().stdout_output.text() ==
        std::string(10240, 'a') + "\n[... 4979520 bytes elided ...]\n" + std::string(10240, 'a'));
}

TEST_CASE("shell runner: invalid UTF-8 is passed through raw and repaired in text()",
          "[engine][tools]") {
  auto r = run(sh("printf 'ok \\377 \\303\\050 end'"));
  CHECK(r.joined(OutputStream::Stdout) == "ok \xFF \xC3( end");
  const std::string text = r.exit().stdout_output.text();
  CHECK(spool::is_valid_utf8(text));
  CHECK(text == "ok \xEF\xBF\xBD \xEF\xBF\xBD( end");
}

TEST_CASE("shell runner: env overrides are visible to the child", "[engine][tools]") {
  ::setenv("SPOOL_SHELL_TEST_INHERITED", "inherited", 1);
  ::setenv("SPOOL_SHELL_TEST_OVERRIDDEN", "old", 1);
  auto cmd =
      sh("printf '%s,%s,%s' \"$SPOOL_SHELL_TEST_INHERITED\" \"$SPOOL_SHELL_TEST_OVERRIDDEN\" "
         "\"$SPOOL_SHELL_TEST_NEW\"; env | grep -c '^SPOOL_SHELL_TEST_OVERRIDDEN=' >&2");
  cmd.env = {{"SPOOL_SHELL_TEST_OVERRIDDEN", "new"}, {"SPOOL_SHELL_TEST_NEW", "added"}};
  auto r = run(std::move(cmd));
  CHECK(r.joined(OutputStream::Stdout) == "inherited,new,added");
  CHECK(r.joined(OutputStream::Stderr) == "1\n");
  ::unsetenv("SPOOL_SHELL_TEST_INHERITED");
  ::unsetenv("SPOOL_SHELL_TEST_OVERRIDDEN");
}

TEST_CASE("shell runner: destroying the runner mid-run kills the command, no on_done",
          "[engine][tools]") {
  int pid = 0;
  auto r = run(sh("echo started; sleep 30"),
               [&](std::unique_ptr<ShellRunner>& runner, const std::string&) {
                 pid = runner->pid();
                 runner.reset();
               });
  CHECK(r.done_calls == 0);
  CHECK(r.wall_ms < 2000);
  REQUIRE(pid > 0);
  CHECK(wait_dead(pid));
}

TEST_CASE("shell runner: the runner may be destroyed inside on_done", "[engine][tools]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  auto runner = std::make_unique<ShellRunner>(&loop);
  int done = 0;
  runner->start(command({"true"}), {{}, [&](ShellOutcome outcome) {
                                      ++done;
                                      CHECK(outcome.ok());
                                      runner.reset();
                                    }});
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(done == 1);
  CHECK_FALSE(runner);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("shell runner: cancel after the outcome does nothing", "[engine][tools]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    ShellRunner runner(&loop);
    runner.cancel();  // before start: nothing
    int done = 0;
    runner.start(command({"true"}), {{}, [&](ShellOutcome) { ++done; }});
    CHECK(runner.running());
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(done == 1);
    CHECK_FALSE(runner.running());
    runner.cancel();
    CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0);
    CHECK(done == 1);
  }
  CHECK(uv_loop_close(&loop) == 0);
}
