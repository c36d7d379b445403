// TurnLeases: which process runs a turn on a thread, across every process that opened the
// database (the turn_leases table, migrations/0008_turn_leases.sql).
//
// `spool serve` guards turns in memory (one turn per thread per server); two servers on one
// database would each pass that guard. A lease row per running turn, taken in a BEGIN
// IMMEDIATE transaction, makes the second one fail: exactly one wins.
//
// A lease is held by an owner (a token unique to one LeaseOwner, i.e. one server, plus its
// process's pid, host and start time). A lease whose owner's process is gone is stale and
// is taken over: same host and kill(pid, 0) says there is no such process, or the pid now
// belongs to a process started at another time (reused). A lease of another host, or of
// another owner in this very process, is never judged stale (SQLite's WAL needs one host
// anyway).
//
// Threading: a TurnLeases is one SQLite connection, used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "eventstore/store_error.h"

namespace SQLite {
class Database;
}

namespace spool::eventstore {

// Who takes leases: one per server (a new token each time one is made).
struct LeaseOwner {
  std::string token;           // unique: a UUIDv7
  std::int64_t pid = 0;
  std::string host;
  std::int64_t pid_start = 0;  // the process's start time (clock ticks since boot); 0 unknown

  static LeaseOwner of_this_process();
};

// A lease row as stored.
struct TurnLease {
  std::string thread_id;
  LeaseOwner owner;
  std::optional<std::string> turn_id;
  std::int64_t taken_at_ms = 0;  // UTC
};

struct LeaseAttempt {
  bool taken = false;
  // When not taken: the lease that holds the thread. When taken over from a dead owner:
  // that stale lease. Otherwise nullopt.
  std::optional<TurnLease> other;
};

class TurnLeases {
 public:
  // Opens a connection of its own to the Spool database at `path`, which a Store has already
  // created and migrated (schema version 8 or later). ":memory:" is refused (InvalidArgument):
  // no other connection can share it, so there is nothing to guard.
  static Result<std::unique_ptr<TurnLeases>, StoreError> open(const std::string& path,
                                                              LeaseOwner owner,
                                                              int busy_timeout_ms = 10000);
  ~TurnLeases();
  TurnLeases(const TurnLeases&) = delete;
  TurnLeases& operator=(const TurnLeases&) = delete;

  // Takes the thread's lease for this owner, in one BEGIN IMMEDIATE transaction: when free,
  // when this owner holds it already (re-taken, e.g. after a release that failed), or when
  // its holder is stale (taken over). Otherwise not taken, and `other` names the holder.
  Result<LeaseAttempt, StoreError> acquire(std::string_view thread_id,
                                           std::optional<std::string> turn_id = std::nullopt);

  // Gives the thread's lease back if this owner holds it; returns whether a row was removed.
  Result<bool, StoreError> release(std::string_view thread_id);

  // The thread's lease row, if any (stale or not).
  Result<std::optional<TurnLease>, StoreError> holder(std::string_view thread_id);

  const LeaseOwner& owner() const { return owner_; }

  // Whether `lease`'s owning process is gone, as seen from `self`'s process (see above).
  static bool is_stale(const TurnLease& lease, const LeaseOwner& self);

 private:
  TurnLeases(std::string path, LeaseOwner owner, std::unique_ptr<SQLite::Database> db);

  std::string path_;
  LeaseOwner owner_;
  std::unique_ptr<SQLite::Database> db_;
};

// "pid 1234 on host h since 2026-11-24T18:40:00Z (turn T)": for error messages.
std::string describe_lease(const TurnLease& lease);

}  // namespace spool::eventstore
