// `spool import` and `spool export` end to end through the binary.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "support/run_process.h"
#include "support/temp_dir.h"

using spool::test::run_shell;
using spool::test::shell_quote;

namespace {
std::string spool_cmd(const spool::test::TempDir& home, const std::string& args) {
  return "SPOOL_HOME=" + shell_quote(home.path().string()) + " CODEX_HOME=" +
         shell_quote((home.path() / "no-codex").string()) + " " + shell_quote(SPOOL_BINARY) + " " +
         args;
}
const std::string kData = SPOOL_TEST_DATA;
}  // namespace

TEST_CASE("spool import reads a Codex home and prints a summary; a second run adds nothing",
          "[app][import]") {
  spool::test::TempDir home;
  const std::string codex = kData + "/codex-0.169.0/codex_home";
  auto r = run_shell(spool_cmd(home, "import --codex-home " + shell_quote(codex)));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("files      4 seen, 4 read, 0 unchanged, 0 failed"));
  CHECK_THAT(r.out, Catch::Contains("threads    4 new, 0 updated"));
  CHECK_THAT(r.out, Catch::Contains("events     111"));
  CHECK_THAT(r.out, Catch::Contains("skipped    nothing"));
  CHECK_THAT(r.out, Catch::Contains("MB/s"));

  auto again = run_shell(spool_cmd(home, "import --codex-home " + shell_quote(codex)));
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("files      4 seen, 0 read, 4 unchanged, 0 failed"));
  CHECK_THAT(again.out, Catch::Contains("events     0"));

  auto doctor = run_shell(spool_cmd(home, "doctor"));
  CHECK_THAT(doctor.out, Catch::Contains("threads         4"));
}

TEST_CASE("spool import without a Codex home says where it looked", "[app][import]") {
  spool::test::TempDir home;
  auto r = run_shell(spool_cmd(home, "import"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("no-codex is not a directory"));
}

TEST_CASE("spool export writes a thread to stdout or a file, and --all the Codex layout",
          "[app][export]") {
  spool::test::TempDir home;
  const std::string file = kData +
                           "/codex-0.169.0/codex_home/sessions/2026/11/24/"
                           "rollout-2026-11-24T06-18-43-01a20c34-e7cb-79f0-b670-586e2dbb49af.jsonl";
  REQUIRE(run_shell(spool_cmd(home, "import " + shell_quote(file))).exit_code == 0);

  auto out = run_shell(spool_cmd(home, "export 01a20c34-e7cb-79f0-b670-586e2dbb49af"));
  REQUIRE(out.exit_code == 0);
  std::istringstream exported(out.out);
  std::ifstream original(file);
  std::string a, b;
  int lines = 0;
  while (std::getline(original, a)) {
    REQUIRE(std::getline(exported, b));
    CHECK(nlohmann::json::parse(a) == nlohmann::json::parse(b));
    ++lines;
  }
  CHECK_FALSE(std::getline(exported, b));
  CHECK(lines == 36);

  auto to_file = run_shell(spool_cmd(home, "export 01a20c34-e7cb-79f0-b670-586e2dbb49af --out " +
                                               shell_quote(home.file("t.jsonl"))));
  CHECK(to_file.exit_code == 0);
  CHECK(spool::test::read_file(home.file("t.jsonl")) == out.out);

  auto all = run_shell(spool_cmd(home, "export --all --to " + shell_quote(home.file("codex"))));
  CHECK(all.exit_code == 0);
  CHECK(std::filesystem::exists(home.path() / "codex/sessions/2026/11/24/"
                                              "rollout-2026-11-24T06-18-43-01a20c34-e7cb-79f0-b670-586e2dbb49af.jsonl"));

  auto missing = run_shell(spool_cmd(home, "export no-such-thread"));
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("no thread no-such-thread"));
  auto usage = run_shell(spool_cmd(home, "export --all"));
  CHECK(usage.exit_code == 2);
}
