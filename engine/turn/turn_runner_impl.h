// TurnRunner's state, shared by turn_runner.cpp (the turn, sampling, the streamed items) and
// turn_commands.cpp (shell calls, approvals, running commands). Private to engine/turn.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model_stream.h"
#include "engine/tools/output_cap.h"
#include "engine/tools/shell_runner.h"
#include "engine/turn/turn_runner.h"

namespace spool::engine {

class TurnRunner::Impl {
 public:
  Impl(uv_loop_s* loop, HttpClient& http, TurnConfig config, TurnObserver& observer);

  void start();
  bool interrupt();

  enum class Phase { Idle, Sampling, WaitingApproval, RunningCommand, Done };

  // --- turn_runner.cpp ---
  void emit(nlohmann::json msg);
  std::int64_t now() const { return config_.now_ms(); }
  nlohmann::json turn_fields() const;  // {"thread_id", "turn_id"}
  // Items: `items_` keeps every item of the turn as last reported, in order.
  std::size_t add_item(protocol::v2::ThreadItem item);  // reports item_started
  void complete_item(std::size_t index);                // reports item_completed
  void sample();
  void on_model_event(const ResponsesEvent& event);
  void on_model_retry(const RetryNotice& notice);
  void on_model_done(Result<ResponseCompleted, ModelError> result);
  void close_open_items();  // completes every started item, as it is
  void finish_completed();
  void finish_failed(const ModelError& error);
  void finish_interrupted();
  void finish(nlohmann::json last_event);

  // --- turn_commands.cpp ---
  struct ToolCall {
    std::string call_id;
    std::string name;
    std::string arguments;
  };
  void run_next_tool();
  void start_shell_call(const ToolCall& call);
  void on_approval_answer(std::uint64_t generation, ApprovalAnswer answer);
  void run_command();
  void on_command_output(OutputStream stream, std::string_view bytes);
  void on_command_done(ShellOutcome outcome);
  // Ends the current tool call: the model gets `output` for it; the item (when there is
  // one) has been completed by the caller.
  void tool_output(const std::string& call_id, std::string output);
  void interrupt_command();  // for interrupt(): completes the command item as failed

  uv_loop_s* loop_;
  HttpClient& http_;
  TurnConfig config_;
  TurnObserver& observer_;

  Phase phase_ = Phase::Idle;
  std::int64_t started_ms_ = 0;
  std::vector<protocol::v2::ThreadItem> items_;
  std::vector<bool> item_open_;  // item_started reported, item_completed not yet
  std::vector<InputItem> turn_input_;  // this turn's input items so far (user, model, tools)
  std::optional<std::string> last_agent_message_;

  // Sampling.
  std::unique_ptr<ModelStream> stream_;
  std::map<std::string, std::size_t> stream_items_;  // provider item id -> items_ index
  std::size_t sample_input_size_ = 0;                // turn_input_ when the request was made
  std::optional<std::string> sample_last_message_;   // last_agent_message_ then
  std::deque<ToolCall> tool_calls_;                  // this response's calls, in order
  protocol::v2::TokenUsageBreakdown total_usage_;
  std::optional<protocol::v2::RateLimitSnapshot> rate_limits_;

  // The tool call in progress.
  std::optional<ToolCall> tool_;
  std::optional<std::size_t> tool_item_;  // its commandExecution item
  std::vector<std::string> tool_argv_;
  std::string tool_cwd_;
  std::chrono::milliseconds tool_timeout_{0};
  std::uint64_t approval_generation_ = 0;  // answers for older generations are ignored
  std::unique_ptr<ShellRunner> shell_;
  OutputCap live_output_;  // what the command printed so far (for an interrupted one)
  std::string utf8_carry_[2];  // an incomplete UTF-8 sequence at the end of each stream

  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace spool::engine
