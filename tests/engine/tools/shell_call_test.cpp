// shell_call: argument decoding (and its sentences for the model), POSIX quoting both ways
// (checked against itself and against real sh and bash), and the outputs the model reads.
#include "engine/tools/shell_call.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "support/temp_dir.h"

using spool::engine::command_not_run_for_model;
using spool::engine::command_output_for_model;
using spool::engine::parse_shell_call;
using spool::engine::shell_join;
using spool::engine::shell_split;
using Argv = std::vector<std::string>;

namespace {

// Pieces the generated arguments are made of: every quoting hazard, and UTF-8.
const std::vector<std::string> kPieces = {
    "a",  "Z",  "0", "-",  "_",  ".",  "/",    "=", ":",     ",", "+", "@", "%", " ", "  ",  "\t",
    "\n", "\r", "'", "''", "\"", "\\", "\\\\", "$", "$HOME", "`", ";", "&", "|", ">", "<",   "(",
    ")",  "*",  "?", "[",  "]",  "{",  "}",    "~", "#",     "!", "^", "é", "€", "😀", "日本"};

Argv random_argv(std::mt19937& rng) {
  std::uniform_int_distribution<int> words(0, 6);
  std::uniform_int_distribution<int> length(0, 6);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  Argv argv(static_cast<std::size_t>(words(rng)));
  for (std::string& w : argv) {
    const int n = length(rng);
    for (int i = 0; i < n; ++i) w += kPieces[piece(rng)];
  }
  return argv;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  REQUIRE(pclose(p) == 0);
  return out;
}

// Runs every line through `shell` (as `printf '%s\0' MARK <line>`, one per argv) and
// returns the words each line produced.
std::vector<Argv> words_by_shell(const std::string& shell, const std::vector<std::string>& lines) {
  spool::test::TempDir dir;
  std::string script = "M=$(printf '\\001')\n";
  for (const std::string& line : lines) script += "printf '%s\\0' \"$M\" " + line + "\n";
  spool::test::write_file(dir.file("script.sh"), script);
  const std::string out = run(shell + " " + dir.file("script.sh"));

  std::vector<Argv> result;
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t nul = out.find('\0', start);
    REQUIRE(nul != std::string::npos);
    std::string word = out.substr(start, nul - start);
    if (word == "\001") {
      result.emplace_back();
    } else {
      REQUIRE_FALSE(result.empty());
      result.back().push_back(std::move(word));
    }
    start = nul + 1;
  }
  return result;
}

}  // namespace

TEST_CASE("parse_shell_call: reads command, workdir and timeout_ms", "[engine][tools][shell]") {
  auto full =
      parse_shell_call(R"({"command": ["ls", "-la", ""], "workdir": "src", "timeout_ms": 1500})");
  REQUIRE(full.ok());
  CHECK(full->command == Argv{"ls", "-la", ""});
  CHECK(full->workdir == "src");
  CHECK(full->timeout_ms == 1500);

  SECTION("workdir and timeout_ms may be null or absent") {
    for (const char* text : {R"({"command": ["pwd"]})",
                             R"({"command": ["pwd"], "workdir": null, "timeout_ms": null})"}) {
      auto args = parse_shell_call(text);
      REQUIRE(args.ok());
      CHECK(args->command == Argv{"pwd"});
      CHECK_FALSE(args->workdir.has_value());
      CHECK_FALSE(args->timeout_ms.has_value());
    }
  }
  SECTION("unknown keys are ignored") {
    auto args = parse_shell_call(R"({"command": ["pwd"], "justification": "look", "timeout": 5})");
    REQUIRE(args.ok());
    CHECK(args->command == Argv{"pwd"});
    CHECK_FALSE(args->timeout_ms.has_value());  // "timeout" is not an alias
  }
  SECTION("the largest int64 timeout is accepted") {
    auto args = parse_shell_call(R"({"command": ["pwd"], "timeout_ms": 9223372036854775807})");
    REQUIRE(args.ok());
    CHECK(args->timeout_ms == INT64_MAX);
  }
}

