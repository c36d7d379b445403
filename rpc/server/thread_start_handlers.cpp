// thread/start, thread/resume, thread/fork: the methods that load a thread for the caller.

// GCC 12 reports a false "may be used uninitialized" for the move of a std::variant holding
// RpcError (whose members all have initializers) when the fork's result is inlined into
// Session::write; the diagnostic points into message_router.h, so it is silenced for this
// file before the includes.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <fmt/format.h>

#include <fstream>

#include "base/time.h"
#include "base/uuid.h"
#include "protocol/v2/thread_methods.h"
#include "rpc/server/live_turn.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_events.h"
#include "rpc/server/thread_handler_support.h"
#include "rpc/server/turn_handlers.h"
#include "rpc/server/thread_handlers.h"
#include "views/served_history.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using eventstore::Store;
using nlohmann::json;

// The thread's row and (unless exclude_turns) its served turns. Runs on a worker.
StoredThreadResult load_thread(Store& store, const std::string& id, bool exclude_turns,
                               bool refuse_archived) {
  auto row = store.thread_summary(id);
  if (!row) return fail(store_failure(row.error(), id));
  if (!row.value()) return fail(not_found(id));
  if (refuse_archived && row.value()->thread.archived_at_ms) {
    return fail(conflict(fmt::format("thread {} is archived; unarchive it first (thread/unarchive)", id), id));
  }
  StoredThread t{std::move(*row.value()), json::array()};
  if (!exclude_turns) {
    auto history = store.read_history(id);
    if (!history) return fail(store_failure(history.error(), id));
    t.turns = views::served_turns(history.value(), /*running=*/false);
  }
  return t;
}

// The session id in a Codex rollout's first line (0.60.1's thread/resume {path}).
Result<std::string, RpcError> thread_id_of_rollout(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(invalid_params(fmt::format("params.path: cannot open {}", json(path).dump())));
  std::string line;
  constexpr std::size_t kMaxFirstLine = std::size_t{16} << 20;
  char c;
  while (in.get(c) && c != '\n') {
    if (line.size() == kMaxFirstLine) break;
    line.push_back(c);
  }
  const json first = json::parse(line, nullptr, false);
  const json* id = nullptr;
  if (first.is_object() && first.contains("payload") && first["payload"].is_object()) {
    const json& p = first["payload"];
    if (p.contains("id") && p["id"].is_string()) id = &p["id"];
  }
  if (!id || !is_uuid(id->get<std::string>())) {
    return fail(invalid_params(fmt::format(
        "params.path: {} does not start with a Codex session_meta line naming a session id",
        json(path).dump())));
  }
  return id->get<std::string>();
}

json start_response(const json& thread, const ThreadSettings& settings) {
  json r = {{"thread", thread}};
  add_settings(r, settings);
  return r;
}

void thread_start(Session& session, const json& params, Reply reply) {
  v2::ThreadStartParams p;
  if (!decode_params(params, p, reply)) return;
  if (p.ephemeral.value_or(false)) {
    return reply(invalid_params(
        "params.ephemeral: Spool keeps every thread in its database; ephemeral threads are not supported"));
  }
  const auto& info = session.server().info();
  auto settings = resolve_new_thread_settings(info.config, overrides_of(p), info.server_cwd);
  if (!settings) return reply(invalid_params(settings.error()));

  const std::string id = new_uuid_v7();
  const std::int64_t now = now_ms();
  std::vector<eventstore::NewEvent> events;
  events.push_back(thread_events::session_meta({id, now, settings.value().cwd, session.client_name(),
                                                info.version, settings.value().model,
                                                settings.value().model_provider, std::nullopt}));
  events.push_back(thread_events::turn_context(settings.value(), now));

  session.write<StoredThreadResult>(
      [id, events = std::move(events)](Store& store) -> StoredThreadResult {
        auto appended = store.append(id, 0, events);
        if (!appended) return fail(store_failure(appended.error(), id));
        return load_thread(store, id, /*exclude_turns=*/true, /*refuse_archived=*/false);
      },
      [&session, r = share(std::move(reply)), id, s = std::move(settings).value()](StoredThreadResult res) {
        if (!res) return (*r)(std::move(res).error());
        session.server().subscribe(session, id, s);
        const json thread = thread_json(res.value().row, /*loaded=*/true);
        (*r)(start_response(thread, s));
        session.server().broadcast("thread/started", {{"thread", thread}}, "thread/started:" + id);
      });
}

