// command_safety: the known-safe list (what is on it, and the arguments that take a command
// off it), shell wrappers, and the verdict for every approval policy and sandbox mode.
#include "engine/tools/command_safety.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using spool::engine::check_command;
using spool::engine::CommandCheck;
using spool::engine::CommandVerdict;
using spool::engine::is_known_safe_command;
using spool::protocol::v2::AskForApproval;
using spool::protocol::v2::SandboxMode;
using Argv = std::vector<std::string>;

TEST_CASE("known-safe: read-only commands", "[engine][tools][safety]") {
  const Argv safe[] = {
      {"ls"},
      {"ls", "-la", "/etc"},
      {"cat", "README.md"},
      {"pwd"},
      {"echo", "hello", "world"},
      {"head", "-n", "5", "f"},
      {"tail", "-n", "5", "f"},
      {"wc", "-l", "f"},
      {"grep", "-rn", "TODO", "."},
      {"true"},
      {"which", "cmake"},
      {"find", ".", "-name", "*.cpp", "-type", "f"},
      {"find", ".", "-printf", "%p\n"},
      {"rg", "-n", "foo", "src"},
      {"rg", "--pre-glob", "*.gz", "foo"},
      {"rg", "--no-search-zip", "foo"},
      {"git", "status"},
      {"git", "status", "--short"},
      {"git", "log", "--oneline", "-n", "5"},
      {"git", "diff", "HEAD~1", "--stat"},
      {"git", "diff", "--output-indicator-new=+"},
      {"git", "show", "HEAD"},
      {"git", "branch"},
      {"git", "branch", "-a", "-vv"},
      {"git", "branch", "--show-current"},
      {"sed", "-n", "10p", "f"},
      {"sed", "-n", "1,20p", "f", "g"},
      {"sed", "-n", "5,$p", "f"},
      {"sed", "-n", "$p"},
  };
  for (const Argv& argv : safe) {
    INFO(argv.front() << (argv.size() > 1 ? " " + argv[1] : std::string()));
    CHECK(is_known_safe_command(argv));
  }
}

TEST_CASE("known-safe: commands and arguments that are not", "[engine][tools][safety]") {
  const Argv unsafe[] = {
      {},
      {""},
      {"rm", "-rf", "x"},
      {"touch", "f"},
      {"python3", "-c", "print(1)"},
      {"/bin/ls"},  // only bare names
      {"LS"},
      {"find", ".", "-delete"},
      {"find", ".", "-exec", "rm", "{}", ";"},
      {"find", ".", "-execdir", "true", ";"},
      {"find", ".", "-ok", "rm", "{}", ";"},
      {"find", ".", "-fprint", "out"},
      {"find", ".", "-fls", "out"},
      {"find", ".", "-fprintf", "out", "%p"},
      {"rg", "--pre", "sh", "foo"},
      {"rg", "--pre=sh", "foo"},
      {"rg", "--hostname-bin=x", "foo"},
      {"rg", "--search-zip", "foo"},
      {"rg", "-z", "foo"},
      {"rg", "-nz", "foo"},
      {"git"},
      {"git", "push"},
      {"git", "checkout", "main"},
      {"git", "-c", "core.pager=sh", "log"},
      {"git", "-C", "/tmp", "status"},
      {"git", "diff", "--output=patch.txt"},
      {"git", "log", "-p", "--output", "x"},
      {"git", "show", "--outp=x"},  // git takes unambiguous abbreviations
      {"git", "diff", "--ext-diff"},
      {"git", "diff", "--ext"},
      {"git", "log", "--textconv"},
      {"git", "branch", "new-branch"},
      {"git", "branch", "-d", "old"},
      {"git", "branch", "-D", "old"},
      {"git", "branch", "-m", "a", "b"},
      {"git", "branch", "--set-upstream-to=origin/main"},
      {"sed", "-i", "s/a/b/", "f"},
      {"sed", "s/a/b/", "f"},
      {"sed", "-n", "s/a/b/w out", "f"},
      {"sed", "-n", "1p;w out", "f"},
      {"sed", "-n", "p", "f"},
      {"sed", "-n", "1,p", "f"},
      {"sed", "-n", "1p", "-i", "f"},
      {"sed", "-n"},
  };
  for (const Argv& argv : unsafe) {
    std::string shown;
    for (const std::string& a : argv) shown += a + " ";
    INFO(shown);
    CHECK_FALSE(is_known_safe_command(argv));
  }
}

