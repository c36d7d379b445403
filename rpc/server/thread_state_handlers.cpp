// thread/archive, thread/unarchive, thread/name/set, thread/delete, thread/revert: the
// methods that change a thread's state by appending to its log (or, for delete, removing it).
//
// Each reads the thread's row and appends with expected_last_seq = the row's last seq, in
// one writer job: a change made meanwhile by another process (spool import) makes the
// append fail with a conflict instead of acting on a stale state.
#include <fmt/format.h>

#include "protocol/v2/thread_methods.h"
#include "rpc/server/live_turn.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_events.h"
#include "rpc/server/thread_handler_support.h"
#include "rpc/server/thread_handlers.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using eventstore::Store;
using nlohmann::json;

// The thread's row, or NotFound.
Result<eventstore::ThreadRow, RpcError> existing(Store& store, const std::string& id) {
  auto row = store.thread(id);
  if (!row) return fail(store_failure(row.error(), id));
  if (!row.value()) return fail(not_found(id));
  return *row.value();
}

Result<void, RpcError> append_one(Store& store, const eventstore::ThreadRow& row,
                                  eventstore::NewEvent event) {
  auto r = store.append(row.id, row.last_seq, std::span(&event, 1));
  if (!r) {
    if (r.error().code == eventstore::StoreErrorCode::Conflict) {
      return fail(conflict(fmt::format("thread {} changed while the request ran; try again", row.id),
                           row.id));
    }
    return fail(store_failure(r.error(), row.id));
  }
  return {};
}

// Deleting or reverting a thread under a running turn would lose what the turn writes next.
bool refuse_while_running(Session& session, const std::string& id, std::string_view what,
                          Reply& reply) {
  if (!session.server().live_turn(id) && !session.server().turn_reserved(id)) return false;
  reply(conflict(fmt::format("thread {} has a turn in progress; interrupt it (turn/interrupt) or "
                             "wait for turn/completed before {}",
                             id, what),
                 id));
  return true;
}

template <class P>
bool decode_with_id(const json& params, P& p, Reply& reply) {
  if (!decode_params(params, p, reply)) return false;
  if (auto bad = check_thread_id(p.threadId)) {
    reply(std::move(*bad));
    return false;
  }
  return true;
}

void thread_archive(Session& session, const json& params, Reply reply) {
  v2::ThreadArchiveParams p;
  if (!decode_with_id(params, p, reply)) return;
  session.write<JobResult>(
      [id = p.threadId](Store& store) -> JobResult {
        auto row = existing(store, id);
        if (!row) return fail(std::move(row).error());
        if (row.value().archived_at_ms) {
          return fail(conflict(fmt::format("thread {} is already archived", id), id));
        }
        if (auto r = append_one(store, row.value(), thread_events::archive_flag(true)); !r) {
          return fail(std::move(r).error());
        }
        return json::object();
      },
      [&session, r = share(std::move(reply)), id = p.threadId](JobResult res) {
        if (!res) return (*r)(std::move(res).error());
        session.server().unload(id);
        (*r)(json::object());
        session.server().broadcast("thread/archived", {{"threadId", id}}, "thread/archive:" + id);
      });
}

void thread_unarchive(Session& session, const json& params, Reply reply) {
  v2::ThreadUnarchiveParams p;
  if (!decode_with_id(params, p, reply)) return;
  using RowResult = Result<eventstore::ThreadListRow, RpcError>;
  session.write<RowResult>(
      [id = p.threadId](Store& store) -> RowResult {
        auto row = existing(store, id);
        if (!row) return fail(std::move(row).error());
        if (!row.value().archived_at_ms) {
          return fail(conflict(fmt::format("thread {} is not archived", id), id));
        }
        if (auto r = append_one(store, row.value(), thread_events::archive_flag(false)); !r) {
          return fail(std::move(r).error());
        }
        auto summary = store.thread_summary(id);
        if (!summary) return fail(store_failure(summary.error(), id));
        if (!summary.value()) return fail(not_found(id));
        return std::move(*summary.value());
      },
      [&session, r = share(std::move(reply)), id = p.threadId](RowResult res) {
        if (!res) return (*r)(std::move(res).error());
        (*r)(json{{"thread", thread_json(res.value(), session.server().is_loaded(id))}});
        session.server().broadcast("thread/unarchived", {{"threadId", id}}, "thread/archive:" + id);
      });
}

