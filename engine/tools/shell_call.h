// The model's `shell` tool call: decoding its arguments, rendering the command for people
// and back, and the text the model gets as the call's output. The live turn and the
// replay of a stored history (engine/history_input.h) use the same functions, so the model
// sees a command the same way in both.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace spool::engine {

// The arguments of a `shell` call: {"command": [string, ...], "workdir": string|null,
// "timeout_ms": integer|null} (responses_request.h's shell_tool()).
struct ShellCallArgs {
  std::vector<std::string> command;        // argv, non-empty
  std::optional<std::string> workdir;      // absolute, or relative to the thread's cwd
  std::optional<std::int64_t> timeout_ms;  // > 0
};

// Decodes the call's `arguments` JSON text. The error is a sentence for the model, naming the
// field ("shell: `command` must be a non-empty array of strings"). Strict about the known
// fields: `command` non-empty, every element a string without NUL, command[0] not empty;
// `workdir` a string (possibly empty) or null/absent; `timeout_ms` an integer > 0 (not
// 1000.0) or null/absent. Keys it does not know are ignored.
Result<ShellCallArgs, std::string> parse_shell_call(std::string_view arguments_json);

// argv as one POSIX shell command line, each argument quoted only when it needs it
// ("sh -c 'echo hi > out.txt'"). shell_split(shell_join(argv)) == argv for every argv, and
// sh/bash run the line with exactly argv. An argument is left bare when it is non-empty
// ASCII letters, digits and _-./:,+@%= (no '=' in the first word: it would be an
// assignment); otherwise it is single-quoted, ' written as '\''.
std::string shell_join(const std::vector<std::string>& argv);
// Splits a command line as a POSIX shell would split words (single quotes, double quotes
// with backslash escapes of $ ` " \ and newline, backslash outside quotes, backslash-newline
// removed); words are separated by spaces, tabs and newlines. No expansion, and operators
// are not recognized: "a;b" is one word. A trailing lone backslash is kept as a character.
// nullopt for an unterminated quote.
std::optional<std::vector<std::string>> shell_split(std::string_view line);

// The function_call_output text of a command that ran:
//   "Exit code: 0\nWall time: 0.1 seconds\nOutput:\n<output>"
std::string command_output_for_model(int exit_code, std::int64_t duration_ms,
                                     std::string_view output);
// ... of a command the user declined.
inline constexpr std::string_view kDeclinedOutput =
    "The user declined to run this command. Do not run it again; continue without it.";
// ... of a command that never ran (refused by the sandbox, could not be spawned, bad
// arguments): "Command not run: <reason>".
std::string command_not_run_for_model(std::string_view reason);
// ... of a call whose turn ended (interrupted) before it had an output.
inline constexpr std::string_view kAbortedOutput = "Command aborted: the turn was interrupted.";

}  // namespace spool::engine
