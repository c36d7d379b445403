// ShellRunner on libuv: one uv_process_t (detached: the child calls setsid(), so its pid is
// also its process group id), two uv_pipe_t for stdout and stderr, and one uv_timer_t that
// serves in turn as the timeout, the SIGTERM → SIGKILL grace, and the pipe drain deadline.
//
// The State outlives the ShellRunner when needed: it is deleted when both the owner has let go
// (detach) and every handle's close callback has run.
#include "engine/tools/shell_runner.h"

#include <signal.h>
#include <sys/types.h>
#include <uv.h>

#include <array>
#include <filesystem>
#include <system_error>
#include <utility>

#include "fmt/format.h"

extern char** environ;  // NOLINT: POSIX

namespace spool::engine {

int ShellExit::effective_exit_code() const {
  if (exit_code) return *exit_code;
  if (signal) return 128 + *signal;
  return -1;
}

class ShellRunner::State {
 public:
  explicit State(uv_loop_t* loop) : loop_(loop) {}

  void start(ShellCommand command, ShellCallbacks callbacks);
  void cancel();
  void detach();  // the ShellRunner is gone: no more callbacks, free once the handles close
  bool running() const { return started_ && !finished_; }
  int pid() const { return started_ && !exited_ ? pid_ : 0; }

 private:
  enum class TimerPhase { Idle, Timeout, Grace, Drain };
  static constexpr std::size_t kReadBufferBytes = 64 * 1024;

  static void on_close(uv_handle_t* h) { static_cast<State*>(h->data)->handle_closed(); }
  static void on_exit(uv_process_t* p, int64_t exit_status, int term_signal) {
    static_cast<State*>(p->data)->exited(exit_status, term_signal);
  }
  static void on_timer(uv_timer_t* t) { static_cast<State*>(t->data)->timer_fired(); }
  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* s = static_cast<State*>(h->data);
    char* base =
        h == reinterpret_cast<uv_handle_t*>(&s->out_) ? s->out_buf_.data() : s->err_buf_.data();
    *buf = uv_buf_init(base, kReadBufferBytes);
  }
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    static_cast<State*>(stream->data)->read(stream, nread, buf);
  }

  void fail_before_spawn(ShellError::Kind kind, std::string message);
  void exited(int64_t exit_status, int term_signal);
  void timer_fired();
  void read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void begin_kill();
  void kill_group(int sig) const;
  void close_handle(uv_handle_t* h, bool& open);
  void close_pipes();
  void maybe_close_timer();
  void start_timer(TimerPhase phase, std::chrono::milliseconds after);
  void handle_closed();
  void finish();

  uv_loop_t* loop_;
  uv_process_t process_{};
  uv_pipe_t out_{};
  uv_pipe_t err_{};
  uv_timer_t timer_{};
  bool process_open_ = false, out_open_ = false, err_open_ = false, timer_open_ = false;
  int open_handles_ = 0;
  TimerPhase phase_ = TimerPhase::Idle;

  bool started_ = false;
  bool exited_ = false;    // the child was reaped (or never spawned)
  bool killing_ = false;   // SIGTERM sent (timeout or cancel)
  bool finished_ = false;  // on_done delivered (or dropped, when detached)
  bool detached_ = false;
  bool in_done_ = false;
  int pid_ = 0;
  std::uint64_t start_ns_ = 0;
  std::chrono::milliseconds kill_grace_{0};

  ShellCallbacks callbacks_;
  std::optional<ShellError> error_;
  ShellExit exit_;
  std::array<char, kReadBufferBytes> out_buf_{};
  std::array<char, kReadBufferBytes> err_buf_{};
};

