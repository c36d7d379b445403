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
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/spool_config.h"
#include "rpc/server/db_executor.h"
#include "rpc/server/thread_settings.h"
#include "rpc/transport/transport.h"

namespace spool::rpc {

class Session;

struct ServerInfo {
  config::SpoolConfig config;
  std::string home;        // $SPOOL_HOME, reported as initialize's codexHome
  std::string version;     // Spool's version, in userAgent and session_meta.cli_version
  std::string server_cwd;  // the default cwd of new threads
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

  // --- lifetime ---
  // Stops taking requests: each session answers what is in flight, then closes. `done`
  // runs once every session has closed (at once if none is open).
  void shutdown(std::function<void()> done);
  std::size_t session_count() const { return sessions_.size(); }

 private:
  friend class Session;
  void add_session(Session* s);
  void remove_session(Session* s);

  struct LoadedThread {
    ThreadSettings settings;
    std::set<Session*> subscribers;
  };

  DbExecutor& db_;
  ServerInfo info_;
  std::set<Session*> sessions_;
  std::map<std::string, LoadedThread> loaded_;
  bool shutting_down_ = false;
  std::function<void()> on_all_closed_;
};

}  // namespace spool::rpc
