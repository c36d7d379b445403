// The known-safe list and the approval rules. The list errs on the side of asking: a
// command is known-safe only when every argument is one this file understands.
#include "engine/tools/command_safety.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "engine/tools/shell_call.h"

namespace spool::engine {
namespace {

namespace v2 = protocol::v2;
using Argv = std::vector<std::string>;

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// `arg` is a long option (`--name` or `--name=<value>`) that could mean one of `unsafe`: its
// name is one of them or, as git accepts unambiguous abbreviations, a prefix of one.
template <std::size_t N>
bool is_unsafe_long_option(std::string_view arg, const std::array<std::string_view, N>& unsafe) {
  if (arg.size() <= 2 || arg.substr(0, 2) != "--") return false;
  const std::string_view name = arg.substr(0, arg.find('='));
  return std::any_of(unsafe.begin(), unsafe.end(),
                     [&](std::string_view u) { return u.substr(0, name.size()) == name; });
}

// Programs that only read and print, whatever their arguments.
constexpr std::array<std::string_view, 14> kAlwaysSafe = {
    "basename", "cat", "echo", "false", "grep", "head",  "ls",
    "nl",       "pwd", "tail", "true",  "wc",   "which", "whoami"};

// find's actions that run programs or write files.
constexpr std::array<std::string_view, 9> kUnsafeFindArgs = {
    "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"};

bool is_safe_find(const Argv& argv) {
  return std::none_of(argv.begin() + 1, argv.end(),
                      [](const std::string& a) { return one_of(a, kUnsafeFindArgs); });
}

// rg runs other programs with --pre and --hostname-bin, and decompressors with -z.
bool is_safe_rg(const Argv& argv) {
  constexpr std::array<std::string_view, 3> kUnsafe = {"--pre", "--hostname-bin", "--search-zip"};
  return std::none_of(argv.begin() + 1, argv.end(), [&](const std::string& a) {
    if (is_unsafe_long_option(a, kUnsafe)) return true;
    // A cluster of short options (-nz); a value glued to one (-ezip) is caught too, which
    // only makes the check stricter.
    return a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find('z') != std::string::npos;
  });
}

// git status / log / diff / show, without options that write a file or run a program, and
// git branch with listing options only (a bare name would create a branch). Options before
// the subcommand (-c, -C, --git-dir, ...) are not accepted: -c can configure a program to run.
bool is_safe_git(const Argv& argv) {
  if (argv.size() < 2) return false;
  const std::string_view sub = argv[1];
  if (sub == "status" || sub == "log" || sub == "diff" || sub == "show") {
    constexpr std::array<std::string_view, 3> kUnsafe = {"--output", "--ext-diff", "--textconv"};
    return std::none_of(argv.begin() + 2, argv.end(),
                        [&](const std::string& a) { return is_unsafe_long_option(a, kUnsafe); });
  }
  if (sub == "branch") {
    constexpr std::array<std::string_view, 10> kListing = {
        "-a",  "--all",     "-r", "--remotes",      "-v",
        "-vv", "--verbose", "-l", "--show-current", "--no-color"};
    return std::all_of(argv.begin() + 2, argv.end(),
                       [&](const std::string& a) { return one_of(a, kListing); });
  }
  return false;
}

// sed -n with one script of print commands (`10p`, `1,20p`, `5,$p`) and file names.
bool is_safe_sed(const Argv& argv) {
  if (argv.size() < 3 || argv[1] != "-n") return false;
  const std::string_view script = argv[2];
  if (script.size() < 2 || script.back() != 'p') return false;
  const std::string_view address = script.substr(0, script.size() - 1);
  const std::size_t comma = address.find(',');
  auto is_line = [](std::string_view s) {
    return s == "$" || (!s.empty() && std::all_of(s.begin(), s.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; }));
  };
  const bool address_ok = comma == std::string_view::npos ? is_line(address)
                                                          : is_line(address.substr(0, comma)) &&
                                                                is_line(address.substr(comma + 1));
  if (!address_ok) return false;
  return std::none_of(argv.begin() + 3, argv.end(),
                      [](const std::string& a) { return a.empty() || a[0] == '-'; });
}

bool is_safe_plain(const Argv& argv) {
  if (argv.empty()) return false;
  const std::string_view program = argv[0];
  if (one_of(program, kAlwaysSafe)) return true;
  if (program == "find") return is_safe_find(argv);
  if (program == "rg") return is_safe_rg(argv);
  if (program == "git") return is_safe_git(argv);
  if (program == "sed") return is_safe_sed(argv);
  return false;
}

// The script of `bash -lc <script>` / `sh -c <script>` (and zsh, and their /bin paths), or
// nullptr when argv is not such a wrapper.
const std::string* wrapped_script(const Argv& argv) {
  constexpr std::array<std::string_view, 7> kShells = {
      "bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/usr/bin/bash", "/bin/zsh"};
  if (argv.size() != 3 || !one_of(argv[0], kShells)) return nullptr;
  if (argv[1] != "-c" && argv[1] != "-lc") return nullptr;
  return &argv[2];
}

// Bytes that make a script more than one plain command: operators, redirections,
// expansions, globs, comments, grouping, and line breaks. Checked on the raw script, quotes
// or not, which refuses some harmless scripts (grep 'a|b') and never misses a real one.
constexpr std::string_view kShellSpecial = ";&|<>$`()\n\r*?[]{}~#!^";

bool is_safe_script(const std::string& script) {
  if (script.find_first_of(kShellSpecial) != std::string::npos) return false;
  // One level only: a wrapper inside (`bash -lc "sh -c ls"`) is not a plain safe command.
  const auto words = shell_split(script);
  return words && is_safe_plain(*words);
}

// The command for a reason sentence, cut short (at a character boundary) when long.
std::string quoted_for_reason(const Argv& argv) {
  constexpr std::size_t kMax = 200;
  std::string joined = shell_join(argv);
  if (joined.size() <= kMax) return "`" + joined + "`";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(joined[cut]) & 0xC0) == 0x80) --cut;
  joined.resize(cut);
  return "`" + joined + "...`";
}

}  // namespace

bool is_known_safe_command(const std::vector<std::string>& argv) {
  if (const std::string* script = wrapped_script(argv)) return is_safe_script(*script);
  return is_safe_plain(argv);
}

CommandCheck check_command(const std::vector<std::string>& argv, v2::AskForApproval policy,
                           v2::SandboxMode sandbox, bool approved_for_session) {
  if (approved_for_session || is_known_safe_command(argv)) return {CommandVerdict::Run, ""};
  const std::string command = quoted_for_reason(argv);
  if (policy == v2::AskForApproval::Untrusted) {
    return {CommandVerdict::Ask,
            command + " is not a known-safe command and the approval policy is untrusted"};
  }
  if (sandbox != v2::SandboxMode::ReadOnly) return {CommandVerdict::Run, ""};
  const std::string may_write = "sandbox is read-only and " + command + " may write";
  if (policy == v2::AskForApproval::Never) {
    return {CommandVerdict::Refuse,
            may_write + "; the approval policy is never, so it cannot be approved"};
  }
  return {CommandVerdict::Ask, may_write};
}

}  // namespace spool::engine
