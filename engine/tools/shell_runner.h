// ShellRunner: runs one command as a child process on a libuv loop, for the model's shell tool.
//
// The child gets its own session and process group (so a kill reaches everything it started),
// stdin from /dev/null, and stdout / stderr through pipes whose chunks are reported as they
// arrive. A timeout or cancel() ends it with SIGTERM to the group, then SIGKILL after a grace
// period. The outcome (exit code or signal, flags, duration, capped output) is reported once.
// Nothing here blocks the loop. This file knows nothing of approvals, items or JSON-RPC: the
// turn engine decides what to run and what to do with the output.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/tools/output_cap.h"

struct uv_loop_s;

namespace spool::engine {

enum class OutputStream { Stdout, Stderr };

struct ShellCommand {
  // argv[0] is looked up in PATH; no shell is involved unless argv names one (sh -c ...).
  std::vector<std::string> argv;
  // Working directory; empty means the server's own. A directory that does not exist is an
  // error (ShellError::Kind::MissingCwd) and nothing is spawned.
  std::string cwd;
  // Set on top of the server's environment (a key given here replaces the inherited value).
  std::map<std::string, std::string> env;
  // Time the command may run before it is killed; zero or negative means no limit.
  std::chrono::milliseconds timeout{10'000};
  // After SIGTERM (timeout, cancel), how long before SIGKILL. Also how long to wait, after the
  // child exited, for pipes still held open by its background children before killing them.
  std::chrono::milliseconds kill_grace{2'000};
  // Limits of the OutputCaps in ShellExit.
  std::size_t head_bytes = OutputCap::kDefaultHeadBytes;
  std::size_t tail_bytes = OutputCap::kDefaultTailBytes;
};

// How a command that was spawned ended.
struct ShellExit {
  std::optional<int> exit_code;  // set when the process exited on its own terms
  std::optional<int> signal;     // set when a signal ended it (then exit_code is unset)
  bool timed_out = false;        // killed because the timeout expired
  bool cancelled = false;        // killed because cancel() was called
  std::int64_t duration_ms = 0;  // from start() to the outcome
  OutputCap stdout_output;
  OutputCap stderr_output;
  OutputCap aggregated_output;  // stdout and stderr interleaved in arrival order

  // The shell convention: the exit code, or 128 + signal. -1 if neither is known.
  int effective_exit_code() const;
};

// Why a command could not be run at all.
struct ShellError {
  enum class Kind {
    InvalidCommand,  // empty argv, or an argument with a NUL byte
    MissingCwd,      // cwd does not exist or is not a directory
    SpawnFailed,     // uv_spawn failed: no such program, permission denied, ...
  };
  Kind kind;
  std::string message;  // says what failed and why (uv_strerror for SpawnFailed)
  int uv_error = 0;     // the libuv error code, for SpawnFailed
};

using ShellOutcome = Result<ShellExit, ShellError>;

struct ShellCallbacks {
  // Each chunk read from the child's stdout or stderr, in order per stream, as raw bytes.
  // `bytes` is valid only during the call. May be empty (no output reporting).
  std::function<void(OutputStream stream, std::string_view bytes)> on_output;
  // The outcome, exactly once per start() (unless the runner is destroyed first), always
  // asynchronously (never from inside start()), after the process has exited, both pipes
  // reached EOF or were closed, and every libuv handle of the runner has been closed.
  std::function<void(ShellOutcome outcome)> on_done;
};

// Lifetime: the caller owns the ShellRunner; the libuv handles live in a private state that
// frees itself once they are closed, so the runner may be destroyed at any time, including
// from inside on_output or on_done. Destroying it while the command runs sends SIGKILL to the
// process group and drops the callbacks (on_done is then never called); the loop must keep
// running until the handles have closed, as for any libuv handle.
//
// Threading: everything, callbacks included, happens on the loop's thread.
class ShellRunner {
 public:
  // `loop` must outlive every handle this runner opens (i.e. run until they are closed).
  explicit ShellRunner(uv_loop_s* loop);
  ~ShellRunner();
  ShellRunner(const ShellRunner&) = delete;
  ShellRunner& operator=(const ShellRunner&) = delete;

  // Starts `command`. Errors (bad argv, missing cwd, spawn failure) arrive through on_done.
  // REQUIRES: start() was not called before on this runner (one command per runner).
  void start(ShellCommand command, ShellCallbacks callbacks);

  // Kills the running command (SIGTERM to its group, SIGKILL after kill_grace); the outcome
  // says cancelled. No effect before start(), after the outcome, or once a kill is under way.
  void cancel();

  // True between start() and on_done.
  bool running() const;

  // The child's pid (also its process group id) while it runs, else 0.
  int pid() const;

 private:
  class State;
  State* state_;  // owned jointly with the open libuv handles; see the lifetime note above
};

}  // namespace spool::engine
