// LiveTurn: a turn running in this server (a TurnRunner), as its thread's clients see it.
//
// Every event the runner reports is appended to the store and then, once committed, sent as
// notifications (rpc/server/turn_notifications.h) to the thread's subscribers, so what a
// client has seen is always already stored. Events are written in order, in batches: while
// one append runs, the next events gather and go in one transaction (group commit).
// Notifications, approval requests and status changes are released strictly in the order
// the runner reported them, each after the events before it have committed.
//
// The thread's turn lease (rpc/server/turn_lease_guard.h), taken by turn/start, is released
// in the write job of the turn's last events, before turn/completed is sent.
//
// Thread status: active (turn/started), active with waitingOnApproval while an approval is
// asked, idle before turn/completed.
//
// Approvals go as item/commandExecution/requestApproval requests to the session that started
// the turn (or, when it is gone, to another subscriber of the thread; with none the answer
// is cancel). The client's answer, or its session closing (cancel), is followed by
// serverRequest/resolved to the thread's subscribers.
//
// A resume in the middle of the turn gets snapshot(): the turn as notified so far, with the
// text streamed into items that are still in progress; the notifications that follow
// continue from exactly there.
//
// Threading: loop thread only.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/turn/turn_runner.h"
#include "eventstore/event.h"

struct uv_loop_s;

namespace spool::engine {
class HttpClient;
}

namespace spool::rpc {

class AppServer;
class Session;

class LiveTurn final : public engine::TurnObserver {
 public:
  // `on_over` runs once, after turn/completed has been sent (the owner then destroys this
  // LiveTurn; nothing of it is used after the call).
  LiveTurn(AppServer& server, std::string thread_id, Session* starter,
           std::function<void()> on_over);
  ~LiveTurn() override;

  // Starts the runner. `leading` (e.g. a turn_context with the turn's new settings) is
  // appended before the turn's first event.
  void start(uv_loop_s* loop, engine::HttpClient& http, engine::TurnConfig config,
             std::vector<eventstore::NewEvent> leading);

  // See TurnRunner::interrupt. False when the turn is no longer running.
  bool interrupt();
  bool running() const;
  const std::string& turn_id() const { return turn_id_; }
  const std::string& thread_id() const { return thread_id_; }

  // The turn as notified so far (v2 Turn JSON, status inProgress).
  nlohmann::json snapshot() const;
  // An approval request has been sent and not answered yet.
  bool waiting_on_approval() const { return asked_ && !asked_->request_id.is_null(); }

  // The thread was unloaded (archived): the turn's last notifications still go to the
  // sessions that were subscribed until then.
  void keep_subscribers(std::vector<Session*> sessions) { kept_subscribers_ = std::move(sessions); }

  // A session closed: an approval asked of it counts as answered "cancel".
  void session_closed(Session* session);

  // engine::TurnObserver
  void on_event(const nlohmann::json& msg) override;
  void on_rate_limits(const protocol::v2::RateLimitSnapshot& snapshot) override;
  void on_approval(const engine::ApprovalRequest& request,
                   std::function<void(engine::ApprovalAnswer)> answer) override;
  void on_approval_withdrawn(const std::string& item_id) override;
  void on_finished(const protocol::v2::Turn& turn) override;

 private:
  // One step in report order: an event to append (optional) and what to do once it (and
  // everything before it) has committed.
  struct Step {
    std::optional<eventstore::NewEvent> event;
    std::function<void()> release;
    bool end_lease = false;  // give the thread's turn lease back (with the events before it)
  };
  void enqueue(std::optional<eventstore::NewEvent> event, std::function<void()> release,
               bool end_lease = false);
  void flush();
  void release(std::vector<std::function<void()>>& actions);
  void apply_to_snapshot(const nlohmann::json& event);
  void publish_status(bool waiting_on_approval);
  // To the thread's subscribers (or, once it is unloaded, to the kept ones).
  void publish(std::string_view method, const nlohmann::json& params, const std::string& key,
               bool droppable = false);
  void ask(const engine::ApprovalRequest& request);
  void resolve_approval(std::optional<engine::ApprovalAnswer> answer);

  AppServer& server_;
  std::string thread_id_;
  std::string turn_id_;
  Session* starter_;
  std::function<void()> on_over_;
  std::unique_ptr<engine::TurnRunner> runner_;

  std::deque<Step> queue_;
  bool write_in_flight_ = false;
  bool releasing_ = false;  // release() is running a batch's actions
  bool over_ = false;  // turn/completed released: on_over_ is due

  // The snapshot: the turn's items as notified.
  std::int64_t started_at_s_ = 0;
  std::vector<nlohmann::json> items_;

  // The approval being asked.
  struct Asked {
    Session* session = nullptr;
    nlohmann::json request_id;  // null until sent
    std::string item_id;
    std::function<void(engine::ApprovalAnswer)> answer;
  };
  std::optional<Asked> asked_;

  std::vector<Session*> kept_subscribers_;

  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace spool::rpc
