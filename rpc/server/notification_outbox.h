// NotificationOutbox: the notifications one connection is sent about changes it did not ask
// for (another client renamed a thread it watches, a thread was archived, ...).
//
// Such output is not paced by the peer's own requests, so the transport's back-pressure
// (stop reading when the queue is full) cannot bound it. The outbox does, without losing
// what the client needs to know:
//  - while the connection's queue is below kHighWatermarkBytes, a notification is sent at
//    once;
//  - otherwise it is held; a held notification with the same non-empty key is replaced in
//    place by the newer one (keys name a piece of state, e.g. "thread/name/updated:<id>",
//    so the newest value is what a congested client gets);
//  - a notification pushed as `droppable` (a streaming delta, whose content the completed
//    item repeats) is dropped instead of held, and counted;
//  - flush() (on the transport's on_drained) sends held notifications, oldest first, until
//    the connection is congested again.
// Held notifications are therefore bounded by the number of distinct keys, and an unkeyed
// notification must not be pushed in unbounded numbers.
//
// Threading: loop thread only.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "rpc/transport/transport.h"

namespace spool::rpc {

class NotificationOutbox {
 public:
  explicit NotificationOutbox(Connection& connection) : connection_(connection) {}

  // `line` is one JSON text ending in '\n'.
  void push(std::string key, std::string line, bool droppable = false);
  void flush();

  std::size_t held() const { return held_.size(); }
  std::size_t dropped() const { return dropped_; }

 private:
  bool congested() const;

  struct Held {
    std::string key;
    std::string line;
  };
  Connection& connection_;
  std::list<Held> held_;
  std::unordered_map<std::string, std::list<Held>::iterator> by_key_;
  std::size_t dropped_ = 0;
};

}  // namespace spool::rpc
