// TurnLeases: the turn_leases table, with its own connection (see turn_lease.h).
#include "eventstore/turn_lease.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "base/time.h"
#include "base/uuid.h"
#include "eventstore/sqlite_error.h"

namespace spool::eventstore {
namespace {

constexpr const char* kSelectLease =
    "SELECT owner, pid, host, pid_start, turn_id, taken_at_ms FROM turn_leases "
    "WHERE thread_id = ?";
constexpr const char* kUpsertLease =
    "INSERT INTO turn_leases (thread_id, owner, pid, host, pid_start, turn_id, taken_at_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, "
    "pid = excluded.pid, host = excluded.host, pid_start = excluded.pid_start, "
    "turn_id = excluded.turn_id, taken_at_ms = excluded.taken_at_ms";
constexpr const char* kDeleteLease = "DELETE FROM turn_leases WHERE thread_id = ? AND owner = ?";

// Field 22 of /proc/<pid>/stat (starttime); 0 when it cannot be read.
std::int64_t process_start_ticks(std::int64_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!in || !std::getline(in, stat)) return 0;
  // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  try {
    return std::stoll(field);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::optional<TurnLease> read_lease(SQLite::Database& db, std::string_view thread_id) {
  SQLite::Statement q(db, kSelectLease);
  q.bind(1, std::string(thread_id));
  if (!q.executeStep()) return std::nullopt;
  TurnLease l;
  l.thread_id = std::string(thread_id);
  l.owner.token = q.getColumn(0).getString();
  l.owner.pid = q.getColumn(1).getInt64();
  l.owner.host = q.getColumn(2).getString();
  l.owner.pid_start = q.getColumn(3).getInt64();
  if (!q.getColumn(4).isNull()) l.turn_id = q.getColumn(4).getString();
  l.taken_at_ms = q.getColumn(5).getInt64();
  return l;
}

}  // namespace

LeaseOwner LeaseOwner::of_this_process() {
  LeaseOwner o;
  o.token = new_uuid_v7();
  o.pid = static_cast<std::int64_t>(getpid());
  o.host = host_name();
  o.pid_start = process_start_ticks(o.pid);
  return o;
}

bool TurnLeases::is_stale(const TurnLease& lease, const LeaseOwner& self) {
  if (lease.owner.host != self.host) return false;  // cannot look at another host's processes
  if (lease.owner.pid == self.pid) return false;    // ours, or another owner alive in this process
  if (lease.owner.pid <= 0) return true;
  if (kill(static_cast<pid_t>(lease.owner.pid), 0) != 0 && errno == ESRCH) return true;
  // The pid runs: the same process unless it was reused by one started at another time.
  if (lease.owner.pid_start != 0) {
    const std::int64_t now_start = process_start_ticks(lease.owner.pid);
    if (now_start != 0 && now_start != lease.owner.pid_start) return true;
  }
  return false;
}

TurnLeases::TurnLeases(std::string path, LeaseOwner owner, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), owner_(std::move(owner)), db_(std::move(db)) {}

TurnLeases::~TurnLeases() = default;

Result<std::unique_ptr<TurnLeases>, StoreError> TurnLeases::open(const std::string& path,
                                                                 LeaseOwner owner,
                                                                 int busy_timeout_ms) {
  if (path.empty() || path == ":memory:") {
    return StoreError{StoreErrorCode::InvalidArgument,
                      "turn leases need a database file that other processes can open"};
  }
  try {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, busy_timeout_ms);
    // Fails early (no such table) on a database that was not migrated to version 8.
    SQLite::Statement probe(*db, kSelectLease);
    return std::unique_ptr<TurnLeases>(new TurnLeases(path, std::move(owner), std::move(db)));
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("opening the turn leases", path, e.getErrorCode(), e.what());
  }
}

Result<LeaseAttempt, StoreError> TurnLeases::acquire(std::string_view thread_id,
                                                     std::optional<std::string> turn_id) {
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    LeaseAttempt attempt;
    if (auto current = read_lease(*db_, thread_id)) {
      if (current->owner.token != owner_.token) {
        if (!is_stale(*current, owner_)) {
          attempt.other = std::move(current);
          return attempt;  // tx rolls back: nothing written
        }
        attempt.other = std::move(current);  // taken over below
      }
    }
    SQLite::Statement up(*db_, kUpsertLease);
    up.bind(1, std::string(thread_id));
    up.bind(2, owner_.token);
    up.bind(3, owner_.pid);
    up.bind(4, owner_.host);
    up.bind(5, owner_.pid_start);
    if (turn_id) {
      up.bind(6, *turn_id);
    } else {
      up.bind(6);
    }
    up.bind(7, now_ms());
    up.exec();
    tx.commit();
    attempt.taken = true;
    return attempt;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("taking the turn lease of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<bool, StoreError> TurnLeases::release(std::string_view thread_id) {
  try {
    SQLite::Statement del(*db_, kDeleteLease);
    del.bind(1, std::string(thread_id));
    del.bind(2, owner_.token);
    return del.exec() > 0;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("releasing the turn lease of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<std::optional<TurnLease>, StoreError> TurnLeases::holder(std::string_view thread_id) {
  try {
    return read_lease(*db_, thread_id);
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading the turn lease of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

std::string describe_lease(const TurnLease& lease) {
  std::string out = fmt::format("pid {} on host {} since {}", lease.owner.pid, lease.owner.host,
                                format_rfc3339_ms(lease.taken_at_ms));
  if (lease.turn_id) out += fmt::format(" (turn {})", *lease.turn_id);
  return out;
}

}  // namespace spool::eventstore
