// TurnLeaseGuard: the cross-process half of "one turn per thread" (eventstore/turn_lease.h).
//
// AppServer refuses a second turn on a thread in memory; this guard makes a turn also take
// the thread's lease row in the database, so that a second `spool serve` on the same
// database cannot run a turn on that thread at the same time. turn/start takes the lease on
// the writer thread before the turn starts; LiveTurn releases it with the turn's last events
// (and turn/start when it fails after taking it). A server killed mid-turn leaves a stale lease that
// the next turn/start, in any process, takes over.
//
// Threading: acquire() runs on the database writer thread (inside a DbExecutor write job);
// release() is called on the loop thread and submits a write job.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "eventstore/store.h"

namespace spool::rpc {

class DbExecutor;

class TurnLeaseGuard {
 public:
  explicit TurnLeaseGuard(DbExecutor& db);
  ~TurnLeaseGuard();
  TurnLeaseGuard(const TurnLeaseGuard&) = delete;
  TurnLeaseGuard& operator=(const TurnLeaseGuard&) = delete;

  struct Outcome {
    bool taken = false;
    bool held_elsewhere = false;  // not taken: another live process runs a turn on the thread
    std::string message;          // why not taken (names the holder), for the client
  };
  // Called on the writer thread, with the writer's store: takes the thread's lease for
  // `turn_id`. A database that no other process can open (":memory:") needs none: taken.
  // The callable shares the guard's state, so a write job may hold it safely.
  using Acquire = std::function<Outcome(eventstore::Store& writer, const std::string& thread_id,
                                        const std::string& turn_id)>;
  Acquire acquirer() const;

  // Called on the writer thread: gives the thread's lease back if this server holds it
  // (failures are logged; the lease is then stale once this process exits). LiveTurn runs
  // it in the job that stores the turn's last events, before turn/completed is sent, so a
  // client that saw turn/completed can start the next turn in any server.
  using Release = std::function<void(eventstore::Store& writer, const std::string& thread_id)>;
  Release releaser() const;

  // On the loop thread: the same as a write job of its own (a turn/start that took the
  // lease and then failed).
  void release(const std::string& thread_id);

  struct State;  // the lease connection: touched on the writer thread only

 private:
  DbExecutor& db_;
  std::shared_ptr<State> state_;
};

}  // namespace spool::rpc