void thread_set_name(Session& session, const json& params, Reply reply) {
  v2::ThreadSetNameParams p;
  if (!decode_with_id(params, p, reply)) return;
  const auto first = p.name.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return reply(invalid_params("params.name: must not be empty"));
  const auto last = p.name.find_last_not_of(" \t\r\n");
  std::string name = p.name.substr(first, last - first + 1);
  session.write<JobResult>(
      [id = p.threadId, name](Store& store) -> JobResult {
        auto row = existing(store, id);
        if (!row) return fail(std::move(row).error());
        if (auto r = append_one(store, row.value(), thread_events::name_updated(id, name)); !r) {
          return fail(std::move(r).error());
        }
        return json::object();
      },
      [&session, r = share(std::move(reply)), id = p.threadId, name](JobResult res) {
        if (!res) return (*r)(std::move(res).error());
        (*r)(json::object());
        session.server().broadcast("thread/name/updated", {{"threadId", id}, {"threadName", name}},
                                   "thread/name/updated:" + id);
      });
}

void thread_delete(Session& session, const json& params, Reply reply) {
  v2::ThreadDeleteParams p;
  if (!decode_with_id(params, p, reply)) return;
  if (refuse_while_running(session, p.threadId, "deleting it", reply)) return;
  session.write<JobResult>(
      [id = p.threadId](Store& store) -> JobResult {
        auto r = store.delete_thread(id);
        if (!r) return fail(store_failure(r.error(), id));
        return json::object();
      },
      [&session, r = share(std::move(reply)), id = p.threadId](JobResult res) {
        if (!res) return (*r)(std::move(res).error());
        session.server().unload(id);
        (*r)(json::object());
        session.server().broadcast("thread/deleted", {{"threadId", id}}, "thread/deleted:" + id);
      });
}

void thread_revert(Session& session, const json& params, Reply reply) {
  v2::ThreadRevertParams p;
  if (!decode_with_id(params, p, reply)) return;
  if (refuse_while_running(session, p.threadId, "reverting it", reply)) return;
  struct Reverted {
    eventstore::ThreadListRow row;
    std::size_t kept = 0;
  };
  using RevertResult = Result<Reverted, RpcError>;
  session.write<RevertResult>(
      [id = p.threadId, before = p.beforeTurnId](Store& store) -> RevertResult {
        auto row = existing(store, id);
        if (!row) return fail(std::move(row).error());
        if (row.value().archived_at_ms) {
          return fail(conflict(fmt::format("thread {} is archived; unarchive it first (thread/unarchive)", id), id));
        }
        auto history = store.read_history(id);
        if (!history) return fail(store_failure(history.error(), id));
        const auto& turns = history.value();
        std::size_t i = 0;
        while (i < turns.size() && turns[i].turn_id != before) ++i;
        if (i == turns.size()) {
          return fail(make_error(protocol::ErrorCode::NotFound,
                                 fmt::format("turn {} not found in thread {}", before, id),
                                 json{{"threadId", id}, {"turnId", before}}));
        }
        const auto drop = static_cast<std::int64_t>(turns.size() - i);
        if (auto r = append_one(store, row.value(), thread_events::rolled_back(drop)); !r) {
          return fail(std::move(r).error());
        }
        auto summary = store.thread_summary(id);
        if (!summary) return fail(store_failure(summary.error(), id));
        if (!summary.value()) return fail(not_found(id));
        return Reverted{std::move(*summary.value()), i};
      },
      [&session, r = share(std::move(reply)), id = p.threadId](RevertResult res) {
        if (!res) return (*r)(std::move(res).error());
        const auto& v = res.value();
        json out = {{"thread", thread_json(v.row, session.server().is_loaded(id))}};
        out["turnsBackwardsCursor"] =
            v.kept > 0 ? json(encode_turn_cursor(static_cast<std::int64_t>(v.kept))) : json(nullptr);
        (*r)(std::move(out));
        session.server().broadcast("thread/reverted", {{"threadId", id}}, "thread/reverted:" + id);
      });
}

}  // namespace

void register_thread_state_handlers(Session& session, MessageRouter& router) {
  router.add("thread/archive", [&session](const json& p, Reply r) { thread_archive(session, p, std::move(r)); });
  router.add("thread/unarchive", [&session](const json& p, Reply r) { thread_unarchive(session, p, std::move(r)); });
  router.add("thread/name/set", [&session](const json& p, Reply r) { thread_set_name(session, p, std::move(r)); });
  router.add("thread/delete", [&session](const json& p, Reply r) { thread_delete(session, p, std::move(r)); });
  router.add("thread/revert", [&session](const json& p, Reply r) { thread_revert(session, p, std::move(r)); });
}

}  // namespace spool::rpc
