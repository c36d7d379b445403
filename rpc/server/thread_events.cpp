#include "rpc/server/thread_events.h"

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace spool::rpc::thread_events {
namespace {

using nlohmann::json;

eventstore::NewEvent make(std::string_view kind, const json& payload,
                          std::optional<std::int64_t> ts_ms = std::nullopt) {
  eventstore::NewEvent e;
  e.kind = std::string(kind);
  e.type = payload.at("type").get<std::string>();
  e.payload = payload.dump();
  e.ts_ms = ts_ms;
  e.payload_checked = true;  // dumped by nlohmann: valid UTF-8 JSON
  return e;
}

}  // namespace

eventstore::NewEvent session_meta(const SessionMeta& m) {
  json p = {{"id", m.thread_id},
            {"session_id", m.thread_id},
            {"timestamp", format_rfc3339_ms(m.ts_ms)},
            {"cwd", m.cwd},
            {"originator", m.originator},
            {"cli_version", m.cli_version},
            {"source", "vscode"},
            {"model", m.model},
            {"model_provider", m.model_provider}};
  if (m.forked_from_id) p["forked_from_id"] = *m.forked_from_id;
  eventstore::NewEvent e;
  e.kind = std::string(eventstore::kind::kSessionMeta);
  e.payload = p.dump(-1, ' ', false, json::error_handler_t::replace);
  e.ts_ms = m.ts_ms;
  return e;
}

eventstore::NewEvent turn_context(const ThreadSettings& s, std::int64_t ts_ms) {
  json p = {{"cwd", s.cwd},
            {"approval_policy", to_rollout_approval(s.approval_policy)},
            {"sandbox_policy", to_rollout_sandbox(s.sandbox)},
            {"model", s.model},
            {"summary", "auto"}};
  p["effort"] = s.reasoning_effort ? json(*s.reasoning_effort) : json(nullptr);
  eventstore::NewEvent e;
  e.kind = std::string(eventstore::kind::kTurnContext);
  e.payload = p.dump(-1, ' ', false, json::error_handler_t::replace);
  e.ts_ms = ts_ms;
  return e;
}

eventstore::NewEvent name_updated(const std::string& thread_id, const std::string& name) {
  return make(eventstore::kind::kEventMsg,
              {{"type", "thread_name_updated"}, {"thread_id", thread_id}, {"thread_name", name}});
}

eventstore::NewEvent archive_flag(bool archived) {
  return make(eventstore::kind::kSpool,
              {{"type", archived ? "thread_archived" : "thread_unarchived"}, {"reason", "request"}});
}

eventstore::NewEvent forked(const std::string& parent_id, std::int64_t through_seq) {
  return make(eventstore::kind::kSpool, {{"type", "thread_forked"},
                                         {"forked_from_id", parent_id},
                                         {"through_seq", through_seq}});
}

eventstore::NewEvent rolled_back(std::int64_t num_turns) {
  return make(eventstore::kind::kEventMsg, {{"type", "thread_rolled_back"}, {"num_turns", num_turns}});
}

}  // namespace spool::rpc::thread_events
