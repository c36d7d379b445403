#include "rpc/server/notification_outbox.h"

namespace spool::rpc {

bool NotificationOutbox::congested() const {
  return connection_.queued_bytes() > kHighWatermarkBytes;
}

void NotificationOutbox::push(std::string key, std::string line, bool droppable) {
  if (held_.empty() && !congested()) {
    connection_.send(std::move(line));
    return;
  }
  if (droppable) {
    ++dropped_;
    return;
  }
  if (!key.empty()) {
    if (const auto it = by_key_.find(key); it != by_key_.end()) {
      it->second->line = std::move(line);
      return;
    }
  }
  held_.push_back(Held{key, std::move(line)});
  if (!key.empty()) by_key_.emplace(std::move(key), std::prev(held_.end()));
}

void NotificationOutbox::flush() {
  while (!held_.empty() && !congested()) {
    Held h = std::move(held_.front());
    if (!h.key.empty()) by_key_.erase(h.key);
    held_.pop_front();
    connection_.send(std::move(h.line));
  }
}

}  // namespace spool::rpc