// What thread/resume reads on a worker: the thread's row, and its turns as JSON text (see
// views::served_turns_text), which the answer carries without parsing it.
struct ResumeLoad {
  StoredThread thread;  // turns left empty
  std::string turns_text = "[]";
};
using ResumeLoadResult = Result<ResumeLoad, RpcError>;

ResumeLoadResult load_for_resume(Store& store, const std::string& id, bool exclude_turns) {
  auto t = load_thread(store, id, /*exclude_turns=*/true, /*refuse_archived=*/true);
  if (!t) return fail(std::move(t).error());
  ResumeLoad out{std::move(t).value()};
  if (!exclude_turns) {
    auto history = store.read_history(id);
    if (!history) return fail(store_failure(history.error(), id));
    out.turns_text = views::served_turns_text(history.value(), /*running=*/false);
  }
  return out;
}

// `response` (a thread/resume result whose thread has no turns) with `turns_text` spliced in
// as its thread's "turns", as one serialized result.
RawJson splice_turns(json response, const std::string& turns_text) {
  // A marker no thread field can hold by chance: random per process.
  static const std::string marker = "spool-turns-" + new_uuid_v7();
  response["thread"]["turns"] = marker;
  std::string text = response.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string quoted = "\"" + marker + "\"";
  const auto at = text.find(quoted);
  text.replace(at, quoted.size(), turns_text);
  return RawJson{std::move(text)};
}

void thread_resume(Session& session, const json& params, Reply reply) {
  v2::ThreadResumeParams p;
  if (!decode_params(params, p, reply)) return;
  std::optional<std::string> path = p.path;
  if (!path) {
    if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  }
  const bool exclude = p.excludeTurns.value;
  session.read<ResumeLoadResult>(
      [id = p.threadId, path, exclude](Store& store) -> ResumeLoadResult {
        std::string thread_id = id;
        if (path) {
          auto from_file = thread_id_of_rollout(*path);
          if (!from_file) return fail(std::move(from_file).error());
          thread_id = from_file.value();
        }
        auto t = load_for_resume(store, thread_id, exclude);
        if (!t && path && t.error().code == static_cast<int>(protocol::ErrorCode::NotFound)) {
          return fail(make_error(protocol::ErrorCode::NotFound,
                                 fmt::format("thread {} (from {}) is not in the database; import "
                                             "it first with `spool import`",
                                             thread_id, *path),
                                 json{{"threadId", thread_id}}));
        }
        return t;
      },
      [&session, r = share(std::move(reply)), overrides = overrides_of(p),
       exclude](ResumeLoadResult res) {
        if (!res) return (*r)(std::move(res).error());
        auto& server = session.server();
        const auto& row = res.value().thread.row;
        const std::string& id = row.thread.id;
        const ThreadSettings* current = server.settings_of(id);
        auto settings = current ? apply_overrides(server.info().config, *current, overrides)
                                : resolve_thread_settings(server.info().config, row.summary,
                                                          overrides, server.info().server_cwd);
        if (!settings) return (*r)(invalid_params(settings.error()));
        server.subscribe(session, id, settings.value());
        const LiveTurn* live = server.live_turn(id);
        if (live && live->running() && !exclude) {
          // A turn is running here: its live state replaces the stored one (rare; parsed).
          json thread = thread_json(row, true, json::parse(res.value().turns_text));
          overlay_live_turn(server, id, thread, /*with_turns=*/true);
          return (*r)(start_response(std::move(thread), settings.value()));
        }
        json thread = thread_json(row, true, json::array());
        overlay_live_turn(server, id, thread, /*with_turns=*/false);
        (*r)(splice_turns(start_response(std::move(thread), settings.value()),
                          res.value().turns_text));
      });
}

