#include "rpc/server/app_server.h"

#include <algorithm>

#include "rpc/server/session.h"

namespace spool::rpc {

AppServer::AppServer(DbExecutor& db, ServerInfo info) : db_(db), info_(std::move(info)) {}

AppServer::~AppServer() = default;

HandlerFactory AppServer::handler_factory() {
  return [this](Connection& connection) -> std::unique_ptr<ConnectionHandler> {
    auto session = std::make_unique<Session>(*this, connection);
    if (shutting_down_) session->close_when_idle();
    return session;
  };
}

void AppServer::add_session(Session* s) { sessions_.insert(s); }

void AppServer::remove_session(Session* s) {
  sessions_.erase(s);
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    it->second.subscribers.erase(s);
    it = it->second.subscribers.empty() ? loaded_.erase(it) : std::next(it);
  }
  if (shutting_down_ && sessions_.empty() && on_all_closed_) {
    auto done = std::move(on_all_closed_);
    on_all_closed_ = nullptr;
    done();
  }
}

bool AppServer::is_loaded(const std::string& thread_id) const {
  return loaded_.count(thread_id) != 0;
}

const ThreadSettings* AppServer::settings_of(const std::string& thread_id) const {
  const auto it = loaded_.find(thread_id);
  return it == loaded_.end() ? nullptr : &it->second.settings;
}

void AppServer::subscribe(Session& session, const std::string& thread_id, ThreadSettings settings) {
  auto& t = loaded_[thread_id];
  t.settings = std::move(settings);
  t.subscribers.insert(&session);
}

AppServer::Unsubscribed AppServer::unsubscribe(Session& session, const std::string& thread_id) {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return Unsubscribed::NotLoaded;
  if (it->second.subscribers.erase(&session) == 0) return Unsubscribed::NotSubscribed;
  if (it->second.subscribers.empty()) loaded_.erase(it);
  return Unsubscribed::Unsubscribed;
}

void AppServer::unload(const std::string& thread_id) {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return;
  const nlohmann::json params = {{"threadId", thread_id}, {"status", {{"type", "notLoaded"}}}};
  const auto subscribers = std::move(it->second.subscribers);
  loaded_.erase(it);
  for (Session* s : subscribers) {
    s->notify("thread/status/changed", params, "thread/status/changed:" + thread_id);
  }
}

std::vector<std::string> AppServer::loaded_thread_ids() const {
  std::vector<std::string> ids;
  ids.reserve(loaded_.size());
  for (const auto& [id, t] : loaded_) ids.push_back(id);
  return ids;  // std::map: already sorted
}

void AppServer::broadcast(std::string_view method, const nlohmann::json& params,
                          const std::string& key) {
  for (Session* s : sessions_) s->notify(method, params, key);
}

void AppServer::publish(const std::string& thread_id, std::string_view method,
                        const nlohmann::json& params, const std::string& key, bool droppable) {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return;
  for (Session* s : it->second.subscribers) s->notify(method, params, key, droppable);
}

void AppServer::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  on_all_closed_ = std::move(done);
  if (sessions_.empty()) {
    auto d = std::move(on_all_closed_);
    on_all_closed_ = nullptr;
    if (d) d();
    return;
  }
  // close_when_idle may close (and remove) a session at once: iterate over a copy.
  const std::vector<Session*> open(sessions_.begin(), sessions_.end());
  for (Session* s : open) s->close_when_idle();
}

}  // namespace spool::rpc