TEST_CASE("parse_shell_call: errors are sentences naming the field", "[engine][tools][shell]") {
  struct Case {
    const char* json;
    const char* error_has;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"command\": [\"ls\"]", "not valid JSON"},
      {"[\"ls\"]", "must be a JSON object"},
      {"\"ls\"", "must be a JSON object"},
      {"{}", "`command` is required"},
      {R"({"command": null})", "`command` is required"},
      {R"({"command": "ls -la"})", "`command` must be an array of strings (argv), not a string"},
      {R"({"command": []})", "`command` must be a non-empty array of strings"},
      {R"({"command": {"0": "ls"}})", "`command` must be a non-empty array of strings"},
      {R"({"command": ["ls", 1]})", "`command[1]` must be a string"},
      {R"({"command": ["ls", null]})", "`command[1]` must be a string"},
      {R"({"command": [""]})", "`command[0]` must name the program to run"},
      {R"({"command": ["ls", "a\u0000b"]})", "`command[1]` must not contain a NUL character"},
      {R"({"command": ["ls"], "workdir": 3})", "`workdir` must be a string or null"},
      {R"({"command": ["ls"], "workdir": "a\u0000"})", "`workdir` must not contain a NUL"},
      {R"({"command": ["ls"], "timeout_ms": 0})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": -5})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": 1000.0})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": 1.5})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": "1000"})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": true})", "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": 9223372036854775808})",
       "`timeout_ms` must be a positive integer"},
      {R"({"command": ["ls"], "timeout_ms": 1e30})", "`timeout_ms` must be a positive integer"},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    auto args = parse_shell_call(c.json);
    REQUIRE_FALSE(args.ok());
    CHECK_THAT(args.error(), Catch::StartsWith("shell: ") && Catch::Contains(c.error_has));
  }
}

TEST_CASE("shell_join: quotes only the words that need it", "[engine][tools][shell]") {
  CHECK(shell_join({}) == "");
  CHECK(shell_join({"ls", "-la", "src/main.cpp"}) == "ls -la src/main.cpp");
  CHECK(shell_join({"sh", "-c", "echo hi > out.txt"}) == "sh -c 'echo hi > out.txt'");
  CHECK(shell_join({"echo", ""}) == "echo ''");
  CHECK(shell_join({"echo", "it's"}) == R"(echo 'it'\''s')");
  CHECK(shell_join({"echo", "a\nb"}) == "echo 'a\nb'");
  CHECK(shell_join({"echo", "$HOME", "*", "~", "#"}) == "echo '$HOME' '*' '~' '#'");
  CHECK(shell_join({"echo", "héllo"}) == "echo 'héllo'");
  SECTION("'=' is bare in arguments but quoted in the first word") {
    CHECK(shell_join({"git", "config", "a=b"}) == "git config a=b");
    CHECK(shell_join({"A=b", "ls"}) == "'A=b' ls");
  }
}

TEST_CASE("shell_split: POSIX word splitting without expansion", "[engine][tools][shell]") {
  CHECK(shell_split("") == Argv{});
  CHECK(shell_split(" \t\n ") == Argv{});
  CHECK(shell_split("  ls   -la\tsrc\n") == Argv{"ls", "-la", "src"});
  CHECK(shell_split(R"(a "b c" 'd e' f\ g)") == Argv{"a", "b c", "d e", "f g"});
  CHECK(shell_split(R"(a'b'"c"d)") == Argv{"abcd"});
  CHECK(shell_split(R"('' "")") == Argv{"", ""});
  CHECK(shell_split(R"('a\b' "a\b")") == Argv{R"(a\b)", R"(a\b)"});
  CHECK(shell_split(R"("\$ \` \" \\ \x")") == Argv{R"($ ` " \ \x)"});
  CHECK(shell_split(R"('it'\''s')") == Argv{"it's"});
  CHECK(shell_split(R"(\'\"\\)") == Argv{R"('"\)"});
  CHECK(shell_split("a;b | c $X") == Argv{"a;b", "|", "c", "$X"});
  SECTION("backslash-newline is removed, inside double quotes too") {
    CHECK(shell_split("a\\\nb") == Argv{"ab"});
    CHECK(shell_split("a \\\n b") == Argv{"a", "b"});
    CHECK(shell_split("\"a\\\nb\"") == Argv{"ab"});
    CHECK(shell_split("'a\\\nb'") == Argv{"a\\\nb"});
  }
  SECTION("a trailing backslash is kept") { CHECK(shell_split(R"(a b\)") == Argv{"a", "b\\"}); }
  SECTION("unterminated quotes") {
    CHECK_FALSE(shell_split("'abc").has_value());
    CHECK_FALSE(shell_split("echo \"abc").has_value());
    CHECK_FALSE(shell_split(R"("abc\")").has_value());
    CHECK_FALSE(shell_split(R"('it\'s')").has_value());
  }
}

TEST_CASE("shell_split(shell_join(argv)) == argv over generated argvs", "[engine][tools][shell]") {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 5000; ++i) {
    const Argv argv = random_argv(rng);
    const std::string line = shell_join(argv);
    INFO("line: " << line);
    const auto back = shell_split(line);
    REQUIRE(back.has_value());
    REQUIRE(*back == argv);
  }
}

