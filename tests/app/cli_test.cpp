// End-to-end tests of the `spool` command line: runs the real binary.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "support/run_process.h"
#include "support/temp_dir.h"

using spool::test::run_shell;
using spool::test::shell_quote;

namespace {
std::string spool_cmd(const spool::test::TempDir& home, const std::string& args) {
  return "SPOOL_HOME=" + shell_quote(home.path().string()) + " " + shell_quote(SPOOL_BINARY) +
         " " + args;
}
}  // namespace

TEST_CASE("spool --help lists the commands", "[app]") {
  spool::test::TempDir home;
  auto r = run_shell(spool_cmd(home, "--help"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("doctor"));
  auto d = run_shell(spool_cmd(home, "doctor --help"));
  CHECK(d.exit_code == 0);
  CHECK_THAT(d.out, Catch::Contains("--db"));
}

TEST_CASE("unknown commands and options are errors", "[app]") {
  spool::test::TempDir home;
  auto cmd = run_shell(spool_cmd(home, "frobnicate"));
  CHECK(cmd.exit_code != 0);
  CHECK_THAT(cmd.err, Catch::Contains("frobnicate"));
  auto opt = run_shell(spool_cmd(home, "doctor --no-such-option"));
  CHECK(opt.exit_code != 0);
  CHECK_THAT(opt.err, Catch::Contains("--no-such-option"));
  auto none = run_shell(spool_cmd(home, ""));
  CHECK(none.exit_code != 0);
}

TEST_CASE("spool doctor creates the default database under SPOOL_HOME and reports it", "[app]") {
  spool::test::TempDir home;
  auto r = run_shell(spool_cmd(home, "doctor"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains((home.path() / "spool.db").string()));
  // The file is at the version this binary writes, whatever that is.
  CHECK(std::regex_search(r.out, std::regex(R"(schema version  (\d+) \(this spool writes \1\))")));
  CHECK_THAT(r.out, Catch::Contains("threads         0"));
  CHECK_THAT(r.out, Catch::Contains("events          0"));
  CHECK_THAT(r.out, Catch::Contains("integrity       ok"));
  CHECK_THAT(r.out, Catch::Contains("policy          extended"));
  CHECK_THAT(r.out, Catch::Contains("journal         wal, synchronous full"));
  CHECK(std::filesystem::exists(home.path() / "spool.db"));
}

TEST_CASE("spool doctor --db on a file that is not a database fails clearly", "[app]") {
  spool::test::TempDir home;
  const std::string path = home.file("notes.txt");
  spool::test::write_file(path, std::string(5000, 'n'));
  auto r = run_shell(spool_cmd(home, "doctor --db " + shell_quote(path)));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains(path));
  CHECK_THAT(r.err, Catch::Contains("not a spool database"));
  CHECK(r.out.empty());
}

TEST_CASE("spool generate-json-schema and generate-ts write their files", "[app]") {
  spool::test::TempDir home;
  auto schema = run_shell(spool_cmd(home, "generate-json-schema --out " + shell_quote(home.file("schema"))));
  INFO(schema.err);
  REQUIRE(schema.exit_code == 0);
  CHECK(std::filesystem::exists(home.path() / "schema/spool_app_server_protocol.schemas.json"));
  CHECK(std::filesystem::exists(home.path() / "schema/ClientRequest.json"));
  CHECK(std::filesystem::exists(home.path() / "schema/v2/ThreadListParams.json"));
  auto ts = run_shell(spool_cmd(home, "generate-ts --out " + shell_quote(home.file("ts"))));
  REQUIRE(ts.exit_code == 0);
  CHECK(std::filesystem::exists(home.path() / "ts/index.ts"));
  CHECK(std::filesystem::exists(home.path() / "ts/v2/Thread.ts"));
  auto missing_out = run_shell(spool_cmd(home, "generate-ts"));
  CHECK(missing_out.exit_code == 2);
  CHECK_THAT(missing_out.err, Catch::Contains("--out"));
}
