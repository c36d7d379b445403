#include "rpc/server/app_server.h"

#include <algorithm>

#include "rpc/server/account_state.h"
#include "rpc/server/live_turn.h"
#include "rpc/server/provider_models.h"
#include "rpc/server/session.h"

namespace spool::rpc {

AppServer::AppServer(DbExecutor& db, ServerInfo info)
    : db_(db),
      info_(std::move(info)),
      turn_leases_(db),
      account_(std::make_unique<AccountState>(
          *this, info_.auth_file.empty() ? std::filesystem::path(info_.home) / "auth.json"
                                         : std::filesystem::path(info_.auth_file))) {
  account_->load();
  provider_models_ = std::make_unique<ProviderModels>(*this);
}

AppServer::~AppServer() {
  turns_.clear();  // kills running commands; no more callbacks
  account_->close();
}

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
  std::vector<std::string> unloaded;
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    it->second.subscribers.erase(s);
    if (it->second.subscribers.empty()) {
      unloaded.push_back(it->first);
      it = loaded_.erase(it);
    } else {
      ++it;
    }
  }
  // Turns may end (and be erased) inside session_closed / on_unloaded: go by thread id.
  std::vector<std::string> live;
  for (const auto& [id, turn] : turns_) live.push_back(id);
  for (const auto& id : live) {
    if (LiveTurn* t = live_turn(id)) t->session_closed(s);
  }
  for (const auto& id : unloaded) on_unloaded(id);
  maybe_all_closed();
}

void AppServer::maybe_all_closed() {
  if (shutting_down_ && sessions_.empty() && turns_.empty() && on_all_closed_) {
    auto done = std::move(on_all_closed_);
    on_all_closed_ = nullptr;
    if (http_) http_->close();
    done();
  }
}

void AppServer::on_unloaded(const std::string& thread_id) {
  if (LiveTurn* t = live_turn(thread_id)) t->interrupt();
}

void AppServer::enable_turns(uv_loop_s* loop) {
  loop_ = loop;
  http_ = std::make_unique<engine::HttpClient>(loop);
}

LiveTurn* AppServer::live_turn(const std::string& thread_id) {
  const auto it = turns_.find(thread_id);
  return it == turns_.end() ? nullptr : it->second.get();
}

LiveTurn& AppServer::add_live_turn(const std::string& thread_id, Session* starter) {
  reserved_turns_.erase(thread_id);
  auto turn = std::make_unique<LiveTurn>(*this, thread_id, starter,
                                         [this, thread_id] { turn_over(thread_id); });
  LiveTurn& ref = *turn;
  turns_[thread_id] = std::move(turn);
  return ref;
}

void AppServer::turn_over(const std::string& thread_id) {
  turns_.erase(thread_id);
  maybe_all_closed();
}

bool AppServer::reserve_turn(const std::string& thread_id) {
  if (turns_.count(thread_id) != 0) return false;
  return reserved_turns_.insert(thread_id).second;
}

void AppServer::release_turn_reservation(const std::string& thread_id) {
  reserved_turns_.erase(thread_id);
  maybe_all_closed();
}

bool AppServer::turn_reserved(const std::string& thread_id) const {
  return reserved_turns_.count(thread_id) != 0;
}

std::shared_ptr<engine::SessionApprovals> AppServer::session_approvals(const std::string& thread_id) {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return std::make_shared<engine::SessionApprovals>();
  if (!it->second.approvals) it->second.approvals = std::make_shared<engine::SessionApprovals>();
  return it->second.approvals;
}

std::optional<protocol::v2::TokenUsageBreakdown> AppServer::token_total(
    const std::string& thread_id) const {
  const auto it = loaded_.find(thread_id);
  return it == loaded_.end() ? std::nullopt : it->second.token_total;
}

void AppServer::set_token_total(const std::string& thread_id, protocol::v2::TokenUsageBreakdown total) {
  const auto it = loaded_.find(thread_id);
  if (it != loaded_.end()) it->second.token_total = total;
}

void AppServer::set_settings(const std::string& thread_id, ThreadSettings settings) {
  const auto it = loaded_.find(thread_id);
  if (it != loaded_.end()) it->second.settings = std::move(settings);
}

std::vector<Session*> AppServer::subscribers_of(const std::string& thread_id) const {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return {};
  return {it->second.subscribers.begin(), it->second.subscribers.end()};
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
  if (it->second.subscribers.empty()) {
    loaded_.erase(it);
    on_unloaded(thread_id);
  }
  return Unsubscribed::Unsubscribed;
}

void AppServer::unload(const std::string& thread_id) {
  const auto it = loaded_.find(thread_id);
  if (it == loaded_.end()) return;
  const nlohmann::json params = {{"threadId", thread_id}, {"status", {{"type", "notLoaded"}}}};
  const auto subscribers = std::move(it->second.subscribers);
  loaded_.erase(it);
  if (LiveTurn* t = live_turn(thread_id)) {
    t->keep_subscribers({subscribers.begin(), subscribers.end()});
  }
  for (Session* s : subscribers) {
    s->notify("thread/status/changed", params, "thread/status/changed:" + thread_id);
  }
  on_unloaded(thread_id);
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
  account_->close();
  std::vector<std::string> live;
  for (const auto& [id, turn] : turns_) live.push_back(id);
  for (const auto& id : live) {
    if (LiveTurn* t = live_turn(id)) t->interrupt();
  }
  if (sessions_.empty()) {
    maybe_all_closed();
    return;
  }
  // close_when_idle may close (and remove) a session at once: iterate over a copy.
  const std::vector<Session*> open(sessions_.begin(), sessions_.end());
  for (Session* s : open) s->close_when_idle();
}

}  // namespace spool::rpc
