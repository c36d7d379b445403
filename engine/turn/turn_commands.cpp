// TurnRunner's tool calls: the `shell` tool (arguments, approval, running the command and
// streaming its output), and the answer the model gets for every call, including calls of
// tools Spool does not offer.
#include <filesystem>
#include <utility>

#include "base/utf8.h"
#include "engine/tools/command_safety.h"
#include "engine/tools/shell_call.h"
#include "engine/turn/turn_runner_impl.h"

namespace spool::engine {
namespace {

namespace v2 = protocol::v2;
using nlohmann::json;

// The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence
// (an incomplete lead + continuation bytes at the very end are held back for the next chunk).
std::size_t complete_utf8_prefix(std::string_view bytes) {
  const std::size_t n = bytes.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    std::size_t need = 1;
    if ((c & 0xE0) == 0xC0) need = 2;
    else if ((c & 0xF0) == 0xE0) need = 3;
    else if ((c & 0xF8) == 0xF0) need = 4;
    return need > back ? n - back : n;
  }
  return n;
}

}  // namespace

void TurnRunner::Impl::run_next_tool() {
  if (tool_calls_.empty()) return sample();
  ToolCall call = std::move(tool_calls_.front());
  tool_calls_.pop_front();
  if (call.name != "shell") {
    return tool_output(call.call_id, command_not_run_for_model("there is no tool named `" +
                                                               call.name + "`; use `shell`"));
  }
  start_shell_call(call);
}

void TurnRunner::Impl::start_shell_call(const ToolCall& call) {
  tool_ = call;
  tool_item_.reset();
  auto args = parse_shell_call(call.arguments);
  if (!args) return tool_output(call.call_id, command_not_run_for_model(args.error()));

  tool_argv_ = args->command;
  std::filesystem::path cwd(config_.cwd);
  if (args->workdir && !args->workdir->empty()) cwd = cwd / *args->workdir;  // absolute wins
  tool_cwd_ = cwd.lexically_normal().string();
  auto timeout = args->timeout_ms ? std::chrono::milliseconds(*args->timeout_ms)
                                  : config_.default_command_timeout;
  tool_timeout_ = std::min(timeout, config_.max_command_timeout);

  v2::CommandExecutionThreadItem item;
  item.id = call.call_id.empty() ? config_.new_id() : call.call_id;
  item.command = shell_join(tool_argv_);
  item.cwd = tool_cwd_;
  item.status = v2::CommandExecutionStatus::InProgress;
  item.startedAtMs = now();
  tool_item_ = add_item(std::move(item));

  const bool remembered = config_.session_approvals->count(tool_argv_) > 0;
  const CommandCheck check =
      check_command(tool_argv_, config_.approval_policy, config_.sandbox, remembered);
  if (check.verdict == CommandVerdict::Run) return run_command();
  if (check.verdict == CommandVerdict::Refuse) {
    auto& it = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]);
    it.status = v2::CommandExecutionStatus::Failed;
    it.aggregatedOutput = check.reason;
    complete_item(*tool_item_);
    return tool_output(call.call_id, command_not_run_for_model(check.reason));
  }

  phase_ = Phase::WaitingApproval;
  const std::uint64_t generation = ++approval_generation_;
  ApprovalRequest request;
  request.item_id = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]).id;
  request.argv = tool_argv_;
  request.command = shell_join(tool_argv_);
  request.cwd = tool_cwd_;
  request.reason = check.reason;
  request.started_at_ms = now();
  emit({{"type", "exec_approval_request"},
        {"call_id", request.item_id},
        {"turn_id", config_.turn_id},
        {"command", tool_argv_},
        {"cwd", tool_cwd_},
        {"reason", check.reason}});
  std::weak_ptr<int> alive = alive_;
  observer_.on_approval(request, [this, alive, generation](ApprovalAnswer answer) {
    if (alive.expired()) return;
    on_approval_answer(generation, answer);
  });
}