TEST_CASE("known-safe: shell wrappers around one plain command", "[engine][tools][safety]") {
  SECTION("safe") {
    for (const Argv& argv : std::vector<Argv>{{"bash", "-lc", "ls -la"},
                                              {"bash", "-c", "git status"},
                                              {"sh", "-c", "cat 'my file.txt'"},
                                              {"/bin/bash", "-lc", "rg -n \"foo bar\" src"},
                                              {"zsh", "-lc", "sed -n 1,5p f"},
                                              {"bash", "-lc", "  pwd  "}}) {
      INFO(argv[2]);
      CHECK(is_known_safe_command(argv));
    }
  }
  SECTION("not safe") {
    for (const Argv& argv : std::vector<Argv>{
             {"bash", "-lc", "rm -rf x"},
             {"bash", "-lc", "ls; rm -rf x"},
             {"bash", "-lc", "ls && rm x"},
             {"bash", "-lc", "ls || rm x"},
             {"bash", "-lc", "ls & rm x"},
             {"bash", "-lc", "cat f | sh"},
             {"bash", "-lc", "echo hi > f"},
             {"bash", "-lc", "echo hi >> f"},
             {"bash", "-lc", "cat < f"},
             {"bash", "-lc", "echo $(rm x)"},
             {"bash", "-lc", "echo `rm x`"},
             {"bash", "-lc", "echo \"$(rm x)\""},
             {"bash", "-lc", "echo $HOME"},
             {"bash", "-lc", "(rm x)"},
             {"bash", "-lc", "ls\nrm x"},
             {"bash", "-lc", "ls\rrm x"},
             {"bash", "-lc", "ls *"},
             {"bash", "-lc", "find . -name '*.cpp'"},  // quoted, still refused: raw check
             {"bash", "-lc", "ls {a,b}"},
             {"bash", "-lc", "ls ~"},
             {"bash", "-lc", "ls # comment"},
             {"bash", "-lc", "find . -delete"},
             {"bash", "-lc", "ls 'unterminated"},
             {"bash", "-lc", ""},
             {"bash", "-lc", "A=b ls"},
             {"bash", "-lc", "sh -c ls"},  // wrappers do not nest
             {"bash", "-lc", "bash -lc ls"},
             {"bash", "-x", "ls"},
             {"bash", "-lc", "ls", "extra"},
             {"bash", "ls"},
             {"python3", "-c", "ls"},
         }) {
      std::string shown;
      for (const std::string& a : argv) shown += "[" + a + "]";
      INFO(shown);
      CHECK_FALSE(is_known_safe_command(argv));
    }
  }
}

TEST_CASE("check_command: the verdict for each policy and sandbox", "[engine][tools][safety]") {
  const Argv safe = {"ls"};
  const Argv unsafe = {"touch", "f"};
  const SandboxMode all_sandboxes[] = {SandboxMode::ReadOnly, SandboxMode::WorkspaceWrite,
                                       SandboxMode::DangerFullAccess};
  const AskForApproval all_policies[] = {AskForApproval::Untrusted, AskForApproval::OnRequest,
                                         AskForApproval::Never};

  SECTION("known-safe commands always run") {
    for (AskForApproval policy : all_policies) {
      for (SandboxMode sandbox : all_sandboxes) {
        const CommandCheck check = check_command(safe, policy, sandbox, false);
        CHECK(check.verdict == CommandVerdict::Run);
        CHECK(check.reason.empty());
      }
    }
  }
  SECTION("a command approved for the session runs") {
    for (AskForApproval policy : all_policies) {
      for (SandboxMode sandbox : all_sandboxes) {
        CHECK(check_command(unsafe, policy, sandbox, true).verdict == CommandVerdict::Run);
      }
    }
  }
  SECTION("untrusted asks for every other command") {
    for (SandboxMode sandbox : all_sandboxes) {
      const CommandCheck check =
          check_command({"rm", "-rf", "x"}, AskForApproval::Untrusted, sandbox, false);
      CHECK(check.verdict == CommandVerdict::Ask);
      CHECK(check.reason ==
            "`rm -rf x` is not a known-safe command and the approval policy is untrusted");
    }
  }
  SECTION("on-request (which on-failure is read as) runs, but asks in read-only") {
    for (AskForApproval policy : {AskForApproval::OnRequest}) {
      CHECK(check_command(unsafe, policy, SandboxMode::WorkspaceWrite, false).verdict ==
            CommandVerdict::Run);
      CHECK(check_command(unsafe, policy, SandboxMode::DangerFullAccess, false).verdict ==
            CommandVerdict::Run);
      const CommandCheck check = check_command(unsafe, policy, SandboxMode::ReadOnly, false);
      CHECK(check.verdict == CommandVerdict::Ask);
      CHECK(check.reason == "sandbox is read-only and `touch f` may write");
    }
  }
  SECTION("never runs, but refuses in read-only") {
    CHECK(
        check_command(unsafe, AskForApproval::Never, SandboxMode::WorkspaceWrite, false).verdict ==
        CommandVerdict::Run);
    CHECK(check_command(unsafe, AskForApproval::Never, SandboxMode::DangerFullAccess, false)
              .verdict == CommandVerdict::Run);
    const CommandCheck check =
        check_command(unsafe, AskForApproval::Never, SandboxMode::ReadOnly, false);
    CHECK(check.verdict == CommandVerdict::Refuse);
    CHECK(check.reason ==
          "sandbox is read-only and `touch f` may write; the approval policy is never, so it "
          "cannot be approved");
  }
  SECTION("the reason quotes the command as shell_join does and cuts a long one") {
    const CommandCheck quoted =
        check_command({"bash", "-lc", "echo hi > f"}, AskForApproval::Untrusted,
                      SandboxMode::WorkspaceWrite, false);
    CHECK(quoted.reason ==
          "`bash -lc 'echo hi > f'` is not a known-safe command and the approval policy is "
          "untrusted");
    // 199 ASCII bytes then "€" (3 bytes) straddling the cut at 200: the cut backs up to
    // before the character.
    const CommandCheck long_check =
        check_command({"x" + std::string(197, 'a') + "€" + std::string(50, 'b')},
                      AskForApproval::Untrusted, SandboxMode::WorkspaceWrite, false);
    CHECK(long_check.reason == "`'x" + std::string(197, 'a') +
                                   "...` is not a known-safe command and the approval policy "
                                   "is untrusted");
  }
}
