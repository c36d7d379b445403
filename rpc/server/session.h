// Session: one client connection's JSON-RPC session (a ConnectionHandler).
//
// It owns the connection's MessageRouter (strict JSON-RPC 2.0, the initialize gate) with
// every served method registered, and its NotificationOutbox. Database work goes through
// read()/write(), which count the jobs in flight: after the peer's EOF (or a server
// shutdown) the session closes its connection once the last one has been answered, so every
// request gets its answer before the connection closes.
//
// Threading: loop thread only. Jobs' `done` callbacks run on the loop; if the session is
// gone by then (the connection broke), they are not called and what they captured (a
// Reply) is just destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/message_router.h"
#include "rpc/server/app_server.h"
#include "rpc/server/notification_outbox.h"
#include "rpc/transport/transport.h"

namespace spool::rpc {

class Session final : public ConnectionHandler {
 public:
  Session(AppServer& server, Connection& connection);
  ~Session() override;

  void on_line(std::string_view line) override;
  void on_oversized_line(std::size_t max_line_bytes) override;
  void on_drained() override;
  void on_eof() override;
  void on_closed() override;

  AppServer& server() { return server_; }
  // The client's name from initialize ("" before), recorded as a new thread's originator.
  const std::string& client_name() const { return client_name_; }
  bool initialized() const { return router_.initialized(); }

  // Sends a notification unless the client opted out of `method` or is not initialized.
  void notify(std::string_view method, const nlohmann::json& params, const std::string& key,
              bool droppable = false);

  // Reads see the session's own earlier writes: a read asked for while a write of this
  // session is in flight starts after that write has been answered. (Requests of one
  // session may still be answered out of order: reads run in parallel.)
  template <class T>
  void read(std::function<T(eventstore::Store&)> work, std::function<void(T)> done) {
    auto submit = [this, work = std::move(work), done = track<T>(std::move(done))]() mutable {
      server_.db().read<T>(std::move(work), std::move(done));
    };
    if (writes_in_flight_ > 0) {
      deferred_reads_.push_back(std::move(submit));
    } else {
      submit();
    }
  }
  template <class T>
  void write(std::function<T(eventstore::Store&)> work, std::function<void(T)> done) {
    ++writes_in_flight_;
    server_.db().write<T>(std::move(work),
                          track<T>([this, done = std::move(done)](T result) {
                            done(std::move(result));
                            if (--writes_in_flight_ == 0) release_reads();
                          }));
  }

  // Closes once nothing is in flight (server shutdown).
  void close_when_idle();

  // Sends the client a request of ours (an approval) in order with the notifications, and
  // calls `on_response` with the client's response when it comes. When the session closes
  // first, the callback is dropped uncalled (AppServer tells the turns that the session is
  // gone). Returns the request id used (an integer, counted per session from 0), or null
  // (and sends nothing) when the session is not initialized or is closing.
  using ResponseCallback = std::function<void(Response)>;
  nlohmann::json send_request(std::string_view method, const nlohmann::json& params,
                              ResponseCallback on_response);
  // Forgets a request sent by send_request: its callback is dropped uncalled (the answer is
  // no longer needed). False when it was not pending.
  bool withdraw_request(const nlohmann::json& id);

 private:
  template <class T>
  std::function<void(T)> track(std::function<void(T)> done) {
    ++in_flight_;
    return [alive = std::weak_ptr<int>(alive_), this, done = std::move(done)](T result) {
      if (alive.expired()) return;
      --in_flight_;
      done(std::move(result));
      maybe_close();
    };
  }
  void maybe_close();
  void release_reads();
  void on_response(Response response);
  void register_initialize();

  AppServer& server_;
  Connection& connection_;
  MessageRouter router_;
  NotificationOutbox outbox_;
  std::set<std::string, std::less<>> opted_out_;
  std::string client_name_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  int in_flight_ = 0;
  int writes_in_flight_ = 0;
  std::vector<std::function<void()>> deferred_reads_;
  std::int64_t next_request_id_ = 0;
  std::map<std::int64_t, ResponseCallback> pending_requests_;
  bool closing_ = false;  // EOF seen or shutdown asked: close when idle
  bool close_called_ = false;
};

}  // namespace spool::rpc