void TurnRunner::Impl::on_approval_answer(std::uint64_t generation, ApprovalAnswer answer) {
  if (generation != approval_generation_ || phase_ != Phase::WaitingApproval) return;
  ++approval_generation_;  // one answer per request
  const char* decision = "accept";
  if (answer == ApprovalAnswer::AcceptForSession) decision = "accept_for_session";
  if (answer == ApprovalAnswer::Decline) decision = "decline";
  if (answer == ApprovalAnswer::Cancel) decision = "cancel";
  const std::string call_id = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]).id;
  emit({{"type", "exec_approval_decision"},
        {"call_id", call_id},
        {"turn_id", config_.turn_id},
        {"decision", decision}});
  switch (answer) {
    case ApprovalAnswer::AcceptForSession:
      config_.session_approvals->insert(tool_argv_);
      [[fallthrough]];
    case ApprovalAnswer::Accept:
      return run_command();
    case ApprovalAnswer::Decline: {
      auto& item = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]);
      item.status = v2::CommandExecutionStatus::Declined;
      complete_item(*tool_item_);
      phase_ = Phase::Sampling;
      return tool_output(tool_->call_id, std::string(kDeclinedOutput));
    }
    case ApprovalAnswer::Cancel: {
      auto& item = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]);
      item.status = v2::CommandExecutionStatus::Declined;
      complete_item(*tool_item_);
      stream_.reset();
      return finish_interrupted();
    }
  }
}

void TurnRunner::Impl::run_command() {
  phase_ = Phase::RunningCommand;
  live_output_ = OutputCap();
  utf8_carry_[0].clear();
  utf8_carry_[1].clear();
  ShellCommand command;
  command.argv = tool_argv_;
  command.cwd = tool_cwd_;
  command.timeout = tool_timeout_;
  command.kill_grace = config_.command_kill_grace;
  shell_ = std::make_unique<ShellRunner>(loop_);
  ShellCallbacks cb;
  cb.on_output = [this](OutputStream stream, std::string_view bytes) {
    on_command_output(stream, bytes);
  };
  cb.on_done = [this](ShellOutcome outcome) { on_command_done(std::move(outcome)); };
  shell_->start(std::move(command), std::move(cb));
}

void TurnRunner::Impl::on_command_output(OutputStream stream, std::string_view bytes) {
  live_output_.append(bytes);
  std::string& carry = utf8_carry_[stream == OutputStream::Stdout ? 0 : 1];
  carry.append(bytes);
  const std::size_t n = complete_utf8_prefix(carry);
  if (n == 0) return;
  std::string text = repair_utf8(std::string_view(carry).substr(0, n));
  carry.erase(0, n);
  json msg = turn_fields();
  msg["type"] = "exec_command_output_delta";
  msg["call_id"] = tool_->call_id;
  msg["item_id"] = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]).id;
  msg["stream"] = stream == OutputStream::Stdout ? "stdout" : "stderr";
  msg["delta"] = std::move(text);
  emit(std::move(msg));
}

void TurnRunner::Impl::on_command_done(ShellOutcome outcome) {
  auto& item = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]);
  std::string for_model;
  if (!outcome) {
    item.status = v2::CommandExecutionStatus::Failed;
    item.aggregatedOutput = outcome.error().message;
    for_model = command_not_run_for_model(outcome.error().message);
  } else {
    const ShellExit& exit = *outcome;
    std::string output = exit.aggregated_output.text();
    if (exit.timed_out) {
      output += "\ncommand timed out after " + std::to_string(tool_timeout_.count()) + " ms";
    }
    const int code = exit.effective_exit_code();
    item.status = code == 0 && !exit.timed_out ? v2::CommandExecutionStatus::Completed
                                               : v2::CommandExecutionStatus::Failed;
    item.aggregatedOutput = output;
    item.exitCode = code;
    item.durationMs = exit.duration_ms;
    for_model = command_output_for_model(code, exit.duration_ms, output);
  }
  complete_item(*tool_item_);
  phase_ = Phase::Sampling;
  tool_output(tool_->call_id, std::move(for_model));
}

void TurnRunner::Impl::tool_output(const std::string& call_id, std::string output) {
  turn_input_.push_back(FunctionCallOutputInput{call_id, std::move(output)});
  tool_.reset();
  tool_item_.reset();
  run_next_tool();
}

void TurnRunner::Impl::interrupt_command() {
  if (!tool_item_) return;
  auto& item = std::get<v2::CommandExecutionThreadItem>(items_[*tool_item_]);
  if (phase_ == Phase::RunningCommand) {
    shell_.reset();  // kills the process group, no callback
    item.status = v2::CommandExecutionStatus::Failed;
    item.aggregatedOutput = live_output_.text() + "\ncommand interrupted";
    item.durationMs = now() - item.startedAtMs.value_or(now());
  } else {
    item.status = v2::CommandExecutionStatus::Declined;  // interrupted while awaiting approval
  }
  complete_item(*tool_item_);
}

}  // namespace spool::engine