TEST_CASE("sh and bash run shell_join(argv) with exactly argv", "[engine][tools][shell]") {
  std::mt19937 rng(7);
  std::vector<Argv> argvs = {{}, {""}, {"it's", "\"q\"", "a\nb", "$HOME", "*", "~x", "#c"}};
  for (int i = 0; i < 300; ++i) argvs.push_back(random_argv(rng));
  std::vector<std::string> lines;
  for (const Argv& argv : argvs) lines.push_back(shell_join(argv));
  for (const char* shell : {"/bin/sh", "bash"}) {
    INFO(shell);
    const std::vector<Argv> got = words_by_shell(shell, lines);
    REQUIRE(got.size() == argvs.size());
    for (std::size_t i = 0; i < argvs.size(); ++i) {
      INFO("line: " << lines[i]);
      CHECK(got[i] == argvs[i]);
    }
  }
}

TEST_CASE("shell_split splits as sh and bash do", "[engine][tools][shell]") {
  // Lines of words, quotes and backslashes only: no operators, expansions or comments, whose
  // meaning shell_split does not model.
  const std::vector<std::string> pieces = {"a",  "b", "é",  " ",    "\t",   "'",   "\"",
                                           "\\", "x", "''", "\"\"", "\\\"", "\\'", "\\\\"};
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 12);
  std::vector<std::string> lines;
  std::vector<Argv> expected;
  while (lines.size() < 300) {
    std::string line;
    for (int n = length(rng); n > 0; --n) line += pieces[piece(rng)];
    auto words = shell_split(line);
    if (!words) continue;                                // the shell would read past the line
    if (!line.empty() && line.back() == '\\') continue;  // would join the next line
    lines.push_back(line);
    expected.push_back(*words);
  }
  for (const char* shell : {"/bin/sh", "bash"}) {
    INFO(shell);
    const std::vector<Argv> got = words_by_shell(shell, lines);
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      INFO("line: " << lines[i]);
      CHECK(got[i] == expected[i]);
    }
  }
}

TEST_CASE("outputs for the model", "[engine][tools][shell]") {
  CHECK(command_output_for_model(0, 120, "hi\n") ==
        "Exit code: 0\nWall time: 0.1 seconds\nOutput:\nhi\n");
  CHECK(command_output_for_model(2, 0, "") == "Exit code: 2\nWall time: 0.0 seconds\nOutput:\n");
  CHECK(command_output_for_model(1, 49, "x") == "Exit code: 1\nWall time: 0.0 seconds\nOutput:\nx");
  CHECK(command_output_for_model(1, 50, "x") == "Exit code: 1\nWall time: 0.1 seconds\nOutput:\nx");
  CHECK(command_output_for_model(-1, 61'949, "") ==
        "Exit code: -1\nWall time: 61.9 seconds\nOutput:\n");
  CHECK(command_output_for_model(0, 61'950, "") ==
        "Exit code: 0\nWall time: 62.0 seconds\nOutput:\n");
  CHECK(command_output_for_model(0, -5, "") == "Exit code: 0\nWall time: 0.0 seconds\nOutput:\n");
  CHECK(command_not_run_for_model("sandbox is read-only") ==
        "Command not run: sandbox is read-only");
}
