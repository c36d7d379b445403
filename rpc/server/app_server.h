// AppServer: the state `spool serve` shares between its client sessions: the database
// executor, the configuration, the loaded threads with their subscribers, and the fan-out
// of notifications.
//
// A thread is loaded while at least one session is subscribed to it (thread/start,
// thread/resume and thread/fork subscribe the caller; thread/unsubscribe, archive, delete
// and a closed connection end subscriptions). Loaded threads report status "idle", others
// "notLoaded". A loaded thread keeps the settings its last start/resume/fork resolved:
// later turns run with them.
//
// Fan-out: list-level changes (thread/started, archived, unarchived, deleted, name/updated,
// reverted) go to every initialized session; per-thread changes go to the thread's
// subscribers. Each session sends them through its NotificationOutbox (bounded, coalescing)
// and leaves out the methods it opted out of at initialize.
//
// Threading: loop thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/spool_config.h"
#include "engine/http_client.h"
#include "engine/turn/turn_runner.h"
#include "protocol/v2/account.h"
#include "protocol/v2/thread_methods.h"
#include "rpc/server/db_executor.h"
#include "rpc/server/thread_settings.h"
#include "rpc/server/turn_lease_guard.h"
#include "rpc/transport/transport.h"

struct uv_loop_s;

namespace spool::rpc {

class AccountState;
class LiveTurn;
class ProviderModels;
class Session;

struct ServerInfo {
  config::SpoolConfig config;
  std::string home;        // $SPOOL_HOME, reported as initialize's codexHome
  std::string version;     // Spool's version, in userAgent and session_meta.cli_version
  std::string server_cwd;  // the default cwd of new threads
  std::string auth_file;   // where the sign-in is stored ($SPOOL_HOME/auth.json)
};

class AppServer {
 public:
  AppServer(DbExecutor& db, ServerInfo info);
  ~AppServer();
  AppServer(const AppServer&) = delete;
  AppServer& operator=(const AppServer&) = delete;

  // Makes the session for each connection the transports accept.
  HandlerFactory handler_factory();

  DbExecutor& db() { return db_; }
  const ServerInfo& info() const { return info_; }

  // --- loaded threads ---
  bool is_loaded(const std::string& thread_id) const;
  const ThreadSettings* settings_of(const std::string& thread_id) const;
  void subscribe(Session& session, const std::string& thread_id, ThreadSettings settings);
  enum class Unsubscribed { NotLoaded, NotSubscribed, Unsubscribed };
  Unsubscribed unsubscribe(Session& session, const std::string& thread_id);
  // Ends every subscription to the thread (archived or deleted); subscribers get
  // thread/status/changed notLoaded.
  void unload(const std::string& thread_id);
  std::vector<std::string> loaded_thread_ids() const;  // sorted

  // --- fan-out ---
  // `key` names the state the notification reports (see NotificationOutbox).
  void broadcast(std::string_view method, const nlohmann::json& params, const std::string& key);
  void publish(const std::string& thread_id, std::string_view method, const nlohmann::json& params,
               const std::string& key, bool droppable = false);

  // --- live turns (rpc/server/live_turn.h) ---
  // Turns need the loop (for the model's HTTP client and commands); without this call
  // turn/start answers that turns are not available.
  void enable_turns(uv_loop_s* loop);
  bool turns_enabled() const { return http_ != nullptr; }
  uv_loop_s* loop() { return loop_; }
  engine::HttpClient& http() { return *http_; }
  // The thread's running turn, or null.
  LiveTurn* live_turn(const std::string& thread_id);
  // Registers a new turn of a loaded thread. REQUIRES: is_loaded, no live turn, and
  // turn_reserved() was called for it (the reservation ends here).
  LiveTurn& add_live_turn(const std::string& thread_id, Session* starter);
  // turn/start reserves the thread while it reads the history, so that a second turn/start
  // is refused meanwhile. False when a turn runs or is reserved already.
  bool reserve_turn(const std::string& thread_id);
  void release_turn_reservation(const std::string& thread_id);
  bool turn_reserved(const std::string& thread_id) const;
  // The thread's lease across processes (rpc/server/turn_lease_guard.h): turn/start takes it
  // before add_live_turn; the server releases it when the turn is over.
  TurnLeaseGuard& turn_leases() { return turn_leases_; }
  // What the loaded thread's turns share: commands accepted for the session, token totals.
  std::shared_ptr<engine::SessionApprovals> session_approvals(const std::string& thread_id);
  std::optional<protocol::v2::TokenUsageBreakdown> token_total(const std::string& thread_id) const;
  void set_token_total(const std::string& thread_id, protocol::v2::TokenUsageBreakdown total);
  void set_settings(const std::string& thread_id, ThreadSettings settings);
  std::vector<Session*> subscribers_of(const std::string& thread_id) const;

  // --- the account: sign-in, rate limits (rpc/server/account_state.h) ---
  AccountState& account() { return *account_; }
  // The providers' own model lists (GET /models), cached for model/list.
  ProviderModels& provider_models() { return *provider_models_; }

  // --- lifetime ---
  // Stops taking requests: running turns are interrupted, each session answers what is in
  // flight, then closes. `done` runs once every session has closed and every turn has
  // stored its last event (at once if there are none).
  void shutdown(std::function<void()> done);
  std::size_t session_count() const { return sessions_.size(); }

 private:
  friend class Session;
  void add_session(Session* s);
  void remove_session(Session* s);
  // A thread lost its last subscriber: its running turn is interrupted (no client can see
  // it or answer its approvals any more).
  void on_unloaded(const std::string& thread_id);
  void turn_over(const std::string& thread_id);
  void maybe_all_closed();

  struct LoadedThread {
    ThreadSettings settings;
    std::set<Session*> subscribers;
    std::shared_ptr<engine::SessionApprovals> approvals;
    std::optional<protocol::v2::TokenUsageBreakdown> token_total;
  };

  DbExecutor& db_;
  ServerInfo info_;
  std::set<Session*> sessions_;
  std::map<std::string, LoadedThread> loaded_;
  bool shutting_down_ = false;
  std::function<void()> on_all_closed_;

  uv_loop_s* loop_ = nullptr;
  std::unique_ptr<engine::HttpClient> http_;
  std::map<std::string, std::unique_ptr<LiveTurn>> turns_;
  std::set<std::string> reserved_turns_;
  TurnLeaseGuard turn_leases_;
  std::unique_ptr<AccountState> account_;
  std::unique_ptr<ProviderModels> provider_models_;
};

}  // namespace spool::rpc
