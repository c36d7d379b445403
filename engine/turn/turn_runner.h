// TurnRunner: one live turn of a thread. It sends the user's input (after the thread's
// history) to the model, turns the streamed reply into v2 items, runs the shell commands the
// model asks for (asking the user first when the approval policy says so), samples again
// while the model calls tools, and ends with the turn completed, failed or interrupted.
//
// Everything it does is reported as events, in order, through TurnObserver::on_event: each
// an event_msg payload (a JSON object with "type"), in the shapes the projections read
// (projections/history_builder.h) and the rpc layer maps to notifications:
//   task_started {turn_id, started_at, model_context_window, collaboration_mode_kind}
//   item_started / item_completed {thread_id, turn_id, item: <v2 ThreadItem>, started_at_ms
//                                  [, completed_at_ms]}
//   agent_message_content_delta {thread_id, turn_id, item_id, delta}
//   agent_reasoning_section_break {thread_id, turn_id, item_id, summary_index}
//   reasoning_content_delta {thread_id, turn_id, item_id, summary_index, delta}
//   reasoning_raw_content_delta {thread_id, turn_id, item_id, content_index, delta}
//   exec_command_output_delta {thread_id, turn_id, call_id, item_id, stream, delta}
//   exec_approval_request {call_id, turn_id, command, cwd, reason}
//   exec_approval_decision {call_id, turn_id, decision}            (Spool's own)
//   stream_error {message, codex_error_info, additional_details}     (a retry is coming)
//   token_count {info, rate_limits}
//   error {message, codex_error_info}                               (the turn fails)
//   task_complete {turn_id, last_agent_message, started_at, completed_at, duration_ms
//                  [, error]}
//   turn_aborted {reason: "interrupted", turn_id, started_at, completed_at, duration_ms}
// The first is always task_started and the last task_complete or turn_aborted; every
// item_started gets its item_completed before the turn's last event. Deltas (the "_delta"
// types and the section break) are what the persistence policy leaves out by default.
//
// Threading: the loop's thread only. Callbacks to the observer come from loop callbacks,
// never from inside the constructor; start() may emit the first events synchronously.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model_stream.h"
#include "engine/responses_request.h"
#include "protocol/v2/account.h"
#include "protocol/v2/common.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"
#include "protocol/v2/thread_methods.h"

struct uv_loop_s;

namespace spool::engine {

class HttpClient;

// Commands the user accepted "for the session": they run again without asking. Shared by the
// turns of one loaded thread.
using SessionApprovals = std::set<std::vector<std::string>>;

struct TurnConfig {
  std::string thread_id;
  std::string turn_id;
  std::string model;
  std::optional<std::string> reasoning_effort;
  std::optional<std::string> reasoning_summary;
  std::string instructions;
  std::string cwd;  // absolute: where commands run unless the model names a workdir
  protocol::v2::AskForApproval approval_policy = protocol::v2::AskForApproval::OnRequest;
  protocol::v2::SandboxMode sandbox = protocol::v2::SandboxMode::ReadOnly;
  std::vector<InputItem> history;                // the thread's earlier turns
  std::vector<protocol::v2::UserInput> input;    // this turn's user input
  std::optional<std::string> client_message_id;  // echoed as the user message's clientId
  ProviderEndpoint endpoint;
  // Token usage of the thread before this turn (thread/tokenUsage/updated reports totals).
  std::optional<protocol::v2::TokenUsageBreakdown> prior_total;
  std::shared_ptr<SessionApprovals> session_approvals;  // never null
  std::chrono::milliseconds default_command_timeout{60'000};
  std::chrono::milliseconds max_command_timeout{600'000};
  std::chrono::milliseconds command_kill_grace{2'000};
  std::function<std::int64_t()> now_ms;  // the clock (UTC epoch ms)
  std::function<std::string()> new_id;   // fresh item ids (UUIDv7)
};

struct ApprovalRequest {
  std::string item_id;  // the commandExecution item (its call id)
  std::vector<std::string> argv;
  std::string command;  // shell_join(argv)
  std::string cwd;
  std::string reason;
  std::int64_t started_at_ms = 0;
};

enum class ApprovalAnswer { Accept, AcceptForSession, Decline, Cancel };

class TurnObserver {
 public:
  virtual ~TurnObserver() = default;
  // One event of the turn (see the file comment), in order.
  virtual void on_event(const nlohmann::json& msg) = 0;
  // The provider reported rate limits (response headers). May repeat the same snapshot.
  virtual void on_rate_limits(const protocol::v2::RateLimitSnapshot& snapshot) = 0;
  // The turn waits for the user's decision on a command: call `answer` once, from the loop
  // (later, or from inside this call). Calls after the turn ended, or after
  // on_approval_withdrawn for the item, are ignored.
  virtual void on_approval(const ApprovalRequest& request,
                           std::function<void(ApprovalAnswer)> answer) = 0;
  // An approval asked for is no longer needed (the turn was interrupted while waiting).
  virtual void on_approval_withdrawn(const std::string& item_id) = 0;
  // The turn is over; its last event was reported just before. `turn` holds every item as
  // last reported. The runner may be destroyed from inside this call.
  virtual void on_finished(const protocol::v2::Turn& turn) = 0;
};

class TurnRunner {
 public:
  // `loop`, `http` and `observer` must outlive the runner.
  TurnRunner(uv_loop_s* loop, HttpClient& http, TurnConfig config, TurnObserver& observer);
  // Stops whatever runs (the model request, a command: killed) without reporting anything.
  ~TurnRunner();
  TurnRunner(const TurnRunner&) = delete;
  TurnRunner& operator=(const TurnRunner&) = delete;

  // Starts the turn: task_started and the user message item come at once, the model request
  // follows. REQUIRES: called once.
  void start();

  // Interrupts the turn: the model request is cancelled, a running command killed, a pending
  // approval withdrawn; the items in progress are completed as they are, then turn_aborted
  // and on_finished follow (synchronously, from inside this call). False (and nothing
  // happens) when the turn is not running.
  bool interrupt();

  bool running() const;
  const std::string& turn_id() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace spool::engine
