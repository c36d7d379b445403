// thread/read, thread/list, thread/turns/list, thread/loaded/list, thread/unsubscribe: the
// methods that only read (the database on a reader thread, or the server's loaded set).
#include <fmt/format.h>

#include <algorithm>

#include "base/uuid.h"
#include "protocol/v2/thread_methods.h"
#include "rpc/server/live_turn.h"
#include "rpc/server/session.h"
#include "rpc/server/thread_handler_support.h"
#include "rpc/server/turn_handlers.h"
#include "rpc/server/thread_handlers.h"
#include "views/served_history.h"

namespace spool::rpc {
namespace {

namespace v2 = protocol::v2;
using eventstore::Store;
using nlohmann::json;

void thread_read(Session& session, const json& params, Reply reply) {
  v2::ThreadReadParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  session.read<StoredThreadResult>(
      [id = p.threadId, with_turns = p.includeTurns.value](Store& store) -> StoredThreadResult {
        auto row = store.thread_summary(id);
        if (!row) return fail(store_failure(row.error(), id));
        if (!row.value()) return fail(not_found(id));
        StoredThread t{std::move(*row.value()), json::array()};
        if (with_turns) {
          auto history = store.read_history(id);
          if (!history) return fail(store_failure(history.error(), id));
          t.turns = views::served_turns(history.value(), /*running=*/false);
        }
        return t;
      },
      [&session, r = share(std::move(reply)), with_turns = p.includeTurns.value](StoredThreadResult res) {
        if (!res) return (*r)(std::move(res).error());
        auto& t = res.value();
        const bool loaded = session.server().is_loaded(t.row.thread.id);
        json thread = thread_json(t.row, loaded, std::move(t.turns));
        overlay_live_turn(session.server(), t.row.thread.id, thread, with_turns);
        (*r)(json{{"thread", std::move(thread)}});
      });
}

// The stored source values a v2 source kind stands for (see projections' source_of).
void add_sources(v2::ThreadSourceKind kind, std::vector<std::string>& out) {
  switch (kind) {
    case v2::ThreadSourceKind::Cli: out.push_back("cli"); break;
    case v2::ThreadSourceKind::Vscode: out.push_back("vscode"); break;
    case v2::ThreadSourceKind::Exec: out.push_back("exec"); break;
    case v2::ThreadSourceKind::AppServer:
      out.push_back("appServer");
      out.push_back("mcp");  // 0.60.1's name for it
      break;
    case v2::ThreadSourceKind::SubAgent:
    case v2::ThreadSourceKind::SubAgentReview:
    case v2::ThreadSourceKind::SubAgentCompact:
    case v2::ThreadSourceKind::SubAgentThreadSpawn:
    case v2::ThreadSourceKind::SubAgentOther:
      out.push_back("subAgent");  // the summary keeps sub-agent sources as one value
      break;
    case v2::ThreadSourceKind::Unknown: out.push_back("unknown"); break;
  }
}

void thread_list(Session& session, const json& params, Reply reply) {
  v2::ThreadListParams p;
  if (!decode_params(params, p, reply)) return;
  eventstore::ThreadListQuery q;
  q.limit = page_limit(p.limit);
  q.sort_key = p.sortKey.value_or(v2::ThreadSortKey::CreatedAt) == v2::ThreadSortKey::CreatedAt
                   ? eventstore::ThreadSortKey::CreatedAt
                   : eventstore::ThreadSortKey::UpdatedAt;  // recency_at is updated_at here
  q.order = p.sortDirection.value_or(v2::SortDirection::Desc) == v2::SortDirection::Asc
                ? eventstore::SortOrder::Ascending
                : eventstore::SortOrder::Descending;
  if (p.cursor) {
    auto at = decode_list_cursor(*p.cursor, q.sort_key);
    if (!at) return reply(invalid_params(at.error()));
    q.after = std::move(at).value();
  }
  // Absent (or null): the configured default provider's threads only; [] : every provider.
  if (!p.modelProviders) {
    q.model_providers = {session.server().info().config.model_provider};
  } else {
    q.model_providers = *p.modelProviders;
  }
  // Absent or empty: the interactive sources, as Codex lists them.
  if (!p.sourceKinds || p.sourceKinds->empty()) {
    q.sources = {"cli", "vscode"};
  } else {
    for (auto k : *p.sourceKinds) add_sources(k, q.sources);
  }
  q.archived = p.archived.value_or(false);
  if (p.cwd) q.cwds = p.cwd->paths;
  if (p.searchTerm && !p.searchTerm->empty()) q.search_term = p.searchTerm;

  using PageResult = Result<eventstore::ThreadListPage, RpcError>;
  session.read<PageResult>(
      [q](Store& store) -> PageResult {
        auto page = store.list_threads(q);
        if (!page) return fail(store_failure(page.error()));
        return std::move(page).value();
      },
      [&session, r = share(std::move(reply)), key = q.sort_key](PageResult res) {
        if (!res) return (*r)(std::move(res).error());
        const auto& page = res.value();
        json data = json::array();
        for (const auto& row : page.rows) {
          data.push_back(thread_json(row, session.server().is_loaded(row.thread.id)));
        }
        auto position = [key](const eventstore::ThreadListRow& row) {
          return eventstore::ThreadListPosition{
              key == eventstore::ThreadSortKey::CreatedAt ? row.thread.created_at_ms
                                                          : row.thread.updated_at_ms,
              row.thread.id};
        };
        json out = {{"data", std::move(data)}};
        out["nextCursor"] = page.has_more && !page.rows.empty()
                                ? json(encode_list_cursor(key, position(page.rows.back())))
                                : json(nullptr);
        out["backwardsCursor"] = page.rows.empty()
                                     ? json(nullptr)
                                     : json(encode_list_cursor(key, position(page.rows.front())));
        (*r)(std::move(out));
      });
}

// Only the items a summary view shows: the first user message and the last agent message.
json summary_items(const json& items) {
  json out = json::array();
  const json* first_user = nullptr;
  const json* last_agent = nullptr;
  for (const auto& item : items) {
    const auto type = item.value("type", "");
    if (type == "userMessage" && !first_user) first_user = &item;
    if (type == "agentMessage") last_agent = &item;
  }
  if (first_user) out.push_back(*first_user);
  if (last_agent) out.push_back(*last_agent);
  return out;
}

void thread_turns_list(Session& session, const json& params, Reply reply) {
  v2::ThreadTurnsListParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  eventstore::TurnPageQuery q;
  q.limit = page_limit(p.limit);
  // Codex pages turns newest first unless asked otherwise.
  q.order = p.sortDirection.value_or(v2::SortDirection::Desc) == v2::SortDirection::Asc
                ? eventstore::SortOrder::Ascending
                : eventstore::SortOrder::Descending;
  if (p.cursor) {
    auto at = decode_turn_cursor(*p.cursor);
    if (!at) return reply(invalid_params(at.error()));
    q.after_ordinal = at.value();
  }
  const auto view = p.itemsView.value_or(v2::TurnItemsView::Summary);
  session.read<JobResult>(
      [id = p.threadId, q, view](Store& store) -> JobResult {
        auto row = store.thread(id);
        if (!row) return fail(store_failure(row.error(), id));
        if (!row.value()) return fail(not_found(id));
        auto page = store.list_turns(id, q);
        if (!page) return fail(store_failure(page.error(), id));
        std::vector<eventstore::HistoryTurnRow> rows;
        for (const auto& [ordinal, turn] : page.value().turns) rows.push_back(turn);
        json turns = views::served_turns(rows, /*running=*/false);
        for (auto& t : turns) {
          if (view == v2::TurnItemsView::NotLoaded) {
            t["items"] = json::array();
          } else if (view == v2::TurnItemsView::Summary) {
            t["items"] = summary_items(t["items"]);
          }
          t["itemsView"] = protocol::to_json_value(view);
        }
        const auto& list = page.value().turns;
        json out = {{"data", std::move(turns)}};
        out["nextCursor"] = page.value().has_more && !list.empty()
                                ? json(encode_turn_cursor(list.back().first))
                                : json(nullptr);
        out["backwardsCursor"] =
            list.empty() ? json(nullptr) : json(encode_turn_cursor(list.front().first));
        return out;
      },
      [&session, r = share(std::move(reply)), id = p.threadId, view](JobResult res) {
        if (!res) return (*r)(std::move(res).error());
        json out = std::move(res).value();
        // The running turn as notified so far, not as stored (in progress, it reads as
        // interrupted there).
        if (LiveTurn* live = session.server().live_turn(id); live && live->running()) {
          for (auto& t : out["data"]) {
            if (t.value("id", "") != live->turn_id()) continue;
            json snapshot = live->snapshot();
            if (view == v2::TurnItemsView::NotLoaded) {
              snapshot["items"] = json::array();
            } else if (view == v2::TurnItemsView::Summary) {
              snapshot["items"] = summary_items(snapshot["items"]);
            }
            snapshot["itemsView"] = protocol::to_json_value(view);
            t = std::move(snapshot);
          }
        }
        (*r)(std::move(out));
      });
}

void thread_loaded_list(Session& session, const json& params, Reply reply) {
  v2::ThreadLoadedListParams p;
  if (!decode_params(params, p, reply)) return;
  if (p.cursor && !is_uuid(*p.cursor)) {
    return reply(invalid_params(fmt::format("params.cursor: not a cursor from thread/loaded/list: {}",
                                            json(*p.cursor).dump())));
  }
  const int limit = page_limit(p.limit, 100, 1000);
  const auto ids = session.server().loaded_thread_ids();
  auto it = p.cursor ? std::upper_bound(ids.begin(), ids.end(), *p.cursor) : ids.begin();
  json data = json::array();
  for (; it != ids.end() && static_cast<int>(data.size()) < limit; ++it) data.push_back(*it);
  json out = {{"data", data}};
  out["nextCursor"] = it != ids.end() ? json(data.back()) : json(nullptr);
  reply(std::move(out));
}

void thread_unsubscribe(Session& session, const json& params, Reply reply) {
  v2::ThreadUnsubscribeParams p;
  if (!decode_params(params, p, reply)) return;
  if (auto bad = check_thread_id(p.threadId)) return reply(std::move(*bad));
  v2::ThreadUnsubscribeResponse r;
  switch (session.server().unsubscribe(session, p.threadId)) {
    case AppServer::Unsubscribed::NotLoaded: r.status = v2::ThreadUnsubscribeStatus::NotLoaded; break;
    case AppServer::Unsubscribed::NotSubscribed: r.status = v2::ThreadUnsubscribeStatus::NotSubscribed; break;
    case AppServer::Unsubscribed::Unsubscribed: r.status = v2::ThreadUnsubscribeStatus::Unsubscribed; break;
  }
  reply(protocol::to_json_value(r));
}

}  // namespace

void register_thread_query_handlers(Session& session, MessageRouter& router) {
  router.add("thread/read", [&session](const json& p, Reply r) { thread_read(session, p, std::move(r)); });
  router.add("thread/list", [&session](const json& p, Reply r) { thread_list(session, p, std::move(r)); });
  router.add("thread/turns/list", [&session](const json& p, Reply r) { thread_turns_list(session, p, std::move(r)); });
  router.add("thread/loaded/list", [&session](const json& p, Reply r) { thread_loaded_list(session, p, std::move(r)); });
  router.add("thread/unsubscribe", [&session](const json& p, Reply r) { thread_unsubscribe(session, p, std::move(r)); });
}

}  // namespace spool::rpc
