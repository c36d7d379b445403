#include "rpc/server/turn_lease_guard.h"

#include <fmt/format.h>

#include "base/log.h"
#include "eventstore/turn_lease.h"
#include "rpc/server/db_executor.h"

namespace spool::rpc {

struct TurnLeaseGuard::State {
  eventstore::LeaseOwner owner = eventstore::LeaseOwner::of_this_process();
  std::unique_ptr<eventstore::TurnLeases> leases;  // opened on first use
  bool in_memory = false;                          // nothing to guard
};

TurnLeaseGuard::TurnLeaseGuard(DbExecutor& db) : db_(db), state_(std::make_shared<State>()) {}

TurnLeaseGuard::~TurnLeaseGuard() = default;

namespace {

TurnLeaseGuard::Outcome acquire(TurnLeaseGuard::State& s, eventstore::Store& writer,
                                const std::string& thread_id, const std::string& turn_id) {
  if (writer.path().empty() || writer.path() == ":memory:") s.in_memory = true;
  if (s.in_memory) return {true, false, {}};
  if (!s.leases) {
    auto opened = eventstore::TurnLeases::open(writer.path(), s.owner);
    if (!opened) {
      return {false, false,
              fmt::format("thread {}: cannot take its turn lease: {}", thread_id,
                          opened.error().message)};
    }
    s.leases = std::move(opened).value();
  }
  auto attempt = s.leases->acquire(thread_id, turn_id);
  if (!attempt) {
    return {false, false,
            fmt::format("thread {}: cannot take its turn lease: {}", thread_id,
                        attempt.error().message)};
  }
  if (!attempt->taken) {
    return {false, true,
            fmt::format("thread {} already has a turn in progress in another spool process ({}) "
                        "on this database: wait for it to complete, or interrupt it there",
                        thread_id, eventstore::describe_lease(*attempt->other))};
  }
  if (attempt->other) {
    log::info("thread {}: took over the turn lease of a process that is gone ({})", thread_id,
              eventstore::describe_lease(*attempt->other));
  }
  return {true, false, {}};
}

}  // namespace

TurnLeaseGuard::Acquire TurnLeaseGuard::acquirer() const {
  return [state = state_](eventstore::Store& writer, const std::string& thread_id,
                          const std::string& turn_id) {
    return acquire(*state, writer, thread_id, turn_id);
  };
}

TurnLeaseGuard::Release TurnLeaseGuard::releaser() const {
  return [state = state_](eventstore::Store&, const std::string& thread_id) {
    if (!state->leases) return;  // never taken here (or an in-memory database)
    auto r = state->leases->release(thread_id);
    if (!r) log::info("thread {}: could not release its turn lease: {}", thread_id, r.error().message);
  };
}

void TurnLeaseGuard::release(const std::string& thread_id) {
  db_.write<bool>(
      [release = releaser(), thread_id](eventstore::Store& store) {
        release(store, thread_id);
        return true;
      },
      [](bool) {});
}

}  // namespace spool::rpc
