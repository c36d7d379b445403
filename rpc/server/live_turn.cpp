#include "rpc/server/live_turn.h"

#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "eventstore/store.h"
#include "protocol/approvals.h"
#include "protocol/codec.h"
#include "rpc/server/account_state.h"
#include "rpc/server/app_server.h"
#include "rpc/server/session.h"
#include "rpc/server/turn_notifications.h"

namespace spool::rpc {
namespace {

using nlohmann::json;
namespace v2 = protocol::v2;
using AppendOutcome = Result<eventstore::AppendResult, eventstore::StoreError>;

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The client's decision: {"decision": "accept" | "acceptForSession" | "decline" | "cancel"}
// (and the seed-era spellings), with acceptSettings.forSession turning accept into
// acceptForSession. Anything else, or an error response, is a decline: the command does
// not run and the turn goes on.
engine::ApprovalAnswer decision_of(const Response& r, const std::string& peer) {
  using D = protocol::CommandExecutionApprovalDecision;
  if (r.error) {
    log::info("{}: the client answered an approval with error {} ({}); counted as decline", peer,
              r.error->code, r.error->message);
    return engine::ApprovalAnswer::Decline;
  }
  auto decoded = protocol::decode_value<protocol::CommandExecutionRequestApprovalResponse>(r.result);
  if (!decoded) {
    log::info("{}: an approval answer that is not a decision ({}); counted as decline", peer,
              decoded.error().message("result"));
    return engine::ApprovalAnswer::Decline;
  }
  switch (decoded->decision) {
    case D::Accept: {
      const json settings = r.result.value("acceptSettings", json());
      if (settings.is_object() && settings.value("forSession", false)) {
        return engine::ApprovalAnswer::AcceptForSession;
      }
      return engine::ApprovalAnswer::Accept;
    }
    case D::AcceptForSession: return engine::ApprovalAnswer::AcceptForSession;
    case D::Decline: return engine::ApprovalAnswer::Decline;
    case D::Cancel: return engine::ApprovalAnswer::Cancel;
  }
  return engine::ApprovalAnswer::Decline;
}

}  // namespace

LiveTurn::LiveTurn(AppServer& server, std::string thread_id, Session* starter,
                   std::function<void()> on_over)
    : server_(server), thread_id_(std::move(thread_id)), starter_(starter),
      on_over_(std::move(on_over)) {}

LiveTurn::~LiveTurn() {
  if (asked_ && asked_->session && !asked_->request_id.is_null()) {
    asked_->session->withdraw_request(asked_->request_id);
  }
}

void LiveTurn::start(uv_loop_s* loop, engine::HttpClient& http, engine::TurnConfig config,
                     std::vector<eventstore::NewEvent> leading) {
  turn_id_ = config.turn_id;
  started_at_s_ = config.now_ms() / 1000;
  for (auto& e : leading) enqueue(std::move(e), nullptr);
  runner_ = std::make_unique<engine::TurnRunner>(loop, http, std::move(config), *this);
  runner_->start();
}

bool LiveTurn::interrupt() { return runner_ && runner_->interrupt(); }
bool LiveTurn::running() const { return runner_ && runner_->running(); }

json LiveTurn::snapshot() const {
  json turn = started_turn_json(turn_id_, started_at_s_);
  turn["items"] = json(items_);
  turn["itemsView"] = "full";
  return turn;
}

// --- the ordered queue ---------------------------------------------------------------------

void LiveTurn::enqueue(std::optional<eventstore::NewEvent> event, std::function<void()> release,
                       bool end_lease) {
  queue_.push_back({std::move(event), std::move(release), end_lease});
  flush();
}

void LiveTurn::flush() {
  if (write_in_flight_ || releasing_) return;
  // Everything up to the last queued event goes in one append; its releases follow commit.
  std::size_t last_event = queue_.size();
  for (std::size_t i = queue_.size(); i-- > 0;) {
    if (queue_[i].event || queue_[i].end_lease) {  // the lease is released by a write job too
      last_event = i;
      break;
    }
  }
  if (last_event == queue_.size()) {  // nothing to write: release at once
    std::vector<std::function<void()>> actions;
    while (!queue_.empty()) {
      if (queue_.front().release) actions.push_back(std::move(queue_.front().release));
      queue_.pop_front();
    }
    return release(actions);
  }
  std::vector<eventstore::NewEvent> events;
  auto actions = std::make_shared<std::vector<std::function<void()>>>();
  bool end_lease = false;
  for (std::size_t i = 0; i <= last_event; ++i) {
    if (queue_.front().event) events.push_back(std::move(*queue_.front().event));
    if (queue_.front().end_lease) end_lease = true;
    if (queue_.front().release) actions->push_back(std::move(queue_.front().release));
    queue_.pop_front();
  }
  write_in_flight_ = true;
  std::weak_ptr<int> alive = alive_;
  server_.db().write<AppendOutcome>(
      [id = thread_id_, events = std::move(events),
       release_lease = end_lease ? server_.turn_leases().releaser()
                                 : TurnLeaseGuard::Release()](eventstore::Store& store) {
        AppendOutcome out = events.empty() ? AppendOutcome(eventstore::AppendResult{})
                                           : store.append(id, std::nullopt, events);
        if (release_lease) release_lease(store, id);  // after the turn's last events
        return out;
      },
      [this, alive, actions](AppendOutcome result) {
        if (alive.expired()) return;
        write_in_flight_ = false;
        if (!result) {
          // The turn cannot be recorded: stop it rather than show what is not stored.
          log::info("thread {}: could not store the turn's events: {}", thread_id_,
                    result.error().message);
          publish("error",
                          {{"error",
                            {{"message", "could not store the turn: " + result.error().message},
                             {"codexErrorInfo", "other"},
                             {"additionalDetails", nullptr}}},
                           {"willRetry", false},
                           {"threadId", thread_id_},
                           {"turnId", turn_id_}},
                          "");
          if (runner_ && runner_->running()) runner_->interrupt();
        }
        release(*actions);
        // release() may have ended the turn (on_over_ destroys this object): nothing after.
      });
}

void LiveTurn::release(std::vector<std::function<void()>>& actions) {
  std::weak_ptr<int> alive = alive_;
  // What the actions enqueue (an answer to an approval makes the runner go on) waits until
  // every action of this batch has run.
  releasing_ = true;
  for (auto& action : actions) {
    action();
    if (alive.expired()) return;
  }
  releasing_ = false;
  if (!queue_.empty()) return flush();
  if (over_ && !write_in_flight_) {
    auto over = std::move(on_over_);
    on_over_ = nullptr;
    if (over) over();  // destroys this object
  }
}

// --- the runner's reports ------------------------------------------------------------------

void LiveTurn::on_event(const json& msg) {
  eventstore::NewEvent e;
  e.kind = "event_msg";
  e.type = str(msg, "type");
  e.payload = msg.dump(-1, ' ', false, json::error_handler_t::replace);
  e.ts_ms = now_ms();
  e.turn_id = turn_id_;
  e.payload_checked = false;
  enqueue(std::move(e), [this, msg] {
    apply_to_snapshot(msg);
    const std::string type = str(msg, "type");
    if (type == "task_started") publish_status(false);
    for (auto& n : turn_notifications(thread_id_, msg)) {
      if (n.method == "account/rateLimits/updated") {
        // Stored, and notified when it changed, by the account state.
        auto limits = protocol::decode_value<v2::RateLimitSnapshot>(n.params["rateLimits"]);
        if (limits) server_.account().record_rate_limits(std::move(limits).value());
      } else if (n.account_wide) {
        server_.broadcast(n.method, n.params, n.key);
      } else {
        publish(n.method, n.params, n.key, n.droppable);
      }
    }
    if (type == "token_count" && msg.contains("info") && msg["info"].is_object()) {
      const json& total = msg["info"].value("total_token_usage", json::object());
      v2::TokenUsageBreakdown t;
      t.inputTokens = total.value("input_tokens", std::int64_t{0});
      t.cachedInputTokens = total.value("cached_input_tokens", std::int64_t{0});
      t.outputTokens = total.value("output_tokens", std::int64_t{0});
      t.reasoningOutputTokens = total.value("reasoning_output_tokens", std::int64_t{0});
      t.totalTokens = total.value("total_tokens", std::int64_t{0});
      server_.set_token_total(thread_id_, t);
    }
  });
}

void LiveTurn::on_rate_limits(const v2::RateLimitSnapshot& snapshot) {
  server_.account().record_rate_limits(snapshot);
}

void LiveTurn::on_approval(const engine::ApprovalRequest& request,
                           std::function<void(engine::ApprovalAnswer)> answer) {
  asked_ = Asked{nullptr, nullptr, request.item_id, std::move(answer)};
  enqueue(std::nullopt, [this, request] { ask(request); });
}

void LiveTurn::ask(const engine::ApprovalRequest& request) {
  if (!asked_ || asked_->item_id != request.item_id) return;  // withdrawn meanwhile
  Session* target = nullptr;
  const auto subscribers = server_.subscribers_of(thread_id_);
  for (Session* s : subscribers) {
    if (s == starter_) target = s;
  }
  if (!target && !subscribers.empty()) target = subscribers.front();
  if (!target) return resolve_approval(engine::ApprovalAnswer::Cancel);

  publish_status(true);
  protocol::CommandExecutionRequestApprovalParams p;
  p.threadId = thread_id_;
  p.turnId = turn_id_;
  p.itemId = request.item_id;
  p.startedAtMs = request.started_at_ms;
  p.reason = request.reason;
  p.command = request.command;
  p.cwd = request.cwd;
  std::weak_ptr<int> alive = alive_;
  asked_->session = target;
  asked_->request_id = target->send_request(
      "item/commandExecution/requestApproval", protocol::to_json_value(p),
      [this, alive, item = request.item_id, peer = std::string("client")](Response r) {
        if (alive.expired() || !asked_ || asked_->item_id != item) return;
        resolve_approval(decision_of(r, peer));
      });
  if (asked_->request_id.is_null()) resolve_approval(engine::ApprovalAnswer::Cancel);
}

void LiveTurn::resolve_approval(std::optional<engine::ApprovalAnswer> answer) {
  if (!asked_) return;
  Asked asked = std::move(*asked_);
  asked_.reset();
  if (!asked.request_id.is_null()) {
    publish("serverRequest/resolved",
                    {{"threadId", thread_id_}, {"requestId", asked.request_id}},
                    "serverRequest/resolved:" + asked.request_id.dump());
    publish_status(false);
  }
  if (answer && asked.answer) asked.answer(*answer);
}

void LiveTurn::on_approval_withdrawn(const std::string& item_id) {
  if (!asked_ || asked_->item_id != item_id) return;
  if (asked_->session && !asked_->request_id.is_null()) {
    asked_->session->withdraw_request(asked_->request_id);
  }
  resolve_approval(std::nullopt);
}

void LiveTurn::publish(std::string_view method, const json& params, const std::string& key,
                       bool droppable) {
  if (server_.is_loaded(thread_id_)) return server_.publish(thread_id_, method, params, key, droppable);
  for (Session* s : kept_subscribers_) s->notify(method, params, key, droppable);
}

void LiveTurn::session_closed(Session* session) {
  std::erase(kept_subscribers_, session);
  if (session == starter_) starter_ = nullptr;
  if (asked_ && asked_->session == session) {
    asked_->session = nullptr;  // its pending request died with it
    resolve_approval(engine::ApprovalAnswer::Cancel);
  }
}

void LiveTurn::on_finished(const v2::Turn& turn) {
  json turn_json = protocol::to_json_value(turn);
  enqueue(std::nullopt, [this, turn_json = std::move(turn_json)] {
    const json idle = {{"threadId", thread_id_}, {"status", {{"type", "idle"}}}};
    publish("thread/status/changed", idle, "thread/status/changed:" + thread_id_);
    publish("turn/completed", {{"threadId", thread_id_}, {"turn", turn_json}},
                    "turn/completed:" + turn_id_);
    over_ = true;
  }, /*end_lease=*/true);
}

// --- status and snapshot -------------------------------------------------------------------

void LiveTurn::publish_status(bool waiting_on_approval) {
  json flags = json::array();
  if (waiting_on_approval) flags.push_back("waitingOnApproval");
  publish("thread/status/changed",
                  {{"threadId", thread_id_}, {"status", {{"type", "active"}, {"activeFlags", flags}}}},
                  "thread/status/changed:" + thread_id_);
}

void LiveTurn::apply_to_snapshot(const json& event) {
  const std::string type = str(event, "type");
  const auto find = [&](const std::string& id) -> json* {
    for (auto& item : items_) {
      if (str(item, "id") == id) return &item;
    }
    return nullptr;
  };
  if (type == "item_started" || type == "item_completed") {
    const json& item = event.value("item", json::object());
    if (json* existing = find(str(item, "id"))) {
      *existing = item;
    } else {
      items_.push_back(item);
    }
    return;
  }
  json* item = find(str(event, "item_id"));
  if (!item) return;
  const std::string delta = str(event, "delta");
  if (type == "agent_message_content_delta") {
    (*item)["text"] = str(*item, "text") + delta;
  } else if (type == "reasoning_content_delta" || type == "agent_reasoning_section_break" ||
             type == "reasoning_raw_content_delta") {
    const bool raw = type == "reasoning_raw_content_delta";
    const char* field = raw ? "content" : "summary";
    const auto index = event.value(raw ? "content_index" : "summary_index", std::int64_t{0});
    json& parts = (*item)[field];
    if (!parts.is_array()) parts = json::array();
    while (static_cast<std::int64_t>(parts.size()) <= index) parts.push_back("");
    parts[static_cast<std::size_t>(index)] = parts[static_cast<std::size_t>(index)].get<std::string>() + delta;
  } else if (type == "exec_command_output_delta") {
    const json& current = (*item)["aggregatedOutput"];
    (*item)["aggregatedOutput"] = (current.is_string() ? current.get<std::string>() : "") + delta;
  }
}

}  // namespace spool::rpc
