// turn/start and turn/interrupt: live turns of loaded threads (rpc/server/live_turn.h).
#include "rpc/server/turn_handlers.h"

#include <atomic>
#include <filesystem>

#include <fmt/format.h>

#include "base/time.h"
#include "base/uuid.h"
#include "engine/history_input.h"
#include "eventstore/store.h"
#include "protocol/codec.h"
#include "protocol/v2/turn_methods.h"
#include "rpc/server/account_state.h"
#include "rpc/server/live_turn.h"
#include "rpc/server/provider_endpoint.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_events.h"
#include "rpc/server/thread_handler_support.h"
#include "rpc/server/turn_notifications.h"
#include "views/served_history.h"

namespace spool::rpc {
namespace {

using nlohmann::json;
using eventstore::Store;
namespace v2 = protocol::v2;

constexpr std::string_view kInstructions =
    "You are a coding agent working in the user's project through Spool. Use the `shell` tool "
    "to inspect files and run commands in the working directory; keep commands short and "
    "non-interactive. Answer concisely and say what you changed.";

// The thread's history for the model, and the id of a turn the store holds as still in
// progress although no turn runs (the server stopped in the middle of it).
struct History {
  std::vector<v2::Turn> turns;
  std::optional<std::string> unfinished_turn;
};
using HistoryResult = Result<History, RpcError>;

// The sandbox mode a policy stands for (external sandboxes count as full access: the
// command is already confined elsewhere).
v2::SandboxMode mode_of(const v2::SandboxPolicy& policy) {
  if (std::holds_alternative<v2::ReadOnlySandboxPolicy>(policy)) return v2::SandboxMode::ReadOnly;
  if (std::holds_alternative<v2::WorkspaceWriteSandboxPolicy>(policy)) {
    return v2::SandboxMode::WorkspaceWrite;
  }
  return v2::SandboxMode::DangerFullAccess;
}

// Reasoning settings go only to models that reason (a `reasoning` object makes other
// models' requests fail).
bool reasons(const std::string& model) {
  return model.starts_with("gpt-5") || model.starts_with("o1") || model.starts_with("o3") ||
         model.starts_with("o4") || model.find("codex") != std::string::npos;
}

// Releases a turn/start's reservation of its thread unless the turn started (also when the
// session goes away before the history is read: the guard is destroyed uncalled), and with
// it the thread's lease across processes when the write job took it. Destroyed on the loop
// thread, after the job that may set lease_taken has run (or was dropped unrun).
struct Reservation {
  AppServer* server;
  std::string thread_id;
  std::shared_ptr<std::atomic<bool>> lease_taken = std::make_shared<std::atomic<bool>>(false);
  bool armed = true;
  ~Reservation() {
    if (!armed) return;
    server->release_turn_reservation(thread_id);
    if (lease_taken->load()) server->turn_leases().release(thread_id);
  }
};

void turn_start(Session& session, const json& params, Reply reply) {
  v2::TurnStartParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  AppServer& server = session.server();
  const std::string id = p.threadId;
  if (!server.turns_enabled()) {
    return reply(make_error(protocol::ErrorCode::InternalError, "turns are not available"));
  }
  const ThreadSettings* current = server.settings_of(id);
  if (!current) {
    return reply(make_error(protocol::ErrorCode::NotFound,
                            fmt::format("thread {} is not loaded: call thread/resume (or "
                                        "thread/start) before turn/start",
                                        id),
                            json{{"threadId", id}}));
  }
  if (p.input.empty()) {
    return reply(invalid_params("params.input: expected at least one input item, got []"));
  }
  if (LiveTurn* live = server.live_turn(id)) {
    return reply(conflict(fmt::format("thread {} already has a turn in progress ({}): wait for "
                                      "turn/completed or call turn/interrupt",
                                      id, live->turn_id()),
                          id));
  }
  if (server.turn_reserved(id)) {
    return reply(conflict(fmt::format("thread {} already has a turn starting: wait for "
                                      "turn/completed or call turn/interrupt",
                                      id),
                          id));
  }

  // This turn's settings, which later turns keep (as Codex does).
  ThreadSettings settings = *current;
  if (p.cwd) {
    if (!std::filesystem::path(*p.cwd).is_absolute()) {
      return reply(invalid_params(fmt::format("params.cwd: expected an absolute path, got {}",
                                              json(*p.cwd).dump())));
    }
    settings.cwd = *p.cwd;
  }
  if (p.model) settings.model = *p.model;
  if (p.effort) settings.reasoning_effort = *p.effort;
  if (p.approvalPolicy) settings.approval_policy = *p.approvalPolicy;
  if (p.approvalsReviewer) settings.approvals_reviewer = *p.approvalsReviewer;
  if (p.sandboxPolicy) settings.sandbox = *p.sandboxPolicy;
  auto endpoint = provider_endpoint(server.info().config, settings.model_provider,
                                    server.account().auth(), server.account().problem(),
                                    KeyNeed::Required);
  if (!endpoint) {
    return reply(make_error(protocol::ErrorCode::InvalidRequest, std::move(endpoint).error()));
  }

  std::vector<eventstore::NewEvent> leading;
  const bool changed = p.cwd || p.model || p.effort || p.approvalPolicy || p.approvalsReviewer ||
                       p.sandboxPolicy;
  if (changed) leading.push_back(thread_events::turn_context(settings, now_ms()));

  server.reserve_turn(id);
  auto reservation = std::make_shared<Reservation>(Reservation{&server, id});
  std::optional<std::string> summary;
  if (p.summary) {
    summary = protocol::to_json_value(*p.summary).get<std::string>();
  } else if (reasons(settings.model)) {
    summary = "auto";
  }
  // On the writer: first the thread's lease across processes (another `spool serve` on this
  // database may run a turn on it), then the history the turn continues.
  const std::string turn_id = new_uuid_v7();
  session.write<HistoryResult>(
      [id, turn_id, acquire = server.turn_leases().acquirer(),
       lease_taken = reservation->lease_taken](Store& store) -> HistoryResult {
        const TurnLeaseGuard::Outcome lease = acquire(store, id, turn_id);
        if (!lease.taken) {
          if (lease.held_elsewhere) return fail(conflict(lease.message, id));
          return fail(make_error(protocol::ErrorCode::InternalError, lease.message));
        }
        lease_taken->store(true);
        auto history = store.read_history(id);
        if (!history) return fail(store_failure(history.error(), id));
        History h;
        if (!history.value().empty()) {
          const json last = json::parse(history.value().back().turn_json, nullptr, false);
          if (last.is_object() && last.value("status", "") == "inProgress") {
            h.unfinished_turn = history.value().back().turn_id;
          }
        }
        auto turns = protocol::decode_value<std::vector<v2::Turn>>(
            views::served_turns(history.value(), /*running=*/false));
        if (!turns) {
          return fail(make_error(protocol::ErrorCode::InternalError,
                                 "thread " + id + ": stored history does not decode: " +
                                     turns.error().message("turns")));
        }
        h.turns = std::move(turns).value();
        return h;
      },
      [&session, r = share(std::move(reply)), reservation, settings, summary,
       endpoint = std::move(endpoint).value(), leading = std::move(leading), turn_id,
       input = std::move(p.input), client_id = p.clientUserMessageId](HistoryResult history) mutable {
        AppServer& s = session.server();
        const std::string& thread_id = reservation->thread_id;
        if (!history) return (*r)(std::move(history).error());
        if (!s.is_loaded(thread_id)) {
          return (*r)(make_error(protocol::ErrorCode::NotFound,
                                 fmt::format("thread {} was unloaded before its turn started",
                                             thread_id)));
        }
        engine::TurnConfig config;
        config.thread_id = thread_id;
        config.turn_id = turn_id;  // the one its lease names
        config.model = settings.model;
        if (reasons(settings.model)) config.reasoning_effort = settings.reasoning_effort;
        config.reasoning_summary = summary;
        config.instructions = std::string(kInstructions);
        config.cwd = settings.cwd;
        config.approval_policy = settings.approval_policy;
        config.sandbox = mode_of(settings.sandbox);
        config.history = engine::history_input(history.value().turns);
        if (const auto& unfinished = history.value().unfinished_turn) {
          // Recorded as interrupted before this turn starts: a later turn's completion would
          // otherwise read as completing it.
          eventstore::NewEvent aborted;
          aborted.kind = "event_msg";
          aborted.type = "turn_aborted";
          aborted.turn_id = *unfinished;
          aborted.payload =
              json{{"type", "turn_aborted"}, {"reason", "interrupted"}, {"turn_id", *unfinished}}.dump();
          leading.insert(leading.begin(), std::move(aborted));
        }
        config.input = std::move(input);
        config.client_message_id = client_id;
        config.endpoint = endpoint;
        config.prior_total = s.token_total(thread_id);
        config.session_approvals = s.session_approvals(thread_id);
        config.now_ms = [] { return now_ms(); };
        config.new_id = [] { return new_uuid_v7(); };
        const std::int64_t started_s = config.now_ms() / 1000;

        s.set_settings(thread_id, settings);
        reservation->armed = false;
        LiveTurn& turn = s.add_live_turn(thread_id, &session);
        (*r)(json{{"turn", started_turn_json(turn_id, started_s)}});
        turn.start(s.loop(), s.http(), std::move(config), std::move(leading));
      });
}

void turn_interrupt(Session& session, const json& params, Reply reply) {
  v2::TurnInterruptParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  LiveTurn* turn = session.server().live_turn(p.threadId);
  if (!turn || !turn->running()) {
    return reply(conflict(fmt::format("thread {} has no turn in progress to interrupt", p.threadId),
                          p.threadId));
  }
  if (turn->turn_id() != p.turnId) {
    return reply(conflict(fmt::format("turn {} is not the turn in progress on thread {} ({} is)",
                                      p.turnId, p.threadId, turn->turn_id()),
                          p.threadId));
  }
  reply(json::object());
  turn->interrupt();
}

}  // namespace

void register_turn_handlers(Session& session, MessageRouter& router) {
  router.add("turn/start", [&session](const json& p, Reply r) { turn_start(session, p, std::move(r)); });
  router.add("turn/interrupt",
             [&session](const json& p, Reply r) { turn_interrupt(session, p, std::move(r)); });
}

void overlay_live_turn(AppServer& server, const std::string& thread_id, json& thread,
                       bool with_turns) {
  LiveTurn* live = server.live_turn(thread_id);
  if (!live || !live->running()) return;
  json flags = json::array();
  if (live->waiting_on_approval()) flags.push_back("waitingOnApproval");
  thread["status"] = {{"type", "active"}, {"activeFlags", std::move(flags)}};
  if (!with_turns) return;
  json& turns = thread["turns"];
  if (!turns.is_array()) turns = json::array();
  json snapshot = live->snapshot();
  for (auto& t : turns) {
    if (t.value("id", "") == live->turn_id()) {
      t = std::move(snapshot);
      return;
    }
  }
  turns.push_back(std::move(snapshot));
}

}  // namespace spool::rpc