void ShellRunner::State::start(ShellCommand command, ShellCallbacks callbacks) {
  started_ = true;
  start_ns_ = uv_hrtime();
  callbacks_ = std::move(callbacks);
  kill_grace_ = command.kill_grace;
  exit_.stdout_output = OutputCap(command.head_bytes, command.tail_bytes);
  exit_.stderr_output = OutputCap(command.head_bytes, command.tail_bytes);
  exit_.aggregated_output = OutputCap(command.head_bytes, command.tail_bytes);

  // The timer exists from the start so that even an early error is reported asynchronously,
  // from its close callback.
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  timer_open_ = true;
  ++open_handles_;

  if (command.argv.empty() || command.argv[0].empty()) {
    return fail_before_spawn(ShellError::Kind::InvalidCommand, "cannot run an empty command");
  }
  for (const auto& arg : command.argv) {
    if (arg.find('\0') != std::string::npos) {
      return fail_before_spawn(ShellError::Kind::InvalidCommand,
                               "cannot run a command with a NUL byte in an argument");
    }
  }
  if (!command.cwd.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(command.cwd, ec)) {
      return fail_before_spawn(
          ShellError::Kind::MissingCwd,
          fmt::format("working directory {} does not exist or is not a directory", command.cwd));
    }
  }

  // argv and envp as the char* arrays uv_spawn wants; they only need to live through the call
  // (the child is forked and exec'd inside it).
  std::vector<char*> args;
  for (auto& a : command.argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    const std::string key(entry.substr(0, eq));
    if (!command.env.contains(key)) env_strings.emplace_back(entry);
  }
  for (const auto& [key, value] : command.env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  uv_pipe_init(loop_, &out_, 0);
  out_.data = this;
  out_open_ = true;
  ++open_handles_;
  uv_pipe_init(loop_, &err_, 0);
  err_.data = this;
  err_open_ = true;
  ++open_handles_;

  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;  // libuv opens /dev/null for an ignored fd 0
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&out_);
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&err_);

  uv_process_options_t options{};
  options.exit_cb = &State::on_exit;
  options.file = args[0];
  options.args = args.data();
  options.env = envp.data();
  options.cwd = command.cwd.empty() ? nullptr : command.cwd.c_str();
  options.flags = UV_PROCESS_DETACHED;  // setsid(): own session and process group
  options.stdio_count = 3;
  options.stdio = stdio;

  process_.data = this;
  const int rc = uv_spawn(loop_, &process_, &options);
  process_open_ = true;  // uv_spawn initialises the handle even when it fails
  ++open_handles_;
  if (rc != 0) {
    error_ = ShellError{ShellError::Kind::SpawnFailed,
                        fmt::format("failed to run {}: {}", command.argv[0], uv_strerror(rc)), rc};
    exited_ = true;
    close_handle(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
    close_pipes();  // also closes the timer
    return;
  }
  pid_ = process_.pid;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&out_), &State::on_alloc, &State::on_read);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&err_), &State::on_alloc, &State::on_read);
  if (command.timeout.count() > 0) start_timer(TimerPhase::Timeout, command.timeout);
}

void ShellRunner::State::fail_before_spawn(ShellError::Kind kind, std::string message) {
  error_ = ShellError{kind, std::move(message), 0};
  exited_ = true;
  maybe_close_timer();
}

void ShellRunner::State::cancel() {
  if (!started_ || finished_ || pid_ == 0) return;
  if (exited_) {  // only background children holding the pipes are left: stop waiting
    kill_group(SIGKILL);
    close_pipes();
    return;
  }
  if (killing_) return;
  exit_.cancelled = true;
  begin_kill();
}

void ShellRunner::State::detach() {
  detached_ = true;
  // callbacks_ is left alone: this may run inside on_output, whose std::function must not be
  // destroyed while it executes. detached_ stops every further call; finish() drops them.
  if (!started_ || (finished_ && !in_done_)) {
    delete this;
    return;
  }
  if (finished_) return;  // inside on_done: finish() deletes on return
  if (pid_ != 0) {
    killing_ = true;
    kill_group(SIGKILL);
  }
  close_pipes();  // the process handle closes when the child is reaped
}

void ShellRunner::State::begin_kill() {
  killing_ = true;
  kill_group(SIGTERM);
  start_timer(TimerPhase::Grace, kill_grace_);
}

void ShellRunner::State::kill_group(int sig) const {
  // ESRCH (the group is gone) is expected and harmless.
  if (pid_ > 0) ::kill(-pid_, sig);
}

void ShellRunner::State::start_timer(TimerPhase phase, std::chrono::milliseconds after) {
  if (!timer_open_) return;
  phase_ = phase;
  const auto ms = after.count() > 0 ? static_cast<std::uint64_t>(after.count()) : 0;
  // Count from now, not from the loop's cached clock, which may be stale by however long
  // this loop iteration has run (a busy machine): the command gets its whole timeout.
  uv_update_time(timer_.loop);
  uv_timer_start(&timer_, &State::on_timer, ms, 0);
}