struct ForkRequest {
  std::string parent;
  std::optional<std::string> last;
  bool exclude = false;
  SettingsOverrides overrides;
  std::string fork_id;
  std::string originator;
};
struct Forked {
  StoredThread thread;
  ThreadSettings settings;
};
using ForkResult = Result<Forked, RpcError>;

// Runs on the writer: appends the fork's first events and loads it.
ForkResult fork_thread(Store& store, const ServerInfo& info, const ForkRequest& req) {
  const std::string& parent = req.parent;
  const auto& last = req.last;
  const auto& overrides = req.overrides;
  const std::string& fork_id = req.fork_id;
  const std::string& originator = req.originator;
  const bool exclude = req.exclude;
  auto parent_row = store.thread_summary(parent);
  if (!parent_row) return fail(store_failure(parent_row.error(), parent));
  if (!parent_row.value()) return fail(not_found(parent));
  auto history = store.read_history(parent);
  if (!history) return fail(store_failure(history.error(), parent));
  std::int64_t drop = 0;
  if (last) {
    const auto& turns = history.value();
    std::size_t i = 0;
    while (i < turns.size() && turns[i].turn_id != *last) ++i;
    if (i == turns.size()) {
      return fail(make_error(protocol::ErrorCode::NotFound,
                             fmt::format("turn {} not found in thread {}", *last, parent),
                             json{{"threadId", parent}, {"turnId", *last}}));
    }
    drop = static_cast<std::int64_t>(turns.size() - i - 1);
  }
  auto settings = resolve_thread_settings(info.config, parent_row.value()->summary, overrides,
                                          info.server_cwd);
  if (!settings) return fail(invalid_params(settings.error()));
  const std::int64_t now = now_ms();
  std::vector<eventstore::NewEvent> events;
  events.push_back(thread_events::session_meta({fork_id, now, settings.value().cwd, originator,
                                                info.version, settings.value().model,
                                                settings.value().model_provider, parent}));
  events.push_back(thread_events::forked(parent, parent_row.value()->thread.last_seq));
  if (drop > 0) events.push_back(thread_events::rolled_back(drop));
  events.push_back(thread_events::turn_context(settings.value(), now));
  auto appended = store.append(fork_id, 0, events);
  if (!appended) return fail(store_failure(appended.error(), fork_id));
  auto t = load_thread(store, fork_id, exclude, /*refuse_archived=*/false);
  if (!t) return fail(std::move(t).error());
  return Forked{std::move(t).value(), std::move(settings).value()};
}

void thread_fork(Session& session, const json& params, Reply reply) {
  v2::ThreadForkParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  if (p.ephemeral.value) {
    return reply(invalid_params(
        "params.ephemeral: Spool keeps every thread in its database; ephemeral forks are not supported"));
  }
  const std::string fork_id = new_uuid_v7();
  const std::string originator = session.client_name();
  const ServerInfo& info = session.server().info();  // immutable while the server runs
  session.write<ForkResult>(
      [&info, req = ForkRequest{p.threadId, p.lastTurnId, p.excludeTurns.value, overrides_of(p),
                                fork_id, originator}](Store& store) -> ForkResult {
        return fork_thread(store, info, req);
      },
      [&session, r = share(std::move(reply)), fork_id](ForkResult res) {
        if (!res) return (*r)(std::move(res).error());
        auto& f = res.value();
        session.server().subscribe(session, fork_id, f.settings);
        const json listed = thread_json(f.thread.row, true);
        (*r)(start_response(thread_json(f.thread.row, true, std::move(f.thread.turns)), f.settings));
        session.server().broadcast("thread/started", {{"thread", listed}}, "thread/started:" + fork_id);
      });
}

}  // namespace

void register_thread_start_handlers(Session& session, MessageRouter& router) {
  router.add("thread/start", [&session](const json& p, Reply r) { thread_start(session, p, std::move(r)); });
  router.add("thread/resume", [&session](const json& p, Reply r) { thread_resume(session, p, std::move(r)); });
  router.add("thread/fork", [&session](const json& p, Reply r) { thread_fork(session, p, std::move(r)); });
}

}  // namespace spool::rpc