void ShellRunner::State::timer_fired() {
  const TimerPhase phase = std::exchange(phase_, TimerPhase::Idle);
  switch (phase) {
    case TimerPhase::Timeout:
      exit_.timed_out = true;
      begin_kill();
      break;
    case TimerPhase::Grace:
      kill_group(SIGKILL);
      break;
    case TimerPhase::Drain:
      // The child exited but something it started still holds a pipe open: kill the rest of
      // its group and stop reading.
      kill_group(SIGKILL);
      close_pipes();
      break;
    case TimerPhase::Idle:
      break;
  }
}

void ShellRunner::State::exited(int64_t exit_status, int term_signal) {
  exited_ = true;
  if (term_signal != 0) {
    exit_.signal = term_signal;
  } else {
    exit_.exit_code = static_cast<int>(exit_status);
  }
  // After a kill, members of the group that outlived the leader (ignoring SIGTERM) go too.
  if (killing_) kill_group(SIGKILL);
  close_handle(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
  if (timer_open_) uv_timer_stop(&timer_);
  phase_ = TimerPhase::Idle;
  // Pipes still open: background children hold them. Read on for the grace, then kill.
  if (out_open_ || err_open_) start_timer(TimerPhase::Drain, kill_grace_);
  maybe_close_timer();
}

void ShellRunner::State::read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  const bool is_out = stream == reinterpret_cast<uv_stream_t*>(&out_);
  if (nread < 0) {  // UV_EOF or a read error: either way this stream is finished
    close_handle(reinterpret_cast<uv_handle_t*>(stream), is_out ? out_open_ : err_open_);
    maybe_close_timer();
    return;
  }
  if (nread == 0) return;
  const std::string_view bytes(buf->base, static_cast<std::size_t>(nread));
  (is_out ? exit_.stdout_output : exit_.stderr_output).append(bytes);
  exit_.aggregated_output.append(bytes);
  if (!detached_ && callbacks_.on_output) {
    // May destroy the ShellRunner (detach); the State stays alive while handles are open.
    callbacks_.on_output(is_out ? OutputStream::Stdout : OutputStream::Stderr, bytes);
  }
}

void ShellRunner::State::close_handle(uv_handle_t* h, bool& open) {
  if (!open) return;
  open = false;
  if (h->type == UV_NAMED_PIPE) uv_read_stop(reinterpret_cast<uv_stream_t*>(h));
  uv_close(h, &State::on_close);
}

void ShellRunner::State::close_pipes() {
  close_handle(reinterpret_cast<uv_handle_t*>(&out_), out_open_);
  close_handle(reinterpret_cast<uv_handle_t*>(&err_), err_open_);
  maybe_close_timer();
}

void ShellRunner::State::maybe_close_timer() {
  if (!timer_open_ || !exited_ || out_open_ || err_open_) return;
  uv_timer_stop(&timer_);
  phase_ = TimerPhase::Idle;
  close_handle(reinterpret_cast<uv_handle_t*>(&timer_), timer_open_);
}

void ShellRunner::State::handle_closed() {
  if (--open_handles_ == 0) finish();
}

void ShellRunner::State::finish() {
  finished_ = true;
  exit_.duration_ms = static_cast<std::int64_t>((uv_hrtime() - start_ns_) / 1'000'000);
  auto on_done = std::move(callbacks_.on_done);
  callbacks_ = {};
  if (!detached_ && on_done) {
    in_done_ = true;
    on_done(error_ ? ShellOutcome(std::move(*error_)) : ShellOutcome(std::move(exit_)));
    in_done_ = false;
  }
  if (detached_) delete this;
}

ShellRunner::ShellRunner(uv_loop_s* loop) : state_(new State(loop)) {}

ShellRunner::~ShellRunner() { state_->detach(); }

void ShellRunner::start(ShellCommand command, ShellCallbacks callbacks) {
  state_->start(std::move(command), std::move(callbacks));
}

void ShellRunner::cancel() { state_->cancel(); }

bool ShellRunner::running() const { return state_->running(); }

int ShellRunner::pid() const { return state_->pid(); }

}  // namespace spool::engine
